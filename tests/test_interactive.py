"""Interactive review, driven by scripted answers."""

from __future__ import annotations

from cdkfix import fix_source
from cdkfix.interactive import review, split_hunks
from cdkfix.rule import Finding

SOURCE = '''\
from aws_cdk import (
    Stack,
    aws_route53 as route53,
    aws_events as events,
)


class S(Stack):
    def build(self, alb, fn, rule):
        target = route53.RecordTarget.from_alias(route53.targets.LoadBalancerTarget(alb))
        rule.add_target(events.targets.LambdaFunction(fn))
'''


def _script(*answers):
    prompts: list[str] = []
    queue = list(answers)

    def ask(prompt: str) -> str:
        prompts.append(prompt)
        if not queue:
            raise EOFError
        return queue.pop(0)

    return ask, prompts


def _fixed():
    result = fix_source(SOURCE, select=["CDK004"])
    assert len([f for f in result.findings if f.applied]) == 2
    return result


def test_one_hunk_per_fix_and_imports_follow_their_fix():
    result = _fixed()
    hunks = split_hunks(SOURCE, result.output, result.findings)
    assert [h.binds for h in hunks if h.is_import] == [frozenset({"route53_targets"}), frozenset({"targets"})]
    assert [len(h.findings) for h in hunks if not h.is_import] == [1, 1]


def test_accept_first_skip_second():
    result = _fixed()
    ask, prompts = _script("y", "n")
    text = review(SOURCE, result.output, result.findings, ask, path="s.py", show=lambda _: None)
    assert "route53_targets.LoadBalancerTarget" in text and "aws_route53_targets as route53_targets," in text
    assert "events.targets.LambdaFunction" in text and "aws_events_targets" not in text
    assert len(prompts) == 2
    assert prompts[0].startswith("[1/2] CDK004") and "+++ b/s.py" in prompts[0]
    assert "+    aws_route53_targets as route53_targets," in prompts[0]
    assert "aws_events_targets" not in prompts[0], "each preview shows only its own import"
    compile(text, "s.py", "exec")


def test_skip_first_accept_second_keeps_bytes_elsewhere():
    result = _fixed()
    ask, _ = _script("n", "yes")
    text = review(SOURCE, result.output, result.findings, ask, show=lambda _: None)
    expected = SOURCE.replace("events.targets.LambdaFunction", "targets.LambdaFunction").replace(
        "    aws_events as events,\n", "    aws_events as events,\n    aws_events_targets as targets,\n")
    assert text == expected


def test_accept_all_and_quit():
    result = _fixed()
    ask, prompts = _script("a")
    assert review(SOURCE, result.output, result.findings, ask, show=lambda _: None) == result.output
    assert len(prompts) == 1
    ask, prompts = _script("q")
    assert review(SOURCE, result.output, result.findings, ask, show=lambda _: None) == SOURCE
    ask, _ = _script()  # end of input: quit
    assert review(SOURCE, result.output, result.findings, ask, show=lambda _: None) == SOURCE


def test_unknown_answers_are_asked_again():
    result = _fixed()
    ask, prompts = _script("maybe", "Y", "")
    notices: list[str] = []
    text = review(SOURCE, result.output, result.findings, ask, show=notices.append)
    assert len(prompts) == 3 and "please answer" in notices[0].lower()
    assert "route53_targets.LoadBalancerTarget" in text and "events.targets" in text


def test_crlf_is_kept():
    source = SOURCE.replace("\n", "\r\n")
    result = fix_source(source, select=["CDK004"])
    ask, _ = _script("y", "n")
    text = review(source, result.output, result.findings, ask, show=lambda _: None)
    assert "\r\n" in text and "\n" not in text.replace("\r\n", "")


def _finding(line: int) -> Finding:
    return Finding("CDK999", "test", f"fix at {line}", line, 1, "safe", fixable=True, applied=True)


def test_a_combination_that_does_not_compile_falls_back():
    before = "x = (1,\n     2)\ny = 1\nz = 2\n"
    after = "x = [1,\n     2]\ny = 1\nz = 3\n"
    findings = [_finding(1), _finding(2), _finding(4)]
    assert len(split_hunks(before, after, findings)) == 3
    notices: list[str] = []
    ask, _ = _script("y", "n", "y")
    text = review(before, after, findings, ask, show=notices.append, path="t.py")
    assert text == "x = (1,\n     2)\ny = 1\nz = 3\n"
    assert "do not compile together" in notices[0] and "not applied" in notices[1]
    ask, _ = _script("y", "y", "n")
    assert review(before, after, findings, ask, show=notices.append) == "x = [1,\n     2]\ny = 1\nz = 2\n"


def test_nothing_to_review():
    ask, prompts = _script()
    assert review("x = 1\n", "x = 1\n", [], ask) == "x = 1\n" and not prompts
