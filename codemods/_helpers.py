"""Helpers shared by rules. No rule imports another rule; what two rules need lives here."""

from __future__ import annotations

from collections.abc import Iterator

import libcst as cst

from cdkfix.imports import dotted_name, expr

__all__ = ["dotted_name", "expr", "keyword", "keywords", "positional", "with_keyword", "index"]


def index(options=None):
    """The API index for the run's aws-cdk-lib version (bundled 2.275.0 by default)."""
    from cdkfix.api_index import load_index

    version = getattr(options, "cdk_version", None)
    try:
        return load_index(version) if version else load_index()
    except LookupError:
        return load_index()


def keywords(call: cst.Call) -> Iterator[cst.Arg]:
    """The keyword arguments of a call."""
    return (arg for arg in call.args if arg.keyword is not None)


def keyword(call: cst.Call, name: str) -> cst.Arg | None:
    """The keyword argument ``name=`` of a call, if passed."""
    return next((arg for arg in keywords(call) if arg.keyword.value == name), None)  # type: ignore[union-attr]


def positional(call: cst.Call) -> list[cst.Arg]:
    """The positional arguments of a call (no ``*args``/``**kwargs``)."""
    return [arg for arg in call.args if arg.keyword is None and not arg.star]


def with_keyword(call: cst.Call, name: str, value: cst.BaseExpression, *, after: str | None = None,
                 first: bool = False) -> cst.Call:
    """Add ``name=value`` to a call in the call's own layout.

    The new argument copies the separator (comma and whitespace/indentation) of a neighbouring keyword so a
    vertical call stays vertical. It goes after ``after=`` when given and present, first among the keywords
    when ``first``, else last.
    """
    args = list(call.args)
    if not args:
        return call.with_changes(args=[cst.Arg(keyword=cst.Name(name), value=value,
                                               equal=cst.AssignEqual(cst.SimpleWhitespace(""), cst.SimpleWhitespace("")))])
    kw_positions = [i for i, a in enumerate(args) if a.keyword is not None]
    if after is not None:
        anchor = next((i for i in kw_positions if args[i].keyword.value == after), None)  # type: ignore[union-attr]
        position = anchor + 1 if anchor is not None else len(args)
    elif first and kw_positions:
        position = kw_positions[0]
    else:
        position = len(args)
    # Keep `**kwargs` last.
    while position > 0 and args[position - 1].star == "**":
        position -= 1
    template = args[kw_positions[0]] if kw_positions else args[-1]
    equal = template.equal if template.keyword is not None else cst.AssignEqual(
        cst.SimpleWhitespace(""), cst.SimpleWhitespace(""))
    new = cst.Arg(keyword=cst.Name(name), value=value, equal=equal)
    if position < len(args):
        # Insert before args[position]: the new arg takes the separator of the arg before it.
        previous = args[position - 1] if position > 0 else None
        sep = previous.comma if previous is not None and isinstance(previous.comma, cst.Comma) else cst.Comma(
            whitespace_after=cst.SimpleWhitespace(" "))
        args.insert(position, new.with_changes(comma=sep))
        return call.with_changes(args=args)
    # Append: the old last arg gets the separator used between earlier args; the new one its ending.
    last = args[-1]
    if len(args) >= 2 and isinstance(args[-2].comma, cst.Comma):
        sep = args[-2].comma
    else:
        sep = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
    if isinstance(last.comma, cst.Comma):
        ending = last.comma
        first_line = getattr(ending.whitespace_after, "first_line", None)
        if isinstance(ending.whitespace_after, cst.ParenthesizedWhitespace) and isinstance(
                sep.whitespace_after, cst.ParenthesizedWhitespace):
            # Keep a comment that trails the old last argument on its own line.
            sep = sep.with_changes(whitespace_after=sep.whitespace_after.with_changes(first_line=first_line))
            ending = ending.with_changes(whitespace_after=ending.whitespace_after.with_changes(
                first_line=cst.TrailingWhitespace()))
        args[-1] = last.with_changes(comma=sep)
        args.append(new.with_changes(comma=ending))
    else:
        closing = last.whitespace_after_arg
        if isinstance(closing, cst.ParenthesizedWhitespace) and isinstance(
                sep.whitespace_after, cst.ParenthesizedWhitespace):
            sep = sep.with_changes(whitespace_after=sep.whitespace_after.with_changes(first_line=closing.first_line))
            closing = closing.with_changes(first_line=cst.TrailingWhitespace())
        args[-1] = last.with_changes(comma=sep, whitespace_after_arg=cst.SimpleWhitespace(""))
        args.append(new.with_changes(whitespace_after_arg=closing))
    return call.with_changes(args=args)
