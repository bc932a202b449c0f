"""Engine guarantees: fixpoint, compile check, rule crashes contained, suppressions, never worse output."""

from __future__ import annotations

import textwrap

import hypothesmith
import libcst as cst
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cdkfix import fix_source
from cdkfix.engine import MAX_PASSES, SourceSyntaxError, fix_code
from cdkfix.registry import all_rules
from cdkfix.rule import Case, Rule, RuleOptions

BROKEN = "from aws_cdk import aws_route53 as route53\nt = route53.targets.LoadBalancerTarget(alb)\n"


class _AlwaysAppends(Rule):
    code, name, title, why, source = "CDK900", "always-appends", "t", "w", "test"
    triggers = ("x",)

    def leave_Module(self, original_node, updated_node):
        line = cst.parse_statement("x = 1\n")
        return self.fix(original_node, updated_node, updated_node.with_changes(body=[*updated_node.body, line]), "m")


class _Crashes(Rule):
    code, name, title, why, source = "CDK901", "crashes", "t", "w", "test"

    def visit_Name(self, node):
        raise RuntimeError("boom")


class _BreaksSyntax(Rule):
    code, name, title, why, source = "CDK902", "breaks-syntax", "t", "w", "test"
    triggers = ("route53",)

    def leave_Name(self, original_node, updated_node):
        if updated_node.value == "alb":
            return self.fix(original_node, updated_node, updated_node.with_changes(value="lambda"), "m")
        return updated_node


def _rules(*codes):
    return [r for r in all_rules() if r.code in codes]


def test_no_fixpoint_is_reported():
    result = fix_code("x = 0\n", [_AlwaysAppends])
    assert result.passes == MAX_PASSES
    assert any("no fixpoint" in e for e in result.errors)


def test_a_crashing_rule_does_not_lose_other_rules_work():
    result = fix_code(BROKEN, [_Crashes, *_rules("CDK004")])
    assert "route53_targets.LoadBalancerTarget" in result.output
    assert any("CDK901 crashes crashed: RuntimeError: boom" in e for e in result.errors)


def test_output_that_does_not_compile_is_discarded():
    result = fix_code(BROKEN, [_BreaksSyntax])
    assert result.output == BROKEN
    assert any("does not compile" in e for e in result.errors)


def test_syntax_error_is_raised_with_position_even_when_no_rule_can_fire():
    with pytest.raises(SourceSyntaxError) as info:
        fix_code("def f(:\n", _rules("CDK004"))
    assert info.value.line == 1
    with pytest.raises(SourceSyntaxError):
        fix_code("x = route53.targets(\n", _rules("CDK004"))


@pytest.mark.parametrize("comment", [
    "# cdkfix: ignore[CDK004]",
    "# cdkfix: ignore[submodule-as-attribute]",
    "# cdkfix: ignore",
    "# lint-ignore: SubmoduleAsAttribute",
])
def test_suppression_comment_on_the_line(comment):
    source = BROKEN.replace("(alb)\n", f"(alb)  {comment}\n")
    result = fix_source(source)
    assert result.output == source
    assert not [f for f in result.findings if f.code == "CDK004"]


def test_suppression_comment_on_the_line_before():
    source = BROKEN.replace("t = ", "# cdkfix: ignore[CDK004]\nt = ")
    assert fix_source(source).output == source


def test_suppression_for_another_rule_does_not_suppress():
    source = BROKEN.replace("(alb)\n", "(alb)  # cdkfix: ignore[CDK001]\n")
    assert "route53_targets" in fix_source(source).output


def test_unsafe_fix_not_applied_carries_its_diff():
    class _Unsafe(_BreaksSyntax):
        code, name, safety = "CDK903", "unsafe-rename", "unsafe"

        def leave_Name(self, original_node, updated_node):
            if updated_node.value == "alb":
                return self.fix(original_node, updated_node, updated_node.with_changes(value="balancer"), "m")
            return updated_node

    result = fix_code(BROKEN, [_Unsafe])
    assert result.output == BROKEN
    (finding,) = result.findings
    assert not finding.applied and finding.fixable and finding.safety == "unsafe"
    assert "+t = route53.targets.LoadBalancerTarget(balancer)" in finding.diff
    applied = fix_code(BROKEN, [_Unsafe], RuleOptions(unsafe_fixes=True))
    assert "balancer" in applied.output and applied.findings[0].applied


# -- properties: never crash, output parses, a second run changes nothing -----------------------------

CASE_SOURCES = [textwrap.dedent(case.before).lstrip("\n") for rule in all_rules() for case in rule.cases]


def _check_properties(source: str, unsafe: bool) -> None:
    result = fix_source(source, unsafe_fixes=unsafe)
    crashes = [e for e in result.errors if "crashed" in e]
    assert not crashes, crashes
    compile(result.output, "<output>", "exec")
    again = fix_source(result.output, unsafe_fixes=unsafe)
    assert again.output == result.output, "a second run must change nothing"


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(hypothesmith.from_grammar(), st.booleans())
def test_random_programs(source, unsafe):
    try:
        compile(source, "<input>", "exec")
    except (SyntaxError, ValueError):
        return  # hypothesmith can produce code the running CPython rejects
    _check_properties(source, unsafe)


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.sampled_from(CASE_SOURCES), min_size=1, max_size=4), st.booleans())
def test_rule_cases_combined(parts, unsafe):
    source = "\n".join(parts)
    try:
        compile(source, "<input>", "exec")
    except SyntaxError:
        return
    _check_properties(source, unsafe)


# -- what a pass costs ----------------------------------------------------------------------------------

def test_positions_are_libcst_positions():
    """The engine's shared position map gives exactly LibCST's ``PositionProvider`` ranges, for every node."""
    from pathlib import Path

    from libcst.metadata import MetadataWrapper, PositionProvider

    from cdkfix.rule import module_positions

    examples = Path(__file__).resolve().parent.parent / "examples"
    sources = [p.read_text(encoding="utf-8") for p in sorted(examples.glob("*/*.py"))]
    sources += ["@d\nclass A(B, metaclass=M):\n    x: int = 1  # c\n\n\n@d(1)\nasync def f(*, a=1):\n    return a\r\n",
                "if x:\n\tpass\nelif y: z = [i for i in (1, 2)]\nelse:\n    w = f'{x!r:>{n}}' 'y'\n"]
    for source in sources:
        module = cst.parse_module(source)
        expected = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
        positions = module_positions(module)
        assert len(positions) == len(expected)
        assert all(positions[node] == expected[node] for node in expected)


class _Counts(Rule):
    """Reports every ``x`` and counts its runs."""

    code, name, title, why, source = "CDK903", "counts", "t", "w", "test"
    runs = 0

    def visit_Module(self, node):
        type(self).runs += 1
        return super().visit_Module(node)

    def visit_Name(self, node):
        if node.value == "x":
            self.report(node, "an x")


class _RenamesOnce(Rule):
    code, name, title, why, source = "CDK904", "renames-once", "t", "w", "test"

    def leave_Name(self, original_node, updated_node):
        if updated_node.value == "alb":
            return self.fix(original_node, updated_node, updated_node.with_changes(value="balancer"), "m")
        return updated_node


@pytest.mark.parametrize("comment", ["", "  # cdkfix: ignore[CDK999]"])
def test_a_rule_is_not_rerun_on_text_it_already_left_unchanged(comment):
    """Pass 2 reruns the rule that changed the text, not the one after it (it saw that text already),
    unless a suppression comment is there to be consulted again."""
    _Counts.runs = 0
    result = fix_code(f"y = alb{comment}\nx = 1\n", [_RenamesOnce, _Counts])
    assert result.output.startswith("y = balancer")
    assert result.passes == 2
    assert [f.code for f in result.findings] == ["CDK904", "CDK903"]  # the report is given once
    assert _Counts.runs == (2 if comment else 1)


def test_finding_lines_point_into_the_input_after_earlier_rewrites():
    # CDK004 adds an import line at the top; a later rule's finding must still name the input's line.
    source = (
        "from aws_cdk import (\n"
        "    aws_route53 as route53,\n"
        "    aws_dynamodb as dynamodb,\n"
        ")\n"
        "t = route53.targets.LoadBalancerTarget(alb)\n"
        "\n"
        "m = dynamodb.BillingMode.NO_SUCH_MODE_AT_ALL\n"
    )
    result = fix_source(source)
    assert "aws_route53_targets as route53_targets" in result.output
    lines = {f.code: f.line for f in result.findings}
    assert lines.get("CDK004") == 5
    assert lines.get("CDK102") == 7


def test_a_rule_whose_prefilter_said_no_runs_once_another_rule_made_it_applicable():
    # `other` is unbound: CDK103 imports aws_s3 as `other`, which only then makes the call an s3.Bucket
    # whose fixed name CDK016 rewrites; one run must reach what a second run would do.
    source = textwrap.dedent("""\
        from aws_cdk import Stack
        class S(Stack):
            def f(self):
                other.Bucket(self, "I", bucket_name="x")
        """)
    result = fix_source(source, unsafe_fixes=True)
    assert 'bucket_name=f"x-{self.account}"' in result.output
    assert {"CDK103", "CDK016"} <= {f.code for f in result.findings if f.applied}
    assert fix_source(result.output, unsafe_fixes=True).output == result.output
