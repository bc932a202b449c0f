"""Project rules (CDK019 missing-app-entry-point) and the hook the CLI calls, apply_project_rules.

- every project rule's ``project_cases`` (a project → the files it creates, or nothing);
- apply_project_rules on a copy of examples/before/CDK019_*/ creates exactly examples/after/CDK019_*/,
  and a second run creates nothing;
- without --unsafe-fixes nothing is written and the finding carries a diff from /dev/null;
- the after directory's entry point synthesizes with the real aws-cdk-lib.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cdkfix.project_rules import apply_project_rules, project_files
from cdkfix.registry import all_rules, select_rules
from cdkfix.rule import ProjectRule, RuleOptions
from cdkfix.runner import RunOptions

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
PROJECT_RULES = [rule for rule in all_rules() if issubclass(rule, ProjectRule)]
CASES = [(rule, case) for rule in PROJECT_RULES for case in rule.project_cases]


def _example(rule, side: str) -> Path:
    return EXAMPLES / side / f"{rule.code}_{rule.name}"


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and "__pycache__" not in p.parts and "cdk.out" not in p.parts}


def _write(root: Path, files: dict[str, str]) -> None:
    for path, text in files.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")


def _options(*, unsafe: bool, write: bool, select=()) -> RunOptions:
    return RunOptions(select_rules(select), RuleOptions(unsafe_fixes=unsafe), write=write)


@pytest.mark.parametrize(("rule", "case"), CASES, ids=[case.id for _, case in CASES])
def test_project_case(rule, case, tmp_path):
    _write(tmp_path, case.files)
    created = {new.path: new.content for new in rule.check_project(tmp_path, project_files(tmp_path), RuleOptions())}
    if case.creates is None:
        assert created == {}
        return
    assert set(created) == set(case.creates)
    for path, content in case.creates.items():
        if content is not None:
            assert created[path] == content


def test_every_project_rule_has_cases_and_an_example():
    for rule in PROJECT_RULES:
        assert rule.example_kind == "project"
        assert any(c.creates for c in rule.project_cases), f"{rule.code} has no case that creates a file"
        assert any(c.creates is None for c in rule.project_cases), f"{rule.code} has no 'must not fire' case"
        assert _example(rule, "before").is_dir() and _example(rule, "after").is_dir()


@pytest.mark.parametrize("rule", PROJECT_RULES, ids=lambda r: r.code)
def test_apply_before_gives_after(rule, tmp_path):
    project = tmp_path / "project"
    shutil.copytree(_example(rule, "before"), project)
    outcomes = apply_project_rules(project, _options(unsafe=True, write=True))
    assert not [e for o in outcomes for e in o.errors]
    assert outcomes and all(o.written and o.changed for o in outcomes)
    assert all(f.code == rule.code and f.applied for o in outcomes for f in o.findings)
    assert _tree(project) == _tree(_example(rule, "after"))
    # A second run finds a complete project.
    assert apply_project_rules(project, _options(unsafe=True, write=True)) == []


@pytest.mark.parametrize("rule", PROJECT_RULES, ids=lambda r: r.code)
def test_unsafe_fix_not_applied_shows_creation_diff(rule, tmp_path):
    project = tmp_path / "project"
    shutil.copytree(_example(rule, "before"), project)
    before = _tree(project)
    outcomes = apply_project_rules(project, _options(unsafe=False, write=True))
    assert outcomes
    assert _tree(project) == before, "nothing is written without --unsafe-fixes"
    for outcome in outcomes:
        assert not outcome.changed and not outcome.written
        [finding] = outcome.findings
        assert not finding.applied and finding.fixable
        assert finding.diff.startswith("--- /dev/null\n+++ b/")


def test_dry_run_with_unsafe_fixes_reports_diffs_and_writes_nothing(tmp_path):
    project = tmp_path / "project"
    shutil.copytree(EXAMPLES / "before" / "CDK019_missing-app-entry-point", project)
    before = _tree(project)
    outcomes = apply_project_rules(project, _options(unsafe=True, write=False))
    assert {Path(o.path).name for o in outcomes} == {"tap.py", "cdk.json"}
    assert all(o.changed and not o.written and o.diffs[0].startswith("--- /dev/null") for o in outcomes)
    assert _tree(project) == before


def test_ignored_or_unselected_project_rule_does_nothing(tmp_path):
    project = tmp_path / "project"
    shutil.copytree(EXAMPLES / "before" / "CDK019_missing-app-entry-point", project)
    assert apply_project_rules(project, _options(unsafe=True, write=True, select=["CDK004"])) == []
    assert apply_project_rules(project / "lib" / "tap_stack.py", _options(unsafe=True, write=True)) == []


def test_existing_file_is_never_overwritten(tmp_path):
    _write(tmp_path, {"lib/tap_stack.py": "from aws_cdk import Stack\nclass TapStack(Stack):\n    pass\n",
                      "cdk.json": '{"app": "python3 tap.py"}'})
    outcomes = apply_project_rules(tmp_path, _options(unsafe=True, write=True))
    assert [Path(o.path).name for o in outcomes] == ["tap.py"]
    assert (tmp_path / "cdk.json").read_text() == '{"app": "python3 tap.py"}'
    assert (tmp_path / "tap.py").stat().st_mode & 0o777 != 0o600


@pytest.mark.synth
@pytest.mark.parametrize("rule", PROJECT_RULES, ids=lambda r: r.code)
def test_after_synthesizes(rule):
    from cdkfix.synth import synth_apps

    [result] = synth_apps([_example(rule, "after") / "tap.py"], deprecated="fail")
    assert result.ok, result.error
