"""The fast stdlib-tree helpers every prefilter relies on give what their slow reference versions give."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import hypothesmith
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from codemods._helpers import _parent_map, _walk, prescan, word_matches

ROOT = Path(__file__).resolve().parent.parent
SOURCES = sorted((ROOT / "examples").rglob("*.py"))[:40]

#: Operator and expression-context nodes are shared singletons: their "parent" means nothing.
_SINGLETONS = (ast.expr_context, ast.operator, ast.unaryop, ast.cmpop, ast.boolop)


def _trees():
    for path in SOURCES:
        yield path.name, ast.parse(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize(("name", "tree"), list(_trees()), ids=lambda v: v if isinstance(v, str) else "")
def test_walk_is_ast_walk_without_expression_contexts(name, tree):
    expected = [id(n) for n in ast.walk(tree) if not isinstance(n, ast.expr_context)]
    assert [id(n) for n in _walk(tree)] == expected


@pytest.mark.parametrize(("name", "tree"), list(_trees()), ids=lambda v: v if isinstance(v, str) else "")
def test_parent_map_gives_every_node_its_parent(name, tree):
    expected = {id(child): node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)
                if not isinstance(child, _SINGLETONS)}
    parents = _parent_map(tree, by_id=True)
    assert all(parents[key] is parent for key, parent in expected.items())
    by_node = _parent_map(tree, by_id=False)
    assert all(by_node[child] is node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)
               if not isinstance(child, _SINGLETONS))


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_prescan_buckets_are_ast_walk_filtered_in_order(path):
    source = path.read_text(encoding="utf-8")
    scan = prescan(source)
    tree = scan.tree
    assert [id(n) for n in scan.calls] == [id(n) for n in ast.walk(tree) if isinstance(n, ast.Call)]
    assert [id(n) for n in scan.attributes] == [id(n) for n in ast.walk(tree) if isinstance(n, ast.Attribute)]
    assert [id(n) for n in scan.assignments] == [
        id(n) for n in ast.walk(tree) if isinstance(n, (ast.Assign, ast.AnnAssign))]
    assert scan.names == {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(hypothesmith.from_grammar())
def test_walk_and_parents_on_random_programs(source):
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return
    assert [id(n) for n in _walk(tree)] == [id(n) for n in ast.walk(tree) if not isinstance(n, ast.expr_context)]
    parents = _parent_map(tree, by_id=True)
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            if not isinstance(child, _SINGLETONS):
                assert parents[id(child)] is node


PATTERNS = [r"aws_cdk\.core\b", r"import\s+aws_cdk\s+as\s+(\w+)", r"aws_cdk\.([a-z][a-z0-9_]*)", r"cdk\.(\w+)"]
WORDS = ["aws_cdk", ".", "core", "x", " ", "import", "as", "cdk", "_", "é", "\n", "aws_s3", "A", "1"]


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(PATTERNS), st.lists(st.sampled_from(WORDS), max_size=25))
def test_word_matches_finds_what_a_leading_word_boundary_finds(pattern, words):
    text = "".join(words)
    expected = [(m.start(), m.group(0)) for m in re.compile(r"\b" + pattern).finditer(text)]
    assert [(m.start(), m.group(0)) for m in word_matches(re.compile(pattern), text)] == expected


@pytest.mark.parametrize("separator", ["\f", "\u2028", "\x1c", "\x85"])
def test_source_view_columns_count_lines_as_the_tokenizer_does(separator):
    from codemods._helpers import SourceView

    # ``separator`` inside a string or a comment is no line break for Python; ``str.splitlines`` says it is.
    source = f'x = "a{separator}b"  # c{separator}d\nlabel = "é"; y = f(1)\n'
    view = SourceView(source)
    call = next(node for node in ast.walk(view.tree) if isinstance(node, ast.Call))
    assert call.lineno == 2
    assert view.char_column(call.lineno, call.col_offset) == source.split("\n")[1].index("f(1)")


def test_other_project_views_leave_out_the_file_named_by_path_even_once_it_changed():
    from cdkfix.project import Project
    from codemods._helpers import SourceView, other_project_views

    project = Project({"a.py": "f(1)\n", "b.py": "g(2)\n"})
    changed = SourceView("f(1)\nh(3)\n")  # a.py after an earlier pass: its text is no file's text any more
    assert [v.path for v in other_project_views(changed, project, "a.py")] == ["b.py"]
    assert [v.path for v in other_project_views(SourceView("f(1)\n"), project)] == ["b.py"]  # by its text


def test_the_engine_tells_a_rule_which_project_file_it_fixes():
    from typing import ClassVar

    from cdkfix.engine import fix_code
    from cdkfix.rule import AstRule

    seen = []

    class Probe(AstRule):
        code: ClassVar[str] = "CDK997"
        name: ClassVar[str] = "probe-path"

        def check(self) -> None:
            seen.append(self.path)

    fix_code("x = 1\n", [Probe], path="lib/stack.py")
    fix_code("x = 1\n", [Probe])
    assert seen == ["lib/stack.py", None]
