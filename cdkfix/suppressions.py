"""Suppression comments: ``# cdkfix: ignore[CDK001]``, bare ``# cdkfix: ignore``, and Fixit's ``# lint-ignore``.

A comment suppresses findings that start on its line; a comment alone on a line also covers the next line
(Fixit's habit for long calls). Every use is recorded so ``cdkfix check`` can list suppressions that no
longer suppress anything.
"""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass, field

_CDKFIX = re.compile(r"#\s*cdkfix:\s*ignore(?:\[(?P<codes>[^\]]*)\])?", re.IGNORECASE)
_FIXIT = re.compile(r"#\s*lint-(?:ignore|fixme)(?::\s*(?P<codes>[\w\s,.-]+))?", re.IGNORECASE)


@dataclass
class Suppression:
    """One comment: the lines it covers and the rules it names (empty: all rules)."""

    line: int
    codes: frozenset[str]
    text: str
    used: bool = False

    def matches(self, code: str, name: str, rule_class: str | None = None) -> bool:
        """Whether this comment names the rule (by code, kebab name or Fixit class name)."""
        if not self.codes:
            return True
        wanted = {c.lower() for c in self.codes}
        return bool({code.lower(), name.lower(), (rule_class or "").lower()} & wanted)


@dataclass
class Suppressions:
    """All suppression comments of one module, by the line they cover."""

    by_line: dict[int, list[Suppression]] = field(default_factory=dict)

    @property
    def all(self) -> list[Suppression]:
        """Every comment once, in line order."""
        seen: dict[int, Suppression] = {}
        for items in self.by_line.values():
            for item in items:
                seen[id(item)] = item
        return sorted(seen.values(), key=lambda s: s.line)

    def suppresses(self, code: str, name: str, start_line: int, end_line: int | None = None) -> bool:
        """True when a comment covering ``start_line`` names this rule; marks the comment used."""
        for item in self.by_line.get(start_line, ()):
            if item.matches(code, name, _class_name(name)):
                item.used = True
                return True
        return False


def _class_name(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("-"))


def parse_suppressions(source: str) -> Suppressions:
    """Find suppression comments with the tokenizer (so ``#`` inside strings is ignored)."""
    result = Suppressions()
    if "cdkfix" not in source and "lint-" not in source:
        return result
    lines = source.splitlines()
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return result
    for token in tokens:
        if token.type != tokenize.COMMENT:
            continue
        match = _CDKFIX.search(token.string) or _FIXIT.search(token.string)
        if not match:
            continue
        raw = match.group("codes") or ""
        codes = frozenset(c.strip() for c in re.split(r"[,\s]+", raw) if c.strip())
        line = token.start[0]
        item = Suppression(line, codes, token.string.strip())
        result.by_line.setdefault(line, []).append(item)
        own_line = not lines[line - 1][: token.start[1]].strip()
        if own_line:
            result.by_line.setdefault(line + 1, []).append(item)
    return result
