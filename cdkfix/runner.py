"""Processes files: Python sources and Markdown answers, one outcome per file.

This is the layer between the CLI and the engine: it reads bytes, runs :func:`cdkfix.engine.fix_code`
(for Markdown, on every Python block, the blocks of one answer forming one project), writes atomically
when asked, and turns every failure into a one-line error instead of an exception.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from cdkfix.diff import unified_diff
from cdkfix.engine import FixResult, SourceSyntaxError, fix_code
from cdkfix.project import Project
from cdkfix.rule import Finding, Rule, RuleOptions
from cdkfix.sources import Decoded, SourceError, encode, read_source, write_atomic

MARKDOWN_SUFFIXES = (".md", ".markdown")


@dataclass
class RunOptions:
    """What a run does: which rules, whether unsafe fixes apply, whether files are written."""

    rules: Sequence[type[Rule]]
    rule_options: RuleOptions = field(default_factory=RuleOptions)
    write: bool = False
    #: Attach to each unapplied unsafe fix the diff it would make (costs a second run of that rule); off
    #: for reports that never show it (``check`` as text or GitHub annotations).
    unsafe_diffs: bool = True


@dataclass
class FileOutcome:
    """The result for one file (or stdin)."""

    path: str
    findings: list[Finding] = field(default_factory=list)
    diffs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    changed: bool = False
    written: bool = False
    output: str | None = None
    unused_suppressions: list[str] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        """True when the file (or part of it) could not be processed."""
        return bool(self.errors)

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {
            "path": self.path,
            "changed": self.changed,
            "written": self.written,
            "findings": [f.to_dict() for f in self.findings],
            "errors": self.errors,
        }


def _collect(outcome: FileOutcome, result: FixResult, display: str, line_offset: int = 0) -> None:
    for finding in result.findings:
        outcome.findings.append(finding.with_path(outcome.path) if not line_offset else
                                _shift(finding, outcome.path, line_offset))
    for error in result.errors:
        outcome.errors.append(f"{outcome.path}:{line_offset + 1}:1: {display}: {error}")
    if result.changed:
        outcome.diffs.append(unified_diff(result.source, result.output, display))
    if result.suppressions is not None:
        for item in result.suppressions.all:
            if not item.used:
                outcome.unused_suppressions.append(
                    f"{outcome.path}:{item.line + line_offset}: unused suppression `{item.text}`")


def _shift(finding: Finding, path: str, offset: int) -> Finding:
    return dataclasses.replace(finding, path=path, line=finding.line + offset)


def fix_python_text(text: str, path: str, options: RunOptions, project: Project | None = None) -> FileOutcome:
    """Fix one Python source held in memory."""
    outcome = FileOutcome(path)
    try:
        result = fix_code(text, options.rules, options.rule_options, project=project, path=path,
                          unsafe_diffs=options.unsafe_diffs)
    except SourceSyntaxError as exc:
        outcome.errors.append(f"{path}:{exc.line}:{exc.column}: syntax error: {exc.message}")
        outcome.output = text
        return outcome
    _collect(outcome, result, path)
    outcome.output = result.output
    outcome.changed = result.changed
    return outcome


def fix_markdown_text(text: str, path: str, options: RunOptions) -> FileOutcome:
    """Fix every Python block of a Markdown answer; the blocks form one project."""
    from cdkfix.markdown import BlockEdit, FenceConflictError, find_python_blocks, replace_blocks

    outcome = FileOutcome(path)
    blocks = find_python_blocks(text)
    names = {block.index: block.path or f"block_{block.index}.py" for block in blocks}
    project = Project({names[b.index]: b.body for b in blocks})
    edits: list[BlockEdit] = []
    options = dataclasses.replace(options, rules=[r for r in options.rules if r.applies_to_markdown])
    for block in blocks:
        display = f"{path}#{names[block.index]}"
        try:
            result = fix_code(block.body, options.rules, options.rule_options, project=project,
                              path=names[block.index], unsafe_diffs=options.unsafe_diffs)
        except SourceSyntaxError as exc:
            line = block.body_start_line + exc.line - 1
            outcome.errors.append(f"{path}:{line}: block {block.index + 1} does not parse: {exc.message}")
            continue
        _collect(outcome, result, display, line_offset=block.body_start_line - 1)
        if result.changed:
            edits.append(BlockEdit(block.index, result.output))
    try:
        outcome.output = replace_blocks(text, edits) if edits else text
    except FenceConflictError as exc:  # a fixed line would close the fence early: keep the answer as is
        outcome.errors.append(f"{path}:0:0: cannot write the fixed blocks back: {exc}")
        outcome.output = text
    outcome.changed = outcome.output != text
    return outcome


def fix_text(text: str, path: str, options: RunOptions, project: Project | None = None) -> FileOutcome:
    """Fix Python or Markdown text, by the path's suffix."""
    if path.endswith(MARKDOWN_SUFFIXES):
        return fix_markdown_text(text, path, options)
    return fix_python_text(text, path, options, project)


def process_file(path: Path, options: RunOptions, project: Project | None = None) -> FileOutcome:
    """Read, fix and (when ``options.write``) atomically rewrite one file. Never raises for bad input."""
    display = str(path)
    try:
        _, decoded = read_source(path)
    except SourceError as exc:
        return FileOutcome(display, errors=[str(exc)])
    outcome = fix_text(decoded.text, display, options, project)
    if options.write and outcome.changed and outcome.output is not None:
        write_outcome(path, decoded, outcome)
    return outcome


def write_outcome(path: Path, decoded: Decoded, outcome: FileOutcome) -> None:
    """Atomically write ``outcome.output`` in the file's encoding; a failure becomes the outcome's error."""
    try:
        write_atomic(path, _encode(decoded, outcome.output or "", outcome.path))
        outcome.written = True
    except (OSError, SourceError) as exc:
        outcome.errors.append(f"{outcome.path}:0:0: cannot write: {exc}")


def _encode(decoded: Decoded, text: str, path: str) -> bytes:
    try:
        return encode(decoded, text)
    except UnicodeEncodeError as exc:
        raise SourceError(path, f"the fix cannot be encoded as {decoded.encoding}: {exc.reason}") from None
