"""Edits located by the standard library's ``ast`` and made with LibCST on the located node only.

A LibCST transformer costs a Python-level traversal of the whole module (about 1.1x a LibCST parse) per rule
and per pass, on top of the parse. An :class:`cdkfix.rule.AstRule` finds its targets on the stdlib tree the
prefilters already built (a C parse, ~10x cheaper), and each fix is made the LibCST way on just the node it
changes: the node's source text (its span, from ``ast`` positions) is parsed with LibCST, the rule's builder
returns ``node.with_changes(...)``, and the new code replaces exactly that span. Bytes outside the span are
never touched; a span whose LibCST parse does not reproduce its text is left alone (bail out, don't guess).
A statement with a block (or any statement edited with ``whole_lines``) is edited by its whole lines,
dedented, parsed as a module and re-indented, so a fix can replace, add or remove statements.
Imports are added by :func:`cdkfix.imports.apply_imports` on a LibCST parse of the file's import header
(the top-level statements up to the last import), not of the whole file.
"""

from __future__ import annotations

import ast
import functools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import libcst as cst

from cdkfix.imports import ImportRequest, apply_imports

_LINE_END = re.compile(r"\r\n|\r|\n")


class LineIndex:
    """Character offsets of ``ast`` positions (1-based lines, UTF-8 byte columns) in one source text.

    Lines are split the way the tokenizer splits them (``\\r\\n``, ``\\r``, ``\\n``), not as
    ``str.splitlines`` does (which also breaks at form feeds and other separators).
    """

    def __init__(self, source: str) -> None:
        self.source = source
        self.starts = [0]
        self.starts.extend(match.end() for match in _LINE_END.finditer(source))

    def line_text(self, line: int) -> str:
        """The text of 1-based ``line`` without its line ending."""
        start = self.starts[line - 1]
        end = self.starts[line] if line < len(self.starts) else len(self.source)
        return self.source[start:end].rstrip("\r\n")

    def char_column(self, line: int, byte_column: int) -> int:
        """``ast``'s UTF-8 byte column as a character column."""
        text = self.line_text(line)
        if text.isascii():
            return byte_column
        return len(text.encode("utf-8")[:byte_column].decode("utf-8", "replace"))

    def offset(self, line: int, byte_column: int) -> int:
        """Character offset of a position in the source."""
        return self.starts[line - 1] + self.char_column(line, byte_column)

    def span(self, node: ast.AST) -> tuple[int, int]:
        """``(start, end)`` character offsets of a node with positions."""
        return (self.offset(node.lineno, node.col_offset),  # type: ignore[attr-defined]
                self.offset(node.end_lineno, node.end_col_offset))  # type: ignore[attr-defined]

    def line_end(self, line: int) -> int:
        """Offset just after 1-based ``line``'s line ending (the end of the source for the last line)."""
        return self.starts[line] if line < len(self.starts) else len(self.source)


@functools.lru_cache(maxsize=4)
def line_index(source: str) -> LineIndex:
    """The :class:`LineIndex` of ``source``, shared by the rules of a pass and the import header (cached)."""
    return LineIndex(source)


#: Statements with a block: edited by whole lines, dedented (see :attr:`Edit.by_lines`).
COMPOUND = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.If, ast.For, ast.AsyncFor, ast.While,
            ast.With, ast.AsyncWith, ast.Try, ast.Match) + ((ast.TryStar,) if hasattr(ast, "TryStar") else ())

#: Builds the replacement of a parsed node (``node.with_changes(...)`` or a new node).
Builder = Callable[[cst.CSTNode], cst.CSTNode]


@dataclass
class Edit:
    """Replace the source of ``node`` (an ``ast`` expression or statement) with ``build``'s result.

    ``finding`` is the index of the finding the edit belongs to in its rule's findings, so the engine can
    withdraw the finding when the edit cannot be made in this pass; ``also`` the indexes of further findings
    the same edit makes (several fixes inside one call, several aliases of one import), withdrawn with it.
    A decorated ``def`` or ``class`` is edited from its ``def``/``class`` line: its decorators are not part
    of the span.
    """

    node: ast.AST
    build: Builder
    finding: int
    imports: list[ImportRequest] = field(default_factory=list)
    start: int = 0
    end: int = 0
    #: Edit the statement's whole lines (always, for a statement with a block): ``build`` gets the statement
    #: (``SimpleStatementLine``, ``FunctionDef``...) parsed from its dedented lines and may return another
    #: statement, a ``FlattenSentinel`` of several, or ``RemovalSentinel.REMOVE``.
    whole_lines: bool = False
    also: tuple[int, ...] = ()

    @property
    def findings(self) -> tuple[int, ...]:
        """Every finding the edit makes: ``finding`` and ``also``."""
        return (self.finding, *self.also)

    @property
    def by_lines(self) -> bool:
        """Whether the span is the statement's whole lines rather than the node's own text."""
        return self.whole_lines or isinstance(self.node, COMPOUND)


def _module(newline: str) -> cst.Module:
    return cst.Module(body=[], default_newline=newline)


def parse_expression_text(text: str) -> cst.BaseExpression | None:
    """LibCST's node for an expression's source ``text`` (an ``ast`` node's span), or None when LibCST does not
    parse it. Parsed in parentheses, so a span over several lines parses on its own; the parentheses are not
    part of the result."""
    try:
        parsed = cst.parse_expression(f"({text})")
    except (cst.ParserSyntaxError, SyntaxError, ValueError):
        return None
    return parsed.with_changes(lpar=parsed.lpar[1:], rpar=parsed.rpar[:-1])


def _parse_span(text: str, node: ast.AST) -> cst.CSTNode | None:
    """LibCST's node for the source ``text`` of the ``ast`` ``node``, or None when it cannot be had."""
    if isinstance(node, ast.expr):
        return parse_expression_text(text)
    try:
        if isinstance(node, ast.stmt):
            line = cst.parse_statement(text)
            if isinstance(line, cst.SimpleStatementLine) and len(line.body) == 1:
                return line.body[0].with_changes(semicolon=cst.MaybeSentinel.DEFAULT)
    except (cst.ParserSyntaxError, SyntaxError, ValueError):
        return None
    return None


def newline_of(source: str) -> str:
    """The file's line ending (what new lines a builder makes will use)."""
    match = _LINE_END.search(source)
    return match.group(0) if match else "\n"


_LINES = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")
_BLANK = re.compile(r"[ \t\f]*(?:\r\n|\r|\n)?\Z")
_LINE_TAIL = re.compile(r"[ \t\f]*(?:#[^\r\n]*)?(?:\r\n|\r|\n)?\Z")


def line_span(source: str, index: LineIndex, node: ast.stmt) -> tuple[int, int] | None:
    """The whole lines of statement ``node`` (indentation to line end), or None when another statement shares
    them (``a = 1; b = 2``, ``if x: y``) or code precedes it on its first line."""
    start, end = index.span(node)
    first = index.starts[node.lineno - 1]
    last = index.line_end(node.end_lineno)  # type: ignore[arg-type]
    if source[first:start].strip(" \t\f") or not _LINE_TAIL.match(source, end, last):
        return None
    return first, last


def _lines_replacement(text: str, edit: Edit) -> str | None:
    """Whole-lines edit: dedent the statement's lines, parse them as a module, build, re-indent."""
    lines = _LINES.findall(text)
    indent = lines[0][:len(lines[0]) - len(lines[0].lstrip(" \t\f"))]
    dedented = []
    for line in lines:
        if _BLANK.match(line):
            dedented.append(line)  # whitespace-only lines stay as they are, both ways
        elif line.startswith(indent):
            dedented.append(line[len(indent):])
        else:
            return None  # a line less indented than the statement: inside a multi-line string
    try:
        module = cst.parse_module("".join(dedented))
    except (cst.ParserSyntaxError, SyntaxError, ValueError):
        return None
    if len(module.body) != 1 or module.header or module.footer:
        return None

    def reindent(code: str) -> str:
        return "".join(line if _BLANK.match(line) else indent + line
                       for line in _LINES.findall(code))

    # No round-trip check (it would cost a code generation of the whole statement): LibCST prints a parsed
    # module back byte for byte, and re-indenting undoes the dedent above line for line.
    built = edit.build(module.body[0])
    if isinstance(built, cst.RemovalSentinel):
        return ""  # the lines go (an empty LibCST module would still print a newline)
    if isinstance(built, cst.FlattenSentinel):
        body: list[cst.CSTNode] = list(built.nodes)
    else:
        body = [built]
    return reindent(module.with_changes(body=body).code)


def replacement(source: str, edit: Edit, newline: str) -> str | None:
    """The new text for ``edit``'s span, or None when the span's LibCST parse does not give back its text."""
    text = source[edit.start:edit.end]
    if edit.by_lines:
        return _lines_replacement(text, edit)
    parsed = _parse_span(text, edit.node)
    if parsed is None:
        return None
    module = _module(newline)
    if module.code_for_node(parsed) != text:
        return None
    return module.code_for_node(edit.build(parsed))


def apply_edits(source: str, index: LineIndex, edits: Sequence[Edit]) -> tuple[str, list[Edit], list[Edit]]:
    """Make every edit whose span does not overlap an earlier one; return the new text, the edits made and
    the edits left for another pass (overlapping, or whose span did not round-trip through LibCST)."""
    newline = newline_of(source)
    made: list[Edit] = []
    left: list[Edit] = []
    spanned: list[Edit] = []
    for edit in edits:
        span = line_span(source, index, edit.node) if edit.by_lines else index.span(edit.node)
        if span is None:
            left.append(edit)
        else:
            edit.start, edit.end = span
            spanned.append(edit)
    edits = spanned
    pieces: list[str] = []
    cursor = 0
    for edit in sorted(edits, key=lambda e: (e.start, -e.end)):
        if edit.start < cursor:
            left.append(edit)
            continue
        new = replacement(source, edit, newline)
        if new is None:
            left.append(edit)
            continue
        pieces.append(source[cursor:edit.start])
        pieces.append(new)
        cursor = edit.end
        made.append(edit)
    pieces.append(source[cursor:])
    return "".join(pieces), made, left


def _holds_imports(node: ast.stmt) -> bool:
    """An import statement, or an ``if``/``try`` with one inside (what ``apply_imports`` looks into)."""
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return True
    return isinstance(node, (ast.If, ast.Try)) and any(
        isinstance(inner, (ast.Import, ast.ImportFrom)) for inner in ast.walk(node))


def header_end(source: str, tree: ast.Module) -> int | None:
    """Where the file's import header ends: after the line of the last top-level statement holding an import
    (at least the first statement). None when it cannot be cut cleanly (a block statement last, whose
    trailing comments LibCST may keep with it, or a next statement on the same line): then the whole file is
    the header."""
    body = tree.body
    last = 0
    for position, statement in enumerate(body):
        if _holds_imports(statement):
            last = position
    if not body or isinstance(body[last], COMPOUND) \
            or (last + 1 < len(body) and body[last + 1].lineno == body[last].end_lineno):
        return None
    return line_index(source).line_end(body[last].end_lineno)  # type: ignore[arg-type]


def add_imports(source: str, tree: ast.Module, requests: Sequence[ImportRequest], *,
                cut: int | None = None) -> str:
    """``source`` with the requested imports added by :func:`cdkfix.imports.apply_imports`, which sees only the
    import header (:func:`header_end` of ``tree``, or ``cut`` when the caller knows it)."""
    if not requests:
        return source
    if cut is None:
        cut = header_end(source, tree)
    if cut is None:
        return apply_imports(cst.parse_module(source), list(requests)).code
    return apply_imports(cst.parse_module(source[:cut]), list(requests)).code + source[cut:]
