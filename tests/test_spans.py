"""Edits located by the stdlib parser and made with LibCST (``cdkfix.spans``) and the ``AstRule`` contract."""

from __future__ import annotations

import ast
import textwrap
from typing import ClassVar

import libcst as cst
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cdkfix.engine import fix_code
from cdkfix.imports import ImportRequest, ImportView, apply_imports
from cdkfix.rule import AstRule
from cdkfix.spans import Edit, LineIndex, add_imports, apply_edits


def _calls(source: str) -> list[ast.Call]:
    return sorted((n for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Call)),
                  key=lambda n: (n.lineno, n.col_offset))


def _rename(old: str, new: str):
    def build(call: cst.CSTNode) -> cst.CSTNode:
        assert isinstance(call, cst.Call)
        return call.with_changes(args=[a.with_changes(keyword=cst.Name(new))
                                       if a.keyword is not None and a.keyword.value == old else a
                                       for a in call.args])
    return build


def test_line_index_counts_lines_like_the_tokenizer_and_columns_in_characters():
    source = "a = 1\r\nb = 'é'; c = f(x) \x0c# ff\rz = 3\n"
    index = LineIndex(source)
    tree = ast.parse(source)
    call = _calls(source)[0]
    start, end = index.span(call)
    assert source[start:end] == "f(x)"  # the byte column after 'é' is one more than the character column
    assert [source[slice(*index.span(s))] for s in tree.body] == ["a = 1", "b = 'é'", "c = f(x)", "z = 3"]
    assert index.line_text(2) == "b = 'é'; c = f(x) \x0c# ff"  # a form feed does not end a line
    assert index.line_text(3) == "z = 3"


def test_edit_replaces_only_its_span_and_keeps_every_other_byte():
    source = "x = f(  a,   # keep\r\n      old=1)  # trailing\r\ny = g(old=2)\r\n"
    calls = _calls(source)
    new, made, left = apply_edits(source, LineIndex(source), [Edit(calls[0], _rename("old", "new"), 0)])
    assert made and not left
    assert new == source.replace("old=1", "new=1")


def test_overlapping_edits_are_left_for_a_later_pass():
    source = "x = f(g(old=1), old=2)\n"
    outer, inner = _calls(source)
    new, made, left = apply_edits(source, LineIndex(source),
                                  [Edit(inner, _rename("old", "new"), 0), Edit(outer, _rename("old", "new"), 1)])
    assert [e.finding for e in made] == [1] and [e.finding for e in left] == [0]
    assert new == "x = f(g(old=1), new=2)\n"


def test_multi_line_expression_span_parses_on_its_own():
    source = "x = (a +\n     f(old=1))\n"
    binop = ast.parse(source).body[0].value
    new, made, _ = apply_edits(source, LineIndex(source), [Edit(binop, lambda n: n.with_changes(
        right=_rename("old", "new")(n.right)), 0)])
    assert made and new == "x = (a +\n     f(new=1))\n"


def test_simple_statement_edit_keeps_semicolon_neighbours():
    source = "a = 1; b = f(old=2)  # c\n"
    assign = ast.parse(source).body[1]
    new, made, _ = apply_edits(source, LineIndex(source), [Edit(assign, lambda n: n.with_changes(
        value=_rename("old", "new")(n.value)), 0)])
    assert made and new == "a = 1; b = f(new=2)  # c\n"


HEADERS = [
    "import aws_cdk as cdk\n\nx = cdk.App()\n",
    '"""Doc."""\n\nx = 1\n',
    "#!/usr/bin/env python\n# comment\nfrom aws_cdk import (\n    Stack,\n    aws_s3 as s3,  # s3\n)\n\n\n"
    "class A(Stack):\n    pass\n",
    "from aws_cdk import Stack\nimport os\n# between\n\nx = 1\nimport sys\ny = 2\n",
    "try:\n    import foo\nexcept ImportError:\n    foo = None\n    # trailing\nx = 1\n",
    "class A:\n    import os\n",
    "",
    "import os; x = 1\ny = 2\n",
    "from aws_cdk import Stack\r\n\r\nx = 1\r\n",
]


@pytest.mark.parametrize("source", HEADERS)
@pytest.mark.parametrize("requests", [
    [ImportRequest("aws_cdk", "Duration")],
    [ImportRequest("aws_cdk", "aws_logs", "logs"), ImportRequest("aws_cdk", None, "cdk")],
    [ImportRequest("constructs", "Construct")],
])
def test_imports_added_on_the_header_equal_imports_added_on_the_whole_module(source, requests):
    expected = apply_imports(cst.parse_module(source), requests).code
    assert add_imports(source, ast.parse(source), requests) == expected


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(HEADERS), st.lists(st.sampled_from(["x = 1\n", "# c\n", "\n", "import re\n"]), max_size=4))
def test_header_imports_match_whole_module_imports_on_varied_files(head, tail):
    source = head + "".join(tail)
    try:
        ast.parse(source)
    except SyntaxError:
        return
    requests = [ImportRequest("aws_cdk", "Duration")]
    assert add_imports(source, ast.parse(source), requests) == apply_imports(cst.parse_module(source),
                                                                              requests).code


def test_import_view_from_the_stdlib_tree_matches_the_libcst_view():
    source = textwrap.dedent("""\
        import aws_cdk as cdk
        import aws_cdk.aws_s3
        from aws_cdk import aws_lambda as lambda_, Duration
        from . import local
        try:
            from aws_cdk import aws_logs as logs
        except ImportError:
            import logging as logs
        def f(param):
            import os
            return os
        """)
    ours, libcst_view = ImportView.from_ast(ast.parse(source)), ImportView(cst.parse_module(source))
    assert ours.bindings == libcst_view.bindings
    assert ours.identifiers == libcst_view.identifiers


class _RenameOld(AstRule):
    """Test rule: ``f(old=...)`` becomes ``f(new=Duration.seconds(...))``; unsafe when the call has ``risky``."""

    code: ClassVar[str] = "CDK999"
    name: ClassVar[str] = "test-rename-old"
    triggers: ClassVar[tuple[str, ...]] = ("old=",)

    def check(self) -> None:
        for call in self.scan.calls:
            if any(k.arg == "old" for k in call.keywords):
                safety = "unsafe" if any(k.arg == "risky" for k in call.keywords) else "safe"
                duration = self.use_name("aws_cdk.Duration")

                def build(node, duration=duration):
                    node = _rename("old", "new")(node)
                    return node.with_changes(args=[
                        a.with_changes(value=cst.parse_expression(f"{duration}.seconds({cst.Module([]).code_for_node(a.value)})"))
                        if a.keyword is not None and a.keyword.value == "new" else a for a in node.args])

                self.rewrite(call, build, "`old` is `new` now", safety=safety)


def test_ast_rule_fixes_adds_the_staged_import_and_reports_positions():
    source = "import os\n\nx = 'é'; f(a, old=1)\n"
    result = fix_code(source, [_RenameOld])
    assert result.output == "import os\nfrom aws_cdk import Duration\n\nx = 'é'; f(a, new=Duration.seconds(1))\n"
    [finding] = result.findings
    assert (finding.line, finding.column, finding.applied) == (3, 10, True)
    assert fix_code(result.output, [_RenameOld]).output == result.output


def test_unapplied_unsafe_fix_adds_no_import_and_carries_its_would_be_diff():
    source = "import os\n\nf(old=1, risky=True)\n"
    result = fix_code(source, [_RenameOld])
    assert result.output == source
    [finding] = result.findings
    assert not finding.applied and finding.fixable and finding.safety == "unsafe"
    assert "+from aws_cdk import Duration" in finding.diff and "+f(new=Duration.seconds(1), risky=True)" in finding.diff


def test_suppressed_ast_rule_fix_is_neither_made_nor_reported():
    source = "f(old=1)  # cdkfix: ignore[CDK999]\n"
    result = fix_code(source, [_RenameOld])
    assert result.output == source and not result.findings


def test_nested_fixes_of_one_ast_rule_reach_a_fixpoint_over_passes():
    source = "from aws_cdk import Duration\nf(old=g(old=1))\n"
    result = fix_code(source, [_RenameOld])
    assert result.output == "from aws_cdk import Duration\nf(new=Duration.seconds(g(new=Duration.seconds(1))))\n"
    assert sum(f.applied for f in result.findings) == 2 and result.passes >= 2


def test_two_fixes_needing_one_import_add_it_once():
    source = "import os\nf(old=1)\nf(old=2)\n"
    result = fix_code(source, [_RenameOld])
    assert result.output == ("import os\nfrom aws_cdk import Duration\nf(new=Duration.seconds(1))\n"
                             "f(new=Duration.seconds(2))\n")


def _statement(source: str, kind: type) -> ast.stmt:
    return next(n for n in ast.walk(ast.parse(source)) if isinstance(n, kind))


def test_whole_lines_edit_removes_a_statement_and_keeps_neighbours_and_comments():
    source = "def f():\r\n    # keep\r\n    x = 1  # gone with it\r\n    y = 2\r\n"
    node = _statement(source, ast.Assign)
    new, made, _ = apply_edits(source, LineIndex(source), [Edit(node, lambda n: cst.RemovalSentinel.REMOVE, 0,
                                                                whole_lines=True)])
    assert made and new == "def f():\r\n    # keep\r\n    y = 2\r\n"


def test_whole_lines_edit_of_a_block_statement_is_dedented_and_reindented():
    source = 'class A:\n\tdef f(self):\n\t\tdoc = """\n\t\tkept\n\t\t"""\n\n\t\treturn 1\n\tz = 3\n'
    node = _statement(source, ast.FunctionDef)

    def build(function):
        extra = cst.parse_statement("y = 2\n")
        return function.with_changes(body=function.body.with_changes(body=[*function.body.body, extra]))

    new, made, _ = apply_edits(source, LineIndex(source), [Edit(node, build, 0)])
    assert made and new == ('class A:\n\tdef f(self):\n\t\tdoc = """\n\t\tkept\n\t\t"""\n\n\t\treturn 1\n'
                            '\t\ty = 2\n\tz = 3\n')


def test_whole_lines_edit_can_add_statements():
    source = "if x:\n    a = 1\n"
    node = _statement(source, ast.Assign)
    new, made, _ = apply_edits(source, LineIndex(source), [Edit(
        node, lambda line: cst.FlattenSentinel([line, cst.parse_statement("b = 2\n")]), 0, whole_lines=True)])
    assert made and new == "if x:\n    a = 1\n    b = 2\n"


@pytest.mark.parametrize("source", [
    "class A:\n    def f():\n        s = '''\nnot indented\n'''\n",  # a string line less indented
    "a = 1; b = 2\n",  # another statement on the line
    "if x: a = 1\n",  # the statement shares its line with the `if`
])
def test_whole_lines_edit_bails_out_where_lines_are_shared_or_strings_unindented(source):
    tree = ast.parse(source)
    functions = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)]
    node = functions[0] if functions else [n for n in ast.walk(tree) if isinstance(n, ast.Assign)][-1]
    new, made, left = apply_edits(source, LineIndex(source), [Edit(node, lambda n: cst.RemovalSentinel.REMOVE, 0,
                                                                   whole_lines=True)])
    assert not made and left and new == source


class _TwoFindingsOneEdit(AstRule):
    """Test rule: in ``f(x, old=...)``, a fix of the call and two fixes made by one edit of its first argument;
    the two edits overlap, so the argument's edit is left for a later pass."""

    code: ClassVar[str] = "CDK998"
    name: ClassVar[str] = "test-two-findings-one-edit"

    def check(self) -> None:
        from cdkfix.spans import Edit

        for call in self.scan.calls:
            if any(k.arg == "old" for k in call.keywords) and call.args:
                self.rewrite(call, _rename("old", "new"), "`old` renamed")
                first = len(self.findings_so_far)
                self.record_fix(call.args[0], "the argument, once")
                self.record_fix(call.args[0], "the argument, twice")
                self.queue(Edit(call.args[0], lambda node: cst.Name("y"), first, also=(first + 1,)))


def test_an_edit_left_for_a_later_pass_withdraws_every_finding_it_carries():
    from cdkfix.engine import _context
    from cdkfix.rule import SCRATCH_FINDINGS, RuleOptions
    from cdkfix.suppressions import parse_suppressions

    source = "f(x, old=1)\n"
    context = _context(RuleOptions(), None, parse_suppressions(source))
    output = _TwoFindingsOneEdit(context).run(source)
    assert output == "f(x, new=1)\n"
    assert [f.applied for f in context.scratch[SCRATCH_FINDINGS]] == [True, False, False]
