"""SARIF 2.1.0 (validated against the official schema) and GitHub workflow annotations."""

from __future__ import annotations

import io
import json
import textwrap
from pathlib import Path

import pytest

from cdkfix.formats import escape_data, escape_property, github_lines, sarif_document, write_github, write_sarif
from cdkfix.registry import all_rules, select_rules
from cdkfix.rule import Finding
from cdkfix.runner import FileOutcome, RunOptions, fix_text

SCHEMA = Path(__file__).parent / "data" / "sarif-schema-2.1.0.json"

BROKEN = textwrap.dedent("""\
    from aws_cdk import aws_route53 as route53

    zone = None
    target = route53.RecordTarget.from_alias(route53.targets.LoadBalancerTarget(alb))
    print("unchanged line")
""")


def _validator():
    import jsonschema

    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def _outcomes(tmp_path: Path) -> list[FileOutcome]:
    rules = select_rules(["CDK004"])
    fixed = fix_text(BROKEN, str(tmp_path / "app" / "stack.py"), RunOptions(rules))
    assert fixed.changed and any(f.applied for f in fixed.findings)
    unsafe = Finding("CDK999", "made-up-rule", "guessed a value, 100%: see docs", 3, 5, "unsafe",
                     fixable=True, applied=False, path=str(tmp_path / "app" / "other.py"),
                     diff="--- a/would-be\n+++ b/would-be\n@@ -3 +3 @@\n-zone = None\n+zone = 'x'\n")
    manual = Finding("CDK998", "needs-a-person", "line one\nline two, with: colon", 1, 1, "safe",
                     fixable=False, applied=False, suggestion="do it by hand", path="rel/path,odd:name.py")
    other = FileOutcome(str(tmp_path / "app" / "other.py"), findings=[unsafe])
    odd = FileOutcome("rel/path,odd:name.py", findings=[manual])
    broken = fix_text("def f(:\n", str(tmp_path / "bad.py"), RunOptions(rules))
    assert broken.errors
    return [fixed, other, odd, broken]


def test_sarif_validates_against_the_official_schema(tmp_path):
    stream = io.StringIO()
    write_sarif(_outcomes(tmp_path), stream, all_rules(), root=tmp_path)
    document = json.loads(stream.getvalue())
    errors = sorted(_validator().iter_errors(document), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors)


def test_sarif_content(tmp_path):
    document = sarif_document(_outcomes(tmp_path), all_rules(), root=tmp_path, information_uri="https://example.org/cdkfix")
    run = document["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "cdkfix" and driver["informationUri"] == "https://example.org/cdkfix"
    codes = [r["id"] for r in driver["rules"]]
    assert "CDK004" in codes
    cdk004 = driver["rules"][codes.index("CDK004")]
    assert cdk004["name"] == "submodule-as-attribute"
    assert cdk004["properties"]["safety"] == "safe"
    assert "AttributeError" in cdk004["fullDescription"]["text"]
    assert cdk004["help"]["text"].startswith("CDK004")

    by_rule = {r["ruleId"]: r for r in run["results"]}
    applied = by_rule["CDK004"]
    assert applied["level"] == "note" and applied["properties"]["applied"] is True
    assert applied["ruleIndex"] == codes.index("CDK004")
    location = applied["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": "app/stack.py", "uriBaseId": "%SRCROOT%"}
    assert location["region"]["startLine"] == 4
    # The file was not written: the fix is offered, and applying it gives cdkfix's output.
    change = applied["fixes"][0]["artifactChanges"][0]
    assert _apply(BROKEN, change["replacements"]) == _outcomes(tmp_path)[0].output

    unsafe = by_rule["CDK999"]
    assert unsafe["level"] == "error" and unsafe["properties"]["safety"] == "unsafe"
    assert "ruleIndex" not in unsafe  # not a registered rule
    replacement = unsafe["fixes"][0]["artifactChanges"][0]["replacements"][0]
    assert replacement["deletedRegion"] == {"startLine": 3, "startColumn": 1, "endLine": 4, "endColumn": 1}
    assert replacement["insertedContent"]["text"] == "zone = 'x'\n"

    manual = by_rule["CDK998"]
    assert manual["level"] == "error" and "fixes" not in manual
    assert "Suggestion: do it by hand" in manual["message"]["text"]

    notes = run["invocations"][0]["toolExecutionNotifications"]
    assert run["invocations"][0]["executionSuccessful"] is False
    assert notes[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "bad.py"
    assert notes[0]["locations"][0]["physicalLocation"]["region"]["startLine"] == 1


def test_written_files_get_no_fix(tmp_path):
    outcome = _outcomes(tmp_path)[0]
    outcome.written = True
    result = sarif_document([outcome], all_rules(), root=tmp_path)["runs"][0]["results"][0]
    assert result["level"] == "note" and "fixes" not in result


def _apply(text: str, replacements: list[dict]) -> str:
    lines = text.splitlines(keepends=True)
    for item in sorted(replacements, key=lambda r: r["deletedRegion"]["startLine"], reverse=True):
        region = item["deletedRegion"]
        assert region["startColumn"] == 1 and region["endColumn"] == 1
        lines[region["startLine"] - 1:region["endLine"] - 1] = item["insertedContent"]["text"].splitlines(keepends=True)
    return "".join(lines)


def test_github_annotations(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    lines = github_lines(_outcomes(tmp_path))
    assert lines[0] == "::notice file=app/stack.py,line=4,col=42,title=CDK004::" + lines[0].split("::", 2)[2]
    assert any(line.startswith("::error file=app/other.py,line=3,col=5,title=CDK999::guessed a value, 100%25")
               for line in lines)
    odd = next(line for line in lines if "CDK998" in line)
    assert odd.startswith("::error file=rel/path%2Codd%3Aname.py,line=1,col=1,title=CDK998::")
    assert "line one%0Aline two, with: colon" in odd
    bad = next(line for line in lines if "bad.py" in line)
    assert bad.startswith("::error file=bad.py,line=1,col=") and "title=cdkfix" in bad
    stream = io.StringIO()
    write_github(_outcomes(tmp_path), stream)
    assert stream.getvalue().splitlines() == lines


def test_escaping():
    assert escape_data("100%\r\nx") == "100%25%0D%0Ax"
    assert escape_property("a:b,c%") == "a%3Ab%2Cc%25"
