"""CDK010: ``cluster.add_capacity_provider("FARGATE")`` → ``enable_fargate_capacity_providers=True``."""

from __future__ import annotations

import ast

import libcst as cst

from libcst.metadata import CodePosition, CodeRange

from cdkfix.rule import Case, Rule, stdlib_tree
from cdkfix.spans import LineIndex
from codemods._helpers import (
    SourceView,
    ast_dotted,
    index,
    resolve_callable,
    with_keyword,
)

METHOD = "add_capacity_provider"
FARGATE = frozenset({"FARGATE", "FARGATE_SPOT"})
ENABLE = "enable_fargate_capacity_providers"


class FargateCapacityProviderCall(Rule):
    """Replaces calls to the non-existent ``Cluster.add_capacity_provider`` for Fargate providers.

    ``ecs.Cluster`` has no ``add_capacity_provider`` (the API index lists ``add_asg_capacity_provider``,
    ``add_managed_instances_capacity_provider`` and ``enable_fargate_capacity_providers``). For the
    managed ``FARGATE`` / ``FARGATE_SPOT`` providers the rule removes the calls and sets
    ``enable_fargate_capacity_providers=True`` on the cluster's constructor (unless it is already set or
    ``cluster.enable_fargate_capacity_providers()`` is called); when the cluster is built elsewhere (a
    parameter, ``props.cluster``), the first call becomes ``cluster.enable_fargate_capacity_providers()``.
    Any other provider is reported: an Auto Scaling group provider is added with
    ``cluster.add_asg_capacity_provider(ecs.AsgCapacityProvider(...))``.

    Unsafe: the rule deletes code (the calls and the comment lines just above them).
    """

    code = "CDK010"
    name = "fargate-capacity-provider-call"
    title = "`cluster.add_capacity_provider(\"FARGATE\")`: a method ECS clusters do not have"
    why = """
        `ecs.Cluster` has no method `add_capacity_provider`; Python stops at the call:

            AttributeError: 'Cluster' object has no attribute 'add_capacity_provider'

        Fargate capacity providers are turned on with `enable_fargate_capacity_providers=True` (or the method
        `enable_fargate_capacity_providers()`); EC2 providers with `add_asg_capacity_provider`.
    """
    source = "seeds/000_775badc1dee105d9.txt §2 (Invalid ECS Cluster Capacity Provider Configuration)"
    safety = "unsafe"
    triggers = (METHOD,)
    lazy_positions = True  # positions are only needed for the nodes it reports
    synth_error = "'Cluster' object has no attribute 'add_capacity_provider'"
    cases = (
        Case(
            "CDK010-invalid-keyword-calls",
            """
            from aws_cdk import aws_ecs as ecs

            def build(scope, vpc):
                cluster = ecs.Cluster(
                    scope,
                    "Cluster",
                    vpc=vpc,  # shared
                )

                # Add Fargate and Fargate Spot capacity providers
                cluster.add_capacity_provider(
                    capacity_provider='FARGATE',
                    capacity_provider_name='FARGATE'
                )
                cluster.add_capacity_provider(
                    capacity_provider='FARGATE_SPOT',  # cheaper
                    capacity_provider_name='FARGATE_SPOT'
                )

                # Create the namespace
                return cluster
            """,
            """
            from aws_cdk import aws_ecs as ecs

            def build(scope, vpc):
                cluster = ecs.Cluster(
                    scope,
                    "Cluster",
                    vpc=vpc,  # shared
                    enable_fargate_capacity_providers=True,
                )

                # Create the namespace
                return cluster
            """,
            unsafe=True,
        ),
        Case(
            "CDK010-invalid-positional-self-attribute-cdk-alias",
            """
            import aws_cdk as cdk

            class Stack(cdk.Stack):
                def __init__(self, scope, construct_id):
                    super().__init__(scope, construct_id)
                    self.cluster = cdk.aws_ecs.Cluster(self, "Cluster")
                    self._providers()

                def _providers(self):
                    self.cluster.add_capacity_provider("FARGATE"); self.cluster.add_capacity_provider("FARGATE_SPOT")
                    if self.node.try_get_context("spot"):
                        self.cluster.add_capacity_provider("FARGATE_SPOT")
            """,
            """
            import aws_cdk as cdk

            class Stack(cdk.Stack):
                def __init__(self, scope, construct_id):
                    super().__init__(scope, construct_id)
                    self.cluster = cdk.aws_ecs.Cluster(self, "Cluster", enable_fargate_capacity_providers=True)
                    self._providers()

                def _providers(self):
                    if self.node.try_get_context("spot"):
                        pass
            """,
            unsafe=True,
        ),
        Case(
            "CDK010-invalid-cluster-from-elsewhere",
            """
            from aws_cdk import aws_ecs as ecs_

            def services(scope, props):
                props.cluster.add_capacity_provider("FARGATE")
                props.cluster.add_capacity_provider("FARGATE_SPOT")
                ecs_.FargateService(scope, "Svc", cluster=props.cluster, task_definition=props.task)
            """,
            """
            from aws_cdk import aws_ecs as ecs_

            def services(scope, props):
                props.cluster.enable_fargate_capacity_providers()
                ecs_.FargateService(scope, "Svc", cluster=props.cluster, task_definition=props.task)
            """,
            unsafe=True,
        ),
        Case(
            "CDK010-invalid-loop-over-providers",
            """
            from aws_cdk import aws_ecs as ecs
            cluster = ecs.Cluster(app, "Cluster", vpc=vpc)
            # Register both Fargate providers
            for provider in ["FARGATE", "FARGATE_SPOT"]:
                cluster.add_capacity_provider(provider)
            service = ecs.FargateService(app, "Svc", cluster=cluster, task_definition=task)
            """,
            """
            from aws_cdk import aws_ecs as ecs
            cluster = ecs.Cluster(app, "Cluster", vpc=vpc, enable_fargate_capacity_providers=True)
            service = ecs.FargateService(app, "Svc", cluster=cluster, task_definition=task)
            """,
            unsafe=True,
        ),
        Case(
            "CDK010-valid-unsafe-not-enabled",
            """
            from aws_cdk import aws_ecs as ecs
            cluster = ecs.Cluster(app, "Cluster")
            cluster.add_capacity_provider("FARGATE")
            """,
            finding=True,
        ),
        Case(
            "CDK010-valid-asg-provider-reported",
            """
            from aws_cdk import aws_ecs as ecs
            cluster = ecs.Cluster(app, "Cluster")
            cluster.add_capacity_provider(ecs.AsgCapacityProvider(app, "Asg", auto_scaling_group=asg))
            """,
            unsafe=True,
            finding=True,
        ),
        Case(
            "CDK010-valid-already-enabled-and-other-objects",
            """
            from aws_cdk import aws_ecs as ecs
            cluster = ecs.Cluster(app, "Cluster", enable_fargate_capacity_providers=True)
            cluster.add_asg_capacity_provider(provider)
            scheduler = Scheduler()
            scheduler.add_capacity_provider("FARGATE")
            """,
        ),
    )

    # -- planning -----------------------------------------------------------------------------------------
    def visit_Module(self, node: cst.Module) -> bool | None:
        """Plan every edit on the stdlib tree; the LibCST traversal runs only when there is one to make."""
        super().visit_Module(node)
        self._remove: set[tuple[int, int]] = set()
        self._replace: dict[tuple[int, int], str] = {}
        self._enable: set[tuple[int, int]] = set()
        self._loops: set[tuple[int, int]] = set()
        source = node.code
        try:
            view = SourceView(source, tree=stdlib_tree(source))
        except (SyntaxError, ValueError):
            return False
        # Findings are positioned from the ``ast`` nodes (LibCST's positions would cost a codegen).
        self._lines = LineIndex(source)
        api = index(self.options)
        # The calls LibCST's traversal would meet, in its (pre)order: by start, the outer call first.
        found = sorted((c for c in view.calls() if isinstance(c.func, ast.Attribute) and c.func.attr == METHOD),
                       key=lambda c: (c.lineno, c.col_offset, -c.end_lineno, -c.end_col_offset))
        if not found:
            return False
        by_cluster: dict[object, list[tuple[ast.Call, ast.Call]]] = {}
        for method_call in found:
            # The first call starting where this one starts (an outer call when one is chained on it).
            call = view.node_at(method_call.lineno, view.char_column(method_call.lineno, method_call.col_offset))
            if not isinstance(call, ast.Call) or not isinstance(call.func, ast.Attribute):
                continue
            receiver = call.func.value
            kind, constructor = self._receiver(api, view, receiver)
            if kind is None:
                continue
            values, loop = _provider_values(view, call)
            strings = {v.value for v in values if isinstance(v, ast.Constant) and isinstance(v.value, str)}
            fargate = bool(strings) and strings <= FARGATE and all(
                isinstance(v, ast.Constant) for v in values)
            statement = view.parent(call)
            if loop is not None and len(loop.body) == 1 and loop.body[0] is statement and not loop.orelse:
                self._loops.add(_key(view, loop))  # `for p in ("FARGATE", ...): cluster.add_capacity_provider(p)`
            if not fargate or not isinstance(statement, ast.Expr):
                self.report(method_call, f"`{kind}` has no method `{METHOD}`"
                            + ("; the call's value is used" if fargate else
                               "; an Auto Scaling group capacity provider is added with `add_asg_capacity_provider`"),
                            suggestion=f"{ast_dotted(receiver) or 'cluster'}.add_asg_capacity_provider("
                                       "ecs.AsgCapacityProvider(self, \"AsgProvider\", auto_scaling_group=asg))")
                continue
            key = constructor if constructor is not None else (ast_dotted(receiver) or ast.unparse(receiver))
            by_cluster.setdefault(key, []).append((method_call, call))
        loops, self._loops = self._loops, set()
        for key, calls in by_cluster.items():
            applied = [call for method_call, call in calls if self.record_fix(
                method_call, f"ECS clusters have no `{METHOD}`; Fargate capacity providers are enabled with "
                             f"`{ENABLE}` (the call is removed)")]
            if not applied:
                continue
            for call in applied:
                loop = self._loop_of(view, call)
                if loop is not None and _key(view, loop) in loops and isinstance(key, ast.Call):
                    self._loops.add(_key(view, loop))
            for call in applied:
                self._remove.add(_key(view, call))
            if isinstance(key, ast.Call):
                if ENABLE not in {kw.arg for kw in key.keywords} and not self._enabled_elsewhere(view, key):
                    self._enable.add(_key(view, key))
            else:
                first = _key(view, applied[0])
                self._remove.discard(first)
                self._replace[first] = f"{ast.unparse(applied[0].func.value)}.{ENABLE}()"
        return bool(self._remove or self._replace or self._enable or self._loops)

    def _code_range(self, node) -> CodeRange | None:
        """Where a node is: an ``ast`` node (what findings are made on) from its own positions, the same
        LibCST reports for its twin; a LibCST node (the edits' keys) from LibCST's positions."""
        if isinstance(node, ast.AST):
            lines = self._lines
            return CodeRange(CodePosition(node.lineno, lines.char_column(node.lineno, node.col_offset)),
                             CodePosition(node.end_lineno, lines.char_column(node.end_lineno, node.end_col_offset)))
        return super()._code_range(node)

    def _receiver(self, api, view: SourceView, receiver: ast.expr):
        """``(type name, constructor call or None)`` when ``receiver`` is an ECS cluster, else ``(None, None)``."""
        values = _values(view, receiver)
        calls = [v for v in values if isinstance(v, ast.Call)]
        if calls and len(calls) == len(values):
            infos = [resolve_callable(api, view.resolve(c.func)) for c in calls]
            if all(info is not None and method is None and ENABLE in info.props and METHOD not in info.methods
                   for info, method in infos):
                return infos[0][0].name, calls[0] if len(calls) == 1 else None
            return None, None
        annotation = _annotation(view, receiver)
        if annotation is not None:
            info, _ = resolve_callable(api, view.resolve(annotation))
            if info is not None and METHOD not in info.methods and ("Cluster" in info.name):
                return info.name, None
            return None, None
        text = ast_dotted(receiver) or ""
        if "cluster" in text.lower() and any(t == "aws_cdk" or t.startswith("aws_cdk.aws_ecs")
                                             for t in view.imports.values()):
            return "Cluster", None
        return None, None

    @staticmethod
    def _loop_of(view: SourceView, call: ast.Call) -> ast.For | None:
        statement = view.parent(call)
        loop = view.parent(statement) if statement is not None else None
        return loop if isinstance(loop, ast.For) else None

    def _enabled_elsewhere(self, view: SourceView, constructor: ast.Call) -> bool:
        for call in view.calls():
            if isinstance(call.func, ast.Attribute) and call.func.attr == ENABLE:
                if constructor in _values(view, call.func.value):
                    return True
        return False

    # -- the edits ----------------------------------------------------------------------------------------
    def _call_key(self, node: cst.CSTNode) -> tuple[int, int]:
        line, column = self.position(node)
        return line, column - 1

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if self._enable and self._call_key(original_node) in self._enable:
            existing = next((a for a in updated_node.args if a.keyword is not None and a.keyword.value == ENABLE), None)
            if existing is None:
                return with_keyword(updated_node, ENABLE, cst.Name("True"))
        return updated_node

    def leave_SimpleStatementLine(self, original_node: cst.SimpleStatementLine,
                                  updated_node: cst.SimpleStatementLine):
        if not self._remove and not self._replace:
            return updated_node
        body = []
        for original, small in zip(original_node.body, updated_node.body):
            if isinstance(original, cst.Expr) and isinstance(original.value, cst.Call):
                key = self._call_key(original.value)
                if key in self._remove:
                    continue
                if key in self._replace:
                    small = small.with_changes(value=cst.parse_expression(self._replace[key]))
            body.append(small)
        if len(body) == len(updated_node.body) and all(a is b for a, b in zip(body, updated_node.body)):
            return updated_node
        if not body:
            return cst.RemovalSentinel.REMOVE
        last = body[-1]
        if isinstance(last.semicolon, cst.Semicolon):
            body[-1] = last.with_changes(semicolon=cst.MaybeSentinel.DEFAULT)
        return updated_node.with_changes(body=body)

    def leave_For(self, original_node: cst.For, updated_node: cst.For):
        if self._loops and self._call_key(original_node) in self._loops:
            return cst.RemovalSentinel.REMOVE
        return updated_node

    def leave_IndentedBlock(self, original_node: cst.IndentedBlock, updated_node: cst.IndentedBlock):
        if not updated_node.body and original_node.body:
            return updated_node.with_changes(body=[cst.SimpleStatementLine(body=[cst.Pass()])])
        return updated_node


def _key(view: SourceView, node: ast.AST) -> tuple[int, int]:
    return node.lineno, view.char_column(node.lineno, node.col_offset)


def _values(view: SourceView, expr: ast.expr) -> list[ast.expr]:
    """What ``expr`` (a name or ``self.attr``) was assigned, as far as this file shows."""
    if isinstance(expr, ast.Name):
        bindings = view.visible(expr.id, expr)
        return [b.value for b in bindings if b.value is not None] if all(b.kind == "assign" for b in bindings) else []
    if isinstance(expr, ast.Attribute) and isinstance(expr.value, ast.Name) and expr.value.id == view.self_name(expr):
        cls = view.enclosing_class(expr)
        return [value for value, _ in view.self_attribute(cls, expr.attr)] if cls is not None else []
    return []


def _provider_values(view: SourceView, call: ast.Call) -> tuple[list[ast.expr], ast.For | None]:
    """The call's argument values, a loop variable replaced by the literal items it iterates over."""
    values: list[ast.expr] = []
    loop = None
    for value in [*call.args, *(kw.value for kw in call.keywords)]:
        if isinstance(value, ast.Name):
            bindings = view.visible(value.id, value)
            node = bindings[0].node if len(bindings) == 1 and bindings[0].kind == "for" else None
            if (isinstance(node, ast.For) and isinstance(node.target, ast.Name)
                    and isinstance(node.iter, (ast.List, ast.Tuple, ast.Set)) and node.iter.elts):
                values.extend(node.iter.elts)
                loop = node
                continue
        values.append(value)
    return values, loop


def _annotation(view: SourceView, expr: ast.expr) -> ast.expr | None:
    if isinstance(expr, ast.Name):
        bindings = view.visible(expr.id, expr)
        if len(bindings) == 1 and bindings[0].annotation is not None:
            return bindings[0].annotation
    return None
