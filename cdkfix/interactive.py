"""Interactive review: accept or skip each fix of a file, like ``git add -p``.

:func:`review` splits the change cdkfix made to one file into hunks, one per fix, shows each as a unified
diff and asks what to do through an ``ask(prompt) -> str`` callable (``input`` on a terminal, a scripted
function in tests):

- ``y`` accept this fix, ``n`` (or just Enter) skip it, ``a`` accept it and every remaining fix,
  ``q`` skip it and every remaining fix.

How the change is split: the line-level opcodes of :class:`difflib.SequenceMatcher` (input vs. output) are
grouped by fix — an opcode containing a finding's line belongs to that finding, any other opcode to the
nearest finding. Opcodes that only add imports are not asked about: each is applied when one of the names it
binds is used by an accepted fix (a missing import would break the code at run time, an unused one would
not, but none is added for nothing).

The result keeps only the accepted hunks and must compile. If a combination does not (two fixes that only
make sense together), the review says so and keeps, in order, the accepted hunks that compile with the ones
kept before them.
"""

from __future__ import annotations

import ast
import difflib
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from cdkfix.diff import unified_diff
from cdkfix.rule import Finding

Opcode = tuple[str, int, int, int, int]

ANSWERS = {
    "y": "accept", "yes": "accept", "accept": "accept",
    "n": "skip", "no": "skip", "s": "skip", "skip": "skip", "": "skip",
    "a": "all", "all": "all", "accept all": "all",
    "q": "quit", "quit": "quit",
}
PROMPT = "Apply this fix? [y]es, [n]o, [a]ll remaining, [q]uit: "


@dataclass
class Hunk:
    """One fix's share of the change: line opcodes (input lines ``i1:i2`` -> output lines ``j1:j2``)."""

    opcodes: list[Opcode]
    findings: list[Finding] = field(default_factory=list)
    #: Names an import-only hunk binds (empty for a fix hunk).
    binds: frozenset[str] = frozenset()

    @property
    def is_import(self) -> bool:
        """True for a hunk that only adds imports (applied on demand, never asked about)."""
        return bool(self.binds)

    @property
    def first_line(self) -> int:
        return self.opcodes[0][1] + 1


def _import_lines_and_names(text: str) -> tuple[set[int], dict[int, set[str]]]:
    """Lines covered by import statements, and the names bound by the aliases on each line."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return set(), {}
    lines: set[int] = set()
    names: dict[int, set[str]] = {}
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            lines.update(range(node.lineno, (node.end_lineno or node.lineno) + 1))
            for alias in node.names:
                bound = alias.asname or alias.name.split(".")[0]
                names.setdefault(getattr(alias, "lineno", node.lineno), set()).add(bound)
    return lines, names


def split_hunks(before: str, after: str, findings: Sequence[Finding]) -> list[Hunk]:
    """Group the change ``before -> after`` into hunks, one per fix (see the module docstring)."""
    old = before.splitlines(keepends=True)
    new = after.splitlines(keepends=True)
    opcodes = _line_units(difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes())
    fixes = sorted((f for f in findings if f.applied and f.fixable), key=lambda f: (f.line, f.column))
    old_imports, old_names = _import_lines_and_names(before)
    new_imports, new_names = _import_lines_and_names(after)
    already_bound = set().union(*old_names.values()) if old_names else set()

    hunks: list[Hunk] = []
    by_finding: dict[int, Hunk] = {}
    for op in opcodes:
        _, i1, i2, j1, j2 = op
        old_span = range(i1 + 1, i2 + 1)
        new_span = range(j1 + 1, j2 + 1)
        inside = [k for k, f in enumerate(fixes) if i1 + 1 <= f.line <= max(i2, i1 + 1)]
        if not inside:
            binds = set().union(*(new_names.get(line, set()) for line in new_span)) - already_bound
            if binds and all(line in old_imports for line in old_span) and all(line in new_imports for line in new_span):
                hunks.append(Hunk([op], binds=frozenset(binds)))
                continue
        if not fixes:
            hunks.append(Hunk([op]))
            continue
        if inside:
            owner = inside[0]
        else:  # a fix edits its node, which starts at the finding: the last finding above owns the line
            above = [k for k, f in enumerate(fixes) if f.line <= i1 + 1]
            owner = above[-1] if above else 0
        hunk = by_finding.get(owner)
        if hunk is None:
            hunk = by_finding[owner] = Hunk([])
            hunks.append(hunk)
        hunk.opcodes.append(op)
        for k in inside or [owner]:
            if fixes[k] not in hunk.findings:
                hunk.findings.append(fixes[k])
    for hunk in hunks:
        hunk.opcodes.sort(key=lambda op: op[1])
    return hunks


def _line_units(opcodes: Sequence[Opcode]) -> list[Opcode]:
    """Split opcodes into one-line units where that is unambiguous (inserts, deletes, equal-size replaces)."""
    units: list[Opcode] = []
    for tag, i1, i2, j1, j2 in opcodes:
        if tag == "equal":
            continue
        if tag == "insert":
            units.extend(("insert", i1, i1, j, j + 1) for j in range(j1, j2))
        elif tag == "delete":
            units.extend(("delete", i, i + 1, j1, j1) for i in range(i1, i2))
        elif i2 - i1 == j2 - j1:
            units.extend(("replace", i1 + k, i1 + k + 1, j1 + k, j1 + k + 1) for k in range(i2 - i1))
        else:
            units.append((tag, i1, i2, j1, j2))
    return units


def apply_hunks(before: str, after: str, hunks: Sequence[Hunk]) -> str:
    """``before`` with only the opcodes of ``hunks`` applied (the rest of ``before`` byte for byte)."""
    old = before.splitlines(keepends=True)
    new = after.splitlines(keepends=True)
    # From the bottom up; several inserts at one place go in reverse output order so they end up in order.
    chosen = sorted((op for hunk in hunks for op in hunk.opcodes), key=lambda op: (op[1], op[3]), reverse=True)
    result = list(old)
    for _, i1, i2, j1, j2 in chosen:
        result[i1:i2] = new[j1:j2]
    return "".join(result)


def _compile_error(code: str) -> str | None:
    try:
        compile(code, "<cdkfix review>", "exec", dont_inherit=True, flags=ast.PyCF_ONLY_AST)
    except (SyntaxError, ValueError) as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


def _needed_imports(fix_hunks: Sequence[Hunk], import_hunks: Sequence[Hunk], after: str) -> list[Hunk]:
    new = after.splitlines(keepends=True)
    added_text = "".join("".join(new[j1:j2]) for hunk in fix_hunks for _, _, _, j1, j2 in hunk.opcodes)
    return [hunk for hunk in import_hunks
            if any(re.search(rf"(?<![\w.]){re.escape(name)}\b", added_text) for name in hunk.binds)]


def _with_imports(before: str, after: str, fix_hunks: Sequence[Hunk], import_hunks: Sequence[Hunk]) -> str:
    return apply_hunks(before, after, [*fix_hunks, *_needed_imports(fix_hunks, import_hunks, after)])


def _header(number: int, total: int, hunk: Hunk) -> str:
    if not hunk.findings:
        return f"[{number}/{total}] change at line {hunk.first_line}"
    parts = [f"{f.code} {f.message} (line {f.line})" + (" [unsafe]" if f.safety == "unsafe" else "")
             for f in hunk.findings]
    return f"[{number}/{total}] " + "; ".join(parts)


def _ask(ask: Callable[[str], str], prompt: str, show: Callable[[str], None]) -> str:
    while True:
        try:
            answer = ask(prompt)
        except EOFError:
            return "quit"
        choice = ANSWERS.get((answer or "").strip().lower())
        if choice is not None:
            return choice
        show(f"Please answer y (accept), n (skip), a (accept all remaining) or q (quit); got {answer!r}.")


def _stderr(message: str) -> None:
    print(message, file=sys.stderr)


def review(outcome_before_text: str, fixed_text: str, findings: Sequence[Finding], ask: Callable[[str], str], *,
           show: Callable[[str], None] | None = None, path: str = "<file>") -> str:
    """Ask about each fix of one file and return the text with only the accepted fixes applied.

    ``outcome_before_text`` is the file as read, ``fixed_text`` cdkfix's output for it and ``findings`` the
    outcome's findings. ``ask(prompt)`` receives the hunk's description, its diff and the question, and
    returns the answer. ``show(message)`` receives notices (default: stderr). The result always compiles
    when the input did.
    """
    show = show or _stderr
    before, after = outcome_before_text, fixed_text
    if before == after:
        return before
    hunks = split_hunks(before, after, findings)
    fix_hunks = [h for h in hunks if not h.is_import]
    import_hunks = [h for h in hunks if h.is_import]
    accepted: list[Hunk] = []
    accept_rest = False
    for number, hunk in enumerate(fix_hunks, 1):
        if accept_rest:
            accepted.append(hunk)
            continue
        preview = _with_imports(before, after, [hunk], import_hunks)
        prompt = f"{_header(number, len(fix_hunks), hunk)}\n{unified_diff(before, preview, path)}{PROMPT}"
        choice = _ask(ask, prompt, show)
        if choice == "quit":
            break
        if choice in ("accept", "all"):
            accepted.append(hunk)
        accept_rest = choice == "all"
    if not accepted:
        return before
    result = _with_imports(before, after, accepted, import_hunks)
    problem = _compile_error(result)
    if problem is None or _compile_error(before) is not None:
        return result
    show(f"{path}: the accepted fixes do not compile together ({problem}); keeping those that do.")
    kept: list[Hunk] = []
    for hunk in accepted:
        trial = _with_imports(before, after, [*kept, hunk], import_hunks)
        if _compile_error(trial) is None:
            kept.append(hunk)
        else:
            show(f"{path}: not applied: {_header(accepted.index(hunk) + 1, len(accepted), hunk)} "
                 "(it does not compile without fixes that were skipped)")
    return _with_imports(before, after, kept, import_hunks)
