"""Fixing Markdown answers: blocks fixed in place, the rest kept byte for byte, blocks form one project."""

from __future__ import annotations

from cdkfix import fix_markdown

ANSWER = (
    "# Answer\r\n"
    "\r\n"
    "Here is the stack:  \r\n"
    "\r\n"
    "## File: lib/dns_stack.py\r\n"
    "\r\n"
    "```python\r\n"
    "from aws_cdk import aws_route53 as route53\r\n"
    "t = route53.targets.LoadBalancerTarget(alb)\r\n"
    "\r\n"
    "```\r\n"
    "\r\n"
    "```bash\r\n"
    "route53.targets.X\r\n"
    "```\r\n"
    "\r\n"
    "- step\r\n"
    "  ```py\r\n"
    "  from aws_cdk import aws_events as events\r\n"
    "  r = events.targets.LambdaFunction(fn)\r\n"
    "  ```\r\n"
)


def test_fixes_python_blocks_only_and_keeps_every_other_byte():
    result = fix_markdown(ANSWER)
    assert not result.errors
    expected = (ANSWER
                .replace("import aws_route53 as route53\r\n",
                         "import aws_route53 as route53, aws_route53_targets as route53_targets\r\n")
                .replace("t = route53.targets.", "t = route53_targets.")
                .replace("import aws_events as events\r\n",
                         "import aws_events as events, aws_events_targets as targets\r\n")
                .replace("r = events.targets.", "r = targets."))
    assert result.output == expected
    assert "route53.targets.X" in result.output  # the bash block is not Python
    assert "\r\n\r\n```\r\n" in result.output  # trailing blank line in a block is not a file's trailing line
    assert fix_markdown(result.output).output == result.output


def test_diffs_and_findings_name_the_block_file_and_markdown_line():
    result = fix_markdown(ANSWER, path="answer.md")
    assert "a/answer.md#lib/dns_stack.py" in result.diff
    lines = sorted(f.line for f in result.findings)
    assert lines == [9, 20]


def test_a_block_that_does_not_parse_is_reported_and_left_alone():
    text = "```python\ndef broken(:\n```\n\n```python\nfrom aws_cdk import aws_events as events\nx = events.targets.SqsQueue(q)\n```\n"
    result = fix_markdown(text, path="a.md")
    assert any(e.startswith("a.md:2: block 1 does not parse") for e in result.errors)
    assert "def broken(:" in result.output and "targets.SqsQueue" in result.output
    assert "events.targets" not in result.output


PROJECT = '''## File: lib/network_stack.py

```python
from aws_cdk import Stack, aws_ec2 as ec2, aws_ecs as ecs


class NetworkStack(Stack):
    def __init__(self, scope, construct_id, **kwargs):
        super().__init__(scope, construct_id, **kwargs)
        self.vpc = ec2.Vpc(self, "Vpc", max_azs=2)
        self.cluster = ecs.Cluster(self, "Cluster", vpc=self.vpc)
```

## File: lib/service_stack.py

```python
from aws_cdk import Stack, aws_ecs as ecs


class ServiceStack(Stack):
    def __init__(self, scope, construct_id, cluster, task, **kwargs):
        super().__init__(scope, construct_id, **kwargs)
        ecs.FargateService(self, "Svc", cluster=cluster, task_definition=task,
                           cloud_map_options=ecs.CloudMapOptions(name="api"))
```
'''


def test_blocks_of_one_answer_are_one_project():
    suggested = fix_markdown(PROJECT, path="answer.md")
    assert suggested.output == PROJECT, "the namespace name is a guess: not applied without unsafe fixes"
    assert any(f.code == "CDK006" and not f.applied for f in suggested.findings)
    fixed = fix_markdown(PROJECT, path="answer.md", unsafe_fixes=True)
    network = fixed.output.split("## File: lib/service_stack.py")[0]
    assert "default_cloud_map_namespace=ecs.CloudMapNamespaceOptions(" in network
    assert "vpc=self.vpc" in network
    assert "a/answer.md#lib/network_stack.py" in fixed.diff
