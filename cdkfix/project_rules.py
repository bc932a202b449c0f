"""Project-level rules: rules that look at a whole directory and create files (an app entry point, ``cdk.json``).

The file engine (:mod:`cdkfix.engine`) sees one module at a time; a :class:`cdkfix.rule.ProjectRule` sees a
project directory. :func:`apply_project_rules` runs the selected project rules on one directory and
returns one :class:`cdkfix.runner.FileOutcome` per file a rule would create, shaped like the outcomes of
fixed files so the CLI prints, counts and serializes them the same way:

* the diff is a unified diff from ``/dev/null`` (``--- /dev/null`` / ``+++ b/tap.py``);
* the finding is a fixable finding of the rule, ``applied`` when the rule's safety allows it (safe, or
  ``--unsafe-fixes`` for an unsafe rule) — then ``changed`` is True and, when ``options.write``, the
  file is created (atomically; an existing file is never overwritten);
* an unsafe rule without ``--unsafe-fixes`` yields an unapplied finding carrying the diff it would make.

The CLI calls it once per directory named on the command line (see the module's ``__all__``)::

    from cdkfix.project_rules import apply_project_rules
    outcomes += apply_project_rules(Path(directory), run_options)
"""

from __future__ import annotations

import difflib
import os
import tempfile
from pathlib import Path

from cdkfix.rule import Finding, NewFile, ProjectRule
from cdkfix.runner import FileOutcome, RunOptions
from cdkfix.sources import SourceError, discover, read_source

__all__ = ["apply_project_rules", "project_files", "creation_diff"]


def project_files(root: Path) -> dict[str, str]:
    """The project's Python sources: relative posix path → text (virtualenvs, ``cdk.out``, ignored files
    skipped, as :func:`cdkfix.sources.discover` does)."""
    files: dict[str, str] = {}
    for item in discover([str(root)], suffixes=(".py",)):
        if isinstance(item, SourceError):
            continue
        try:
            _, decoded = read_source(item)
        except SourceError:
            continue
        files[item.relative_to(root).as_posix()] = decoded.text
    return files


def creation_diff(path: str, content: str) -> str:
    """A unified diff that creates ``path`` with ``content``."""
    lines = difflib.unified_diff([], content.splitlines(), "/dev/null", f"b/{path}", lineterm="")
    return "\n".join(lines) + "\n"


def _create(path: Path, content: str) -> None:
    """Write a new file atomically; never replace an existing one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".cdkfix", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(content)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # a new file's usual mode, not mkstemp's 0600
        try:
            os.link(tmp, path)  # atomic, and fails if the file appeared meanwhile
        except FileExistsError:
            raise
        except OSError:  # no hard links on this file system: exclusive create
            with open(path, "x", encoding="utf-8", newline="") as handle:
                handle.write(content)
    finally:
        os.unlink(tmp)


def apply_project_rules(root: Path, options: RunOptions) -> list[FileOutcome]:
    """Run the project rules among ``options.rules`` on the directory ``root``.

    Returns one outcome per file to create (none when the project needs nothing). Never raises for a bad
    project: a rule that crashes becomes an error on the directory's outcome.
    """
    rules = [rule for rule in options.rules if isinstance(rule, type) and issubclass(rule, ProjectRule)]
    if not rules or not root.is_dir():
        return []
    files = project_files(root)
    outcomes: list[FileOutcome] = []
    for rule in rules:
        try:
            new_files: list[NewFile] = rule.check_project(root, files, options.rule_options)
        except Exception as exc:  # a rule bug must not stop the run
            if os.environ.get("CDKFIX_DEBUG"):
                raise
            outcomes.append(FileOutcome(str(root), errors=[
                f"{root}:0:0: {rule.code} {rule.name} crashed: {type(exc).__name__}: {exc}"]))
            continue
        for new in new_files:
            target = root / new.path
            display = str(target)
            diff = creation_diff(new.path, new.content)
            applied = rule.safety == "safe" or options.rule_options.unsafe_fixes
            finding = Finding(rule.code, rule.name, new.message, 1, 1, rule.safety, True, applied,
                              path=display, diff=None if applied else diff)
            outcome = FileOutcome(display, findings=[finding], output=new.content)
            if target.exists():
                outcome.errors.append(f"{display}:0:0: {rule.code} would create this file, but it exists")
                outcomes.append(outcome)
                continue
            if applied:
                outcome.changed = True
                outcome.diffs.append(diff)
                if options.write:
                    try:
                        _create(target, new.content)
                        outcome.written = True
                    except OSError as exc:
                        outcome.errors.append(f"{display}:0:0: cannot create: {exc}")
            outcomes.append(outcome)
    return outcomes
