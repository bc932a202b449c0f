"""Rule documentation in Ruff's layout: what it does, why it is bad, example, fix safety."""

from __future__ import annotations

import inspect
import textwrap


def _example(rule) -> tuple[str, str] | None:
    for case in rule.cases:
        if case.after is not None and not case.finding:
            return case.before, case.after
    for case in rule.cases:
        if case.finding:
            return case.before, ""
    return None


def explain_rule(rule) -> str:
    """The text ``cdkfix explain CODE`` prints for a rule class."""
    parts = [f"{rule.code} ({rule.name}): {rule.title}", ""]
    parts += ["## What it does", inspect.cleandoc(rule.__doc__ or rule.title), ""]
    parts += ["## Why is this bad?", inspect.cleandoc(rule.why), ""]
    example = _example(rule)
    if example:
        before, after = example
        parts += ["## Example", "```python", textwrap.dedent(before).strip("\n"), "```", ""]
        if after:
            parts += ["Use instead:", "```python", textwrap.dedent(after).strip("\n"), "```", ""]
    safety = {
        "safe": "This fix is safe: the result is what aws-cdk-lib requires and nothing is guessed. "
                "`cdkfix apply` applies it.",
        "unsafe": "This fix is unsafe: it invents a value or removes code. It is applied only with "
                  "`--unsafe-fixes`; otherwise it is listed with the diff it would make.",
    }[rule.safety]
    if not rule.fixable:
        safety = "This rule reports a finding; it has no automatic fix."
    parts += ["## Fix safety", safety, ""]
    if rule.source:
        parts += ["## Source", rule.source, ""]
    return "\n".join(parts).rstrip() + "\n"
