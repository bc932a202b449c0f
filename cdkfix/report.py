"""Turning outcomes into what people and tools read: diffs, finding lines, summaries, JSON."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from typing import TextIO

from cdkfix.runner import FileOutcome


def finding_line(finding, *, mode: str) -> str:
    """``path:line:col: CODE message [state]`` for one finding."""
    if finding.applied:
        state = "fixed" if mode == "apply" else "fix applied"
    elif finding.fixable and finding.safety == "unsafe":
        state = "unsafe fix not applied (--unsafe-fixes)"
    elif finding.fixable:
        state = "fixable"
    else:
        state = "no automatic fix"
    text = f"{finding.path}:{finding.line}:{finding.column}: {finding.code} {finding.message} [{state}]"
    if finding.suggestion:
        text += "\n    suggestion: " + finding.suggestion.replace("\n", "\n    ")
    return text


def summary(outcomes: Sequence[FileOutcome], *, mode: str, dry_run: bool) -> str:
    """One line: files scanned/changed, fixes per rule code, what is left."""
    if mode == "check":  # nothing is applied by a check: count what `apply` would fix
        fixes = Counter(f.code for o in outcomes for f in o.findings
                        if f.fixable and (f.safety == "safe" or f.applied))
        unsafe = sum(1 for o in outcomes for f in o.findings
                     if f.fixable and f.safety == "unsafe" and not f.applied)
    else:
        fixes = Counter(f.code for o in outcomes for f in o.findings if f.applied)
        unsafe = sum(1 for o in outcomes for f in o.findings if f.fixable and not f.applied)
    manual = sum(1 for o in outcomes for f in o.findings if not f.fixable)
    changed = sum(1 for o in outcomes if o.changed)
    failed = sum(1 for o in outcomes if o.failed)
    verb = "would change" if dry_run or mode == "check" else "changed"
    parts = [f"{len(outcomes)} file{'s' if len(outcomes) != 1 else ''} scanned", f"{changed} {verb}"]
    if fixes:
        label = "fixes" if not dry_run and mode == "apply" else "fixable"
        parts.append(f"{label}: " + ", ".join(f"{code}×{n}" for code, n in sorted(fixes.items())))
    if unsafe:
        parts.append(f"{unsafe} unsafe fix{'es' if unsafe != 1 else ''} not applied (--unsafe-fixes)")
    if manual:
        parts.append(f"{manual} finding{'s' if manual != 1 else ''} need a person")
    if failed:
        parts.append(f"{failed} file{'s' if failed != 1 else ''} with errors")
    return "; ".join(parts)


def statistics(outcomes: Sequence[FileOutcome]) -> str:
    """Counts per rule: applied, not applied, report-only."""
    rows: dict[str, list[int]] = {}
    for outcome in outcomes:
        for f in outcome.findings:
            row = rows.setdefault(f"{f.code} {f.name}", [0, 0, 0])
            row[0 if f.applied else 1 if f.fixable else 2] += 1
    lines = [f"{'rule':<48} {'fixed':>6} {'unfixed':>8} {'manual':>7}"]
    for key in sorted(rows):
        fixed, unfixed, manual = rows[key]
        lines.append(f"{key:<48} {fixed:>6} {unfixed:>8} {manual:>7}")
    return "\n".join(lines)


def write_json(outcomes: Sequence[FileOutcome], stream: TextIO, *, mode: str, dry_run: bool) -> None:
    """Every file, finding and fix as one JSON document."""
    document = {
        "mode": mode,
        "dry_run": dry_run,
        "summary": summary(outcomes, mode=mode, dry_run=dry_run),
        "files": [o.to_dict() for o in outcomes],
    }
    json.dump(document, stream, indent=2)
    stream.write("\n")


def colorize_diff(diff: str) -> str:
    """Rich markup for a unified diff (used on a terminal only)."""
    from rich.markup import escape

    out = []
    for line in diff.splitlines():
        safe = escape(line)
        if line.startswith(("+++", "---")):
            out.append(f"[bold]{safe}[/bold]")
        elif line.startswith("@@"):
            out.append(f"[cyan]{safe}[/cyan]")
        elif line.startswith("+"):
            out.append(f"[green]{safe}[/green]")
        elif line.startswith("-"):
            out.append(f"[red]{safe}[/red]")
        else:
            out.append(safe)
    return "\n".join(out)
