"""The rule registry: unique codes, file names that match, complete metadata and documentation."""

from __future__ import annotations

import re
import sys

import pytest

from cdkfix.registry import UnknownRuleError, all_rules, find_rule, select_rules


def test_codes_and_names_are_unique():
    rules = all_rules()
    assert len({r.code for r in rules}) == len(rules)
    assert len({r.name for r in rules}) == len(rules)


@pytest.mark.parametrize("rule", all_rules(), ids=lambda r: r.code)
def test_rule_metadata(rule):
    assert re.fullmatch(r"CDK\d{3}", rule.code)
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", rule.name)
    module = sys.modules[rule.__module__].__name__.rsplit(".", 1)[-1]
    assert module.startswith(rule.code.lower() + "_"), "the module is named after the code"
    assert rule.title and rule.why.strip() and rule.source and rule.__doc__
    assert rule.safety in ("safe", "unsafe")
    text = rule.explain()
    for heading in ("## What it does", "## Why is this bad?", "## Fix safety"):
        assert heading in text


def test_select_and_ignore():
    rules = all_rules()
    first = rules[0]
    assert select_rules([first.code]) == (first,)
    assert select_rules([first.name.upper()]) == (first,)
    assert first not in select_rules(ignore=[first.code])
    assert find_rule(first.name) is first
    with pytest.raises(UnknownRuleError):
        select_rules(["CDK999"])
    with pytest.raises(UnknownRuleError):
        find_rule("no-such-rule")
