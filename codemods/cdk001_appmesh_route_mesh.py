"""CDK001: an App Mesh construct without its required ``mesh`` (``appmesh.Route(virtual_router=r)``)."""

from __future__ import annotations

import ast

import libcst as cst

from cdkfix.rule import AstRule, Case
from codemods._helpers import (
    SourceView,
    ast_dotted,
    dotted_name,
    index,
    insert_keyword,
    is_assignable,
    has_star_args,
    parse_call_text,
    prefilter_index,
    triggered_prescan,
    produced_type,
    resolve_callable,
)

MESH = "aws-cdk-lib.aws_appmesh.IMesh"


class AppMeshRouteMesh(AstRule):
    """Adds the missing ``mesh=`` to an App Mesh construct, taken from what the code already has.

    App Mesh resources (``Route``, ``VirtualNode``, ``VirtualRouter``, ``VirtualGateway``: every class
    the API index lists with a required ``mesh`` of type ``IMesh``) need the mesh they belong to, even when
    another argument already belongs to it. The mesh is taken, in this order, from:

    1. another argument whose type has a ``mesh`` property (``virtual_router=router`` → ``router.mesh``);
    2. a variable visible at the call whose value is a mesh (``appmesh.Mesh(...)``,
       ``appmesh.Mesh.from_mesh_name(...)``, a parameter annotated ``appmesh.IMesh``, else an unannotated
       parameter named ``mesh`` or ``*_mesh``), innermost scope first;
    3. ``self.<attr>`` assigned a mesh in the same class.

    When nothing carries a mesh, or two different meshes could, the rule reports a finding and leaves the
    call alone: it never invents a name.

    The calls are found on the stdlib tree (an :class:`~cdkfix.rule.AstRule`); only a fixed call's text is
    parsed with LibCST, to insert ``mesh=`` in its layout. A fixed call inside another one is fixed by the
    outer call's edit, so both are made in one pass.
    """

    code = "CDK001"
    name = "appmesh-route-mesh"
    title = "App Mesh construct without its required `mesh` (`appmesh.Route(virtual_router=...)`)"
    why = """
        `appmesh.Route` (like `VirtualNode`, `VirtualRouter` and `VirtualGateway`) has a required `mesh`
        property; passing the virtual router is not enough. Python stops before anything is synthesized:

            TypeError: Route.__init__() missing 1 required keyword-only argument: 'mesh'

        (the seed reports it as "Missing mandatory keyword argument 'mesh'").
    """
    source = "seeds/000_775badc1dee105d9.txt §1 (Missing Required Parameter in App Mesh Route Constructor)"
    safety = "safe"
    triggers = ("appmesh",)
    synth_error = "missing 1 required keyword-only argument: 'mesh'"
    cases = (
        Case(
            "CDK001-invalid-route-from-virtual-router",
            """
            from aws_cdk import aws_appmesh as appmesh

            def build(scope, the_mesh, router, node):
                appmesh.Route(
                    scope,
                    "Route",
                    virtual_router=router,
                    route_spec=appmesh.RouteSpec.http(weighted_targets=[appmesh.WeightedTarget(virtual_node=node)]),
                )
            """,
            """
            from aws_cdk import aws_appmesh as appmesh

            def build(scope, the_mesh, router, node):
                appmesh.Route(
                    scope,
                    "Route",
                    mesh=router.mesh,
                    virtual_router=router,
                    route_spec=appmesh.RouteSpec.http(weighted_targets=[appmesh.WeightedTarget(virtual_node=node)]),
                )
            """,
        ),
        Case(
            "CDK001-invalid-aliased-import",
            """
            from aws_cdk import aws_appmesh as mesh_
            route = mesh_.Route(self, "R", virtual_router=self.router, route_spec=spec)
            """,
            """
            from aws_cdk import aws_appmesh as mesh_
            route = mesh_.Route(self, "R", mesh=self.router.mesh, virtual_router=self.router, route_spec=spec)
            """,
        ),
        Case(
            "CDK001-invalid-cdk-module-attribute",
            """
            import aws_cdk as cdk
            cdk.aws_appmesh.Route(stack, "R", route_spec=spec, virtual_router=routers["api"])
            """,
            """
            import aws_cdk as cdk
            cdk.aws_appmesh.Route(stack, "R", mesh=routers["api"].mesh, route_spec=spec, virtual_router=routers["api"])
            """,
        ),
        Case(
            "CDK001-invalid-comments-in-call",
            """
            from aws_cdk import aws_appmesh as appmesh
            appmesh.Route(
                self,
                "Route",  # the id
                # the router decides which node gets traffic
                virtual_router=virtual_router,  # Missing mesh parameter
                route_spec=spec,
            )
            """,
            """
            from aws_cdk import aws_appmesh as appmesh
            appmesh.Route(
                self,
                "Route",  # the id
                mesh=virtual_router.mesh,
                # the router decides which node gets traffic
                virtual_router=virtual_router,  # Missing mesh parameter
                route_spec=spec,
            )
            """,
        ),
        Case(
            "CDK001-invalid-virtual-node-from-mesh-variable",
            """
            from aws_cdk import Stack, aws_appmesh as appmesh

            class MeshStack(Stack):
                def __init__(self, scope, construct_id):
                    super().__init__(scope, construct_id)
                    the_mesh = appmesh.Mesh(self, "Mesh")
                    node = appmesh.VirtualNode(self, "Node", service_discovery=discovery)
            """,
            """
            from aws_cdk import Stack, aws_appmesh as appmesh

            class MeshStack(Stack):
                def __init__(self, scope, construct_id):
                    super().__init__(scope, construct_id)
                    the_mesh = appmesh.Mesh(self, "Mesh")
                    node = appmesh.VirtualNode(self, "Node", mesh=the_mesh, service_discovery=discovery)
            """,
        ),
        Case(
            "CDK001-invalid-router-from-self-attribute",
            """
            from aws_cdk.aws_appmesh import Mesh, VirtualRouter, VirtualRouterListener

            class MeshConstruct(Construct):
                def __init__(self, scope, construct_id):
                    super().__init__(scope, construct_id)
                    self.app_mesh = Mesh.from_mesh_name(self, "Mesh", "shared")
                    self._routers()

                def _routers(self):
                    VirtualRouter(self, "Router", listeners=[VirtualRouterListener.http(8080)])
            """,
            """
            from aws_cdk.aws_appmesh import Mesh, VirtualRouter, VirtualRouterListener

            class MeshConstruct(Construct):
                def __init__(self, scope, construct_id):
                    super().__init__(scope, construct_id)
                    self.app_mesh = Mesh.from_mesh_name(self, "Mesh", "shared")
                    self._routers()

                def _routers(self):
                    VirtualRouter(self, "Router", mesh=self.app_mesh, listeners=[VirtualRouterListener.http(8080)])
            """,
        ),
        Case(
            "CDK001-invalid-annotated-parameter",
            """
            from aws_cdk import aws_appmesh as appmesh

            def gateway(scope, shared: appmesh.IMesh):
                return appmesh.VirtualGateway(scope, "Gateway", listeners=[appmesh.VirtualGatewayListener.http(port=8080)])
            """,
            """
            from aws_cdk import aws_appmesh as appmesh

            def gateway(scope, shared: appmesh.IMesh):
                return appmesh.VirtualGateway(scope, "Gateway", mesh=shared, listeners=[appmesh.VirtualGatewayListener.http(port=8080)])
            """,
        ),
        Case(
            "CDK001-invalid-unannotated-mesh-parameter",
            """
            from aws_cdk import aws_appmesh as appmesh

            class Nodes:
                def _node(self, name, shared_mesh, port=8080):
                    return appmesh.VirtualNode(
                        self, f"Node-{name}",
                        listeners=[appmesh.VirtualNodeListener.http(port=port)])
            """,
            """
            from aws_cdk import aws_appmesh as appmesh

            class Nodes:
                def _node(self, name, shared_mesh, port=8080):
                    return appmesh.VirtualNode(
                        self, f"Node-{name}",
                        mesh=shared_mesh,
                        listeners=[appmesh.VirtualNodeListener.http(port=port)])
            """,
        ),
        Case(
            "CDK001-valid-mesh-passed",
            """
            from aws_cdk import aws_appmesh as appmesh
            appmesh.Route(self, "Route", mesh=mesh, virtual_router=router, route_spec=spec)
            appmesh.VirtualNode(self, "Node", **common)
            """,
        ),
        Case(
            "CDK001-valid-not-appmesh",
            """
            from aws_cdk import aws_ec2 as ec2
            Route = ec2.CfnRoute
            Route(self, "Route", route_table_id="rtb-1")
            """,
        ),
        Case(
            "CDK001-valid-no-mesh-in-scope",
            """
            from aws_cdk import aws_appmesh as appmesh

            def node(scope, mesh_name):
                return appmesh.VirtualNode(scope, "Node")
            """,
            finding=True,
        ),
        Case(
            "CDK001-valid-two-meshes",
            """
            from aws_cdk import aws_appmesh as appmesh
            blue = appmesh.Mesh(app, "Blue")
            green = appmesh.Mesh(app, "Green")
            appmesh.VirtualRouter(app, "Router", listeners=[])
            """,
            finding=True,
        ),
    )

    @classmethod
    def may_fire(cls, source: str) -> bool:
        """Only an App Mesh construct that requires ``mesh`` called without it."""
        scan = triggered_prescan(cls, source)
        if scan is None:
            return False
        api = None
        for call, callees in zip(scan.calls, scan.callees):
            if any(kw.arg == "mesh" for kw in call.keywords) or has_star_args(call):
                continue
            for qualified in callees:
                if ".aws_appmesh." not in qualified + ".":
                    continue
                api = api or prefilter_index()
                info, method = resolve_callable(api, qualified)
                prop = info.props.get("mesh") if info is not None and method is None and info.kind == "class" else None
                if prop is not None and not prop.optional and prop.type == MESH:
                    return True
        return False

    def check(self) -> None:
        """Every App Mesh construct call without ``mesh=``, innermost first (the order a LibCST traversal
        leaves them in, so findings come out in the same order)."""
        self._view: SourceView | None = None
        api = index(self.options)
        # (call, mesh or None for a report, message, suggestion), recorded once every call is planned
        plans: list[tuple[ast.Call, cst.BaseExpression | None, str, str | None]] = []
        for call in sorted(self.scan.calls, key=lambda c: (c.end_lineno, c.end_col_offset)):
            plan = self._plan(api, call)
            if plan is not None:
                plans.append((call, *plan))
        fixes = [(call, mesh_expr) for call, mesh_expr, _, _ in plans if mesh_expr is not None]
        # A fix inside another applied fix is made by the outer one's builder: their spans overlap, and an
        # overlapping edit would wait for the next pass (its finding then moved by the outer insertion).
        applied = {id(call) for call, _ in fixes if self.may_apply(call)} if len(fixes) > 1 else set()
        spans = {id(call): self.lines.span(call) for call, _ in fixes} if applied else {}
        roots: dict[int, int] = {}
        for call, _ in fixes if applied else ():
            start, end = spans[id(call)]
            outer = [other for other, _ in fixes if other is not call and id(other) in applied
                     and spans[id(other)][0] <= start and end <= spans[id(other)][1]]
            if outer:
                roots[id(call)] = id(max(outer, key=lambda o: spans[id(o)][1] - spans[id(o)][0]))
        for call, mesh_expr, message, suggestion in plans:
            if mesh_expr is None:
                self.report(call, message, suggestion=suggestion)
            elif id(call) in roots:
                self.record_fix(call, message)
            else:
                inner = {id(c): m for c, m in fixes if roots.get(id(c)) == id(call) and id(c) in applied}
                self.rewrite(call, self._builder_for(call, mesh_expr, inner), message)

    def _builder_for(self, call: ast.Call, mesh_expr: cst.BaseExpression, inner: dict[int, cst.BaseExpression]):
        """The builder of ``call``'s fix: ``mesh=`` first, and the same in the nested calls of ``inner``."""
        if not inner:
            return lambda node: insert_keyword(node, "mesh", mesh_expr, first=True)
        # The parsed span's calls, left in post-order, are the span's ``ast`` calls sorted by their end.
        nested = sorted((c for c in ast.walk(call) if isinstance(c, ast.Call)),
                        key=lambda c: (c.end_lineno, c.end_col_offset))
        wanted = {position: inner.get(id(c), mesh_expr if c is call else None) for position, c in enumerate(nested)}

        def build(node: cst.Call) -> cst.CSTNode:
            counter = _CallCounter()
            node.visit(counter)
            if counter.count != len(nested):  # not the calls the stdlib saw: the inner fixes wait a pass
                return insert_keyword(node, "mesh", mesh_expr, first=True)
            return node.visit(_Inserter({i: m for i, m in wanted.items() if m is not None}))
        return build

    def _plan(self, api, call: ast.Call) -> tuple[cst.BaseExpression | None, str, str | None] | None:
        """``(mesh, message, None)`` of the fix ``call`` needs, ``(None, message, suggestion)`` of the
        finding when nothing carries the mesh, None when ``call`` is not an App Mesh construct missing it."""
        qualified = self.imports.resolve_dotted(ast_dotted(call.func))
        if not qualified or ".aws_appmesh." not in qualified + ".":
            return None
        info, method = resolve_callable(api, qualified)
        if info is None or method is not None or info.kind != "class":
            return None
        prop = info.props.get("mesh")
        if prop is None or prop.optional or prop.type != MESH:
            return None
        if any(kw.arg == "mesh" for kw in call.keywords) or has_star_args(call):
            return None
        source = self._from_arguments(api, info, call) or self._from_scope(api, call)
        if source is None:
            return None
        mesh_expr, origin = source
        if mesh_expr is None:
            return (None, f"`{info.name}` requires `mesh=` and {origin}; pass the mesh it belongs to",
                    f"{info.name}(..., mesh=<the appmesh.Mesh>, ...)")
        return mesh_expr, (f"`{info.name}` requires `mesh`; pass `mesh={cst.Module([]).code_for_node(mesh_expr)}` "
                           f"({origin})"), None

    def _source_view(self) -> SourceView | None:
        if self._view is None:
            self._view = SourceView(self.source, self.tree)
        return self._view

    # -- where the mesh comes from -----------------------------------------------------------------------
    def _from_arguments(self, api, info, call: ast.Call):
        """``router.mesh`` for an argument whose type (per the index) has a ``mesh`` property.

        The argument's expression is taken from LibCST's parse of the call (its parentheses and spacing as
        written), parsed only when some keyword's type carries a mesh."""
        if not any(kw.arg in info.props and self._carries_mesh(api, info, kw.arg) for kw in call.keywords):
            return None
        parsed = parse_call_text(self.source[slice(*self.lines.span(call))])
        if parsed is None:
            return None
        for arg in parsed.args:
            if arg.keyword is None or arg.keyword.value not in info.props:
                continue
            if not self._carries_mesh(api, info, arg.keyword.value):
                continue
            if not _side_effect_free(arg.value):
                continue
            return cst.Attribute(value=arg.value.deep_clone(), attr=cst.Name("mesh")), f"`{arg.keyword.value}` belongs to it"
        return None

    @staticmethod
    def _carries_mesh(api, info, name: str) -> bool:
        carrier = api.type_by_fqn(info.props[name].type)
        member = carrier.properties.get("mesh") if carrier is not None else None
        return member is not None and is_assignable(api, member.type, MESH)

    def _from_scope(self, api, node: ast.Call):
        """A variable (or ``self`` attribute) visible at the call whose value is a mesh."""
        view = self._source_view()
        for scope in view.function_scopes(node):
            bound = view.bindings_in(scope)
            found = sorted(name for name, bindings in bound.items()
                           if bindings and all(self._is_mesh(api, view, b.value, b.annotation, b.kind)
                                               for b in bindings))
            if not found:  # an unannotated parameter called `mesh` / `<something>_mesh`
                found = sorted(name for name, bindings in bound.items()
                               if (name == "mesh" or name.endswith("_mesh")) and len(bindings) == 1
                               and bindings[0].kind == "param" and bindings[0].annotation is None)
            if len(found) == 1:
                return cst.Name(found[0]), f"`{found[0]}` is the mesh in scope"
            if len(found) > 1:
                return None, f"several meshes are in scope ({', '.join(found)})"
            if scope is view.tree:
                break
            # Before leaving the method, look at the instance's attributes.
            if scope is view.method_of(node):
                me = view.self_name(node)
                cls = view.enclosing_class(node)
                if me and cls is not None:
                    attrs = sorted({target.attr for target in _self_targets(cls, me)
                                    if all(self._is_mesh(api, view, value, None, "assign", method)
                                           for value, method in view.self_attribute(cls, target.attr))})
                    if len(attrs) == 1:
                        return (cst.Attribute(value=cst.Name(me), attr=cst.Name(attrs[0])),
                                f"`{me}.{attrs[0]}` is the mesh of this class")
                    if len(attrs) > 1:
                        return None, f"several meshes are attributes of the class ({', '.join(attrs)})"
        return None, "no argument or variable in scope carries a mesh"

    def _is_mesh(self, api, view: SourceView, value, annotation, kind, method=None) -> bool:
        if annotation is not None and is_assignable(api, _fqn_of_annotation(api, view, annotation), MESH):
            return True
        if kind not in ("assign", "param") or value is None:
            return False
        if isinstance(value, ast.Call):
            return is_assignable(api, produced_type(api, view.resolve(value.func)), MESH)
        if isinstance(value, ast.Name) and method is not None:
            # `self.mesh = mesh` where `mesh` is a mesh in that method.
            bindings = view.visible(value.id, value)
            return bool(bindings) and all(self._is_mesh(api, view, b.value, b.annotation, b.kind) for b in bindings)
        return False


def _self_targets(cls: ast.ClassDef, me: str):
    for node in ast.walk(cls):
        if (isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store)
                and isinstance(node.value, ast.Name) and node.value.id == me):
            yield node


def _fqn_of_annotation(api, view: SourceView, annotation) -> str | None:
    if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
        try:
            annotation = ast.parse(annotation.value, mode="eval").body
        except SyntaxError:
            return None
    if isinstance(annotation, ast.Subscript):  # Optional[appmesh.IMesh]
        annotation = annotation.slice
    qualified = view.resolve(annotation) if ast_dotted(annotation) else None
    info = api.lookup(qualified) if qualified else None
    return info.fqn if info is not None else None


def _side_effect_free(node: cst.BaseExpression) -> bool:
    """Names, attributes and subscripts with constant or name keys: safe to evaluate twice."""
    if dotted_name(node) is not None:
        return True
    if isinstance(node, cst.Subscript) and _side_effect_free(node.value) and len(node.slice) == 1:
        index_ = node.slice[0].slice
        return isinstance(index_, cst.Index) and (
            isinstance(index_.value, (cst.SimpleString, cst.Integer)) or dotted_name(index_.value) is not None)
    return False


class _CallCounter(cst.CSTVisitor):
    """Counts the calls of a parsed span."""

    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def visit_Call(self, node: cst.Call) -> None:
        self.count += 1


class _Inserter(cst.CSTTransformer):
    """Adds ``mesh=`` first to the calls of a parsed span chosen by their post-order position (the order
    :meth:`AppMeshRouteMesh.check` found them in, as a LibCST traversal leaves them)."""

    def __init__(self, meshes: dict[int, cst.BaseExpression]) -> None:
        super().__init__()
        self.meshes, self.seen = meshes, 0

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        position, self.seen = self.seen, self.seen + 1
        mesh = self.meshes.get(position)
        return updated_node if mesh is None else insert_keyword(updated_node, "mesh", mesh, first=True)
