"""Which CDK class or method a call targets: shared by the rules that check a call against its callee.

Rules never import each other (CONTRIBUTING.md), so the machinery that types a receiver (``bucket`` in
``bucket.add_lifecycle_rule(...)``, ``self.alb`` in ``self.alb.add_listener(...)``) through imports,
variables and ``self.x`` assignments lives here: the stdlib-``ast`` half for prefilters
(:func:`prescan_receiver_types`) and the LibCST half for traversals (:class:`ReceiverTypes`).
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator

import libcst as cst

from codemods._helpers import index, statement_bindings, walk_statements

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


def scope_bindings(scope: cst.CSTNode) -> dict[str, list[cst.BaseExpression | None]]:
    """Values bound to names in one scope: a function (its parameters included) or the module.

    ``None`` stands for a binding whose value is unknown (a parameter, a loop target...).
    """
    values: dict[str, list[cst.BaseExpression | None]] = {}
    if isinstance(scope, cst.FunctionDef):
        params = scope.params
        for param in (*params.posonly_params, *params.params, *params.kwonly_params):
            values.setdefault(param.name.value, []).append(None)
        for star in (params.star_arg, params.star_kwarg):
            if isinstance(star, cst.Param):
                values.setdefault(star.name.value, []).append(None)
        body = scope.body.body if isinstance(scope.body, cst.IndentedBlock) else []
    else:
        body = scope.body  # type: ignore[attr-defined]
    for name, value, _ in statement_bindings(body, nested=False):
        values.setdefault(name, []).append(value)
    return values


def self_attributes(cls: cst.ClassDef) -> dict[str, list[cst.BaseExpression | None]]:
    """``self.<attr> = value`` in the methods of one class (nested classes excluded).

    ``None`` stands for a value the rule cannot see (an unpacked tuple, an augmented assignment).
    """
    values: dict[str, list[cst.BaseExpression | None]] = {}

    def bind(target: cst.BaseExpression, value: cst.BaseExpression | None) -> None:
        if isinstance(target, cst.Attribute) and isinstance(target.value, cst.Name) and target.value.value == "self":
            values.setdefault(target.attr.value, []).append(value)
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                bind(element.value, None)

    body = cls.body.body if isinstance(cls.body, cst.IndentedBlock) else []
    for method in body:
        if not isinstance(method, cst.FunctionDef) or not isinstance(method.body, cst.IndentedBlock):
            continue
        for node in walk_statements(method.body.body, nested=False):
            if isinstance(node, cst.Assign):
                for target in node.targets:
                    bind(target.target, node.value)
            elif isinstance(node, cst.AnnAssign):
                bind(node.target, node.value)
            elif isinstance(node, cst.AugAssign):
                bind(node.target, None)
    return values


def prescan_receiver_types(scan, api, types: dict[str, object]) -> Callable[[ast.expr], Iterator[object]]:
    """For a prefilter: a function yielding the CDK types a receiver expression may have.

    A receiver is typed when it is a call, or a name / ``self.<attr>`` assigned a call anywhere in the
    file (any scope: the prefilter may say yes where the traversal then finds nothing, never the
    reverse). ``scan`` is :func:`codemods._helpers.prescan`'s result; ``types`` caches
    :func:`type_of_qualified` per qualified name and is filled as receivers are typed.
    """
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
                if qualified not in types:
                    types[qualified] = type_of_qualified(api, qualified)
                if types[qualified] is not None:
                    yield types[qualified]

    return receiver_types


class ReceiverTypes:
    """Mixin for a :class:`cdkfix.rule.Rule`: the CDK type of a receiver expression during traversal.

    It tracks the enclosing functions and classes and types a receiver whose value is visible in the
    same function, class (``self.bucket = s3.Bucket(...)``) or module (``bucket = s3.Bucket(...)``).
    Put it before ``Rule`` in the bases. The rule supplies ``_imported(node)``: the qualified CDK name
    an expression spells through the file's imports, or None when that is not trustworthy.
    """

    def _imported(self, node: cst.BaseExpression) -> str | None:
        raise NotImplementedError

    def visit_Module(self, node: cst.Module) -> bool | None:
        """Reset the per-module caches, then let ``Rule`` remember the module."""
        self._api = None
        self._scopes: list[cst.FunctionDef | cst.ClassDef] = []
        self._bindings: dict[int, dict[str, list[cst.BaseExpression | None]]] = {}
        self._value_types: dict[int, object] = {}
        return super().visit_Module(node)  # type: ignore[misc]

    @property
    def api(self):
        """The run's API index, loaded on first use (a file with no CDK call never pays for it)."""
        if self._api is None:
            self._api = index(self.options)  # type: ignore[attr-defined]
        return self._api

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool | None:
        self._scopes.append(node)
        return True

    def leave_FunctionDef(self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef) -> cst.FunctionDef:
        self._scopes.pop()
        return updated_node

    def visit_ClassDef(self, node: cst.ClassDef) -> bool | None:
        self._scopes.append(node)
        return True

    def leave_ClassDef(self, original_node: cst.ClassDef, updated_node: cst.ClassDef) -> cst.ClassDef:
        self._scopes.pop()
        return updated_node

    def _type_of(self, node: cst.BaseExpression):
        """The CDK type of a receiver expression, when its value is visible; else None."""
        if isinstance(node, cst.Call):
            return self._type_of_value(node)
        if isinstance(node, cst.Name):
            # An imported name is a module or class, not a value this machinery can type.
            if node.value in self.imports.bindings:  # type: ignore[attr-defined]
                return None
            function = next((s for s in reversed(self._scopes) if isinstance(s, cst.FunctionDef)), None)
            values = self._bound(function).get(node.value) if function is not None else None
            if values is None:
                module = self.module_node  # type: ignore[attr-defined]
                assert module is not None
                values = self._bound(module).get(node.value)
            return self._single_type(values)
        if isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name) and node.value.value == "self":
            cls = next((s for s in reversed(self._scopes) if isinstance(s, cst.ClassDef)), None)
            if cls is None:
                return None
            return self._single_type(self._bound(cls).get(node.attr.value))
        return None

    def _bound(self, scope: cst.CSTNode) -> dict[str, list[cst.BaseExpression | None]]:
        key = id(scope)
        if key not in self._bindings:
            self._bindings[key] = self_attributes(scope) if isinstance(scope, cst.ClassDef) else scope_bindings(scope)
        return self._bindings[key]

    def _single_type(self, values):
        # Every binding must be visible and agree: a name assigned two different types is left alone.
        if not values or any(v is None for v in values):
            return None
        types = {id(t): t for t in (self._type_of_value(v) for v in values)}
        if len(types) != 1:
            return None
        return next(iter(types.values()))

    def _type_of_value(self, value: cst.BaseExpression):
        key = id(value)
        if key not in self._value_types:
            self._value_types[key] = None  # guards against cycles
            qualified = self._imported(value.func) if isinstance(value, cst.Call) else None
            self._value_types[key] = type_of_qualified(self.api, qualified) if qualified is not None else None
        return self._value_types[key]
