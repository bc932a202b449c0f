"""Helpers shared by rules. No rule imports another rule; what two rules need lives here."""

from __future__ import annotations

from collections.abc import Iterator

import libcst as cst

from cdkfix.imports import dotted_name, expr, resolve_through
from cdkfix.spans import line_index, parse_expression_text  # noqa: F401  (rules import the second from here)

__all__ = ["dotted_name", "expr", "keyword", "keywords", "positional", "with_keyword", "index"]


_INDEXES: dict = {}  # version -> ApiIndex, as ``load_index`` caches them (successes only)


def index(options=None):
    """The API index for the run's aws-cdk-lib version (bundled 2.275.0 by default)."""
    version = getattr(options, "cdk_version", None)
    found = _INDEXES.get(version)  # every prefilter asks, for every file: a dict lookup, not a call chain
    if found is not None:
        return found
    from cdkfix.api_index import load_index

    try:
        found = _INDEXES[version] = load_index(version) if version else load_index()
    except LookupError:
        return load_index()
    return found


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


# -- added for CDK003/CDK005/CDK100/CDK101 ---------------------------------------------------------------

def without_import_alias(node: cst.ImportFrom, position: int) -> cst.ImportFrom:
    """``node`` without its ``position``-th name, keeping the layout of the others (one- or multi-line).

    The caller makes sure at least one name remains.
    """
    names = list(node.names)  # type: ignore[arg-type]
    removed = names.pop(position)
    if position == len(names) and names:
        # The new last name ends the way the removed one did (trailing comma / closing line).
        names[-1] = names[-1].with_changes(comma=removed.comma)
    return node.with_changes(names=names)


def normalized(name: str) -> str:
    """``postgreSqlSettings`` / ``postgre_sql_settings`` / ``PostgreSQL_Settings`` -> ``postgresqlsettings``."""
    return name.replace("_", "").lower()


def similarity(a: str, b: str) -> float:
    """How alike two identifiers are, ignoring case and underscores (difflib ratio, 0..1)."""
    import difflib

    return difflib.SequenceMatcher(None, normalized(a), normalized(b), autojunk=False).ratio()


def closest_first(word: str, candidates) -> list[str]:
    """``candidates`` sorted by :func:`similarity` to ``word`` (most alike first, then by name)."""
    return sorted(candidates, key=lambda c: (-similarity(word, c), c))


# -- stdlib-ast views: scopes, bindings and imports of a whole file (used for project-wide analysis) ------

import ast as _ast  # noqa: E402  (kept below the original helpers, which other rules import)
import copy as _copy  # noqa: E402
import io as _io  # noqa: E402
import re as _re  # noqa: E402
import tokenize as _tokenize  # noqa: E402
import weakref as _weakref  # noqa: E402
from bisect import bisect_left as _bisect_left  # noqa: E402
from dataclasses import dataclass as _dataclass  # noqa: E402
from dataclasses import field as _dataclass_field  # noqa: E402

_FUNCTION_SCOPES = (_ast.FunctionDef, _ast.AsyncFunctionDef, _ast.Lambda)


@_dataclass(frozen=True, eq=False)
class Binding:
    """One way a name is bound in a scope: ``kind`` is param, assign, for, import, def or other.

    ``value`` is the assigned expression when the binding is a plain ``name = value`` (else None);
    ``annotation`` the parameter's or ``name: T = ...``'s annotation.
    """

    name: str
    kind: str
    value: _ast.expr | None
    annotation: _ast.expr | None
    scope: _ast.AST
    node: _ast.AST


class SourceView:
    """A Python file parsed with the standard library's ``ast``: imports, parents, scopes, bindings.

    Rules transform with LibCST but reason about whole files (several of them, for a project) with this
    view: it is cheap, and the project's other files are only available as stdlib trees. Map a LibCST node
    to its ``ast`` twin with :meth:`node_at` and the LibCST position (1-based line, 0-based column).
    """

    def __init__(self, source: str, tree: _ast.Module | None = None, path: str | None = None) -> None:
        from cdkfix.rule import stdlib_tree

        self.source = source
        self.path = path
        self.tree = tree if tree is not None else stdlib_tree(source)
        self._parents: dict[_ast.AST, _ast.AST] | None = None
        self._bindings: dict[_ast.AST, dict[str, list[Binding]]] = {}
        self._positions: dict[tuple[int, int], list[_ast.AST]] | None = None
        self._calls: list[_ast.Call] | None = None
        self._call_keys: frozenset[tuple[str, ...]] | None = None
        #: What a rule computed about this whole file, by a key it owns (``("CDK006", id(api))``): a project's
        #: views live for a run, so a cross-file rule looks at each other file once, not once per file.
        self.memo: dict[object, object] = {}
        scan = prescan(source)
        if scan is not None and scan.tree is self.tree:
            self.imports: dict[str, str] = dict(scan.imports)  # the same walk, already done
            return
        self.imports = {}
        for node in _walk(self.tree):
            if isinstance(node, _ast.Import):
                for alias in node.names:
                    if alias.asname:
                        self.imports[alias.asname] = alias.name
                    else:
                        head = alias.name.split(".")[0]
                        self.imports[head] = head
            elif isinstance(node, _ast.ImportFrom) and node.module and not node.level:
                for alias in node.names:
                    if alias.name != "*":
                        self.imports[alias.asname or alias.name] = f"{node.module}.{alias.name}"

    @property
    def parents(self) -> dict[_ast.AST, _ast.AST]:
        """Each node's parent (computed on first use: many rules only read imports and calls)."""
        if self._parents is None:
            self._parents = _parent_map(self.tree, by_id=False)
        return self._parents

    # -- text and positions ------------------------------------------------------------------------------
    def text(self, node: _ast.AST) -> str:
        """The source text of ``node`` (``ast.unparse`` of it when it has no position)."""
        return _segment(self.source, node) or _ast.unparse(node)

    def char_column(self, line: int, byte_offset: int) -> int:
        """Convert ``ast``'s UTF-8 byte column to a character column (what LibCST reports). Lines are counted
        as the tokenizer counts them (``\n``, ``\r\n``, ``\r``): ``str.splitlines`` also breaks at form feeds
        and ``\u2028``, which put every later line off by one."""
        lines = line_index(self.source)
        if not 0 < line <= len(lines.starts):
            return byte_offset
        return lines.char_column(line, byte_offset)

    def node_at(self, line: int, column: int, kind: type | tuple[type, ...] = _ast.Call) -> _ast.AST | None:
        """The ``ast`` node of type ``kind`` starting at LibCST's (line, column)."""
        if self._positions is None:
            self._positions = {}
            for node in _ast.walk(self.tree):
                if hasattr(node, "lineno") and hasattr(node, "col_offset"):
                    key = (node.lineno, self.char_column(node.lineno, node.col_offset))
                    self._positions.setdefault(key, []).append(node)
        return next((n for n in self._positions.get((line, column), ()) if isinstance(n, kind)), None)

    # -- names -------------------------------------------------------------------------------------------
    def resolve(self, node: _ast.AST | None) -> str | None:
        """Qualified dotted name of a Name/Attribute chain through the file's imports, else None."""
        return resolve_through(self.imports, ast_dotted(node))

    def calls(self) -> list[_ast.Call]:
        """Every call in the file (computed once)."""
        if self._calls is None:
            # The prescan of this very tree when there is one (the file being fixed); never a new parse for
            # another project file's view.
            scan = _SCANS.get(self.source)
            self._calls = (list(scan.calls) if scan is not None and scan.tree is self.tree
                           else [node for node in _walk(self.tree) if isinstance(node, _ast.Call)])
        return self._calls

    def call_keys(self) -> frozenset[tuple[str, ...]]:
        """:func:`call_key` of every call in the file (computed once)."""
        if self._call_keys is None:
            self._call_keys = frozenset(call_key(self, call) for call in self.calls())
        return self._call_keys

    def parent(self, node: _ast.AST) -> _ast.AST | None:
        return self.parents.get(node)

    def ancestors(self, node: _ast.AST):
        node = self.parents.get(node)
        while node is not None:
            yield node
            node = self.parents.get(node)

    def function_scopes(self, node: _ast.AST) -> list[_ast.AST]:
        """Scopes whose names are visible at ``node``: enclosing functions (innermost first), the module."""
        scopes = [a for a in self.ancestors(node) if isinstance(a, _FUNCTION_SCOPES)]
        # A function's own parameters and defaults: the node inside the arguments belongs to the outer scope,
        # which is a detail we ignore.
        return [*scopes, self.tree]

    def enclosing_function(self, node: _ast.AST) -> _ast.AST | None:
        return next((a for a in self.ancestors(node) if isinstance(a, _FUNCTION_SCOPES)), None)

    def enclosing_class(self, node: _ast.AST) -> _ast.ClassDef | None:
        """The class whose method (directly) contains ``node``."""
        for ancestor in self.ancestors(node):
            if isinstance(ancestor, _ast.ClassDef):
                return ancestor
        return None

    def method_of(self, node: _ast.AST) -> _ast.FunctionDef | None:
        """The method (a function directly in a class body) that contains ``node``."""
        for ancestor in self.ancestors(node):
            if isinstance(ancestor, (_ast.FunctionDef, _ast.AsyncFunctionDef)) and isinstance(
                    self.parents.get(ancestor), _ast.ClassDef):
                return ancestor  # type: ignore[return-value]
        return None

    def bindings_in(self, scope: _ast.AST) -> dict[str, list[Binding]]:
        """Names bound directly in ``scope`` (a function, lambda or the module), in source order."""
        if scope in self._bindings:
            return self._bindings[scope]
        found: dict[str, list[Binding]] = {}

        def add(name: str, kind: str, node: _ast.AST, value=None, annotation=None) -> None:
            found.setdefault(name, []).append(Binding(name, kind, value, annotation, scope, node))

        if isinstance(scope, _FUNCTION_SCOPES):
            args = scope.args
            for arg in [*args.posonlyargs, *args.args, *args.kwonlyargs]:
                add(arg.arg, "param", arg, annotation=arg.annotation)
            for arg in (args.vararg, args.kwarg):
                if arg is not None:
                    add(arg.arg, "param", arg, annotation=arg.annotation)
            body = [scope.body] if isinstance(scope, _ast.Lambda) else scope.body
        else:
            body = scope.body  # type: ignore[attr-defined]

        # Loops with explicit stacks rather than recursive closures: a closure that calls itself is a reference
        # cycle, which would keep the tree alive until the garbage collector runs.
        def targets(target: _ast.AST, stmt: _ast.AST, kind: str, value=None) -> None:
            if isinstance(target, _ast.Name):
                add(target.id, kind, stmt, value=value)
                return
            pending = [target]
            while pending:
                target = pending.pop()
                if isinstance(target, _ast.Name):
                    add(target.id, "other", stmt)
                elif isinstance(target, (_ast.Tuple, _ast.List)):
                    pending.extend(reversed(target.elts))
                elif isinstance(target, _ast.Starred):
                    pending.append(target.value)

        stack = list(reversed(body))  # popped in source order: a pre-order walk
        while stack:
            node = stack.pop()
            if isinstance(node, (_ast.FunctionDef, _ast.AsyncFunctionDef, _ast.ClassDef)):
                add(node.name, "def", node)
                continue
            if isinstance(node, _ast.Lambda):
                continue
            if isinstance(node, _ast.Assign):
                for target in node.targets:
                    targets(target, node, "assign", node.value if isinstance(target, _ast.Name) else None)
            elif isinstance(node, _ast.AnnAssign) and isinstance(node.target, _ast.Name):
                add(node.target.id, "assign", node, value=node.value, annotation=node.annotation)
            elif isinstance(node, _ast.AugAssign) and isinstance(node.target, _ast.Name):
                add(node.target.id, "other", node)
            elif isinstance(node, (_ast.For, _ast.AsyncFor)):
                targets(node.target, node, "for")
            elif isinstance(node, (_ast.With, _ast.AsyncWith)):
                for item in node.items:
                    if item.optional_vars is not None:
                        targets(item.optional_vars, node, "other")
            elif isinstance(node, _ast.NamedExpr) and isinstance(node.target, _ast.Name):
                add(node.target.id, "assign", node, value=node.value)
            elif isinstance(node, (_ast.Import, _ast.ImportFrom)):
                for alias in node.names:
                    add((alias.asname or alias.name).split(".")[0], "import", node)
            elif isinstance(node, _ast.ExceptHandler) and node.name:
                add(node.name, "other", node)
            if isinstance(node, (_ast.ListComp, _ast.SetComp, _ast.DictComp, _ast.GeneratorExp)):
                continue
            stack.extend(reversed(list(_ast.iter_child_nodes(node))))
        self._bindings[scope] = found
        return found

    def visible(self, name: str, at: _ast.AST) -> list[Binding]:
        """The bindings of ``name`` that code at ``at`` sees (innermost function scope first; no class scope)."""
        for scope in self.function_scopes(at):
            bindings = self.bindings_in(scope).get(name)
            if bindings:
                return bindings
        return []

    def visible_names(self, at: _ast.AST) -> dict[str, list[Binding]]:
        """Every name visible at ``at`` with its bindings (inner scopes hide outer ones)."""
        names: dict[str, list[Binding]] = {}
        for scope in reversed(self.function_scopes(at)):
            names.update(self.bindings_in(scope))
        return names

    def self_attribute(self, cls: _ast.ClassDef, attr: str) -> list[tuple[_ast.expr, _ast.AST]]:
        """``(value, method)`` for each ``self.<attr> = value`` in the methods of ``cls``."""
        found = []
        for method in cls.body:
            if not isinstance(method, (_ast.FunctionDef, _ast.AsyncFunctionDef)) or not method.args.args:
                continue
            me = method.args.args[0].arg
            for node in _ast.walk(method):
                if isinstance(node, (_ast.Assign, _ast.AnnAssign)) and node.value is not None:
                    for target in (node.targets if isinstance(node, _ast.Assign) else [node.target]):
                        if (isinstance(target, _ast.Attribute) and target.attr == attr
                                and isinstance(target.value, _ast.Name) and target.value.id == me):
                            found.append((node.value, method))
        return found

    def self_name(self, at: _ast.AST) -> str | None:
        """The name of the instance parameter (``self``) of the method containing ``at``."""
        method = self.method_of(at)
        if method is None or not method.args.args:
            return None
        if any(isinstance(d, _ast.Name) and d.id == "staticmethod" for d in method.decorator_list):
            return None
        return method.args.args[0].arg

    def free_names_bound(self, node: _ast.AST, at: _ast.AST) -> bool:
        """True when every name ``node`` reads is visible at ``at`` (builtins count as visible)."""
        import builtins

        for sub in _ast.walk(node):
            if isinstance(sub, _ast.Name) and not self.visible(sub.id, at) and not hasattr(builtins, sub.id):
                return False
        return True


def ast_dotted(node) -> str | None:
    """``a.b.c`` for an ``ast`` Name/Attribute chain, else None."""
    if isinstance(node, _ast.Name):
        return node.id
    if isinstance(node, _ast.Attribute):
        base = ast_dotted(node.value)
        return f"{base}.{node.attr}" if base else None
    return None


def ast_keyword(call: _ast.Call, name: str) -> _ast.expr | None:
    """The value of ``name=`` in an ``ast`` call."""
    return next((kw.value for kw in call.keywords if kw.arg == name), None)


def ast_has_star_kwargs(call: _ast.Call) -> bool:
    return any(kw.arg is None for kw in call.keywords)


# -- statements and the names they bind, on the stdlib tree --------------------------------------------------
# An AstRule reads the stdlib tree; these walk statements only (never expressions, nor ``match`` cases unless
# asked), so they are cheap, and see the bindings statements make (not ``:=`` nor comprehension variables).

_AST_FUNCTIONS = (_ast.FunctionDef, _ast.AsyncFunctionDef)
_AST_TRIES = (_ast.Try,) + ((_ast.TryStar,) if hasattr(_ast, "TryStar") else ())
_AST_LOOPS_AND_IFS = (_ast.If, _ast.While, _ast.For, _ast.AsyncFor)


def ast_target_names(node: _ast.AST) -> Iterator[str]:
    """Names bound by an ``ast`` assignment target (``a``, ``a, (b, *c)``); attributes and subscripts bind
    none."""
    if isinstance(node, _ast.Name):
        yield node.id
    elif isinstance(node, (_ast.Tuple, _ast.List)):
        for element in node.elts:
            yield from ast_target_names(element)
    elif isinstance(node, _ast.Starred):
        yield from ast_target_names(node.value)


def ast_first_argument(call: _ast.Call) -> _ast.expr | None:
    """The value of a call's first argument in source order, positional or keyword (what LibCST's
    ``call.args[0].value`` is), ``*``/``**`` unwrapped."""
    arguments = [*call.args, *call.keywords]
    if not arguments:
        return None
    first = min(arguments, key=lambda a: (a.lineno, a.col_offset))
    if isinstance(first, (_ast.Starred, _ast.keyword)):
        return first.value
    return first


def ast_blocks(statement: _ast.stmt) -> Iterator[list[_ast.stmt]]:
    """The statement lists of a compound statement (LibCST's indented blocks): ``body``, ``orelse``,
    ``finalbody``, then each ``except`` handler's and ``match`` case's body."""
    for name in ("body", "orelse", "finalbody"):
        block = getattr(statement, name, None)
        if isinstance(block, list):
            yield block
    for inner in (*getattr(statement, "handlers", ()), *getattr(statement, "cases", ())):
        yield inner.body


def ast_parameters(arguments: _ast.arguments) -> list[str]:
    """The names of a function's parameters (``*args`` and ``**kwargs`` included)."""
    names = [arg.arg for arg in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs)]
    names.extend(arg.arg for arg in (arguments.vararg, arguments.kwarg) if arg is not None)
    return names


def ast_walk_statements(body: list[_ast.stmt], *, nested: bool = True,
                        match_cases: bool = False) -> Iterator[_ast.AST]:
    """Every statement of ``body`` depth first, and every ``except`` handler (a ``try``'s handlers before its
    body, then ``else`` and ``finally``: the order the LibCST walker the rules used had).

    Never descends into expressions. With ``nested=False`` the bodies of functions and classes met on the way
    are not entered (the ``def``/``class`` statement itself is yielded). ``match`` cases are entered only with
    ``match_cases`` (each ``match_case`` is yielded before its body): the binding helpers below do not enter
    them, a rule that looks for every import does."""
    for statement in body:
        yield statement
        kind = type(statement)
        if kind in _AST_FUNCTIONS or kind is _ast.ClassDef:
            if nested:
                yield from ast_walk_statements(statement.body, nested=nested, match_cases=match_cases)
        elif kind in _AST_LOOPS_AND_IFS:
            yield from ast_walk_statements(statement.body, nested=nested, match_cases=match_cases)
            yield from ast_walk_statements(statement.orelse, nested=nested, match_cases=match_cases)
        elif kind is _ast.With or kind is _ast.AsyncWith:
            yield from ast_walk_statements(statement.body, nested=nested, match_cases=match_cases)
        elif kind in _AST_TRIES:
            for handler in statement.handlers:
                yield handler
                yield from ast_walk_statements(handler.body, nested=nested, match_cases=match_cases)
            yield from ast_walk_statements(statement.body, nested=nested, match_cases=match_cases)
            yield from ast_walk_statements(statement.orelse, nested=nested, match_cases=match_cases)
            yield from ast_walk_statements(statement.finalbody, nested=nested, match_cases=match_cases)
        elif match_cases and kind is _ast.Match:
            for case in statement.cases:
                yield case
                yield from ast_walk_statements(case.body, nested=nested, match_cases=match_cases)


def ast_statement_bindings(body: list[_ast.stmt], *,
                           nested: bool = True) -> Iterator[tuple[str, _ast.expr | None, _ast.AST]]:
    """``(name, value, node)`` for every binding the statements of ``body`` make (:func:`ast_walk_statements`'
    statements).

    ``value`` is the right-hand side of a plain or annotated assignment to a name, else None (parameters,
    loop and ``with`` targets, augmented assignments, ``except ... as``, imports, ``def``/``class`` names).
    Bindings inside expressions (``:=``, comprehension variables) are not seen. With ``nested=False`` nested
    function and class bodies are skipped (their names are still yielded, their parameters are not)."""
    for node in ast_walk_statements(body, nested=nested):
        kind = type(node)
        if kind is _ast.Assign:
            for target in node.targets:
                plain = isinstance(target, _ast.Name)
                for name in ast_target_names(target):
                    yield name, node.value if plain else None, node
        elif kind is _ast.AnnAssign:
            if node.value is not None:
                plain = isinstance(node.target, _ast.Name)
                for name in ast_target_names(node.target):
                    yield name, node.value if plain else None, node
        elif kind is _ast.AugAssign:
            for name in ast_target_names(node.target):
                yield name, None, node
        elif kind is _ast.Import or kind is _ast.ImportFrom:
            for alias in node.names:
                if alias.name != "*":
                    yield (alias.asname or alias.name.split(".")[0]), None, node  # `import a.b` binds `a`
        elif kind in _AST_FUNCTIONS or kind is _ast.ClassDef:
            yield node.name, None, node
            if nested and kind is not _ast.ClassDef:
                for name in ast_parameters(node.args):
                    yield name, None, node
        elif kind is _ast.For or kind is _ast.AsyncFor:
            for name in ast_target_names(node.target):
                yield name, None, node
        elif kind is _ast.With or kind is _ast.AsyncWith:
            for item in node.items:
                if item.optional_vars is not None:
                    for name in ast_target_names(item.optional_vars):
                        yield name, None, node
        elif kind is _ast.ExceptHandler:
            if node.name:
                yield node.name, None, node


def ast_rebound_names(tree: _ast.Module) -> frozenset[str]:
    """Names the module binds other than by a module-level import
    (also one inside a top-level ``if``/``try``/``with``/``for``/``while``). A local ``s3 = ...`` or a
    parameter ``logs`` makes ``s3.X``/``logs.X`` untrustworthy as a reference to an imported module.
    Scope-blind, so conservative. An AstRule asks :attr:`Prescan.rebound_names` (computed once per file)."""
    module_imports = {id(node) for node in ast_walk_statements(tree.body, nested=False)
                      if isinstance(node, (_ast.Import, _ast.ImportFrom))}
    return frozenset(name for name, _, node in ast_statement_bindings(tree.body) if id(node) not in module_imports)


def ast_indented_block(body: list[_ast.stmt], lines) -> bool:
    """Whether a block starts on a line of its own (LibCST's ``IndentedBlock``) rather than after its header's
    colon (``def f(): return 1``, LibCST's ``SimpleStatementSuite``). ``lines`` is the rule's
    :class:`cdkfix.spans.LineIndex`."""
    if not body:
        return True
    first = body[0]
    return not lines.line_text(first.lineno)[:lines.char_column(first.lineno, first.col_offset)].strip()


class LogicalTokens:
    """Where a statement's logical line starts and ends in one source text, for whole-lines edits of simple
    statements (an AstRule that removes or comments out a statement as its LibCST version did).

    The text of the lines decides when it can; where a backslash continuation leaves it unclear, the file's
    tokens do (read once, on first need: most files never pay for them). ``lines`` is the rule's
    :class:`cdkfix.spans.LineIndex` of ``source`` (built here when not given).
    """

    #: Tokens after which a new logical line starts.
    _LINE_START = (_tokenize.NEWLINE, _tokenize.INDENT, _tokenize.DEDENT, _tokenize.ENCODING)

    def __init__(self, source: str, lines=None) -> None:
        if lines is None:
            lines = line_index(source)
        self.source, self.lines = source, lines
        self._tokens: list[_tokenize.TokenInfo] | None = None
        self._starts: list[tuple[int, int]] = []

    def alone_on_line(self, statement: _ast.stmt) -> bool:
        """Whether the statement is LibCST's one-statement ``SimpleStatementLine`` (not after or before a
        ``;``, not in a ``if x: ...`` suite); the tokens decide where backslash continuations make the text
        unclear."""
        lines = self.lines
        start = lines.char_column(statement.lineno, statement.col_offset)
        if lines.line_text(statement.lineno)[:start].strip(" \t\f"):
            return False  # something precedes it on its line: a suite or a `;`
        if statement.lineno > 1 and lines.line_text(statement.lineno - 1).endswith("\\"):
            return self._alone_by_tokens(statement)
        end = lines.char_column(statement.end_lineno, statement.end_col_offset)
        after = lines.line_text(statement.end_lineno)[end:].strip(" \t\f")
        if after.startswith(";"):
            after = after[1:].strip(" \t\f")
            if after and not after.startswith("#"):
                return False  # another statement follows on the line
        if after.endswith("\\") and not after.startswith("#"):
            return self._alone_by_tokens(statement)
        return not after or after.startswith("#")

    def to_logical_line_end(self, statement: _ast.stmt) -> _ast.stmt:
        """``statement``, or a copy reaching to the end of its logical line when a ``;`` or a backslash
        continuation follows it there (a whole-lines edit takes only a comment after a statement)."""
        raw = self.lines.line_text(statement.end_lineno).encode()
        tail = raw[statement.end_col_offset:].lstrip(b" \t\f")
        if not tail or tail.startswith(b"#"):
            return statement
        extended = _copy.copy(statement)
        if tail.startswith(b";") and (not tail[1:].strip(b" \t\f") or tail[1:].lstrip(b" \t\f").startswith(b"#")):
            extended.end_col_offset = len(raw) - len(tail) + 1
            return extended
        tokens = self.tokens()  # a backslash: the line ends at the NEWLINE token
        after = _bisect_left(self._starts, (statement.end_lineno, self.lines.char_column(
            statement.end_lineno, statement.end_col_offset)))
        while after < len(tokens) and tokens[after].type != _tokenize.NEWLINE:
            after += 1
        if after == len(tokens):
            return statement
        line, column = tokens[after].start
        extended.end_lineno = line
        extended.end_col_offset = len(self.lines.line_text(line)[:column].encode())
        return extended

    def _alone_by_tokens(self, statement: _ast.stmt) -> bool:
        """:meth:`alone_on_line` from the file's tokens: the statement starts a logical line and ends it (``;``
        and a comment may follow)."""
        tokens, lines = self.tokens(), self.lines
        if not tokens:
            return False
        first = _bisect_left(self._starts, (statement.lineno,
                                            lines.char_column(statement.lineno, statement.col_offset)))
        if first > 0 and tokens[first - 1].type not in self._LINE_START:
            return False
        after = _bisect_left(self._starts, (statement.end_lineno,
                                            lines.char_column(statement.end_lineno, statement.end_col_offset)))
        if after < len(tokens) and tokens[after].exact_type == _tokenize.SEMI:
            after += 1
        return after >= len(tokens) or tokens[after].type in (_tokenize.NEWLINE, _tokenize.ENDMARKER)

    def tokens(self) -> list[_tokenize.TokenInfo]:
        """The file's tokens without comments and non-logical newlines (read once, on first need; none when the
        file does not tokenize)."""
        if self._tokens is None:
            try:
                self._tokens = [token for token in _tokenize.generate_tokens(_io.StringIO(self.source).readline)
                                if token.type not in (_tokenize.NL, _tokenize.COMMENT)]
            except (_tokenize.TokenError, SyntaxError):
                self._tokens = []
            self._starts = [token.start for token in self._tokens]
        return self._tokens


def parse_call_text(text: str) -> cst.Call | None:
    """:func:`parse_expression_text` for a call's source text: None unless it is a call."""
    parsed = parse_expression_text(text)
    return parsed if isinstance(parsed, cst.Call) else None


_VIEWS: _weakref.WeakKeyDictionary = _weakref.WeakKeyDictionary()


def project_views(project) -> list[SourceView]:
    """A :class:`SourceView` of every parsable file of ``project`` (cached per project)."""
    if project is None:
        return []
    try:
        cached = _VIEWS.get(project)
    except TypeError:
        cached = None
    if cached is not None:
        return cached
    views = []
    for path, tree in project.trees():
        try:
            views.append(SourceView(project.files[path], tree, path))
        except (SyntaxError, ValueError):
            continue
    try:
        _VIEWS[project] = views
    except TypeError:
        pass
    return views


def call_key(view: SourceView, call: _ast.Call) -> tuple[str, ...]:
    """A key that identifies a construct call across edits and files: class, function, callee, first args.

    The engine gives a rule the project as parsed before any fix, and the file being fixed is one of its
    files: this key lets a rule count a call it sees in both only once.
    """
    cls = view.enclosing_class(call)
    function = view.enclosing_function(call)
    args = ", ".join(_ast.unparse(arg) for arg in call.args[:2])
    return (cls.name if cls else "", getattr(function, "name", ""), _ast.unparse(call.func), args)


# -- the API index, by qualified Python name --------------------------------------------------------------

def resolve_callable(api, qualified: str | None):
    """``(TypeInfo, method name or None)`` for a qualified class or ``Class.static_method`` name."""
    if not qualified:
        return None, None
    info = api.lookup(qualified)
    if info is not None:
        return info, None
    owner, _, method = qualified.rpartition(".")
    info = api.lookup(owner) if owner else None
    if info is not None and method in info.methods:
        return info, method
    return None, None


def is_assignable(api, fqn: str | None, target: str, _seen: set | None = None) -> bool:
    """True when a value of jsii type ``fqn`` can be used where ``target`` is expected (bases, interfaces)."""
    if not fqn:
        return False
    if fqn == target:
        return True
    seen = _seen if _seen is not None else set()
    if fqn in seen:
        return False
    seen.add(fqn)
    info = api.type_by_fqn(fqn)
    if info is None:
        return False
    return any(is_assignable(api, parent, target, seen) for parent in (*info.bases, *info.interfaces))


def produced_type(api, qualified: str | None) -> str | None:
    """The jsii type a call to ``qualified`` returns: a class's fqn, or a static method's return type."""
    info, method = resolve_callable(api, qualified)
    if info is None:
        return None
    if method is None:
        return info.fqn if info.kind == "class" else None
    return info.methods[method].returns


# -- building string literals (hostnames, namespace names) in the file's style ----------------------------

def template_parts(view: SourceView, node: _ast.expr) -> list[tuple[bool, str]] | None:
    """An expression as ``[(is_code, text)]`` parts of a string: literal text or code to interpolate.

    ``"a"`` → ``[(False, "a")]``; ``f"{x}.local"`` → ``[(True, "x"), (False, ".local")]``; any other
    expression ``e`` → ``[(True, "e")]``. None for an f-string with format specs or conversions.
    """
    if isinstance(node, _ast.Constant) and isinstance(node.value, str):
        return [(False, node.value)]
    if isinstance(node, _ast.JoinedStr):
        parts: list[tuple[bool, str]] = []
        for value in node.values:
            if isinstance(value, _ast.Constant):
                parts.append((False, str(value.value)))
            elif isinstance(value, _ast.FormattedValue) and value.conversion == -1 and value.format_spec is None:
                parts.append((True, view.text(value.value)))
            else:
                return None
        return parts
    if isinstance(node, _ast.Constant):
        return None
    return [(True, view.text(node))]


def string_literal(parts: list[tuple[bool, str]], quote: str = '"') -> str | None:
    """Source of a string literal (an f-string when there is code) made of ``parts``; None if impossible."""
    merged: list[tuple[bool, str]] = []
    for is_code, text in parts:
        if merged and not is_code and not merged[-1][0]:
            merged[-1] = (False, merged[-1][1] + text)
        else:
            merged.append((is_code, text))
    has_code = any(is_code for is_code, _ in merged)
    code_text = "".join(text for is_code, text in merged if is_code)
    for q in (quote, "'" if quote == '"' else '"'):
        if has_code and (q in code_text or "\\" in code_text or "\n" in code_text):
            continue
        body = ""
        for is_code, text in merged:
            if is_code:
                body += "{" + text + "}"
            else:
                escaped = text.replace("\\", "\\\\").replace(q, "\\" + q).replace("\n", "\\n")
                body += escaped.replace("{", "{{").replace("}", "}}") if has_code else escaped
        return ("f" if has_code else "") + q + body + q
    return None


def preferred_quote(source: str) -> str:
    """The quote character the file uses most for string literals."""
    return "'" if source.count("'") > source.count('"') else '"'


_SUFFIX_NAME = _re.compile(
    r"^(env(ironment)?_?suffix|suffix|stage(_name)?|env(ironment)?_name|environment|deploy(ment)?_env)$",
    _re.IGNORECASE)


def environment_suffix_expr(view: SourceView, at: _ast.AST) -> str | None:
    """Code for an environment suffix visible at ``at`` (``environment_suffix``, ``self.env_suffix``…)."""
    names = view.visible_names(at)
    candidates = sorted((name for name in names if _SUFFIX_NAME.match(name)),
                        key=lambda n: ("suffix" not in n.lower(), "stage" not in n.lower(), n))
    for name in candidates:
        kinds = {b.kind for b in names[name]}
        values = [b.value for b in names[name] if b.value is not None]
        if kinds & {"import", "def"}:
            continue
        if any(isinstance(v, (_ast.Dict, _ast.List, _ast.Tuple, _ast.Set)) or (
                isinstance(v, _ast.Call) and (view.resolve(v.func) or "").startswith("aws_cdk")) for v in values):
            continue  # `environment = {...}`, `environment = cdk.Environment(...)`
        annotations = [b.annotation for b in names[name] if b.annotation is not None]
        if any("str" not in _ast.unparse(a) for a in annotations):
            continue  # `environment: dict`
        return name
    cls = view.enclosing_class(at)
    me = view.self_name(at)
    if cls is not None and me:
        attrs = set()
        for node in _ast.walk(cls):
            if isinstance(node, _ast.Attribute) and isinstance(node.value, _ast.Name) and node.value.id == me:
                attrs.add(node.attr)
        for attr in sorted(attrs, key=lambda n: ("suffix" not in n.lower(), n)):
            if _SUFFIX_NAME.match(attr) and view.self_attribute(cls, attr):
                return f"{me}.{attr}"
    # `props.environment_suffix` read in the same function, `props` being one of its parameters.
    function = view.enclosing_function(at)
    if function is not None:
        params = {name for name, bindings in view.bindings_in(function).items()
                  if all(b.kind == "param" for b in bindings)}
        reads = sorted({(node.value.id, node.attr) for node in _ast.walk(function)
                        if isinstance(node, _ast.Attribute) and isinstance(node.value, _ast.Name)
                        and node.value.id in params and node.value.id != me and _SUFFIX_NAME.match(node.attr)
                        and ("suffix" in node.attr.lower() or "stage" in node.attr.lower())},
                       key=lambda pair: ("suffix" not in pair[1].lower(), pair))
        if reads:
            return f"{reads[0][0]}.{reads[0][1]}"
    return None


def default_namespace_parts(view: SourceView, at: _ast.AST) -> list[tuple[bool, str]]:
    """The Cloud Map namespace name cdkfix derives at ``at``: ``{suffix}.local``, else ``local``."""
    suffix = environment_suffix_expr(view, at)
    return [(True, suffix), (False, ".local")] if suffix else [(False, "local")]


# -- LibCST: removing an argument in the call's layout ----------------------------------------------------

def _ws_parts(ws):
    """(first_line, empty_lines, last_line) of a ParenthesizedWhitespace, else None."""
    if isinstance(ws, cst.ParenthesizedWhitespace):
        return ws.first_line, list(ws.empty_lines), ws.last_line
    return None


def without_arg(call: cst.Call, position: int, *, note: str | tuple[str, ...] | None = None) -> cst.Call:
    """Remove ``call.args[position]`` keeping the call's layout; optionally leave a ``# NOTE`` line there.

    Comment lines just above the removed argument and its trailing comment go with it. ``note`` (a full
    comment, ``# NOTE: ...``, or a tuple of such lines) replaces it on lines of its own when the call is
    laid out one argument per line; otherwise it is dropped (a caller that must keep it puts it above the
    statement).
    """
    args = list(call.args)
    removed = args[position]
    before = args[position - 1].comma.whitespace_after if position > 0 and isinstance(
        args[position - 1].comma, cst.Comma) else call.whitespace_before_args
    last = position == len(args) - 1
    after = (removed.comma.whitespace_after if isinstance(removed.comma, cst.Comma)
             else removed.whitespace_after_arg)
    before_parts, after_parts = _ws_parts(before), _ws_parts(after)

    def joined(default):
        if before_parts is None or after_parts is None:
            return default
        lines = list(after_parts[1])
        for text in reversed((note,) if isinstance(note, str) else note or ()):
            lines.insert(0, cst.EmptyLine(indent=True, whitespace=before_parts[2], comment=cst.Comment(text)))
        return cst.ParenthesizedWhitespace(first_line=before_parts[0], empty_lines=lines, indent=True,
                                           last_line=after_parts[2])

    del args[position]
    if not args:
        whitespace = joined(cst.SimpleWhitespace(""))
        if not note:
            whitespace = cst.SimpleWhitespace("")
        return call.with_changes(args=[], whitespace_before_args=whitespace)
    if position == 0:
        return call.with_changes(args=args, whitespace_before_args=joined(call.whitespace_before_args))
    previous = args[position - 1]
    if not last:
        comma = previous.comma if isinstance(previous.comma, cst.Comma) else cst.Comma(
            whitespace_after=cst.SimpleWhitespace(" "))
        args[position - 1] = previous.with_changes(comma=comma.with_changes(whitespace_after=joined(comma.whitespace_after)))
    elif isinstance(removed.comma, cst.Comma):  # trailing comma style: keep it on the new last argument
        args[position - 1] = previous.with_changes(comma=removed.comma.with_changes(
            whitespace_after=joined(removed.comma.whitespace_after)))
    else:
        closing = joined(removed.whitespace_after_arg)
        if before_parts is None:
            closing = removed.whitespace_after_arg
        args[position - 1] = previous.with_changes(comma=cst.MaybeSentinel.DEFAULT, whitespace_after_arg=closing)
    return call.with_changes(args=args)


def insert_keyword(call: cst.Call, name: str, value: cst.BaseExpression, *, first: bool = False,
                   after: str | None = None) -> cst.Call:
    """:func:`with_keyword`, but an argument inserted between others does not copy their comments.

    The new argument takes the line layout of the argument it is inserted before; comment lines above that
    argument stay above it, and a comment trailing the previous argument stays on the previous line.
    """
    result = with_keyword(call, name, value, first=first, after=after)
    args = list(result.args)
    position = next(i for i, a in enumerate(args) if a.keyword is not None and a.keyword.value == name
                    and (i >= len(call.args) or call.args[i] is not a))
    if position == len(args) - 1:
        return result
    before = call.whitespace_before_args if position == 0 else (
        args[position - 1].comma.whitespace_after if isinstance(args[position - 1].comma, cst.Comma) else None)
    if not isinstance(before, cst.ParenthesizedWhitespace):
        return result
    new_after = cst.ParenthesizedWhitespace(first_line=cst.TrailingWhitespace(), empty_lines=before.empty_lines,
                                            indent=before.indent, last_line=before.last_line)
    kept = before.with_changes(empty_lines=[])
    args[position] = args[position].with_changes(comma=cst.Comma(whitespace_after=new_after))
    if position == 0:
        return result.with_changes(args=args, whitespace_before_args=kept)
    args[position - 1] = args[position - 1].with_changes(comma=args[position - 1].comma.with_changes(
        whitespace_after=kept))
    return result.with_changes(args=args)


def other_project_views(view: SourceView, project, path: str | None = None) -> list[SourceView]:
    """The project's files other than the one ``view`` shows.

    The project holds every file as it was read, the one being fixed included (possibly already changed by
    an earlier pass). ``path`` (a rule's :attr:`cdkfix.rule.Rule.path`) names that file when the engine
    knows it. Else a file with exactly ``view``'s text is that copy; when there is none (a later pass), a
    file whose calls are mostly the calls of ``view`` is taken for it (comparing calls costs an unparse of
    every call of the project: on a directory of a thousand files, seconds).
    """
    views = project_views(project)
    if path is not None and any(other.path == path for other in views):
        return [other for other in views if other.path != path]
    if any(other.source == view.source for other in views):  # the file as read: no need to compare calls
        return [other for other in views if other.source != view.source]
    keys = view.call_keys()
    others = []
    for other in views:
        other_keys = other.call_keys()  # project views live for the run: their keys are computed once
        if other_keys and keys and len(other_keys & keys) >= 0.8 * max(len(other_keys), len(keys)):
            continue
        others.append(other)
    return others


# -- prefilter scans with the standard library's ast ------------------------------------------------------
# A rule's ``may_fire`` can ask "is there anything for me in this file?" for the price of one ``ast.parse``
# shared by every rule (cached per source text), instead of a LibCST transform. A prefilter must never be
# less permissive than its rule (``tests/test_prefilters.py``): where ``ast`` and LibCST see a file
# differently (an import bound twice, implicit string concatenation, escapes in a string), it says yes.

import functools as _functools  # noqa: E402
from collections import deque as _deque  # noqa: E402



@_dataclass(frozen=True, eq=False)
class Prescan:
    """One parse of a source for prefilters: the tree, its imports and its nodes by kind."""

    tree: _ast.Module
    imports: dict[str, str]
    calls: tuple[_ast.Call, ...]
    attributes: tuple[_ast.Attribute, ...]
    classes: tuple[_ast.ClassDef, ...]
    star_import: bool
    source: str = ""
    #: Every target each local name is imported as, anywhere in the file (LibCST's view keeps one).
    bindings: dict[str, tuple[str, ...]] = _dataclass_field(default_factory=dict)
    functions: tuple[_ast.FunctionDef | _ast.AsyncFunctionDef, ...] = ()
    dicts: tuple[_ast.Dict, ...] = ()
    import_froms: tuple[_ast.ImportFrom, ...] = ()
    #: Every identifier of a Name node (read, written or deleted).
    names: frozenset[str] = frozenset()
    #: ``ast.Assign``/``ast.AnnAssign`` statements, anywhere.
    assignments: tuple[_ast.Assign | _ast.AnnAssign, ...] = ()
    #: Every identifier of a Name node that is assigned or deleted (bound in some scope).
    stored_names: frozenset[str] = frozenset()
    _memo: dict = _dataclass_field(default_factory=dict, repr=False)
    _resolved: dict[int, tuple[str, ...]] = _dataclass_field(default_factory=dict, repr=False)

    def resolve(self, node: _ast.AST | None) -> str | None:
        """Qualified name of a Name/Attribute chain through the file's imports (``lambda_.Function``)."""
        return resolve_through(self.imports, ast_dotted(node))

    def resolve_all(self, node: _ast.AST | None) -> tuple[str, ...]:
        """Every qualified name a Name/Attribute chain may stand for (a name imported twice has two).
        Memoized per node: every rule's prefilter asks about the same calls."""
        key = id(node)
        found = self._resolved.get(key)
        if found is None:
            dotted = ast_dotted(node)
            head, _, rest = (dotted or "").partition(".")
            found = () if dotted is None else tuple(f"{target}.{rest}" if rest else target
                                                    for target in self.bindings.get(head, ()))
            self._resolved[key] = found
        return found

    def imports_under(self, roots: tuple[str, ...]) -> bool:
        """Whether some import binds a name from one of the top-level packages ``roots`` (``aws_cdk``)."""
        return any(target.partition(".")[0] in roots for targets in self.bindings.values() for target in targets)

    def module_members(self, root: str) -> Iterator[tuple[str, str]]:
        """``(module, name)`` for every capitalized ``module.Name`` read and every ``from module import name``
        of a module under package ``root``, in that order: where a name may be taken from the wrong module."""
        for node in self.attributes:
            if node.attr[:1].isupper():
                for module in self.resolve_all(node.value):
                    if module.partition(".")[0] == root:
                        yield module, node.attr
        for node in self.import_froms:
            if node.module.partition(".")[0] == root:  # type: ignore[union-attr]
                for alias in node.names:
                    yield node.module, alias.name  # type: ignore[misc]

    def missing_members(self, api, root: str) -> tuple[tuple[str, str], ...]:
        """The distinct :meth:`module_members` of ``root`` where ``module`` is a module of the index that
        lacks the capitalized ``name`` (and has no submodule of that name): where a name may be taken from the
        wrong module or not exist at all. Usually none; computed once per file for the rules that ask."""
        key = ("missing_members", id(api), root)
        found = self._memo.get(key)
        if found is None:
            found = self._memo[key] = tuple(pair for pair in dict.fromkeys(self.module_members(root))
                                            if _lacks(api, *pair))
        return found

    def resolves_to(self, node: _ast.AST | None, wanted) -> bool:
        """True when ``node`` may stand for one of the qualified names ``wanted``."""
        return any(name in wanted for name in self.resolve_all(node))

    def segment(self, node: _ast.AST) -> str:
        """The source text of ``node`` (what LibCST sees: escapes and prefixes unevaluated), "" without one."""
        return _segment(self.source, node)

    @_functools.cached_property
    def callees(self) -> tuple[tuple[str, ...], ...]:
        """:meth:`resolve_all` of each call's callee, aligned with :attr:`calls` (``zip(scan.calls,
        scan.callees)``): resolved once for the prefilters of every rule that looks at calls."""
        resolve = self.resolve_all
        return tuple([resolve(call.func) for call in self.calls])

    @_functools.cached_property
    def attribute_names(self) -> frozenset[str]:
        """The names after a dot of every :attr:`attributes` node (computed on first use): a prefilter looking for
        a few attribute names asks one set question instead of looping over the nodes."""
        return frozenset([node.attr for node in self.attributes])

    @_functools.cached_property
    def rebound_names(self) -> frozenset[str]:
        """:func:`ast_rebound_names` of the tree (computed on first use, shared by the rules of a run)."""
        return ast_rebound_names(self.tree)

    @_functools.cached_property
    def parents(self) -> dict[int, _ast.AST]:
        """``id(node)`` -> its parent node (computed on first use)."""
        return _parent_map(self.tree, by_id=True)

    def ancestors(self, node: _ast.AST) -> Iterator[_ast.AST]:
        """The nodes around ``node``, innermost first."""
        parents = self.parents
        current = parents.get(id(node))
        while current is not None:
            yield current
            current = parents.get(id(current))

    def method_class(self, node: _ast.AST) -> _ast.ClassDef | None:
        """The class whose method (or a closure in it) ``node`` is in; None at module or class-body level."""
        seen_function = False
        for outer in self.ancestors(node):
            if isinstance(outer, (_ast.FunctionDef, _ast.AsyncFunctionDef)):
                seen_function = True
            elif isinstance(outer, _ast.ClassDef):
                return outer if seen_function else None
        return None

    def construct_classes(self, api) -> frozenset[int]:
        """``id`` of every class that may be a Stack or Construct subclass (:func:`codemods._context.ast_class_kinds`
        decides with the file's imports; this says yes for any import a base name may stand for)."""
        key = ("construct_classes", id(api))
        if key in self._memo:
            return self._memo[key]
        by_name: dict[str, list[_ast.ClassDef]] = {}
        for cls in self.classes:
            by_name.setdefault(cls.name, []).append(cls)
        kinds: dict[int, bool] = {}
        result = frozenset(id(cls) for cls in self.classes
                           if self._is_construct(api, cls, frozenset(), by_name, kinds))
        self._memo[key] = result
        return result

    # A method, not a closure in ``construct_classes``: a closure that calls itself is a reference cycle,
    # which would keep the tree alive until the garbage collector runs.
    def _is_construct(self, api, cls: _ast.ClassDef, seen: frozenset[int],
                      by_name: dict[str, list[_ast.ClassDef]], kinds: dict[int, bool]) -> bool:
        from codemods._context import _kind_of_fqn

        if id(cls) in kinds:
            return kinds[id(cls)]
        found = False
        for base in cls.bases:
            name = ast_dotted(base)
            if name and "." not in name and any(
                    id(local) not in seen and self._is_construct(api, local, seen | {id(cls)}, by_name, kinds)
                    for local in by_name.get(name, ())):
                found = True
            for qualified in self.resolve_all(base):
                info = api.lookup(qualified)
                if info is not None and _kind_of_fqn(info.fqn, info.bases):
                    found = True
            if found:
                break
        if not seen:
            kinds[id(cls)] = found
        return found


_LACKS: dict[tuple[int, str, str], bool] = {}


def _lacks(api, module: str, name: str) -> bool:
    """``name`` is capitalized and the index's ``module`` has neither a member nor a submodule of that name
    (cached for the process: the index does not change, and a batch reads the same names again and again)."""
    key = (id(api), module, name)
    found = _LACKS.get(key)
    if found is None:
        found = _LACKS[key] = bool(name[:1].isupper() and api.has_module(module) and name not in api.names(module)
                                   and not api.has_module(f"{module}.{name}"))
    return found


def has_star_args(call: _ast.Call) -> bool:
    """``*args`` or ``**kwargs`` in an ``ast`` call."""
    return any(isinstance(a, _ast.Starred) for a in call.args) or any(kw.arg is None for kw in call.keywords)


def prefilter_index():
    """The API index of the run whose prefilters are evaluated (:func:`cdkfix.rule.current_options`)."""
    from cdkfix.rule import current_options

    return index(current_options())


def prefilter_settings() -> dict[str, object]:
    """The rule settings of the run whose prefilters are evaluated."""
    from cdkfix.rule import current_options

    return current_options().settings


def word_matches(pattern: _re.Pattern[str], text: str) -> list[_re.Match[str]]:
    """The matches of ``pattern`` that start a word: what ``\\b`` + ``pattern`` finds, written without the
    ``\\b`` because Python's regex engine skips ahead to a literal prefix only when the pattern starts with
    one (30x faster on prefilter scans of whole files). ``\\w`` is ``str.isalnum()`` or ``_``, as in ``re``."""
    found = []
    position = 0
    while (match := pattern.search(text, position)) is not None:
        start = match.start()
        if start == 0 or not (text[start - 1].isalnum() or text[start - 1] == "_"):
            found.append(match)
            position = max(match.end(), start + 1)
        else:  # inside a word: a match starting further on may overlap this one, as with ``\\b``
            position = start + 1
    return found


def _segment(source: str, node: _ast.AST) -> str:
    """The source text of ``node`` through the shared :func:`cdkfix.spans.line_index` ("" when the node has no
    position in ``source``): ``ast.get_source_segment`` without splitting the whole source on every call."""
    lineno, end_lineno = getattr(node, "lineno", None), getattr(node, "end_lineno", None)
    if lineno is None or end_lineno is None:
        return ""
    lines = line_index(source)
    if not 0 < lineno <= end_lineno <= len(lines.starts):
        return ""
    start, end = lines.span(node)
    return source[start:end]


#: Fields that never hold a node (identifiers, numbers, constants, type comments; ``ctx``, whose shared
#: ``Load``/``Store`` singletons the walks leave out), by field name; ``value`` and ``names`` only for the
#: node types named. Skipping them makes a ``Name`` or a ``Constant`` (half of a file's nodes) cost no lookup.
_LEAF_FIELDS = frozenset({"ctx", "type_comment", "id", "attr", "arg", "asname", "module", "level", "conversion",
                          "is_async", "simple", "kind", "rest", "kwd_attrs", "tag", "lineno"})
_LEAF_FIELDS_OF = {"Constant": {"value"}, "Global": {"names"}, "Nonlocal": {"names"}, "alias": {"name"},
                   "FunctionDef": {"name"}, "AsyncFunctionDef": {"name"}, "ClassDef": {"name"},
                   "ExceptHandler": {"name"}, "MatchAs": {"name"}, "MatchStar": {"name"}, "TypeVar": {"name"},
                   "ParamSpec": {"name"}, "TypeVarTuple": {"name"}}
_CHILD_FIELDS: dict[type, tuple[str, ...]] = {}


def _child_fields(kind: type) -> tuple[str, ...]:
    """The fields of node type ``kind`` that may hold nodes, in field order (computed once per type)."""
    fields = _CHILD_FIELDS.get(kind)
    if fields is None:
        leaves = _LEAF_FIELDS_OF.get(kind.__name__, ())
        fields = _CHILD_FIELDS[kind] = tuple(field for field in kind._fields
                                             if field not in _LEAF_FIELDS and field not in leaves)
    return fields


def _children(node: _ast.AST) -> list[_ast.AST]:
    """``node``'s child nodes in field order, expression contexts (shared ``Load``/``Store`` singletons) left
    out: ``ast.iter_child_nodes`` without its generator, for the walks below that every file pays for."""
    children: list[_ast.AST] = []
    fields = _CHILD_FIELDS.get(type(node))
    for field in _child_fields(type(node)) if fields is None else fields:
        value = getattr(node, field, None)
        if type(value) is list:
            children.extend([item for item in value if isinstance(item, _ast.AST)])
        elif isinstance(value, _ast.AST):
            children.append(value)
    return children


def _walk(tree: _ast.AST) -> Iterator[_ast.AST]:
    """``ast.walk(tree)`` without expression contexts: the other nodes in the same order (rules read
    ``Prescan.calls`` in that order), about twice as fast."""
    queue = _deque([tree])
    pop, extend = queue.popleft, queue.extend
    while queue:
        node = pop()
        yield node
        extend(_children(node))


def _parent_map(tree: _ast.AST, *, by_id: bool) -> dict:
    """Each node's parent, keyed by the node or by ``id(node)`` (about three times cheaper than ``ast.walk``
    plus ``iter_child_nodes``; expression contexts, whose parent means nothing, left out)."""
    parents: dict = {}
    stack = [tree]
    pop, extend = stack.pop, stack.extend
    while stack:
        node = pop()
        children = _children(node)
        for child in children:
            parents[id(child) if by_id else child] = node
        extend(children)
    return parents


#: The prescans alive (the cache of :func:`prescan` and the rules using one hold them), by source text: a
#: :class:`SourceView` of the file being fixed reuses its calls without parsing anything again.
_SCANS: _weakref.WeakValueDictionary = _weakref.WeakValueDictionary()


@_functools.lru_cache(maxsize=4)
def prescan(source: str) -> Prescan | None:
    """The :class:`Prescan` of ``source``; cached for the rules of one run.

    None when the standard library does not parse it: prefilters then say no (no fix can be kept, since the
    output must compile, and with no candidate rule the engine reports the stdlib's syntax error)."""
    from cdkfix.rule import stdlib_tree

    try:
        tree = stdlib_tree(source)
    except (SyntaxError, ValueError):
        return None
    imports: dict[str, str] = {}
    bindings: dict[str, list[str]] = {}
    calls, attributes, classes, functions, dicts, import_froms, assignments = [], [], [], [], [], [], []
    names: set[str] = set()
    star = False

    def bind(local: str, target: str) -> None:
        imports[local] = target
        targets = bindings.setdefault(local, [])
        if target not in targets:
            targets.append(target)

    # One pass over the tree in ``ast.walk``'s order, nodes bucketed by type: every file's prefilters pay it.
    wanted = {_ast.Call: calls, _ast.Attribute: attributes, _ast.ClassDef: classes, _ast.FunctionDef: functions,
              _ast.AsyncFunctionDef: functions, _ast.Dict: dicts, _ast.Assign: assignments,
              _ast.AnnAssign: assignments}
    import_nodes: list[_ast.AST] = []
    name_nodes: list[_ast.Name] = []
    wanted[_ast.Import] = wanted[_ast.ImportFrom] = import_nodes  # one list: their order decides bindings
    wanted[_ast.Name] = name_nodes  # type: ignore[assignment]
    queue = _deque([tree])
    pop, extend, append = queue.popleft, queue.extend, queue.append
    fields_of, node_type = _CHILD_FIELDS, _ast.AST
    while queue:  # ``_walk`` and ``_children`` inlined: no generator step nor call per node
        node = pop()
        kind = type(node)
        bucket = wanted.get(kind)
        if bucket is not None:
            bucket.append(node)
        fields = fields_of.get(kind)
        for field in _child_fields(kind) if fields is None else fields:
            value = getattr(node, field, None)
            if type(value) is list:
                extend([item for item in value if isinstance(item, node_type)])
            elif isinstance(value, node_type):
                append(value)
    names.update(node.id for node in name_nodes)
    stored = frozenset([node.id for node in name_nodes if type(node.ctx) is not _ast.Load])
    for node in import_nodes:
        if type(node) is _ast.Import:
            for alias in node.names:
                if alias.asname:
                    bind(alias.asname, alias.name)
                else:
                    head = alias.name.split(".")[0]
                    bind(head, head)
        elif node.module and not node.level:
            import_froms.append(node)
            for alias in node.names:
                if alias.name == "*":
                    star = True
                else:
                    bind(alias.asname or alias.name, f"{node.module}.{alias.name}")
    scan = Prescan(tree, imports, tuple(calls), tuple(attributes), tuple(classes), star, source,
                   {name: tuple(targets) for name, targets in bindings.items()}, tuple(functions), tuple(dicts),
                   tuple(import_froms), frozenset(names), tuple(assignments), stored)
    _SCANS[source] = scan
    return scan


def triggered_prescan(rule, source: str) -> Prescan | None:
    """What a precise ``may_fire`` starts from: the shared :func:`prescan` of ``source`` when one of ``rule``'s
    trigger substrings is in it (the base prefilter, :meth:`cdkfix.rule.Rule.may_fire`), else None; None too
    when the standard library does not parse it (the engine reports that syntax error, not the rule)."""
    triggers = rule.triggers
    if triggers:
        for trigger in triggers:  # a loop, not ``any()`` over a generator: every rule asks, for every file
            if trigger in source:
                break
        else:
            return None
    return prescan(source)


_CALL_SIGNATURES: dict[tuple[int, str], tuple | None] = {}


def signature_facts(cache: dict, api, qualified: str, derive):
    """``derive(call_signature(api, qualified))``, or None without a signature, kept in ``cache`` for the
    process: what a rule's prefilter asks of a callee about every call of every file (the index does not
    change, and a batch calls the same few hundred callees)."""
    key = (id(api), qualified)
    if key not in cache:
        signature = call_signature(api, qualified)
        cache[key] = None if signature is None else derive(signature)
    return cache[key]


def call_signature(api, qualified: str | None):
    """``(TypeInfo, method name or None, positional params, keyword props)`` of a call to a CDK class
    constructor, struct or static method, else None. Cached per index: several rules' prefilters ask it
    about every call of every file, and a batch calls the same few hundred callees."""
    if not qualified or not qualified.startswith(("aws_cdk.", "constructs.")):
        return None
    key = (id(api), qualified)  # an index lives as long as the process (``load_index`` keeps it)
    try:
        return _CALL_SIGNATURES[key]
    except KeyError:
        found = _CALL_SIGNATURES[key] = _find_call_signature(api, qualified)
        return found


def _find_call_signature(api, qualified: str):
    info, method_name = resolve_callable(api, qualified)
    if info is None:
        return None
    if method_name is None:
        if info.kind == "struct" or (info.kind == "class" and info.constructible):
            return info, None, info.positional, info.props
        return None
    method = info.methods[method_name]
    if not method.static:
        return None
    return info, method_name, method.params, method.kwargs
