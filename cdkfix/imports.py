"""What a module imports, and adding imports in the file's own style.

Rules ask for imports through :func:`request_import` (stored in the codemod context, like LibCST's
``AddImportsVisitor.add_needed_import``); the engine applies them with :func:`apply_imports` after the rule
ran. LibCST's own ``AddImportsVisitor`` is not used because it prepends names to an existing
``from aws_cdk import (...)`` block on one line, breaking a vertical layout; here a name joins the block as
a new line in the block's own indentation, or the end of a one-line import.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property

import libcst as cst
from libcst.codemod import CodemodContext

SCRATCH_IMPORTS = "cdkfix.imports"

#: Aliases the CDK documentation and most generated code use. Others: the module name minus ``aws_``.
CONVENTIONAL_ALIASES: dict[str, str] = {
    "aws_cdk.aws_lambda": "lambda_",
    "aws_cdk.aws_elasticloadbalancingv2": "elbv2",
    "aws_cdk.aws_elasticloadbalancingv2_targets": "elbv2_targets",
    "aws_cdk.aws_elasticloadbalancingv2_actions": "elbv2_actions",
    "aws_cdk.aws_elasticloadbalancing": "elb",
    "aws_cdk.aws_cloudwatch_actions": "cw_actions",
    "aws_cdk.aws_apigateway": "apigw",
    "aws_cdk.aws_apigatewayv2": "apigwv2",
    "aws_cdk.aws_apigatewayv2_integrations": "integrations",
    "aws_cdk.aws_lambda_event_sources": "lambda_event_sources",
    "aws_cdk.aws_s3_notifications": "s3n",
    "aws_cdk.aws_stepfunctions": "sfn",
    "aws_cdk.aws_stepfunctions_tasks": "tasks",
    "aws_cdk.aws_events_targets": "targets",
    "aws_cdk.aws_route53_targets": "route53_targets",
    "aws_cdk.aws_secretsmanager": "secretsmanager",
    "aws_cdk.aws_servicediscovery": "servicediscovery",
    "aws_cdk.aws_certificatemanager": "acm",
    "aws_cdk.aws_cloudfront_origins": "origins",
    "aws_cdk.aws_autoscaling": "autoscaling",
    "aws_cdk.aws_applicationautoscaling": "appscaling",
    "aws_cdk.aws_kinesisfirehose": "firehose",
}


def conventional_alias(python_module: str) -> str:
    """The alias generated code and the CDK docs use for ``python_module`` (``aws_cdk.aws_s3`` → ``s3``)."""
    if python_module in CONVENTIONAL_ALIASES:
        return CONVENTIONAL_ALIASES[python_module]
    last = python_module.rsplit(".", 1)[-1]
    return last[4:] if last.startswith("aws_") else last


def dotted_name(node: cst.BaseExpression | None) -> str | None:
    """``a.b.c`` for a Name/Attribute chain, else None."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        base = dotted_name(node.value)
        return f"{base}.{node.attr.value}" if base else None
    return None


def expr(dotted: str) -> cst.BaseExpression:
    """Build a Name/Attribute chain from ``a.b.c``."""
    parts = dotted.split(".")
    node: cst.BaseExpression = cst.Name(parts[0])
    for part in parts[1:]:
        node = cst.Attribute(value=node, attr=cst.Name(part))
    return node


def _module_name(node: cst.BaseExpression | None) -> str | None:
    return dotted_name(node) if node is not None else None


@dataclass(frozen=True)
class ImportRequest:
    """``from module import name as asname`` (``name is None``: ``import module as asname``)."""

    module: str
    name: str | None
    asname: str | None = None

    @property
    def local(self) -> str:
        """The name the import binds."""
        if self.asname:
            return self.asname
        return self.name if self.name else self.module.split(".")[0]

    @property
    def target(self) -> str:
        """The dotted thing the local name refers to."""
        return f"{self.module}.{self.name}" if self.name else self.module


def request_import(context: CodemodContext, module: str, name: str | None, asname: str | None = None) -> None:
    """Ask the engine to make sure ``from module import name as asname`` is present."""
    requests: list[ImportRequest] = context.scratch.setdefault(SCRATCH_IMPORTS, [])
    request = ImportRequest(module, name, asname if asname != name else None)
    if request not in requests:
        requests.append(request)


def _top_level_imports(module: cst.Module):
    """Yield (statement line, Import|ImportFrom) for imports at module level (also inside if/try)."""
    yield from _imports_in(module.body)


# Recursive helpers are module functions, not closures: a closure that calls itself is a reference cycle,
# which keeps everything it sees (the file's tree) alive until the garbage collector runs.
def _imports_in(body):
    for stmt in body:
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                if isinstance(small, (cst.Import, cst.ImportFrom)):
                    yield stmt, small
        elif isinstance(stmt, (cst.If, cst.Try)):
            yield from _imports_in(stmt.body.body)
            for handler in getattr(stmt, "handlers", ()):
                yield from _imports_in(handler.body.body)
            orelse = getattr(stmt, "orelse", None)
            if orelse is not None and hasattr(orelse, "body"):
                inner = orelse.body
                yield from _imports_in(inner.body if hasattr(inner, "body") else [inner])


def ast_import_targets(node: ast.Import | ast.ImportFrom) -> Iterator[tuple[str, str]]:
    """``(local name, dotted name it is bound to)`` for each name an ``ast`` import statement binds:
    ``import a.b`` binds ``a``; a star or relative import binds nothing that can be named here."""
    if isinstance(node, ast.Import):
        for alias in node.names:
            if alias.asname:
                yield alias.asname, alias.name
            else:
                head = alias.name.split(".")[0]
                yield head, head
    elif node.module and not node.level:
        for alias in node.names:
            if alias.name != "*":
                yield alias.asname or alias.name, f"{node.module}.{alias.name}"


def _ast_import_bindings(body: list[ast.stmt], bindings: dict[str, str]) -> None:
    """What :meth:`ImportView.from_ast` reads: the statements ``_top_level_imports`` looks into."""
    for stmt in body:
        if isinstance(stmt, (ast.Import, ast.ImportFrom)):
            bindings.update(ast_import_targets(stmt))
        elif isinstance(stmt, ast.If):
            _ast_import_bindings(stmt.body, bindings)
            _ast_import_bindings(stmt.orelse, bindings)
        elif isinstance(stmt, ast.Try):
            _ast_import_bindings(stmt.body, bindings)
            for handler in stmt.handlers:
                _ast_import_bindings(handler.body, bindings)
            _ast_import_bindings(stmt.orelse, bindings)


class _NameCollector(cst.CSTVisitor):
    def __init__(self) -> None:
        self.names: set[str] = set()

    def visit_Name(self, node: cst.Name) -> None:
        self.names.add(node.value)

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        node.value.visit(self)  # the attribute's own name is not a binding
        return False

    def visit_Arg(self, node: cst.Arg) -> bool:
        node.value.visit(self)  # nor is a keyword argument's name
        return False


def resolve_through(bindings: Mapping[str, str], dotted: str | None) -> str | None:
    """Qualified name of ``dotted`` (``lambda_.LogGroup``) through ``bindings`` (local name -> what it is
    imported as), else None: the one resolution every import view uses."""
    if dotted is None:
        return None
    head, _, rest = dotted.partition(".")
    target = bindings.get(head)
    if target is None:
        return None
    return f"{target}.{rest}" if rest else target


def _ast_identifiers(tree: ast.Module) -> frozenset[str]:
    """What :class:`_NameCollector` collects, from a stdlib tree: names, definitions, parameters, import names."""
    names: set[str] = set()
    for node in ast.walk(tree):
        kind = type(node)
        if kind is ast.Name:
            names.add(node.id)  # type: ignore[attr-defined]
        elif kind in (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef):
            names.add(node.name)  # type: ignore[attr-defined]
        elif kind is ast.arg:
            names.add(node.arg)  # type: ignore[attr-defined]
        elif kind is ast.alias:
            names.add(node.name.split(".")[0])  # type: ignore[attr-defined]
            if node.asname:  # type: ignore[attr-defined]
                names.add(node.asname)  # type: ignore[attr-defined]
        elif kind is ast.ImportFrom and node.module:  # type: ignore[attr-defined]
            names.add(node.module.split(".")[0])  # type: ignore[attr-defined]
        elif kind in (ast.Global, ast.Nonlocal):
            names.update(node.names)  # type: ignore[attr-defined]
        elif kind is ast.ExceptHandler and node.name:  # type: ignore[attr-defined]
            names.add(node.name)  # type: ignore[attr-defined]
    return frozenset(names)


class ImportView:
    """Which local names a module's imports bind, and to what (``s3`` → ``aws_cdk.aws_s3``)."""

    def __init__(self, module: cst.Module) -> None:
        self.module: cst.Module | None = module
        self._tree: ast.Module | None = None
        self.bindings: dict[str, str] = {}
        for _, node in _top_level_imports(module):
            if isinstance(node, cst.Import):
                for alias in node.names:
                    target = _module_name(alias.name)
                    if target is None:
                        continue
                    if alias.asname is not None:
                        self.bindings[alias.asname.name.value] = target  # type: ignore[union-attr]
                    else:
                        # `import aws_cdk.aws_s3` binds `aws_cdk`; attribute access spells the rest.
                        self.bindings[target.split(".")[0]] = target.split(".")[0]
            elif not node.relative and not isinstance(node.names, cst.ImportStar):
                base = _module_name(node.module)
                if base is None:
                    continue
                for alias in node.names:
                    name = _module_name(alias.name)
                    local = alias.asname.name.value if alias.asname else name  # type: ignore[union-attr]
                    if name and local:
                        self.bindings[local] = f"{base}.{name}"

    @classmethod
    def from_ast(cls, tree: ast.Module) -> ImportView:
        """The same view of a module parsed by the standard library (for :class:`cdkfix.rule.AstRule`)."""
        view = cls.__new__(cls)
        view.module, view._tree, view.bindings = None, tree, {}
        _ast_import_bindings(tree.body, view.bindings)
        return view

    @cached_property
    def identifiers(self) -> frozenset[str]:
        """Every name the module binds or reads (attribute names and keywords excluded)."""
        if self.module is None:
            return _ast_identifiers(self._tree)  # type: ignore[arg-type]
        collector = _NameCollector()
        self.module.visit(collector)
        return frozenset(collector.names)

    def resolve(self, node: cst.BaseExpression | None) -> str | None:
        """Qualified dotted name of an expression (``lambda_.LogGroup`` → ``aws_cdk.aws_lambda.LogGroup``)."""
        return self.resolve_dotted(dotted_name(node) if node is not None else None)

    def resolve_dotted(self, dotted: str | None) -> str | None:
        """Qualified name of a dotted name as written here (``lambda_.LogGroup``), through the imports."""
        return resolve_through(self.bindings, dotted)

    def local_for(self, target: str) -> str | None:
        """The local name already bound to ``target`` (a module or a name), if any."""
        for local, bound in self.bindings.items():
            if bound == target:
                return local
        return None

    def spell(self, target: str) -> str | None:
        """How this file can spell ``target`` with its existing imports (``aws_cdk.Duration`` → ``cdk.Duration``)."""
        local = self.local_for(target)
        if local:
            return local
        parts = target.split(".")
        for i in range(len(parts) - 1, 0, -1):
            local = self.local_for(".".join(parts[:i]))
            if local:
                return ".".join([local, *parts[i:]])
        return None

    def is_free(self, name: str) -> bool:
        """True when ``name`` is not spelled anywhere in the module, so a new import may bind it."""
        return name not in self.identifiers


def ensure_module(context: CodemodContext, view: ImportView, python_module: str) -> str:
    """Local name to use for ``python_module`` (``aws_cdk.aws_logs``), requesting an import if needed.

    Uses the alias the file already has; else the conventional alias when that name is free; else the
    module's own name (``aws_logs``).
    """
    existing = view.local_for(python_module)
    if existing:
        return existing
    for request in context.scratch.get(SCRATCH_IMPORTS, ()):
        if request.target == python_module:
            return request.local
    package, _, leaf = python_module.rpartition(".")
    alias = conventional_alias(python_module)
    if not view.is_free(alias) or alias in view.bindings:
        alias = leaf
    if package:
        request_import(context, package, leaf, alias)
    else:
        request_import(context, python_module, None, alias if alias != python_module else None)
    return alias


def ensure_name(context: CodemodContext, view: ImportView, target: str) -> str:
    """Spelling for a class/function ``target`` (``aws_cdk.Duration``), importing it when needed.

    Prefers what the file already imports (``Duration`` or ``cdk.Duration``), else ``from module import Name``.
    """
    spelled = view.spell(target)
    if spelled:
        return spelled
    module, _, name = target.rpartition(".")
    for request in context.scratch.get(SCRATCH_IMPORTS, ()):
        if request.target == target:
            return request.local
    if view.is_free(name) or name not in view.bindings:
        request_import(context, module, name)
        return name
    return f"{ensure_module(context, view, module)}.{name}"


# -- applying requests --------------------------------------------------------------------------------

def _alias_node(request: ImportRequest) -> cst.ImportAlias:
    asname = cst.AsName(name=cst.Name(request.asname)) if request.asname else None
    return cst.ImportAlias(name=expr(request.name or ""), asname=asname)


def _append_alias(node: cst.ImportFrom, alias: cst.ImportAlias) -> cst.ImportFrom:
    names = list(node.names)  # type: ignore[arg-type]
    last = names[-1]
    multiline = node.lpar is not None and any(
        isinstance(getattr(n.comma, "whitespace_after", None), cst.ParenthesizedWhitespace) for n in names
    ) or (node.lpar is not None and isinstance(node.lpar.whitespace_after, cst.ParenthesizedWhitespace))
    if not multiline:
        names[-1] = last.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
        if isinstance(last.comma, cst.Comma):  # `(a, b,)` keeps its trailing comma on the new last name
            alias = alias.with_changes(comma=last.comma)
        names.append(alias)
        return node.with_changes(names=names)

    # Vertical block: the separator between names is the whitespace that leads to a name's line.
    if len(names) >= 2 and isinstance(names[-2].comma, cst.Comma):
        separator = names[-2].comma.whitespace_after
    else:
        separator = node.lpar.whitespace_after  # type: ignore[union-attr]
    if not isinstance(separator, cst.ParenthesizedWhitespace):
        separator = cst.ParenthesizedWhitespace(last_line=cst.SimpleWhitespace("    "))
    if isinstance(last.comma, cst.Comma):
        closing = last.comma.whitespace_after
        first_line = (closing.first_line if isinstance(closing, cst.ParenthesizedWhitespace)
                      else cst.TrailingWhitespace())
        names[-1] = last.with_changes(comma=last.comma.with_changes(
            whitespace_after=separator.with_changes(first_line=first_line)))
        if isinstance(closing, cst.ParenthesizedWhitespace):  # the last name's comment stays with it
            closing = closing.with_changes(first_line=cst.TrailingWhitespace())
        names.append(alias.with_changes(comma=cst.Comma(whitespace_after=closing)))
    else:
        names[-1] = last.with_changes(comma=cst.Comma(whitespace_after=separator))
        names.append(alias)
    return node.with_changes(names=names)


class _AppendToImportFrom(cst.CSTTransformer):
    def __init__(self, target: cst.ImportFrom, aliases: list[cst.ImportAlias]) -> None:
        self.target = target
        self.aliases = aliases

    def leave_ImportFrom(self, original_node, updated_node):
        if original_node is self.target:
            for alias in self.aliases:
                updated_node = _append_alias(updated_node, alias)
        return updated_node


def _insert_index(module: cst.Module) -> int:
    last_import = -1
    for i, stmt in enumerate(module.body):
        if isinstance(stmt, cst.SimpleStatementLine) and any(
            isinstance(s, (cst.Import, cst.ImportFrom)) for s in stmt.body
        ):
            last_import = i
        elif last_import >= 0:
            break
    if last_import >= 0:
        return last_import + 1
    # No imports: after a docstring.
    if module.body and isinstance(module.body[0], cst.SimpleStatementLine):
        first = module.body[0].body[0]
        if isinstance(first, cst.Expr) and isinstance(first.value, (cst.SimpleString, cst.ConcatenatedString)):
            return 1
    return 0


def apply_imports(module: cst.Module, requests: list[ImportRequest]) -> cst.Module:
    """Add the requested imports that are not there yet, in the file's style."""
    view = ImportView(module)
    pending = [r for r in requests if view.bindings.get(r.local) != r.target]
    if not pending:
        return module
    by_module: dict[str, list[ImportRequest]] = {}
    for request in pending:
        by_module.setdefault(request.module if request.name else "", []).append(request)
    plain = by_module.pop("", [])
    new_lines: list[cst.SimpleStatementLine] = []
    for mod, reqs in by_module.items():
        existing = next(
            (node for _, node in _top_level_imports(module)
             if isinstance(node, cst.ImportFrom) and not node.relative
             and not isinstance(node.names, cst.ImportStar) and _module_name(node.module) == mod),
            None,
        )
        aliases = [_alias_node(r) for r in reqs]
        if existing is not None:
            module = module.visit(_AppendToImportFrom(existing, aliases))
        else:
            new_lines.append(cst.SimpleStatementLine(body=[cst.ImportFrom(module=expr(mod), names=aliases)]))
    for request in plain:
        asname = cst.AsName(name=cst.Name(request.asname)) if request.asname else None
        new_lines.append(cst.SimpleStatementLine(
            body=[cst.Import(names=[cst.ImportAlias(name=expr(request.module), asname=asname)])]))
    if new_lines:
        index = _insert_index(module)
        body = list(module.body)
        body[index:index] = new_lines
        module = module.with_changes(body=body)
    return module
