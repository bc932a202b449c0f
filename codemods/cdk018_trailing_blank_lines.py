"""CDK018: blank lines at the end of a file (pylint C0305 ``trailing-newlines``)."""

from __future__ import annotations

import re

import libcst as cst

from cdkfix.rule import Case, Rule

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


class TrailingBlankLines(Rule):
    """Removes the blank lines after the last line of a file, leaving exactly one newline.

    Generated files often end with several empty lines; pylint reports them (``C0305 trailing-newlines``)
    and CI pipelines that lint the code fail. The rule keeps the last line's own newline in its style
    (``\\n`` or ``\\r\\n``), whitespace on the last line, and everything before it. A file without a final
    newline is left alone (that is ``C0304``, a different check). Markdown code blocks are not files, so
    the rule does not run on them: a blank line before a closing fence is prose layout, not a lint error.
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

    def visit_Module(self, node: cst.Module) -> bool | None:
        """Remember the blank lines of the module by line number (for the finding's position)."""
        self._lines: dict[int, cst.EmptyLine] = {}
        return super().visit_Module(node)

    def visit_EmptyLine(self, node: cst.EmptyLine) -> bool | None:
        """Index blank lines by line."""
        line, _ = self.position(node)
        self._lines.setdefault(line, node)
        return True

    def leave_Module(self, original_node: cst.Module, updated_node: cst.Module) -> cst.Module:
        """Trim what follows the last line."""
        result = trimmed(updated_node.code)
        if result is None:
            return updated_node
        code, line = result
        count = len(_NEWLINE.findall(updated_node.code)) - len(_NEWLINE.findall(code))
        anchor = self._lines.get(line, original_node)
        message = f"{count} blank line{'s' if count != 1 else ''} at the end of the file: removed"
        # Trailing blank lines hang off the footers of the module and of its last nested blocks; the
        # trimmed text parses to the same tree minus those lines.
        return self.fix(anchor, updated_node, cst.parse_module(code), message)
