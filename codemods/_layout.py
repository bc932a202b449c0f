"""Layout-keeping edits used by the CDK012-CDK019 and CDK101 rules (adding and removing keyword arguments,
removing whole statements)."""

from __future__ import annotations

from collections.abc import Callable

import libcst as cst

from codemods._helpers import with_keyword

__all__ = ["ExprStatementRemover", "add_keyword", "without_arg", "without_statements"]


def without_arg(call: cst.Call, arg: cst.Arg | None) -> cst.Call:
    """``call`` without ``arg``, the layout of the remaining arguments kept."""
    if arg is None:
        return call
    args = list(call.args)
    position = next((i for i, a in enumerate(args) if a is arg), None)
    if position is None:
        return call
    if position == len(args) - 1 and position > 0:
        # The new last argument ends the way the removed one did.
        args[position - 1] = args[position - 1].with_changes(
            comma=arg.comma, whitespace_after_arg=arg.whitespace_after_arg)
    del args[position]
    return call.with_changes(args=args)


def add_keyword(call: cst.Call, name: str, value: cst.BaseExpression) -> cst.Call:
    """:func:`with_keyword`, also keeping a vertical call of one argument vertical."""
    args = list(call.args)
    opening = call.whitespace_before_args
    if len(args) != 1 or not isinstance(opening, cst.ParenthesizedWhitespace):
        return with_keyword(call, name, value)
    last = args[0]
    equal = last.equal if last.keyword is not None else cst.AssignEqual(
        cst.SimpleWhitespace(""), cst.SimpleWhitespace(""))
    separator = cst.Comma(whitespace_after=opening.with_changes(first_line=cst.TrailingWhitespace(),
                                                                empty_lines=[]))
    new = cst.Arg(keyword=cst.Name(name), value=value, equal=equal)
    if isinstance(last.comma, cst.Comma):
        first_line = getattr(last.comma.whitespace_after, "first_line", None)
        if first_line is not None:  # a comment after the old argument stays with it
            separator = separator.with_changes(whitespace_after=separator.whitespace_after.with_changes(
                first_line=first_line))
        ending = last.comma
        if isinstance(ending.whitespace_after, cst.ParenthesizedWhitespace):
            ending = ending.with_changes(whitespace_after=ending.whitespace_after.with_changes(
                first_line=cst.TrailingWhitespace()))
        return call.with_changes(args=[last.with_changes(comma=separator), new.with_changes(comma=ending)])
    closing = last.whitespace_after_arg
    if isinstance(closing, cst.ParenthesizedWhitespace):
        separator = separator.with_changes(whitespace_after=separator.whitespace_after.with_changes(
            first_line=closing.first_line))
        closing = closing.with_changes(first_line=cst.TrailingWhitespace())
    return call.with_changes(args=[last.with_changes(comma=separator, whitespace_after_arg=cst.SimpleWhitespace("")),
                                   new.with_changes(whitespace_after_arg=closing)])


def without_statements(original_node: cst.IndentedBlock | cst.Module, updated_node: cst.IndentedBlock | cst.Module,
                       removed: Callable[[cst.BaseStatement], list[cst.EmptyLine] | None]):
    """``updated_node`` (a block or the module) without the statements ``removed`` takes out, comments kept.

    ``removed`` is called with each statement of ``original_node`` in order (it records the fix); ``None``
    keeps the statement, a list removes it and gives the lines that follow its own leading lines (the
    comments above a removed statement stay, e.g. followed by a note). Those lines go above the next kept
    statement, or into the footer after the last one; a block left empty gets ``pass`` carrying them.
    When nothing is removed, ``updated_node`` is returned as it is.
    """
    body: list[cst.BaseStatement] = []
    carry: list[cst.EmptyLine] = []
    for orig, upd in zip(original_node.body, updated_node.body):
        lines = removed(orig)
        if lines is not None:
            carry += [*upd.leading_lines, *lines]
            continue
        if carry:
            upd = upd.with_changes(leading_lines=[*carry, *upd.leading_lines])
            carry = []
        body.append(upd)
    if len(body) == len(updated_node.body):
        return updated_node
    if not body and isinstance(updated_node, cst.IndentedBlock):
        body, carry = [cst.SimpleStatementLine(body=[cst.Pass()], leading_lines=carry)], []
    return updated_node.with_changes(body=body, footer=[*carry, *updated_node.footer])


class ExprStatementRemover(cst.CSTTransformer):
    """Removes, in a statement parsed on its own, expression statements chosen by their ordinal (``ast.Expr``
    statements in source order, which are LibCST's ``Expr`` statements in visiting order), as
    :func:`without_statements` removes them; subclasses say what replaces each (:meth:`replacement`).

    ``passes`` maps the ordinal of the last statement of a block that the removal empties to the line ending
    of the ``pass`` put there (the file's own, as in the whole module)."""

    def __init__(self, passes: dict[int, cst.Newline]) -> None:
        super().__init__()
        self.passes = passes
        self.ordinals: dict[int, int] = {}

    def replacement(self, ordinal: int | None, statement: cst.BaseStatement) -> list[cst.EmptyLine] | None:
        """The comment lines that replace ``statement`` (``[]``: nothing), or None to keep it."""
        raise NotImplementedError

    def visit_Expr(self, node: cst.Expr) -> None:
        self.ordinals[id(node)] = len(self.ordinals)

    def leave_IndentedBlock(self, original_node: cst.IndentedBlock,
                            updated_node: cst.IndentedBlock) -> cst.IndentedBlock:
        result = without_statements(original_node, updated_node,
                                    lambda orig: self.replacement(self.ordinal(orig), orig))
        newline = self.passes.get(self.ordinal(original_node.body[-1]))
        if newline is not None and result is not updated_node:
            # The `pass` of the emptied block ends with the file's line ending, as in the whole module.
            line = result.body[0]
            result = result.with_changes(body=[line.with_changes(
                trailing_whitespace=line.trailing_whitespace.with_changes(newline=newline))])
        return result

    def ordinal(self, statement: cst.BaseStatement) -> int | None:
        """The ordinal of a statement line that is one expression statement, else None."""
        if isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1 \
                and isinstance(statement.body[0], cst.Expr):
            return self.ordinals.get(id(statement.body[0]))
        return None
