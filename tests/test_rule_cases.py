"""Every rule's executed cases (Fixit's VALID/INVALID habit): one generic harness for all rules."""

from __future__ import annotations

import textwrap

import pytest

from cdkfix import fix_source
from cdkfix.registry import all_rules, select_rules
from cdkfix.rule import RuleOptions
from cdkfix.runner import RunOptions, fix_python_text

CASES = [(rule, case) for rule in all_rules() for case in rule.cases]


def _src(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def _fix(text: str, code: str, unsafe: bool, settings=None):
    """fix_source, or the runner when the case sets the rule options' ``settings``."""
    if not settings:
        return fix_source(text, select=[code], unsafe_fixes=unsafe)
    options = RunOptions(select_rules([code]), RuleOptions(unsafe_fixes=unsafe, settings=dict(settings)))
    return fix_python_text(text, "<case>", options)


@pytest.mark.parametrize(("rule", "case"), CASES, ids=[case.id for _, case in CASES])
def test_case(rule, case):
    before = _src(case.before)
    result = _fix(before, rule.code, case.unsafe, case.settings)
    assert not result.errors
    own = [f for f in result.findings if f.code == rule.code]
    if case.after is not None:
        assert result.output == _src(case.after)
        assert any(f.applied for f in own)
        again = _fix(result.output, rule.code, case.unsafe, case.settings)
        assert again.output == result.output, "a second run must change nothing"
        compile(result.output, case.id, "exec")
    else:
        assert result.output == before, "this case must not be changed"
        if case.finding:
            assert any(not f.fixable or not f.applied for f in own), "expected a finding"
        else:
            assert not own, f"unexpected findings: {own}"


def test_every_rule_has_cases_that_fire_and_that_do_not():
    for rule in all_rules():
        if getattr(rule, "example_kind", "file") == "project":  # project rules have project_cases
            continue
        assert any(c.after is not None or c.finding for c in rule.cases), f"{rule.code} has no failing case"
        assert any(c.after is None and not c.finding for c in rule.cases), f"{rule.code} has no 'must not fire' case"


def test_case_ids_are_unique_and_prefixed_by_the_code():
    ids = [case.id for _, case in CASES]
    assert len(ids) == len(set(ids))
    for rule, case in CASES:
        assert case.id.startswith(rule.code + "-")
