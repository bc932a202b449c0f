"""Finds every rule in the ``codemods`` package and selects rules by code or name.

Rules are discovered by walking the package (pyupgrade's and Fixit's habit): adding a rule means adding a
module, nothing else. Modules whose name starts with ``_`` hold shared helpers, not rules.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterable, Sequence
from functools import cache

from cdkfix.rule import Rule


class UnknownRuleError(ValueError):
    """A --select/--ignore value that names no rule."""


@cache
def all_rules() -> tuple[type[Rule], ...]:
    """Every rule class, sorted by code."""
    import codemods

    found: dict[str, type[Rule]] = {}
    for info in pkgutil.iter_modules(codemods.__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"codemods.{info.name}")
        for value in vars(module).values():
            if (isinstance(value, type) and issubclass(value, Rule) and value is not Rule
                    and value.__module__ == module.__name__ and value.code):
                if value.code in found:
                    raise RuntimeError(f"rule code {value.code} is used twice: {found[value.code]} and {value}")
                found[value.code] = value
    return tuple(found[code] for code in sorted(found))


def find_rule(key: str) -> type[Rule]:
    """The rule with this code (``CDK001``) or name (``appmesh-route-mesh``), case-insensitive."""
    wanted = key.strip().lower()
    for rule in all_rules():
        if wanted in (rule.code.lower(), rule.name.lower()):
            return rule
    raise UnknownRuleError(f"unknown rule {key!r} (see `cdkfix rules`)")


def _expand(values: Iterable[str]) -> list[str]:
    out: list[str] = []
    for value in values:
        out.extend(v.strip() for v in value.split(",") if v.strip())
    return out


def _matches(rule: type[Rule], key: str) -> bool:
    key = key.lower()
    if key in ("all", rule.code.lower(), rule.name.lower()):
        return True
    # A code prefix selects a group, as in Ruff: CDK0 selects CDK001..CDK099.
    return key.upper().startswith("CDK") and rule.code.lower().startswith(key)


def select_rules(select: Sequence[str] = (), ignore: Sequence[str] = ()) -> tuple[type[Rule], ...]:
    """Rules chosen by ``--select`` (default: all) minus ``--ignore``; unknown keys raise."""
    selected_keys, ignored_keys = _expand(select), _expand(ignore)
    rules = all_rules()
    for key in selected_keys + ignored_keys:
        if not any(_matches(rule, key) for rule in rules):
            raise UnknownRuleError(f"unknown rule {key!r} (see `cdkfix rules`)")
    chosen = [r for r in rules if not selected_keys or any(_matches(r, k) for k in selected_keys)]
    return tuple(r for r in chosen if not any(_matches(r, k) for k in ignored_keys))
