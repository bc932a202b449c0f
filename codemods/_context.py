"""Where a node sits in CDK terms: a method of a Stack subclass, of another Construct, or neither.

Used by CDK015/CDK016 to spell the stack's region/account (``self.region`` in a Stack,
``Stack.of(self).region`` in a Construct) and to leave app-level code alone. :class:`AstConstructScope` answers
it on the stdlib tree, for an :class:`cdkfix.rule.AstRule`.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from codemods._helpers import ast_dotted, index

STACK_FQNS = frozenset({"aws-cdk-lib.Stack"})
CONSTRUCT_FQN = "constructs.Construct"
#: Constructs that are not inside a stack (``Stack.of`` fails for them).
NOT_IN_A_STACK = frozenset({"aws-cdk-lib.Stage", "aws-cdk-lib.App"})


@dataclass(frozen=True)
class Method:
    """A method of a construct class: the class kind, the name of ``self``, and (for ``__init__``) the
    last line of the ``super().__init__(...)`` statement (before it, the construct does not exist yet)."""

    kind: str  # "stack" | "construct"
    self_name: str
    ready_after_line: int


def _kind_of_fqn(fqn: str, bases: tuple[str, ...]) -> str | None:
    chain = {fqn, *bases}
    if chain & NOT_IN_A_STACK:
        return None
    if chain & STACK_FQNS:
        return "stack"
    if CONSTRUCT_FQN in chain:
        return "construct"
    return None


# -- on the stdlib tree, for an AstRule ----------------------------------------------------------------------

_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)


def ast_class_kinds(classes, imports, api) -> dict[int, str]:
    """``id(ClassDef)`` → ``"stack"``/``"construct"`` for every class of ``classes`` (the file's, e.g.
    ``Prescan.classes``) whose bases are known (imported CDK classes, ``constructs.Construct``, or classes of
    this module). ``imports`` is the file's :class:`cdkfix.imports.ImportView`."""
    kinds: dict[int, str] = {}
    classes = sorted(classes, key=lambda c: (c.lineno, c.col_offset))  # the order a traversal meets them
    by_name: dict[str, list[ast.ClassDef]] = {}
    for cls in classes:
        by_name.setdefault(cls.name, []).append(cls)

    for cls in classes:
        _class_kind(cls, frozenset(), kinds, by_name, imports, api)
    return kinds


# A module function, not a closure in ``ast_class_kinds``: a closure that calls itself is a reference cycle,
# which would keep the file's tree alive until the garbage collector runs.
def _class_kind(cls: ast.ClassDef, seen: frozenset[int], kinds: dict[int, str],
                by_name: dict[str, list[ast.ClassDef]], imports, api) -> str | None:
    if id(cls) in kinds:
        return kinds[id(cls)]
    found: str | None = None
    # LibCST's bases are the positional arguments, ``*bases`` and ``**kwargs`` included.
    bases = [b.value if isinstance(b, ast.Starred) else b for b in cls.bases]
    bases += [k.value for k in cls.keywords if k.arg is None]
    for base in bases:
        name = ast_dotted(base)
        local = by_name.get(name or "", [])
        if len(local) == 1 and id(local[0]) not in seen and "." not in (name or "."):
            found = _class_kind(local[0], seen | {id(cls)}, kinds, by_name, imports, api)
        else:
            qualified = imports.resolve_dotted(name)
            info = api.lookup(qualified) if qualified else None
            found = _kind_of_fqn(info.fqn, info.bases) if info is not None else None
        if found:
            break
    if found:
        kinds[id(cls)] = found
    return found


def ast_method_of(function: ast.FunctionDef | ast.AsyncFunctionDef, class_kind: str | None,
                  super_line: int) -> Method | None:
    """The construct method ``function`` is, when it is a plain method of a construct class."""
    if class_kind is None:
        return None
    if any(ast_dotted(decorator) in ("staticmethod", "classmethod") for decorator in function.decorator_list):
        return None
    params = function.args.args or function.args.posonlyargs
    if not params:
        return None
    return Method(class_kind, params[0].arg, super_line)


def ast_super_init_line(function: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    """The last line of the first ``super().__init__(...)`` call in
    ``function``'s body (not in a function nested in it, nor in a default or decorator), else 0. The first in
    source order is the first a traversal meets."""
    found: list[ast.Call] = []
    stack: list[ast.AST] = list(function.body)
    while stack:
        node = stack.pop()
        if isinstance(node, _FUNCTIONS):
            continue
        if isinstance(node, ast.Call):
            func = node.func
            if (isinstance(func, ast.Attribute) and func.attr == "__init__" and isinstance(func.value, ast.Call)
                    and ast_dotted(func.value.func) == "super"):
                found.append(node)
        stack.extend(ast.iter_child_nodes(node))
    if not found:
        return 0
    return min(found, key=lambda c: (c.lineno, c.col_offset)).end_lineno  # type: ignore[return-value]


class AstConstructScope:
    """Where a node sits: :meth:`method` is the construct method a node is in (a closure inside a method
    counts as the method), else None. One per run of an AstRule: ``scan`` is its
    :class:`codemods._helpers.Prescan`, ``imports`` its ``ImportView``; class kinds and ``super().__init__``
    lines are computed on first use."""

    def __init__(self, scan, imports, options) -> None:
        self.scan, self.imports, self.options = scan, imports, options
        self._methods: dict[int, Method | None] = {}
        self._kinds: dict[int, str] | None = None

    def method(self, node: ast.AST) -> Method | None:
        """The construct method ``node`` is in, else None."""
        for outer in self.scan.ancestors(node):
            if isinstance(outer, _FUNCTIONS):
                return self._function_method(outer)
            if isinstance(outer, ast.ClassDef):
                return None
        return None

    def ready(self, node: ast.AST) -> bool:
        """True when ``node`` runs after the construct exists (in a construct method, not before or in its
        ``super().__init__(...)``)."""
        method = self.method(node)
        if method is None:
            return False
        return not method.ready_after_line or node.lineno > method.ready_after_line  # type: ignore[attr-defined]

    def _function_method(self, function: ast.FunctionDef | ast.AsyncFunctionDef) -> Method | None:
        """The construct method a function is: a plain method of a Stack/Construct class, or a function nested
        in one that does not rebind its ``self``."""
        if id(function) in self._methods:
            return self._methods[id(function)]
        method: Method | None = None
        for outer in self.scan.ancestors(function):
            if isinstance(outer, ast.ClassDef):
                if self._kinds is None:
                    self._kinds = ast_class_kinds(self.scan.classes, self.imports, index(self.options))
                line = ast_super_init_line(function) if function.name == "__init__" else 0
                method = ast_method_of(function, self._kinds.get(id(outer)), line)
                break
            if isinstance(outer, _FUNCTIONS):
                enclosing = self._function_method(outer)
                args = function.args
                names = {a.arg for a in (*args.args, *args.posonlyargs, *args.kwonlyargs)}
                if enclosing is not None and enclosing.self_name not in names:
                    method = Method(enclosing.kind, enclosing.self_name, 0)
                break
        self._methods[id(function)] = method
        return method
