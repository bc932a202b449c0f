"""Machine-readable reports for CI: SARIF 2.1.0 (code scanning) and GitHub workflow annotations.

Both writers are pure: they read :class:`cdkfix.runner.FileOutcome` objects and write text to a stream.

Levels follow one rule in both formats: a fix that was applied is a ``note`` (GitHub: ``::notice``); a fix
that was not applied (unsafe, or suppressed by the mode) and a report-only finding are an ``error``.
Processing errors (syntax errors, undecodable files) become SARIF ``toolExecutionNotifications`` and GitHub
``::error`` lines.

SARIF ``fixes`` are attached when the change is known *relative to the file on disk*:

- an applied fix in a run that did not write the file (``check``, ``apply --dry-run``): the hunks of the
  file's diff, each hunk given to exactly one finding (the one on its lines, else the nearest), so that
  applying every fix of the file gives cdkfix's output;
- an unsafe fix that was not applied: the diff cdkfix computed for it, when that diff is relative to the
  file on disk (nothing else changed the file, or the changed file was written).

Markdown files get no ``fixes`` (their diffs are per code block). Columns are Unicode code points
(``run.columnKind = "unicodeCodePoints"``), 1-based, as LibCST reports them.
"""

from __future__ import annotations

import json
import os
import re
import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from cdkfix import __version__
from cdkfix.rule import Finding
from cdkfix.runner import MARKDOWN_SUFFIXES, FileOutcome

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
#: Used when the installed distribution declares no home page.
DEFAULT_INFORMATION_URI = "https://pypi.org/project/cdkfix/"

_ERROR_PREFIX = re.compile(r"^(?P<path>.+?):(?P<line>\d+)(?::(?P<col>\d+))?: (?P<message>.*)$", re.DOTALL)
_HUNK = re.compile(r"^@@ -(?P<old>\d+)(?:,(?P<old_n>\d+))? \+(?P<new>\d+)(?:,(?P<new_n>\d+))? @@")


# -- shared helpers -----------------------------------------------------------------------------------------
def _level(finding: Finding) -> str:
    return "note" if finding.applied else "error"


def _message(finding: Finding) -> str:
    text = finding.message
    if finding.applied:
        text += " (fixed)" if finding.fixable else ""
    elif finding.fixable and finding.safety == "unsafe":
        text += " (unsafe fix not applied: use --unsafe-fixes)"
    elif finding.fixable:
        text += " (fixable)"
    else:
        text += " (no automatic fix)"
    if finding.suggestion:
        text += "\nSuggestion: " + finding.suggestion
    return text


def _split_error(error: str) -> tuple[str | None, int, int, str]:
    """``path:line:col: message`` -> its parts (line 0 when unknown)."""
    match = _ERROR_PREFIX.match(error)
    if not match:
        return None, 0, 0, error
    return (match["path"], int(match["line"]), int(match["col"] or 0), match["message"])


def _relative(path: str, root: Path) -> str:
    """``path`` relative to ``root`` with forward slashes, or an absolute ``file://`` URI outside it."""
    if "#" in path:  # a Markdown block display name: `answer.md#app.py`
        path = path.split("#", 1)[0]
    candidate = Path(path)
    absolute = candidate if candidate.is_absolute() else (Path.cwd() / candidate)
    try:
        return absolute.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return absolute.resolve().as_uri() if candidate.is_absolute() else candidate.as_posix()


def _uri_escape(relative: str) -> str:
    from urllib.parse import quote

    return relative if relative.startswith("file://") else quote(relative, safe="/")


# -- diffs -> SARIF replacements ------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Replacement:
    """Old lines ``[start, start + count)`` (1-based) replaced by ``inserted`` lines."""

    start: int
    count: int
    inserted: tuple[str, ...]

    def covers(self, line: int) -> bool:
        return self.start <= line < self.start + max(self.count, 1)

    def distance(self, line: int) -> int:
        if self.covers(line):
            return 0
        return min(abs(line - self.start), abs(line - (self.start + max(self.count, 1) - 1)))

    def to_sarif(self) -> dict[str, Any]:
        # Whole lines: from column 1 of the first removed line to column 1 of the line after the last one
        # (an empty region for a pure insertion).
        return {
            "deletedRegion": {"startLine": self.start, "startColumn": 1,
                              "endLine": self.start + self.count, "endColumn": 1},
            "insertedContent": {"text": "".join(line + "\n" for line in self.inserted)},
        }


def _replacements(diff: str) -> list[_Replacement]:
    """The minimal line replacements of a unified diff (as :func:`cdkfix.diff.unified_diff` writes it)."""
    out: list[_Replacement] = []
    old_line = 0
    start: int | None = None
    removed = 0
    added: list[str] = []

    def flush() -> None:
        nonlocal start, removed, added
        if start is not None and (removed or added):
            out.append(_Replacement(start, removed, tuple(added)))
        start, removed, added = None, 0, []

    in_hunk = False
    for line in diff.splitlines():
        if line.startswith("@@"):
            header = _HUNK.match(line)
            if not header:  # "@@ whitespace at end of file changed @@": no usable hunk
                return []
            flush()
            in_hunk = True
            old_line = int(header["old"])
            if header["old_n"] == "0":  # an insertion after line `old`
                old_line += 1
            continue
        if not in_hunk:  # the ---/+++ file header
            continue
        if line.startswith("-"):
            if start is None:
                start = old_line
            removed += 1
            old_line += 1
        elif line.startswith("+"):
            if start is None:
                start = old_line
            added.append(line[1:])
        elif line.startswith("\\"):
            continue
        else:
            flush()
            old_line += 1
    flush()
    return out


def _fixes_by_finding(outcome: FileOutcome) -> dict[int, list[_Replacement]]:
    """For an outcome whose file was not rewritten: each applied finding's share of the file's diff."""
    if outcome.written or not outcome.changed or len(outcome.diffs) != 1 or outcome.path.endswith(MARKDOWN_SUFFIXES):
        return {}
    owners = [i for i, f in enumerate(outcome.findings) if f.applied and f.fixable]
    if not owners:
        return {}
    shares: dict[int, list[_Replacement]] = {}
    for replacement in _replacements(outcome.diffs[0]):
        owner = min(owners, key=lambda i: (replacement.distance(outcome.findings[i].line),
                                            outcome.findings[i].line < replacement.start, i))
        shares.setdefault(owner, []).append(replacement)
    return shares


def _fix_object(description: str, uri: dict[str, Any], replacements: Sequence[_Replacement]) -> dict[str, Any]:
    return {
        "description": {"text": description},
        "artifactChanges": [{"artifactLocation": uri, "replacements": [r.to_sarif() for r in replacements]}],
    }


# -- SARIF ----------------------------------------------------------------------------------------------------
def _information_uri() -> str:
    try:
        from importlib.metadata import PackageNotFoundError, metadata

        meta = metadata("cdkfix")
    except (ImportError, PackageNotFoundError):  # pragma: no cover - running from a bare checkout
        return DEFAULT_INFORMATION_URI
    home = meta.get("Home-page")
    for entry in meta.get_all("Project-URL") or ():
        label, _, url = entry.partition(",")
        if label.strip().lower() in ("homepage", "home", "repository", "source", "documentation"):
            return url.strip()
    return home or DEFAULT_INFORMATION_URI


def _rule_descriptor(rule: Any) -> dict[str, Any]:
    why = textwrap.dedent(rule.why).strip() or rule.title
    try:
        help_text = rule.explain()
    except Exception:  # a rule whose docs cannot render must not break the report
        help_text = why
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.title or rule.name},
        "fullDescription": {"text": why},
        "help": {"text": help_text, "markdown": help_text},
        "defaultConfiguration": {"level": "error"},
        "properties": {
            "safety": rule.safety,
            "fixable": bool(rule.fixable),
            "source": rule.source,
            "tags": ["aws-cdk", "synth"],
        },
    }


def sarif_document(outcomes: Sequence[FileOutcome], rules: Iterable[Any], *, root: Path | None = None,
                   information_uri: str | None = None) -> dict[str, Any]:
    """The SARIF 2.1.0 log of a run as a dictionary (see :func:`write_sarif`)."""
    root = Path(root) if root is not None else Path.cwd()
    descriptors: list[dict[str, Any]] = []
    index: dict[str, int] = {}
    for rule in rules:
        if rule.code not in index:
            index[rule.code] = len(descriptors)
            descriptors.append(_rule_descriptor(rule))
    results: list[dict[str, Any]] = []
    notifications: list[dict[str, Any]] = []
    for outcome in outcomes:
        shares = _fixes_by_finding(outcome)
        # A would-be diff is relative to cdkfix's output; that is the file on disk when the output equals the
        # input or was written.
        unsafe_diffs_usable = (not outcome.changed or outcome.written) and not outcome.path.endswith(MARKDOWN_SUFFIXES)
        for position, finding in enumerate(outcome.findings):
            relative = _relative(finding.path or outcome.path, root)
            artifact = {"uri": _uri_escape(relative)}
            if not relative.startswith("file://"):
                artifact["uriBaseId"] = "%SRCROOT%"
            region: dict[str, Any] = {"startLine": max(finding.line, 1)}
            if finding.column >= 1:
                region["startColumn"] = finding.column
            result: dict[str, Any] = {
                "ruleId": finding.code,
                "level": _level(finding),
                "message": {"text": _message(finding)},
                "locations": [{"physicalLocation": {"artifactLocation": artifact, "region": region}}],
                "properties": {"applied": finding.applied, "safety": finding.safety,
                               "fixable": finding.fixable, "name": finding.name},
            }
            if finding.code in index:
                result["ruleIndex"] = index[finding.code]
            replacements: list[_Replacement] = []
            if position in shares:
                replacements = shares[position]
            elif finding.diff and finding.fixable and not finding.applied and unsafe_diffs_usable:
                replacements = _replacements(finding.diff)
            if replacements:
                description = f"{finding.code} {finding.name}: {finding.message}"
                if finding.safety == "unsafe":
                    description += " (unsafe: review before applying)"
                result["fixes"] = [_fix_object(description, artifact, replacements)]
            results.append(result)
        for error in outcome.errors:
            path, line, column, message = _split_error(error)
            notification: dict[str, Any] = {"level": "error", "message": {"text": error}}
            if path is not None:
                relative = _relative(path, root)
                artifact = {"uri": _uri_escape(relative)}
                if not relative.startswith("file://"):
                    artifact["uriBaseId"] = "%SRCROOT%"
                physical: dict[str, Any] = {"artifactLocation": artifact}
                if line >= 1:
                    physical["region"] = {"startLine": line, **({"startColumn": column} if column >= 1 else {})}
                notification["locations"] = [{"physicalLocation": physical}]
                notification["message"] = {"text": message}
            notifications.append(notification)
    run: dict[str, Any] = {
        "tool": {"driver": {
            "name": "cdkfix",
            "version": __version__,
            "semanticVersion": __version__,
            "informationUri": information_uri or _information_uri(),
            "rules": descriptors,
        }},
        "originalUriBaseIds": {"%SRCROOT%": {"uri": root.resolve().as_uri().rstrip("/") + "/"}},
        "columnKind": "unicodeCodePoints",
        "invocations": [{
            "executionSuccessful": not notifications,
            "toolExecutionNotifications": notifications,
        }],
        "results": results,
    }
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}


def write_sarif(outcomes: Sequence[FileOutcome], stream: TextIO, rules: Iterable[Any], *,
                root: Path | None = None, information_uri: str | None = None) -> None:
    """Write a SARIF 2.1.0 log of ``outcomes`` to ``stream``.

    ``rules`` are the rule classes of the run (``tool.driver.rules``; pass every rule so that ``ruleIndex``
    stays stable across runs). URIs are relative to ``root`` (default: the working directory) under the
    ``%SRCROOT%`` base id, which is what GitHub code scanning expects.
    """
    json.dump(sarif_document(outcomes, rules, root=root, information_uri=information_uri), stream,
              indent=2, ensure_ascii=False)
    stream.write("\n")


# -- GitHub workflow commands ----------------------------------------------------------------------------------
def escape_data(value: str) -> str:
    """Escape a workflow command's message (``%``, CR, LF), as the Actions toolkit does."""
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: str) -> str:
    """Escape a workflow command property value: the message escapes plus ``:`` and ``,``."""
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def _annotation(kind: str, message: str, *, file: str | None, line: int = 0, col: int = 0,
                title: str | None = None) -> str:
    props = []
    if file:
        props.append(f"file={escape_property(file)}")
    if line >= 1:
        props.append(f"line={line}")
        if col >= 1:
            props.append(f"col={col}")
    if title:
        props.append(f"title={escape_property(title)}")
    head = f"::{kind} " + ",".join(props) if props else f"::{kind}"
    return f"{head}::{escape_data(message)}"


def _github_path(path: str) -> str:
    if "#" in path:
        path = path.split("#", 1)[0]
    candidate = Path(path)
    if candidate.is_absolute():
        workspace = Path(os.environ.get("GITHUB_WORKSPACE") or Path.cwd())
        try:
            return candidate.resolve().relative_to(workspace.resolve()).as_posix()
        except ValueError:
            return candidate.as_posix()
    return candidate.as_posix()


def github_lines(outcomes: Sequence[FileOutcome]) -> list[str]:
    """The workflow commands for ``outcomes``: one per finding and per processing error."""
    lines: list[str] = []
    for outcome in outcomes:
        for error in outcome.errors:
            path, line, column, message = _split_error(error)
            lines.append(_annotation("error", message, file=_github_path(path) if path else None,
                                     line=line, col=column, title="cdkfix"))
        for finding in outcome.findings:
            kind = "notice" if finding.applied else "error"
            lines.append(_annotation(kind, _message(finding), file=_github_path(finding.path or outcome.path),
                                     line=finding.line, col=finding.column, title=finding.code))
    return lines


def write_github(outcomes: Sequence[FileOutcome], stream: TextIO) -> None:
    """Print GitHub Actions annotations (``::error file=…,line=…,col=…,title=CDK001::message``).

    Applied fixes are ``::notice``; unapplied fixes, report-only findings and processing errors ``::error``.
    """
    for line in github_lines(outcomes):
        stream.write(line + "\n")
