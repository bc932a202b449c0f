"""Which CDK class or method a call targets: shared by the rules that check a call against its callee.

Rules never import each other (CONTRIBUTING.md), so the machinery that types a receiver (``bucket`` in
``bucket.add_lifecycle_rule(...)``, ``self.alb`` in ``self.alb.add_listener(...)``) through imports,
variables and ``self.x`` assignments lives here, on the stdlib tree: for prefilters
(:func:`prescan_receiver_types`) and for :class:`cdkfix.rule.AstRule` s (:class:`AstReceiverTypes`).
:class:`CallSpans` runs a rule's LibCST call-level logic (a ``leave_Call``) on a parse of each outermost
candidate call only.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator

import libcst as cst

from codemods._helpers import (
    ast_dotted,
    ast_indented_block,
    ast_parameters,
    ast_statement_bindings,
    ast_walk_statements,
    dotted_name,
    index,
    parse_expression_text,
)

#: The packages whose names the API index describes.
ROOTS = ("aws_cdk", "constructs")


def type_of_qualified(api, qualified: str):
    """The type a call of ``qualified`` returns: a constructed class, or a static method's result.

    None when ``qualified`` is outside :data:`ROOTS`, names no constructible class, or names a static
    method whose result is not a single CDK type.
    """
    # Callers may pass any resolved name (a prefilter's ``resolve_all``); only CDK names are in the index.
    if not qualified.startswith(tuple(r + "." for r in ROOTS)):
        return None
    info = api.lookup(qualified)
    if info is not None:
        return info if info.kind == "class" and info.constructible else None
    owner, _, attr = qualified.rpartition(".")
    owner_info = api.lookup(owner) if owner else None
    method = owner_info.methods.get(attr) if owner_info is not None else None
    # A generic result (``list[...]``) is no single type a method could be called on.
    if method is not None and method.static and method.returns and "[" not in method.returns:
        return api.type_by_fqn(method.returns)
    return None


_RECEIVER_TYPES: dict[tuple[int, str], object] = {}


def prescan_receiver_types(scan, api) -> Callable[[ast.expr], Iterator[object]]:
    """For a prefilter: a function yielding the CDK types a receiver expression may have.

    A receiver is typed when it is a call, or a name / ``self.<attr>`` assigned a call anywhere in the
    file (any scope: the prefilter may say yes where the traversal then finds nothing, never the
    reverse). ``scan`` is :func:`codemods._helpers.prescan`'s result. The file's assignments are read once
    for every rule that asks, and :func:`type_of_qualified` is cached for the process (the index does not
    change).
    """
    assigned = scan._memo.get("receiver assignments")
    if assigned is None:
        assigned = scan._memo["receiver assignments"] = _assigned_calls(scan)
    api_key = id(api)

    def receiver_types(receiver: ast.expr) -> Iterator[object]:
        if isinstance(receiver, ast.Call):
            values = [receiver]
        elif isinstance(receiver, ast.Name):
            values = assigned.get(("name", receiver.id), [])
        elif (isinstance(receiver, ast.Attribute) and isinstance(receiver.value, ast.Name)
              and receiver.value.id == "self"):
            values = assigned.get(("self", receiver.attr), [])
        else:
            values = []
        for value in values:
            for qualified in scan.resolve_all(value.func):
                key = (api_key, qualified)
                if key not in _RECEIVER_TYPES:
                    _RECEIVER_TYPES[key] = type_of_qualified(api, qualified)
                if _RECEIVER_TYPES[key] is not None:
                    yield _RECEIVER_TYPES[key]

    return receiver_types


def _assigned_calls(scan) -> dict[tuple[str, str], list[ast.Call]]:
    """``("name", x)`` / ``("self", attr)`` -> the calls assigned to ``x`` / ``self.attr`` anywhere."""
    assigned: dict[tuple[str, str], list[ast.Call]] = {}
    for statement in scan.assignments:
        if not isinstance(statement.value, ast.Call):
            continue
        for target in (statement.targets if isinstance(statement, ast.Assign) else [statement.target]):
            if isinstance(target, ast.Name):
                assigned.setdefault(("name", target.id), []).append(statement.value)
            elif (isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name)
                  and target.value.id == "self"):
                assigned.setdefault(("self", target.attr), []).append(statement.value)
    return assigned


class _ValueTypes:
    """What :class:`AstReceiverTypes` builds on: the type of an assigned value (a call of a CDK class or static
    method, through ``_imported``) and the agreement of a name's bindings. The subclass resets ``_api`` and
    ``_value_types`` for each module and supplies ``_imported`` and ``_call_class``."""

    #: The call node class of the subclass's tree.
    _call_class: type

    @property
    def api(self):
        """The run's API index, loaded on first use (a file with no CDK call never pays for it)."""
        if self._api is None:
            self._api = index(self.options)  # type: ignore[attr-defined]
        return self._api

    def _single_type(self, values):
        # Every binding must be visible and agree: a name assigned two different types is left alone.
        if not values or any(v is None for v in values):
            return None
        types = {id(t): t for t in (self._type_of_value(v) for v in values)}
        if len(types) != 1:
            return None
        return next(iter(types.values()))

    def _type_of_value(self, value):
        key = id(value)
        if key not in self._value_types:
            self._value_types[key] = None  # guards against cycles
            call = isinstance(value, self._call_class)
            qualified = self._imported(value.func) if call else None  # type: ignore[attr-defined]
            self._value_types[key] = type_of_qualified(self.api, qualified) if qualified is not None else None
        return self._value_types[key]


# -- receiver types on the stdlib tree, for an AstRule ----------------------------------------------------------

_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)


def ast_scope_bindings(scope: ast.AST, lines) -> dict[str, list[ast.expr | None]]:
    """Values bound to names in one scope: a function (its parameters included) or the module. ``None`` stands for a binding whose value is unknown. ``lines`` is the rule's
    :class:`cdkfix.spans.LineIndex` (a body after the ``def``'s colon is not looked into, as LibCST's view)."""
    values: dict[str, list[ast.expr | None]] = {}
    if isinstance(scope, _FUNCTIONS):
        for name in ast_parameters(scope.args):
            values.setdefault(name, []).append(None)
        body = scope.body if ast_indented_block(scope.body, lines) else []
    else:
        body = scope.body  # type: ignore[attr-defined]
    for name, value, _ in ast_statement_bindings(body, nested=False):
        values.setdefault(name, []).append(value)
    return values


def ast_self_attributes(cls: ast.ClassDef, lines) -> dict[str, list[ast.expr | None]]:
    """``self.<attr> = value`` in the methods of one class (nested classes excluded). ``None`` stands for a value the rule cannot see (an unpacked tuple, ``+=``)."""
    values: dict[str, list[ast.expr | None]] = {}

    def bind(target: ast.expr, value: ast.expr | None) -> None:
        # A loop, not recursion: a closure that calls itself is a cycle, which keeps the tree until collected.
        pending: list[tuple[ast.expr, ast.expr | None]] = [(target, value)]
        while pending:
            target, value = pending.pop()
            if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id == "self":
                values.setdefault(target.attr, []).append(value)
            elif isinstance(target, (ast.Tuple, ast.List)):
                pending.extend((element.value if isinstance(element, ast.Starred) else element, None)
                               for element in reversed(target.elts))

    if not ast_indented_block(cls.body, lines):
        return values
    for method in cls.body:
        if not isinstance(method, _FUNCTIONS) or not ast_indented_block(method.body, lines):
            continue
        for node in ast_walk_statements(method.body, nested=False):
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    bind(target, node.value)
            elif isinstance(node, ast.AnnAssign):
                bind(node.target, node.value)
            elif isinstance(node, ast.AugAssign):
                bind(node.target, None)
    return values


class AstReceiverTypes(_ValueTypes):
    """Mixin for a :class:`cdkfix.rule.AstRule`: the CDK type of a receiver expression.

    ``self._type_of(receiver, at)`` is the CDK type of a receiver expression read at the node ``at`` (its
    call), when its value is visible in the innermost enclosing function (its parameters included) or the
    module, or, for ``self.<attr>``, in the methods of the innermost enclosing class. ``self._imported(node)``
    is the qualified CDK name an expression spells through the file's imports when trustworthy (its first
    name bound nowhere but by a module-level import). Put it before ``AstRule`` in the bases; its caches
    live for one :meth:`run`.
    """

    _call_class = ast.Call

    def run(self, source: str) -> str:
        """Reset the per-run caches, then run the rule."""
        self._api = None
        self._scopes: list[tuple[tuple[int, int], tuple[int, int], ast.AST]] | None = None
        self._bindings: dict[int, dict[str, list[ast.expr | None]]] = {}
        self._value_types: dict[int, object] = {}
        return super().run(source)  # type: ignore[misc]

    def _imported(self, node: ast.expr) -> str | None:
        """The qualified CDK name (under :data:`ROOTS`) ``node`` spells through the file's imports, or None
        when it is no such name or its first name is rebound (:attr:`codemods._helpers.Prescan.rebound_names`)."""
        dotted = ast_dotted(node)
        resolved = self.imports.resolve_dotted(dotted)  # type: ignore[attr-defined]
        if resolved is None or resolved.partition(".")[0] not in ROOTS:
            return None
        rebound = self.scan.rebound_names  # type: ignore[attr-defined]
        return None if dotted.partition(".")[0] in rebound else resolved  # type: ignore[union-attr]

    def _type_of(self, node: ast.expr, at: ast.AST):
        """The CDK type of a receiver expression read at ``at``, when its value is visible; else None."""
        if isinstance(node, ast.Call):
            return self._type_of_value(node)
        if isinstance(node, ast.Name):
            # An imported name is a module or class, not a value this machinery can type.
            if node.id in self.imports.bindings:  # type: ignore[attr-defined]
                return None
            function = self._enclosing(at, _FUNCTIONS)
            values = self._bound(function).get(node.id) if function is not None else None
            if values is None:
                values = self._bound(self.tree).get(node.id)  # type: ignore[attr-defined]
            return self._single_type(values)
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "self":
            cls = self._enclosing(at, ast.ClassDef)
            if cls is None:
                return None
            return self._single_type(self._bound(cls).get(node.attr))
        return None

    def _enclosing(self, at: ast.AST, kinds):
        """The innermost function or class of ``kinds`` whose statement (decorators included) holds ``at``:
        what a traversal's scope stack says there, read from positions (no parent map needed)."""
        if self._scopes is None:
            scopes = []
            for scope in (*self.scan.functions, *self.scan.classes):  # type: ignore[attr-defined]
                first = min([scope, *scope.decorator_list], key=lambda n: (n.lineno, n.col_offset))
                scopes.append(((first.lineno, first.col_offset), (scope.end_lineno, scope.end_col_offset), scope))
            scopes.sort(key=lambda item: item[0])
            self._scopes = scopes
        position = (at.lineno, at.col_offset)  # type: ignore[attr-defined]
        found = None
        for start, end, scope in self._scopes:
            if start > position:
                break
            if position < end and isinstance(scope, kinds):
                found = scope  # a later start inside is a deeper scope
        return found

    def _bound(self, scope: ast.AST) -> dict[str, list[ast.expr | None]]:
        key = id(scope)
        if key not in self._bindings:
            lines = self.lines  # type: ignore[attr-defined]
            self._bindings[key] = (ast_self_attributes(scope, lines) if isinstance(scope, ast.ClassDef)
                                   else ast_scope_bindings(scope, lines))
        return self._bindings[key]



# -- LibCST call-level logic on the outermost candidate calls, for an AstRule ------------------------------------

class _CallSpan:
    """The outermost call being checked: its ``ast`` node, LibCST's parse of its text, and what places the
    calls inside it in the file."""

    def __init__(self, call: ast.Call, parsed: cst.BaseExpression, newline: str) -> None:
        self.call, self.parsed, self.newline = call, parsed, newline
        self.order: dict[cst.CSTNode, int] = {}  # LibCST call -> its rank in visiting order
        self.positions = None  # LibCST positions inside the text, when ``ast`` cannot place a node
        self._calls: list[ast.Call] | None = None

    def ast_call(self, node: cst.CSTNode) -> ast.Call | None:
        """The ``ast`` call for a LibCST call of the parsed text: the same rank in source order, checked by
        the callee's name. None when unsure: a call inside an f-string (``ast`` may misplace those)."""
        rank = self.order.get(node)
        if rank is None:
            return None
        if self._calls is None:
            calls: list[ast.Call] = []
            for inner in ast.walk(self.call):
                if isinstance(inner, ast.Call):
                    calls.append(inner)
                elif isinstance(inner, ast.JoinedStr) and any(isinstance(n, ast.Call) for n in ast.walk(inner)):
                    calls = []
                    break
            self._calls = sorted(calls, key=lambda c: (c.lineno, c.col_offset, -c.end_lineno, -c.end_col_offset))
        if rank >= len(self._calls) or not isinstance(node, cst.Call):
            return None
        found = self._calls[rank]
        return found if ast_dotted(found.func) == dotted_name(node.func) else None


class CallSpans:
    """Mixin for a :class:`cdkfix.rule.AstRule` whose decisions are LibCST call-level logic: a ``leave_Call``
    written for a transformer, recording findings with ``self.fix`` / ``self.report`` on LibCST nodes.

    Candidate calls are found on the stdlib tree (:meth:`_is_candidate`: the rule's per-call test, given the
    callee's qualified name through the imports, its first name not rebound); only each outermost candidate
    call is parsed with LibCST. ``leave_Call`` runs on that parse (and on the calls inside it, when other
    candidates are inside), findings are placed in the file through the ``ast`` calls, and the call's text is
    replaced when a fix was applied: one edit for every fix made inside the call. Imports staged by those
    fixes are committed (not kept on the edit), so a later call spells the same names the same way, as one
    LibCST pass over the module did. Put it before ``AstRule`` in the bases.
    """

    def _is_candidate(self, api, call: ast.Call, qualified: str) -> bool:
        """Whether ``leave_Call`` may find anything in ``call``, a call of ``qualified``."""
        raise NotImplementedError

    def check(self) -> None:
        """Run ``leave_Call`` on a LibCST parse of each outermost candidate call."""
        from cdkfix.spans import newline_of

        api = index(self.options)  # type: ignore[attr-defined]
        calls = self.scan.calls  # type: ignore[attr-defined]
        candidates = sorted((call for call in calls if self._candidate(api, call)),
                            key=lambda c: (c.lineno, c.col_offset, -c.end_lineno, -c.end_col_offset))
        outermost: list[list] = []  # [call, whether other candidates are inside it]
        for call in candidates:
            last = outermost[-1][0] if outermost else None
            if last is None or (call.lineno, call.col_offset) >= (last.end_lineno, last.end_col_offset):
                outermost.append([call, False])
            else:
                outermost[-1][1] = True
        newline = newline_of(self.source)  # type: ignore[attr-defined]
        for call, nested in outermost:
            self._check_call(call, newline, nested)

    def _candidate(self, api, call: ast.Call) -> bool:
        """A CDK callee through the imports (not a rebound name) that :meth:`_is_candidate` accepts."""
        dotted = ast_dotted(call.func)
        qualified = self.imports.resolve_dotted(dotted)  # type: ignore[attr-defined]
        if qualified is None or not self._is_candidate(api, call, qualified):
            return False
        return dotted.partition(".")[0] not in self.scan.rebound_names  # type: ignore[union-attr, attr-defined]

    def _check_call(self, call: ast.Call, newline: str, nested: bool) -> None:
        """Parse ``call``'s text with LibCST, run ``leave_Call`` over it (findings are recorded as it goes) and
        queue the rewritten text when a fix was applied. ``leave_Call`` does nothing on a call that is not a
        candidate, so without candidates inside (``nested``) the parsed call is not traversed."""
        from cdkfix.spans import Edit

        start, end = self.lines.span(call)  # type: ignore[attr-defined]
        parsed = parse_expression_text(self.source[start:end])  # type: ignore[attr-defined]
        if parsed is None:
            return  # not an expression LibCST parses on its own: leave the call alone
        self._span = _CallSpan(call, parsed, newline)
        findings = self.findings_so_far  # type: ignore[attr-defined]
        first = len(findings)
        if nested:
            new = parsed.visit(self)  # type: ignore[arg-type]
        else:
            self._span.order[parsed] = 0
            new = self.leave_Call(parsed, parsed)  # type: ignore[attr-defined]
        applied = [i for i in range(first, len(findings)) if findings[i].applied]
        self.commit_staged_imports(keep=bool(applied))  # type: ignore[attr-defined]
        if not applied:
            return
        # One edit carries every fix made inside the call (its own and its nested calls', recorded above with
        # their positions), where ``rewrite`` records one finding per edit. Its text is the very text parsed
        # here, so the builder returns the node already rewritten. When the edit cannot be made, every fix
        # recorded inside the call is withdrawn with it (``Edit.also``).
        edit = Edit(call, lambda _parsed, new=new: new, applied[0], also=tuple(applied[1:]))
        self.queue(edit)  # type: ignore[attr-defined]

    # -- positions and suppressions of LibCST nodes of the parsed call ---------------------------------
    def visit_Call(self, node: cst.Call) -> bool:
        """Number the calls of the parsed call in visiting order (source order), to place them by ``ast``."""
        self._span.order[node] = len(self._span.order)
        return True

    def _cst_start(self, node: cst.CSTNode) -> tuple[int, int]:
        """1-based line and 0-based column, in the file, of a node of the call being checked (LibCST's
        positions leave out parentheses around a node, as ``ast``'s do)."""
        from cdkfix.rule import module_positions

        span = self._span
        found = span.ast_call(node)
        lines = self.lines  # type: ignore[attr-defined]
        if found is not None:
            return found.lineno, lines.char_column(found.lineno, found.col_offset)
        call = span.call
        if span.positions is None:
            wrapper = cst.Module(body=[cst.SimpleStatementLine(body=[cst.Expr(span.parsed)])],
                                 default_newline=span.newline)
            span.positions = module_positions(wrapper)
        inner = span.positions[node].start
        column = lines.char_column(call.lineno, call.col_offset) if inner.line == 1 else 0
        return call.lineno + inner.line - 1, column + inner.column

    def position(self, node) -> tuple[int, int]:
        """1-based line and column of an ``ast`` node, or of a LibCST node of the call being checked."""
        if isinstance(node, cst.CSTNode):
            line, column = self._cst_start(node)
            return line, column + 1
        return super().position(node)  # type: ignore[misc]

    def _suppressed(self, node) -> bool:
        from cdkfix.rule import SCRATCH_SUPPRESSED

        if not isinstance(node, cst.CSTNode):
            return super()._suppressed(node)  # type: ignore[misc]
        suppressed = self.context.scratch.get(SCRATCH_SUPPRESSED)  # type: ignore[attr-defined]
        if not suppressed or not getattr(suppressed, "by_line", True):
            return False
        return suppressed.suppresses(self.code, self.name, self._cst_start(node)[0])  # type: ignore[attr-defined]

    def report(self, node, message: str, *, suggestion: str | None = None) -> None:
        """Record a finding without a fix; the imports staged by another fix of the same call stay staged."""
        from cdkfix.rule import Rule

        Rule.report(self, node, message, suggestion=suggestion)  # type: ignore[arg-type]

    def _rebound_head(self, node: cst.BaseExpression) -> bool:
        """For a LibCST node of the call being checked: the first name of ``node`` is bound other than by a
        module-level import somewhere in the file (:attr:`codemods._helpers.Prescan.rebound_names`)."""
        dotted = dotted_name(node)
        return dotted is None or dotted.split(".", 1)[0] in self.scan.rebound_names  # type: ignore[attr-defined]
