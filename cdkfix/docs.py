"""Keeps README.md's rule table in step with the registry: ``python -m cdkfix.docs`` rewrites it."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from cdkfix.registry import all_rules

START, END = "<!-- rules-table:start -->", "<!-- rules-table:end -->"


def rules_table() -> str:
    """The Markdown table of every rule."""
    lines = ["| code | name | fix | what it repairs | source |", "| --- | --- | --- | --- | --- |"]
    for rule in all_rules():
        fix = rule.safety if rule.fixable else "finding only"
        title = rule.title.replace("|", "\\|")
        source = rule.source.replace("|", "\\|")
        lines.append(f"| {rule.code} | {rule.name} | {fix} | {title} | {source} |")
    return "\n".join(lines)


def render(readme: str) -> str:
    """README text with the table between the markers replaced."""
    pattern = re.compile(re.escape(START) + r".*?" + re.escape(END), re.DOTALL)
    return pattern.sub(lambda _: f"{START}\n{rules_table()}\n{END}", readme)


def main() -> int:
    """Rewrite README.md in the current directory (or the path given)."""
    path = Path(sys.argv[1] if len(sys.argv) > 1 else "README.md")
    text = path.read_text(encoding="utf-8")
    new = render(text)
    if new != text:
        path.write_text(new, encoding="utf-8")
        print(f"updated the rule table in {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
