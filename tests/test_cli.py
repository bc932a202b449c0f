"""The command line: apply, dry run, stdin, exit codes, bad input, and what is written to disk."""

from __future__ import annotations

import codecs
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
