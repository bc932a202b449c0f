"""The command line: apply, dry run, stdin, exit codes, bad input, and what is written to disk."""

from __future__ import annotations

import codecs
import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cdkfix.cli import app

BROKEN = (
    "from aws_cdk import aws_route53 as route53\n"
    "\n"
    "target = route53.targets.LoadBalancerTarget(alb)  # keep this comment\n"
)
FIXED = (
    "from aws_cdk import aws_route53 as route53, aws_route53_targets as route53_targets\n"
    "\n"
    "target = route53_targets.LoadBalancerTarget(alb)  # keep this comment\n"
)
CLEAN = "from aws_cdk import aws_s3 as s3\n\nbucket = s3.Bucket(scope, 'B', versioned=True)\n"


def run(*args: str, input: str | None = None):
    return CliRunner().invoke(app, list(args), input=input)


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "broken.py").write_text(BROKEN)
    (tmp_path / "lib" / "clean.py").write_text(CLEAN)
    return tmp_path


def test_apply_rewrites_in_place_and_prints_diff_and_summary(tree: Path):
    result = run("apply", "--select", "CDK004", str(tree / "lib"))
    assert result.exit_code == 0, result.output
    assert (tree / "lib" / "broken.py").read_text() == FIXED
    assert (tree / "lib" / "clean.py").read_text() == CLEAN
    assert "-target = route53.targets.LoadBalancerTarget(alb)" in result.stdout
    assert "+target = route53_targets.LoadBalancerTarget(alb)" in result.stdout
    assert "2 files scanned; 1 changed; fixes: CDK004×1" in result.stderr


def test_dry_run_writes_nothing_and_exits_1(tree: Path):
    before = (tree / "lib" / "broken.py").stat()
    result = run("apply", "--dry-run", "--select", "CDK004", str(tree / "lib"))
    assert result.exit_code == 1
    assert (tree / "lib" / "broken.py").read_text() == BROKEN
    assert (tree / "lib" / "broken.py").stat().st_mtime_ns == before.st_mtime_ns
    assert "+target = route53_targets.LoadBalancerTarget(alb)" in result.stdout
    assert "would change" in result.stderr


def test_dry_run_on_clean_code_exits_0(tree: Path):
    result = run("apply", "--dry-run", str(tree / "lib" / "clean.py"))
    assert result.exit_code == 0
    assert result.stdout == ""


def test_unchanged_files_are_not_touched(tree: Path):
    clean = tree / "lib" / "clean.py"
    os.utime(clean, ns=(1_000_000_000, 1_000_000_000))
    run("apply", str(tree / "lib"))
    assert clean.stat().st_mtime_ns == 1_000_000_000


def test_second_apply_is_a_no_op(tree: Path):
    run("apply", str(tree / "lib"))
    again = run("apply", "--dry-run", str(tree / "lib"))
    assert again.exit_code == 0
    assert again.stdout == ""


def test_stdin_to_stdout():
    result = run("apply", "--select", "CDK004", "-", input=BROKEN)
    assert result.exit_code == 0
    assert result.stdout == FIXED


def test_stdin_dry_run_prints_the_diff():
    result = run("apply", "--dry-run", "--select", "CDK004", "-", input=BROKEN)
    assert result.exit_code == 1
    assert result.stdout.startswith("--- a/<stdin>.py")


def test_bad_input_is_one_line_and_the_run_goes_on(tree: Path):
    (tree / "lib" / "bad.py").write_text("def broken(:\n    pass\n")
    (tree / "lib" / "latin.py").write_bytes(b"x = '\xff\xfe'\n")
    result = run("apply", str(tree / "lib"), str(tree / "missing"))
    assert result.exit_code == 2
    errors = [line for line in result.stderr.splitlines() if ": " in line and not line.startswith(("4 files", "3 files", "5 files"))]
    assert any(line.startswith(f"{tree / 'lib' / 'bad.py'}:1:") and "syntax error" in line for line in errors)
    assert any(line.startswith(f"{tree / 'lib' / 'latin.py'}:1:1: cannot decode") for line in errors)
    assert any(line.startswith(f"{tree / 'missing'}:0:0: no such file or directory") for line in errors)
    # The good file was still fixed.
    assert (tree / "lib" / "broken.py").read_text() == FIXED
    assert (tree / "lib" / "bad.py").read_text() == "def broken(:\n    pass\n"


def test_keeps_mode_bom_crlf_and_encoding(tmp_path: Path):
    path = tmp_path / "stack.py"
    crlf = BROKEN.replace("\n", "\r\n")
    path.write_bytes(codecs.BOM_UTF8 + crlf.encode())
    path.chmod(0o751)
    latin = tmp_path / "latin.py"
    latin.write_bytes(b"# -*- coding: latin-1 -*-\n" + BROKEN.encode() + b"name = '\xe9t\xe9'\n")
    result = run("apply", "--select", "CDK004", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert path.read_bytes() == codecs.BOM_UTF8 + FIXED.replace("\n", "\r\n").encode()
    assert path.stat().st_mode & 0o777 == 0o751
    assert latin.read_bytes() == b"# -*- coding: latin-1 -*-\n" + FIXED.encode() + b"name = '\xe9t\xe9'\n"
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".cdkfix")], "no temp file left behind"


def test_skips_virtualenvs_and_gitignored_files(tmp_path: Path):
    for folder in (".venv", "cdk.out", "node_modules", "generated"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "x.py").write_text(BROKEN)
    (tmp_path / "app.py").write_text(BROKEN)
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / ".gitignore").write_text("generated/\n")
    result = run("apply", "--select", "CDK004", str(tmp_path))
    assert result.exit_code == 0
    assert (tmp_path / "app.py").read_text() == FIXED
    for folder in (".venv", "cdk.out", "node_modules", "generated"):
        assert (tmp_path / folder / "x.py").read_text() == BROKEN


def test_json_format(tree: Path):
    result = run("check", "--format", "json", str(tree / "lib"))
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    findings = [f for file in document["files"] for f in file["findings"]]
    assert findings and findings[0]["code"] == "CDK004"
    assert findings[0]["line"] == 3 and findings[0]["applied"] is False
    assert (tree / "lib" / "broken.py").read_text() == BROKEN


UNSAFE = (
    "from aws_cdk import Stack, aws_s3 as s3\n"
    "class S(Stack):\n"
    "    def f(self):\n"
    "        s3.Bucket(self, 'B', bucket_name='logs')\n"
)


def test_unsafe_fix_diff_is_in_json_and_cached_apart_from_text_runs(tmp_path: Path):
    (tmp_path / "app.py").write_text(UNSAFE)
    text = run("check", str(tmp_path / "app.py"))  # text: the would-be diff is not computed (nor cached)
    assert text.exit_code == 1 and "CDK016" in text.stdout
    result = run("check", "--format", "json", str(tmp_path / "app.py"))
    [finding] = [f for file in json.loads(result.stdout)["files"] for f in file["findings"]]
    assert finding["code"] == "CDK016" and finding["safety"] == "unsafe" and not finding["applied"]
    assert finding["diff"] and "+        s3.Bucket(self, 'B', bucket_name=f'logs-{self.account}')" in finding["diff"]


def test_the_engine_skips_would_be_diffs_when_asked():
    from cdkfix.engine import fix_code
    from cdkfix.registry import all_rules

    [with_diff] = fix_code(UNSAFE, all_rules()).findings
    [without] = fix_code(UNSAFE, all_rules(), unsafe_diffs=False).findings
    assert with_diff.diff and without.diff is None
    assert with_diff == dataclasses.replace(without, diff=with_diff.diff)


def test_check_lists_findings_without_writing(tree: Path):
    result = run("check", str(tree / "lib"))
    assert result.exit_code == 1
    assert f"{tree / 'lib' / 'broken.py'}:3:10: CDK004" in result.stdout
    assert (tree / "lib" / "broken.py").read_text() == BROKEN


def test_unknown_rule_is_an_error():
    result = run("apply", "--select", "CDK999", "x.py")
    assert result.exit_code == 2
    assert "unknown rule 'CDK999'" in result.stderr


def test_ignore_skips_a_rule(tree: Path):
    result = run("apply", "--ignore", "submodule-as-attribute", "--dry-run", str(tree / "lib" / "broken.py"))
    assert "CDK004" not in result.stdout


def test_rules_and_explain():
    listing = run("rules")
    assert listing.exit_code == 0 and "CDK004" in listing.stdout and "submodule-as-attribute" in listing.stdout
    text = run("explain", "CDK004")
    assert text.exit_code == 0
    for heading in ("## What it does", "## Why is this bad?", "## Example", "## Fix safety"):
        assert heading in text.stdout
    assert run("explain", "nope").exit_code == 2


def test_console_script_runs(tree: Path):
    proc = subprocess.run([sys.executable, "-m", "cdkfix.cli", "apply", "--dry-run", str(tree / "lib")],
                          capture_output=True, text=True)
    assert proc.returncode == 1
    assert "route53_targets" in proc.stdout


def test_says_which_aws_cdk_lib_version_it_checks_against(tree: Path):
    result = run("check", str(tree / "lib"))
    assert "cdkfix: checking against aws-cdk-lib 2.275.0" in result.stderr
    (tree / "requirements.txt").write_text("aws-cdk-lib==2.1.0\nconstructs>=10\n")
    pinned = run("check", str(tree / "lib"))
    assert "the project pins 2.1.0, which has no index here" in pinned.stderr


def test_unknown_cdk_version_override_is_an_error(tree: Path):
    result = run("check", "--cdk-version", "2.1.0", str(tree / "lib"))
    assert result.exit_code == 2
    assert "no API index for aws-cdk-lib 2.1.0" in result.stderr and "cdkfix index build" in result.stderr


def test_sarif_and_github_formats(tree: Path):
    sarif = run("check", "--format", "sarif", str(tree / "lib"))
    document = json.loads(sarif.stdout)
    assert document["version"] == "2.1.0"
    results = document["runs"][0]["results"]
    assert [r["ruleId"] for r in results] == ["CDK004"]
    github = run("check", "--format", "github", str(tree / "lib"))
    assert any(line.startswith("::error file=") and "CDK004" in line for line in github.stdout.splitlines())


def test_parallel_run_matches_one_process(tree: Path):
    for i in range(6):
        (tree / "lib" / f"copy{i}.py").write_text(BROKEN)
    one = run("apply", "--dry-run", "--no-cache", "-j", "1", str(tree / "lib"))
    two = run("apply", "--dry-run", "--no-cache", "-j", "2", str(tree / "lib"))
    assert one.exit_code == two.exit_code == 1
    assert one.stdout == two.stdout and one.stdout.count("+++ b/") == 7


def test_configuration_in_pyproject(tree: Path):
    (tree / "pyproject.toml").write_text(
        '[tool.cdkfix]\nignore = ["CDK004"]\n[tool.cdkfix.per-file-ignores]\n"lib/clean.py" = ["CDK003"]\n')
    result = run("apply", "--dry-run", str(tree / "lib"))
    assert result.exit_code == 0 and "route53_targets" not in result.stdout
    overridden = run("apply", "--dry-run", "--ignore", "CDK001", str(tree / "lib"))
    assert overridden.exit_code == 1 and "route53_targets" in overridden.stdout
    (tree / "pyproject.toml").write_text('[tool.cdkfix]\nselectt = ["CDK004"]\n')
    bad = run("apply", "--dry-run", str(tree / "lib"))
    assert bad.exit_code == 2 and "unknown key 'selectt'" in bad.stderr


def test_exclude_option(tree: Path):
    result = run("apply", "--dry-run", "--exclude", "lib/broken.py", "--exclude", "broken.py", str(tree / "lib"))
    assert "route53_targets" not in result.stdout


def test_interactive_review_writes_only_accepted_fixes(tree: Path):
    two = BROKEN + "a = 1\nb = 2\nc = 3\nd = 4\nu = route53.targets.CloudFrontTarget(dist)\n"
    (tree / "lib" / "broken.py").write_text(two)
    result = run("apply", "-i", "--select", "CDK004", "--no-cache", str(tree / "lib" / "broken.py"), input="y\nn\n")
    assert result.exit_code == 0, result.output
    text = (tree / "lib" / "broken.py").read_text()
    assert "route53_targets.LoadBalancerTarget" in text
    assert "route53.targets.CloudFrontTarget" in text


def test_cached_rerun_gives_the_same_report(tree: Path, monkeypatch):
    monkeypatch.setenv("CDKFIX_CACHE_DIR", str(tree / "cache"))
    first = run("check", str(tree / "lib"))
    second = run("check", str(tree / "lib"))
    assert first.stdout == second.stdout and first.exit_code == second.exit_code == 1
    assert any((tree / "cache").rglob("*.json"))


def test_project_without_entry_point_gets_one_with_unsafe_fixes(tmp_path: Path):
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "__init__.py").write_text("")
    (tmp_path / "lib" / "tap_stack.py").write_text(
        "from aws_cdk import Stack\nfrom constructs import Construct\n\n\n"
        "class TapStack(Stack):\n"
        "    def __init__(self, scope: Construct, construct_id: str, **kwargs) -> None:\n"
        "        super().__init__(scope, construct_id, **kwargs)\n")
    review = run("apply", "--dry-run", "--no-cache", str(tmp_path))
    assert review.exit_code == 1
    assert "CDK019" in review.stdout and not (tmp_path / "tap.py").exists()
    applied = run("apply", "--unsafe-fixes", "--no-cache", str(tmp_path))
    assert applied.exit_code == 0, applied.output
    assert "TapStack(" in (tmp_path / "tap.py").read_text()
    assert json.loads((tmp_path / "cdk.json").read_text())["app"].endswith("tap.py")
    again = run("apply", "--dry-run", "--no-cache", str(tmp_path))
    assert again.exit_code == 0


def test_unreadable_paths_appear_in_machine_readable_reports(tree: Path):
    result = run("check", "--format", "sarif", "--no-cache", str(tree / "lib"), str(tree / "missing"))
    assert result.exit_code == 2
    notifications = json.loads(result.stdout)["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert any("no such file or directory" in n["message"]["text"] for n in notifications)
