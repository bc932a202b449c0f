"""Pure functions for dataset pipelines: text in, fixed text, findings and diff out.

Usable from ``datasets.map``, Ray or Dask workers: no I/O, no global state beyond the rule registry and the
API index cache, and results are plain dataclasses.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from cdkfix.registry import select_rules
from cdkfix.rule import Finding, RuleOptions
from cdkfix.runner import RunOptions, fix_markdown_text, fix_python_text


@dataclass
class Result:
    """The outcome of fixing one text."""

    output: str
    findings: list[Finding] = field(default_factory=list)
    diff: str = ""
    errors: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        """True when a fix was applied."""
        return any(f.applied for f in self.findings)


def _options(select: Sequence[str], ignore: Sequence[str], unsafe_fixes: bool, cdk_version: str | None) -> RunOptions:
    return RunOptions(select_rules(select, ignore), RuleOptions(unsafe_fixes=unsafe_fixes, cdk_version=cdk_version))


def fix_source(text: str, *, select: Sequence[str] = (), ignore: Sequence[str] = (),
               unsafe_fixes: bool = False, cdk_version: str | None = None, path: str = "<string>") -> Result:
    """Fix one Python source. Syntax errors are returned in ``errors``, never raised."""
    outcome = fix_python_text(text, path, _options(select, ignore, unsafe_fixes, cdk_version))
    return Result(outcome.output if outcome.output is not None else text, outcome.findings,
                  "".join(outcome.diffs), outcome.errors)


def fix_markdown(text: str, *, select: Sequence[str] = (), ignore: Sequence[str] = (),
                 unsafe_fixes: bool = False, cdk_version: str | None = None, path: str = "<string>.md") -> Result:
    """Fix every Python block of a Markdown answer (the blocks form one project)."""
    outcome = fix_markdown_text(text, path, _options(select, ignore, unsafe_fixes, cdk_version))
    return Result(outcome.output if outcome.output is not None else text, outcome.findings,
                  "".join(outcome.diffs), outcome.errors)
