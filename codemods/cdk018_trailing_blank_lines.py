"""CDK018: blank lines at the end of a file (pylint C0305 ``trailing-newlines``)."""

from __future__ import annotations

import re
from dataclasses import dataclass

import libcst as cst

from cdkfix.rule import AstRule, Case, module_positions

_NEWLINE = re.compile(r"\r\n|\r|\n")


def trimmed(code: str) -> tuple[str, int] | None:
    """``code`` ending with exactly one newline after its last line, and the number of the first blank
    line removed; None when there is nothing to trim. The last line keeps its own newline (``\\r\\n`` stays
    ``\\r\\n``) and any whitespace before it."""
    stripped = code.rstrip(" \t\f\r\n")
    if not stripped:
        return None
    rest = code[len(stripped):]
    newlines = list(_NEWLINE.finditer(rest))
    if len(newlines) < 2:
        return None
    first = newlines[0]
    line = len(_NEWLINE.findall(stripped)) + 2
    return stripped + rest[: first.end()], line


@dataclass(frozen=True)
class _Line:
    """Where a finding is, in the shape :class:`cdkfix.rule.AstRule` reads an ``ast`` node's position."""

    lineno: int
    end_lineno: int
    col_offset: int = 0


def plain_end(source: str, code: str) -> bool:
    """True when LibCST reads the end of ``source`` (trimmed to ``code``) back byte for byte, with each
    trailing blank line an ``EmptyLine`` of its own at column 0: nothing but ``\\n``/``\\r\\n`` after the last
    line, no lone ``\\r`` line ending, and a last line that is neither continued by a backslash nor an
    indented comment. LibCST's round trip of the other endings loses lines (``x = 1\\n\\n\\n  \\n`` reads
    back as ``x = 1\\n  \\n``), and the rule reports and trims what LibCST reads (see
    :meth:`TrailingBlankLines.run`)."""
    if "\r" in source and source.count("\r") != source.count("\r\n"):
        return False
    stripped = code.rstrip(" \t\f\r\n")
    if source[len(stripped):].strip("\r\n"):
        return False  # whitespace on a trailing line
    last = stripped[stripped.rfind("\n") + 1:]
    return not last.endswith("\\") and not (last[:1] in " \t\f" and last.lstrip(" \t\f").startswith("#"))


class TrailingBlankLines(AstRule):
    """Removes the blank lines after the last line of a file, leaving exactly one newline.

    Generated files often end with several empty lines; pylint reports them (``C0305 trailing-newlines``)
    and CI pipelines that lint the code fail. The rule keeps the last line's own newline in its style
    (``\\n`` or ``\\r\\n``), whitespace on the last line, and everything before it. A file without a final
    newline is left alone (that is ``C0304``, a different check). Markdown code blocks are not files, so
    the rule does not run on them: a blank line before a closing fence is prose layout, not a lint error.

    A whole-file text rule (an :class:`cdkfix.rule.AstRule` whose :meth:`run` works on the text): an ordinary
    end of file is trimmed without any parse; an unusual one (whitespace on the blank lines, ``\\r`` line
    endings, a last line ending in a backslash or an indented comment) goes through LibCST as before.
    """

    code = "CDK018"
    name = "trailing-blank-lines"
    title = "Blank lines at the end of the file"
    why = """
        Trailing blank lines carry nothing and fail linting in CI:

            lib/tap_stack.py:1096:0: C0305: Trailing newlines (trailing-newlines)

        The code synthesizes either way: this is a quality fix.
    """
    source = "seeds/004_e94ce7889cc0bc1d.txt §11 (Trailing Newlines in File)"
    applies_to_markdown = False
    triggers = ("\n\n", "\n\r\n", "\r\r")
    before_synthesizes = True
    cases = (
        Case("CDK018-invalid-two-blank-lines", "x = 1\n\n\n", "x = 1\n"),
        Case("CDK018-invalid-after-class-with-indented-blanks",
             "class A:\n    x = 1\n    \n  \n\n", "class A:\n    x = 1\n"),
        Case("CDK018-invalid-crlf", "x = 1\r\ny = 2\r\n\r\n\r\n", "x = 1\r\ny = 2\r\n"),
        Case("CDK018-invalid-after-comment", "x = 1\n# end of stack\n\n\n", "x = 1\n# end of stack\n"),
        Case("CDK018-invalid-after-multiline-call",
             'app.synth(\n    # nothing\n)\n\n\n\n', 'app.synth(\n    # nothing\n)\n'),
        Case("CDK018-valid-one-newline", "x = 1\n\n\ny = 2\n"),
        Case("CDK018-valid-no-final-newline", "x = 1"),
        Case("CDK018-valid-blank-lines-inside-a-string", 'TEXT = """\nend\n\n\n"""\n'),
        Case("CDK018-valid-only-blank-lines", "\n\n\n"),
    )

    @classmethod
    def may_fire(cls, source: str) -> bool:
        """Only a source that ends with blank lines (cheap: one ``rstrip``)."""
        return trimmed(source) is not None

    def run(self, source: str) -> str:
        """``source`` without its trailing blank lines when the fix may be applied.

        A text rule: for an ordinary end of file (:func:`plain_end`) the text is trimmed and the finding is on
        the first blank line removed, column 1, where LibCST's ``EmptyLine`` for it starts; no tree is built.
        Any other end of file goes through LibCST as the rule always did (:meth:`_through_libcst`)."""
        result = trimmed(source)
        if result is None:
            return source
        code, line = result
        if not plain_end(source, code):
            return self._through_libcst(source)
        return code if self.record_fix(_Line(line, line + 1), self._message(source, code)) else source

    def _through_libcst(self, source: str) -> str:
        """What the LibCST rule made of ``source``: it read LibCST's round trip of the file, reported on the
        ``EmptyLine`` at the first blank line removed (else on the module) and returned a module that the
        engine printed, applied or not."""
        module = cst.parse_module(source)
        seen = module.code
        result = trimmed(seen)
        if result is None:
            return seen
        code, line = result
        positions = module_positions(module)
        anchor = next((_Line(where.start.line, where.end.line, where.start.column)
                       for node, where in positions.items()
                       if isinstance(node, cst.EmptyLine) and where.start.line == line), None)
        if anchor is None:
            anchor = _Line(1, 1)  # the module's start
        try:
            fixed = cst.parse_module(code).code
        except cst.ParserSyntaxError:
            # A line continuation before the blank lines: without them the file ends inside a statement.
            # (The LibCST rule crashed here; the file was left as it was.)
            return source
        return fixed if self.record_fix(anchor, self._message(seen, code)) else seen

    @staticmethod
    def _message(source: str, code: str) -> str:
        """The finding's message for trimming ``source`` to ``code``."""
        count = len(_NEWLINE.findall(source, len(code)))  # the newlines after the one kept
        return f"{count} blank line{'s' if count != 1 else ''} at the end of the file: removed"

    def position(self, node) -> tuple[int, int]:  # type: ignore[override]
        """1-based line and column of a :class:`_Line` (the column of a blank line's start: no byte offsets)."""
        return (node.lineno, node.col_offset + 1)
