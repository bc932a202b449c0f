"""A rule's prefilter (``may_fire``) must never be less permissive than the rule itself.

The engine skips a rule whose ``may_fire`` is False, so a prefilter that says no where the rule would
change or report something loses a fix. For every rule, its own cases and examples (before and after) and
every other rule's cases are run through the rule directly, bypassing the prefilter; whenever the rule
fires, ``may_fire`` must be True under the same options (settings included). ``benchmarks/rule_costs.py``
checks the same over real generated answers (its "missed" column).
"""

from __future__ import annotations

import textwrap
from functools import cache
from pathlib import Path

import pytest

from cdkfix.engine import SourceSyntaxError, _run_rule, parse
from cdkfix.registry import all_rules
from cdkfix.rule import RuleOptions, current_options, prefilter_options
from cdkfix.suppressions import Suppressions

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
RULES = [rule for rule in all_rules() if getattr(rule, "example_kind", "file") == "file"]


def _src(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def _settings(mapping) -> tuple:
    return tuple(sorted((mapping or {}).items()))


@cache
def _texts() -> tuple[tuple[str, str, str, tuple, bool], ...]:
    """(rule code, label, source, settings items, is a case's before text) for every case and example."""
    texts = []
    for rule in all_rules():
        for side in ("before", "after"):
            path = EXAMPLES / side / f"{rule.code}_{rule.name}.py"
            if path.is_file():
                texts.append((rule.code, f"examples/{side}/{path.name}", path.read_text(encoding="utf-8"),
                              _settings(getattr(rule, "example_settings", None)), False))
        for case in rule.cases:
            texts.append((rule.code, f"{case.id} (before)", _src(case.before), _settings(case.settings), True))
            if case.after is not None:
                texts.append((rule.code, f"{case.id} (after)", _src(case.after), _settings(case.settings), False))
    return tuple(texts)


@cache
def _module(source: str):
    try:
        return parse(source)
    except SourceSyntaxError:
        return None


def _fires(rule, source: str, options: RuleOptions) -> bool:
    module = _module(source)
    if module is None:
        return False
    new, findings = _run_rule(rule, module, options, None, Suppressions())
    return bool(findings) or new.code != source


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_prefilter_passes_every_text_the_rule_fires_on(rule):
    """The rule's own cases and examples (both sides), and every other rule's broken case.

    Only texts the prefilter turns away need running: a miss is a text where ``may_fire`` is False and
    the rule, run anyway, changes or reports something.
    """
    missed, fired = [], False
    for code, label, source, settings, case_before in _texts():
        own = code == rule.code
        if not own and not case_before:
            continue
        options = RuleOptions(unsafe_fixes=True, settings=dict(settings))
        with prefilter_options(options):
            passes = rule.may_fire(source)
        if not passes and _fires(rule, source, options):
            missed.append(label)
        elif passes and own and not fired:
            fired = _fires(rule, source, options)
    assert fired, f"{rule.code} fires on none of its own texts: the test proves nothing"
    assert not missed, f"{rule.code}.may_fire is False where the rule fires: {missed}"


def test_prefilter_options_are_scoped():
    default = current_options()
    options = RuleOptions(settings={"x": 1})
    with prefilter_options(options):
        assert current_options() is options
    assert current_options() == default


def test_engine_gives_the_prefilter_the_run_options():
    """A settings-dependent prefilter (the deny list of CDK025) sees the run's settings through the engine."""
    from cdkfix.engine import fix_code
    from codemods.cdk025_denied_service import SETTING, DeniedService

    source = "from aws_cdk import aws_config as config\n"
    assert not fix_code(source, (DeniedService,)).findings
    denied = fix_code(source, (DeniedService,), RuleOptions(settings={SETTING: ["aws_config"]}))
    assert [f.code for f in denied.findings] == ["CDK025"]


def test_cdk017_gate_parts_cover_every_reserved_name():
    from codemods.cdk017_lambda_reserved_environment import _RESERVED_PARTS, RESERVED

    assert all(any(part in name for part in _RESERVED_PARTS) for name in RESERVED)


def test_cdk015_region_pattern_implies_a_trigger():
    from codemods.cdk015_hard_coded_region import _REGION_CORE, HardCodedRegion

    for region in ("us-east-1", "eu-west-3", "eu-north-1", "sa-south-1", "eu-central-2", "ap-northeast-1",
                   "ap-southeast-4", "us-northwest-1", "af-southwest-1"):
        match = _REGION_CORE.search(region)
        assert match and any(trigger in match.group() for trigger in HardCodedRegion.triggers)
