"""A file's run frees what it built by reference counting: no reference cycle keeps its trees alive.

A batch run keeps the garbage collector's work small (``cdkfix.parallel``); a cycle that holds an ``ast`` or
LibCST tree (a closure that calls itself, a rule whose queued fixes refer back to it) keeps a whole file's
tree in memory until the next collection, and made files with findings 10% slower.
"""

from __future__ import annotations

import gc
import ast
from pathlib import Path

import libcst as cst
import pytest

from cdkfix.engine import fix_code
from cdkfix.registry import all_rules
from cdkfix.rule import RuleOptions

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def _cyclic_garbage(run) -> list[object]:
    """What ``run()`` leaves that only the garbage collector can free."""
    gc.collect()
    was_enabled = gc.isenabled()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        run()
        gc.collect()
        return list(gc.garbage)
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        if was_enabled:
            gc.enable()


def _trees(objects: list[object]) -> list[str]:
    return sorted({type(o).__name__ for o in objects
                   if isinstance(o, (ast.AST, cst.CSTNode)) or type(o).__name__ in ("Prescan", "SourceView")})


@pytest.mark.parametrize("folder", ["before", "after"])
def test_fixing_the_examples_leaves_no_cycle_holding_a_tree(folder):
    rules = all_rules()
    sources = [path.read_text(encoding="utf-8") for path in sorted((EXAMPLES / folder).glob("*.py"))]
    assert sources
    fix_code(sources[0], rules, RuleOptions())  # the API index and the rules' caches: loaded once, kept

    def run() -> None:
        for source in sources:
            fix_code(source, rules, RuleOptions(), unsafe_diffs=True)

    assert _trees(_cyclic_garbage(run)) == []


def test_the_check_sees_a_cycle():
    def run() -> None:
        tree = ast.parse("x = 1")
        tree.body.append(tree)  # type: ignore[arg-type]

    assert "Module" in _trees(_cyclic_garbage(run))
