"""CDK010: ``cluster.add_capacity_provider("FARGATE")`` → ``enable_fargate_capacity_providers=True``."""

from __future__ import annotations

import ast
import dataclasses

import libcst as cst

from cdkfix.rule import AstRule, Case
from cdkfix.spans import COMPOUND, Edit, LineIndex, line_span
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


class FargateCapacityProviderCall(AstRule):
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

    The calls are found and the edits planned on the stdlib tree. A removed call's statement goes with its
    leading lines and a block it empties gets ``pass``, so that edit is a whole-lines edit of the compound
    statement holding it (the ``def``, ``if``...), where the LibCST transformer of the edits runs only on the
    lines holding a call (:class:`_Builder`); a replaced call is edited by its statement's lines, the
    constructor alone. An edit at module level (whose leading comments a statement's lines do not hold)
    is made on the whole module through LibCST, as is everything when a statement cannot be edited alone.
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

    # -- planning and edits ------------------------------------------------------------------------------
    def run(self, source: str) -> str:
        """The planned edits made on the smallest statements holding them (see :meth:`_queue_edits`); the whole
        file through LibCST when an edit lies at module level or a statement's lines cannot be edited alone."""
        self._everything: dict | None = None
        self._whole_module = False
        self._queued: list[Edit] = []
        output = super().run(source)
        findings = self.findings_so_far
        left = [edit for edit in self._queued if not findings[edit.finding].applied]
        if not self._whole_module and not left:
            return output
        for edit in left:  # made below, with the rest, on the whole module
            for index in edit.findings:
                findings[index] = dataclasses.replace(findings[index], applied=True)
        return cst.parse_module(source).visit(_Apply(self._everything)).code

    def check(self) -> None:
        """Plan every edit on the stdlib tree, then queue them (see :meth:`_queue_edits`)."""
        view = SourceView(self.source, tree=self.tree)
        api = index(self.options)
        # The calls LibCST's traversal would meet, in its (pre)order: by start, the outer call first.
        found = sorted((c for c in view.calls() if isinstance(c.func, ast.Attribute) and c.func.attr == METHOD),
                       key=lambda c: (c.lineno, c.col_offset, -c.end_lineno, -c.end_col_offset))
        if not found:
            return
        by_cluster: dict[object, list[tuple[ast.Call, ast.Call]]] = {}
        candidate_loops: list[ast.For] = []
        for method_call in found:
            # The first call starting where this one starts (an outer call when one is chained on it).
            call = _outer_call(view, method_call)
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
                candidate_loops.append(loop)  # `for p in ("FARGATE", ...): cluster.add_capacity_provider(p)`
            if not fargate or not isinstance(statement, ast.Expr):
                self.report(method_call, f"`{kind}` has no method `{METHOD}`"
                            + ("; the call's value is used" if fargate else
                               "; an Auto Scaling group capacity provider is added with `add_asg_capacity_provider`"),
                            suggestion=f"{ast_dotted(receiver) or 'cluster'}.add_asg_capacity_provider("
                                       "ecs.AsgCapacityProvider(self, \"AsgProvider\", auto_scaling_group=asg))")
                continue
            key = constructor if constructor is not None else (ast_dotted(receiver) or ast.unparse(receiver))
            by_cluster.setdefault(key, []).append((method_call, call))
        # What each edited node becomes, in the order the LibCST version planned it (dicts keep one entry
        # per node where it kept one per position).
        remove: dict[ast.Call, None] = {}
        replace: dict[ast.Call, str] = {}
        enable: dict[ast.Call, None] = {}
        loops: dict[ast.For, None] = {}
        # The finding each edited node goes with (an edit that cannot be made withdraws it).
        finding_of: dict[ast.AST, int] = {}
        for key, calls in by_cluster.items():
            applied = []
            for method_call, call in calls:
                if self.record_fix(method_call, f"ECS clusters have no `{METHOD}`; Fargate capacity providers are "
                                                f"enabled with `{ENABLE}` (the call is removed)"):
                    applied.append(call)
                    finding_of[call] = len(self.findings_so_far) - 1
            if not applied:
                continue
            for call in applied:
                loop = self._loop_of(view, call)
                if loop is not None and any(loop is c for c in candidate_loops) and isinstance(key, ast.Call):
                    loops[loop] = None
                    finding_of.setdefault(loop, finding_of[call])
            for call in applied:
                remove[call] = None
            if isinstance(key, ast.Call):
                if ENABLE not in {kw.arg for kw in key.keywords} and not self._enabled_elsewhere(view, key):
                    enable[key] = None
                    finding_of.setdefault(key, finding_of[applied[0]])
            else:
                first = applied[0]
                remove.pop(first, None)
                replace[first] = f"{ast.unparse(first.func.value)}.{ENABLE}()"
        if remove or replace or enable or loops:
            self._queue_edits(view, remove, replace, enable, loops, finding_of)

    def _queue_edits(self, view: SourceView, remove, replace, enable, loops, finding_of) -> None:
        """Queue one edit per outermost statement or expression to change, made by :class:`_Apply` on its parse.

        A statement is removed with its leading lines (comments above it), and a block it empties gets
        ``pass``: so the edit is the compound statement holding it (``def``, ``if``, ``for``...), by whole
        lines. A replaced call is edited by its statement's whole lines (all of a ``;``-joined line: its
        trailing semicolon goes); the constructor gaining ``enable_fargate_capacity_providers=True`` is edited
        alone. Edits inside another one are made by the outer one. An edit at module level (no statement
        holds it) is made on the whole module in :meth:`run`."""
        actions: dict[ast.AST, object] = {}
        for call in enable:
            actions[call] = _ENABLE
        for call, text in replace.items():
            actions[call] = text
        for call in remove:
            actions[call] = _REMOVE
        for loop in loops:
            actions[loop] = _REMOVE
        self._everything = _targets([self.tree], 0, actions, self.lines)
        anchors: list[tuple[int, int, ast.AST, bool]] = []
        for node in actions:
            whole_lines = False
            if node in enable:
                anchor = node
            elif node in replace and line_span(self.source, self.lines, view.parent(node)) is not None:
                anchor, whole_lines = view.parent(node), True
            else:
                anchor = _holder(view, self.source, self.lines, view.parent(node) if isinstance(node, ast.Call)
                                 else node)
            span = None if anchor is None else (
                line_span(self.source, self.lines, anchor) if whole_lines or isinstance(anchor, COMPOUND)
                else self.lines.span(anchor))
            if span is None:
                self._whole_module = True
                return
            anchors.append((span[0], -span[1], anchor, whole_lines))
        # The statements holding an edited call (its home: a line to rewrite) or a home (blocks to go through).
        homes: set[ast.AST] = set()
        holding: set[ast.AST] = set()
        for node in actions:
            home = node if isinstance(node, ast.For) else _statement_of(view, node)
            if not isinstance(node, ast.For):
                homes.add(home)
            parent = view.parent(home)
            while parent is not None and parent not in holding:
                holding.add(parent)
                parent = view.parent(parent)
        builder = _Builder(actions, homes, holding, loops, self.lines)
        end = -1
        for start, negative_end, anchor, whole_lines in sorted(anchors, key=lambda a: (a[0], a[1])):
            if start < end:
                continue  # inside the previous anchor (nodes nest), which makes this edit too
            end = -negative_end
            inside = sorted({finding_of[node] for node in actions
                             if start <= self.lines.offset(node.lineno, node.col_offset) < end})
            edit = Edit(anchor, builder.for_anchor(anchor), inside[0], whole_lines=whole_lines, also=tuple(inside[1:]))
            self._queued.append(edit)
            self.queue(edit)

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


#: What :class:`_Apply` does to a call or loop (a string: the expression replacing the call's statement).
_ENABLE = "enable"
_REMOVE = "remove"


def _holder(view: SourceView, source: str, lines: LineIndex, statement: ast.stmt) -> ast.stmt | None:
    """The compound statement whose block holds ``statement`` (None at module level); an ``elif`` (an ``If``
    in its parent's ``orelse``, which cannot be parsed alone) is held by the ``if`` it belongs to."""
    node = view.parent(statement)
    while node is not None and not isinstance(node, ast.Module):
        if isinstance(node, ast.stmt):
            parent = view.parent(node)
            elif_ = (isinstance(node, ast.If) and isinstance(parent, ast.If) and parent.orelse == [node]
                     and source.startswith("elif", lines.offset(node.lineno, node.col_offset)))
            if not elif_:
                return node
        node = view.parent(node)
    return None


def _call_tail(func) -> str | None:
    """The last name of a called ``ast`` or LibCST expression (``ecs.Cluster`` -> ``Cluster``)."""
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, cst.Attribute):
        return func.attr.value
    if isinstance(func, cst.Name):
        return func.value
    return None


def _outer_call(view: SourceView, call: ast.Call) -> ast.Call:
    """The outermost call starting where ``call`` starts (what ``view.node_at`` answers, without a map of every
    node's position): such a call holds ``call``, so it is among its ancestors starting at the same place."""
    start = (call.lineno, call.col_offset)
    found = call
    node = view.parent(call)
    while node is not None:
        if getattr(node, "lineno", None) is not None:  # ``comprehension``, ``arguments``... have no position
            if (node.lineno, node.col_offset) != start:
                break
            if isinstance(node, ast.Call):
                found = node
        node = view.parent(node)
    return found


def _statement_of(view: SourceView, node: ast.AST) -> ast.AST:
    """The innermost statement holding ``node``."""
    while not isinstance(node, ast.stmt):
        node = view.parent(node)
    return node


def _targets(roots: list[ast.AST], start: int, actions: dict[ast.AST, object],
             lines: LineIndex) -> dict[tuple, object]:
    """``actions`` keyed the way :class:`_Apply` finds their nodes in LibCST's parse of ``roots`` (from offset
    ``start``: a ``def``'s decorators are not part of its edit): a call by its name and its rank among the
    calls of that name, a loop by its rank among the ``for`` loops, both in the order LibCST visits them
    (by start, an outer node first)."""
    tails = {_call_tail(node.func) for node in actions if isinstance(node, ast.Call)}
    ranked: dict[object, list[tuple[int, int, ast.AST]]] = {}
    for root in roots:
        for node in ast.walk(root):
            if isinstance(node, ast.Call):
                tail = _call_tail(node.func)
                if tail not in tails:
                    continue
            elif isinstance(node, ast.For):
                tail = ast.For
            else:
                continue
            offset = lines.offset(node.lineno, node.col_offset)
            if offset >= start:
                ranked.setdefault(tail, []).append(
                    (offset, -lines.offset(node.end_lineno, node.end_col_offset), node))
    keys: dict[tuple, object] = {}
    for tail, nodes in ranked.items():
        nodes.sort(key=lambda item: (item[0], item[1]))
        for rank, (_, _, node) in enumerate(nodes):
            if node in actions:
                keys[(tail, rank)] = actions[node]
    return keys


class _Builder:
    """Makes the planned edits on LibCST's parse of an edited statement or expression.

    :class:`_Apply` (the LibCST version's transformer) is run on the lines holding an edited call only; the
    statements holding them are gone through block by block, the ``ast`` and LibCST statements side by side
    (``;``-joined ``ast`` statements are one LibCST line), so a fix in a long ``def`` costs no traversal of
    the rest of it. A removed ``for`` loop goes from its block, and a block left empty gets ``pass``, as in
    the transformer. Where the two trees do not line up, :class:`_Apply` runs on the whole node.
    """

    def __init__(self, actions: dict[ast.AST, object], homes: set[ast.AST], holding: set[ast.AST],
                 loops: dict[ast.For, None], lines: LineIndex) -> None:
        self.actions = actions
        self.homes = homes
        self.holding = holding
        self.loops = loops
        self.lines = lines

    def for_anchor(self, anchor: ast.AST):
        """The builder of the edit of ``anchor``."""
        def build(node: cst.CSTNode):
            if isinstance(anchor, ast.stmt) and anchor not in self.homes and anchor in self.holding:
                return self._compound(anchor, node)
            return self._apply([anchor], node)
        return build

    def _apply(self, roots: list[ast.AST], node: cst.CSTNode):
        """:class:`_Apply` over ``node``, the LibCST twin of ``roots``."""
        start = self.lines.offset(roots[0].lineno, roots[0].col_offset)
        return node.visit(_Apply(_targets(roots, start, self.actions, self.lines)))

    def _compound(self, statement: ast.stmt, node: cst.CSTNode):
        """``node`` (the twin of the compound ``statement``) with the edits in its blocks made."""
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.With, ast.AsyncWith)) \
                and isinstance(node, (cst.FunctionDef, cst.ClassDef, cst.With)):
            return node.with_changes(body=self._block(statement.body, node.body))
        if isinstance(statement, (ast.For, ast.AsyncFor, ast.While)) and isinstance(node, (cst.For, cst.While)):
            return node.with_changes(body=self._block(statement.body, node.body),
                                     orelse=self._else(statement.orelse, node.orelse))
        if isinstance(statement, ast.If) and isinstance(node, cst.If):
            orelse = node.orelse
            if isinstance(orelse, cst.If):  # elif: the ``If`` in ``statement.orelse``
                inner = statement.orelse[0] if len(statement.orelse) == 1 else None
                if not isinstance(inner, ast.If):
                    return self._apply([statement], node)
                if inner in self.homes:
                    orelse = self._apply([inner], orelse)
                elif inner in self.holding:
                    orelse = self._compound(inner, orelse)
            else:
                orelse = self._else(statement.orelse, orelse)
            return node.with_changes(body=self._block(statement.body, node.body), orelse=orelse)
        trys = (ast.Try, ast.TryStar) if hasattr(ast, "TryStar") else (ast.Try,)
        if isinstance(statement, trys) and isinstance(node, (cst.Try, cst.TryStar)) \
                and len(statement.handlers) == len(node.handlers):
            return node.with_changes(
                body=self._block(statement.body, node.body),
                handlers=[h.with_changes(body=self._block(a.body, h.body))
                          for a, h in zip(statement.handlers, node.handlers)],
                orelse=self._else(statement.orelse, node.orelse),
                finalbody=self._else(statement.finalbody, node.finalbody))
        if isinstance(statement, ast.Match) and isinstance(node, cst.Match) and len(statement.cases) == len(node.cases):
            return node.with_changes(cases=[c.with_changes(body=self._block(a.body, c.body))
                                            for a, c in zip(statement.cases, node.cases)])
        return self._apply([statement], node)

    def _else(self, statements: list[ast.stmt], node):
        """An ``else:`` / ``finally:`` clause (or None) with the edits in its block made."""
        if node is None or not statements:
            return node
        return node.with_changes(body=self._block(statements, node.body))

    def _block(self, statements: list[ast.stmt], block):
        """``block`` (the twin of ``statements``) with the edits in its statements made."""
        if not any(s in self.homes or s in self.holding or s in self.loops for s in statements):
            return block
        if not isinstance(block, cst.IndentedBlock):  # `if x: a; b`: the transformer's way (it removes nothing)
            return self._apply(statements, block)
        lines: list[list[ast.stmt]] = []
        for statement in statements:  # `a; b` is one LibCST line
            if lines and statement.lineno == lines[-1][-1].end_lineno:
                lines[-1].append(statement)
            else:
                lines.append([statement])
        if len(lines) != len(block.body):
            return self._apply(statements, block)
        body = []
        changed = False
        for group, node in zip(lines, block.body):
            if len(group) == 1 and group[0] in self.loops:
                new = cst.RemovalSentinel.REMOVE
            elif any(s in self.homes for s in group):
                new = self._apply(group, node)
            elif group[0] in self.holding:
                new = self._compound(group[0], node)
            else:
                new = node
            if new is not node:
                changed = True
            if not isinstance(new, cst.RemovalSentinel):
                body.append(new)
        if not changed:
            return block
        if not body and block.body:
            body = [cst.SimpleStatementLine(body=[cst.Pass()])]
        return block.with_changes(body=body)


class _Apply(cst.CSTTransformer):
    """Makes the planned edits on a LibCST tree (the module, or the parse of one statement or expression):
    the nodes are found by the keys :func:`_targets` gives."""

    def __init__(self, targets: dict[tuple, object]) -> None:
        super().__init__()
        self.targets = targets
        self.counts: dict[object, int] = {}
        self.keys: dict[int, tuple] = {}

    def _rank(self, node: cst.CSTNode, tail: object) -> None:
        rank = self.counts.get(tail, 0)
        self.counts[tail] = rank + 1
        self.keys[id(node)] = (tail, rank)

    def _action(self, node: cst.CSTNode) -> object:
        key = self.keys.get(id(node))
        return None if key is None else self.targets.get(key)

    def visit_Call(self, node: cst.Call) -> bool:
        tail = _call_tail(node.func)
        if tail is not None:
            self._rank(node, tail)
        return True

    def visit_For(self, node: cst.For) -> bool:
        if node.asynchronous is None:
            self._rank(node, ast.For)
        return True

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if self._action(original_node) == _ENABLE:
            existing = next((a for a in updated_node.args if a.keyword is not None and a.keyword.value == ENABLE), None)
            if existing is None:
                return with_keyword(updated_node, ENABLE, cst.Name("True"))
        return updated_node

    def leave_SimpleStatementLine(self, original_node: cst.SimpleStatementLine,
                                  updated_node: cst.SimpleStatementLine):
        body = []
        for original, small in zip(original_node.body, updated_node.body):
            if isinstance(original, cst.Expr) and isinstance(original.value, cst.Call):
                action = self._action(original.value)
                if action == _REMOVE:
                    continue
                if isinstance(action, str) and action != _ENABLE:
                    small = small.with_changes(value=cst.parse_expression(action))
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
        if self._action(original_node) == _REMOVE:
            return cst.RemovalSentinel.REMOVE
        return updated_node

    def leave_IndentedBlock(self, original_node: cst.IndentedBlock, updated_node: cst.IndentedBlock):
        if not updated_node.body and original_node.body:
            return updated_node.with_changes(body=[cst.SimpleStatementLine(body=[cst.Pass()])])
        return updated_node
