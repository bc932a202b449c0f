"""cdkfix rules as Fixit 2 LintRules: discovery, Fixit's own VALID/INVALID harness, lint, fix, lint-ignore."""

from __future__ import annotations

import unittest
from pathlib import Path

import pytest
from fixit.api import fixit_bytes
from fixit.config import walk_module
from fixit.ftypes import Config, QualifiedRule
from fixit.testing import generate_lint_rule_test_cases

import cdkfix.fixit_bridge as bridge
from cdkfix import fix_source
from cdkfix.registry import all_rules, find_rule

TWO_RULES = ["CDK004", "CDK003"]

BROKEN = """\
from aws_cdk import aws_route53 as route53

target = route53.RecordTarget.from_alias(route53.targets.LoadBalancerTarget(alb))
"""


def test_one_lint_rule_per_registry_rule():
    found = walk_module(bridge)
    assert set(found) == {bridge.class_name(rule) for rule in all_rules()}
    assert found["SubmoduleAsAttribute"].CDKFIX_RULE is find_rule("CDK004")
    assert bridge.class_name(find_rule("CDK004")) == "SubmoduleAsAttribute"


def _fixit_tests():
    cases = []
    for code in TWO_RULES:
        try:
            rule = find_rule(code)
        except Exception:  # pragma: no cover - a rule not merged yet
            continue
        lint_rule = getattr(bridge, bridge.class_name(rule))
        for test_case in generate_lint_rule_test_cases([lint_rule()]):
            for name in sorted(n for n in dir(test_case) if n.startswith("test_")):
                cases.append(pytest.param(test_case, name, id=f"{code}-{name}"))
    return cases


@pytest.mark.parametrize(("test_case", "method"), _fixit_tests())
def test_fixit_harness(test_case, method):
    result = unittest.TestResult()
    test_case(method).run(result)
    problems = result.failures + result.errors
    assert not problems, problems[0][1]


def _config(tmp_path: Path, name: str = "SubmoduleAsAttribute") -> Config:
    return Config(path=tmp_path / "app.py", root=tmp_path, enable=[QualifiedRule("cdkfix.fixit_bridge", name)])


def _run(tmp_path: Path, source: str, *, autofix: bool):
    generator = fixit_bytes(tmp_path / "app.py", source.encode(), config=_config(tmp_path), autofix=autofix)
    results = []
    try:
        while True:
            results.append(next(generator))
    except StopIteration as stop:
        return results, stop.value


def test_lint_reports_at_the_finding_and_fixes_like_cdkfix(tmp_path):
    results, fixed = _run(tmp_path, BROKEN, autofix=True)
    violations = [r.violation for r in results if r.violation]
    assert not [r.error for r in results if r.error]
    assert len(violations) == 1
    violation = violations[0]
    assert violation.rule_name == "SubmoduleAsAttribute"
    assert (violation.range.start.line, violation.range.start.column) == (3, 41)
    assert violation.message.startswith("CDK004 ")
    assert violation.autofixable
    assert fixed.decode() == fix_source(BROKEN, select=["CDK004"]).output


@pytest.mark.parametrize("comment", ["# lint-ignore: SubmoduleAsAttribute", "# lint-ignore",
                                     "# cdkfix: ignore[CDK004]"])
def test_suppression_comments(tmp_path, comment):
    source = BROKEN.replace("(alb))\n", f"(alb))  {comment}\n")
    results, _ = _run(tmp_path, source, autofix=False)
    assert not [r for r in results if r.violation], comment


def test_clean_and_unparsable_files(tmp_path):
    results, fixed = _run(tmp_path, "x = 1\n", autofix=True)
    assert [r.violation for r in results] == [None] and fixed is None
    results, _ = _run(tmp_path, "def f(:\n", autofix=False)
    assert all(r.violation is None for r in results)


def test_cases_become_valid_and_invalid():
    rule = find_rule("CDK004")
    lint_rule = getattr(bridge, bridge.class_name(rule))
    musts = [c for c in rule.cases if c.after is None and not c.finding]
    assert len(lint_rule.VALID) == len(musts)
    assert len(lint_rule.INVALID) == len(rule.cases) - len(musts)
    assert lint_rule.AUTOFIX
