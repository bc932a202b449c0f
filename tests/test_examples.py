"""Every rule's example pair, proved against the real aws-cdk-lib.

- apply(before) == after, byte for byte (all rules on; unsafe fixes on for unsafe rules);
- apply(after) changes nothing and reports nothing;
- the part of `before` after its `# OK` marker draws no finding;
- `after` synthesizes with aws-cdk-lib 2.275.0 and no deprecated API (JSII_DEPRECATED=fail);
- `before` fails synthesis with the error the seed documents (the rule's ``synth_error``), or, for a
  quality fix whose broken code still synthesizes (``before_synthesizes = True``), synthesizes too;
- a report-only rule (``fixable = False``) leaves `before` unchanged and reports its finding there; its
  `after` is what a person would write (no finding, synthesizes);
- a rule configured by the user (a deny list) runs its examples with ``example_settings``.

Synthesis is batched: every example app runs in one worker process that keeps the jsii kernel.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cdkfix import fix_source
from cdkfix.registry import all_rules, select_rules
from cdkfix.rule import RuleOptions
from cdkfix.runner import RunOptions, fix_python_text
from cdkfix.synth import synth_apps

ROOT = Path(__file__).resolve().parent.parent / "examples"
OK_MARKER = "\n# OK"


def _pair(rule) -> tuple[Path, Path]:
    name = f"{rule.code}_{rule.name}.py"
    return ROOT / "before" / name, ROOT / "after" / name


def _fix(rule, text: str, *, unsafe_fixes: bool):
    """All rules on ``text``, with ``rule``'s ``example_settings`` as the rule options' settings."""
    settings = getattr(rule, "example_settings", None)
    if not settings:
        return fix_source(text, unsafe_fixes=unsafe_fixes)
    options = RunOptions(select_rules(), RuleOptions(unsafe_fixes=unsafe_fixes, settings=dict(settings)))
    return fix_python_text(text, "<example>", options)


FILE_RULES = [rule for rule in all_rules() if getattr(rule, "example_kind", "file") == "file"]


def test_every_rule_has_an_example_pair():
    missing = [str(p) for rule in FILE_RULES for p in _pair(rule) if not p.is_file()]
    assert not missing, f"missing examples: {missing}"


def test_no_stray_examples():
    names = {f"{rule.code}_{rule.name}.py" for rule in all_rules()}
    for side in ("before", "after"):
        stray = {p.name for p in (ROOT / side).glob("*.py")} - names
        assert not stray, f"examples/{side} has files for no rule: {stray}"


@pytest.mark.parametrize("rule", FILE_RULES, ids=lambda r: r.code)
def test_apply_before_gives_after(rule):
    before, after = (p.read_text(encoding="utf-8") for p in _pair(rule))
    result = _fix(rule, before, unsafe_fixes=rule.safety == "unsafe")
    assert not result.errors
    if not rule.fixable:  # report-only: `after` is what a person writes; the rule changes nothing
        assert result.output == before
        assert any(f.code == rule.code and not f.applied for f in result.findings)
        return
    assert result.output == after
    assert any(f.code == rule.code and f.applied for f in result.findings)


@pytest.mark.parametrize("rule", FILE_RULES, ids=lambda r: r.code)
def test_after_is_a_fixpoint(rule):
    after = _pair(rule)[1].read_text(encoding="utf-8")
    result = _fix(rule, after, unsafe_fixes=True)
    assert result.output == after
    assert not result.findings, [f"{f.code} {f.line}: {f.message}" for f in result.findings]


@pytest.mark.parametrize("rule", FILE_RULES, ids=lambda r: r.code)
def test_ok_section_draws_no_finding(rule):
    before = _pair(rule)[0].read_text(encoding="utf-8")
    assert OK_MARKER in before, "each before example ends with an `# OK` part"
    ok_line = before[: before.index(OK_MARKER)].count("\n") + 2
    last_code_line = before.rstrip().count("\n") + 1  # below it: the file's end, not the OK part
    result = _fix(rule, before, unsafe_fixes=True)
    late = [f for f in result.findings if ok_line <= f.line <= last_code_line]
    assert not late, [f"{f.code} {f.line}: {f.message}" for f in late]


@pytest.fixture(scope="module")
def synthesized():
    apps = [p for rule in FILE_RULES for p in _pair(rule)]
    return {result.app: result for result in synth_apps(apps, deprecated="fail")}


@pytest.mark.synth
@pytest.mark.parametrize("rule", FILE_RULES, ids=lambda r: r.code)
def test_after_synthesizes(rule, synthesized):
    result = synthesized[_pair(rule)[1]]
    assert result.ok, result.error


@pytest.mark.synth
@pytest.mark.parametrize("rule", FILE_RULES, ids=lambda r: r.code)
def test_before_fails_with_the_documented_error(rule, synthesized):
    result = synthesized[_pair(rule)[0]]
    if getattr(rule, "before_synthesizes", False):  # a quality fix: both sides synthesize
        assert result.ok, result.error
        return
    assert not result.ok, "the broken example must not synthesize"
    assert rule.synth_error, "the rule names the error its broken example raises"
    assert rule.synth_error in (result.error or "") + (result.detail or ""), result.error
