"""CDK002: ``appmesh.ServiceDiscovery.cloud_map(service=None)`` → DNS service discovery."""

from __future__ import annotations

import ast
import re

import libcst as cst

from cdkfix.rule import AstRule, Case
from codemods._helpers import (
    SourceView,
    ast_dotted,
    ast_keyword,
    default_namespace_parts,
    index,
    other_project_views,
    preferred_quote,
    project_views,
    resolve_callable,
    string_literal,
    template_parts,
    without_arg,
)

SERVICE = "aws-cdk-lib.aws_servicediscovery.IService"
_CLOUD_MAP_CALL = re.compile(r"\bcloud_map\s*\(")
_SERVICE_NAME = re.compile(r"^((micro)?service|svc|app|node|task|container)_?name$|^name$", re.IGNORECASE)


class CloudMapNoneService(AstRule):
    """Replaces Cloud Map service discovery that has no service with DNS service discovery.

    ``appmesh.ServiceDiscovery.cloud_map(service=...)`` needs the ``servicediscovery.IService`` the
    virtual node's tasks register in. Generated code often passes ``None`` (the ECS service that would
    create the Cloud Map service does not exist yet), positionally or by keyword, through a variable bound
    to ``None`` or through a helper method/function of the same file whose every ``return`` is ``None``.
    The rule switches to ``ServiceDiscovery.dns(hostname=...)``, the hostname built from what the code
    shows: the Cloud Map name the ECS service registers (``ecs.CloudMapOptions(name=...)``), else the
    service name passed to the helper, a ``service_name``-like variable in scope or the virtual node's
    ``virtual_node_name``; then a dot and the
    Cloud Map namespace name (the namespace those options use, the cluster's default namespace, or the one
    cdkfix's CDK006 gives the cluster: ``{environment_suffix}.local``). A helper that nothing else calls is
    removed, and so is a comment trailing ``service=None`` (it spoke of the service that is gone). Without
    a service name to build on, the rule only reports.

    It finds and plans on the stdlib tree (an :class:`~cdkfix.rule.AstRule`) and rewrites each call as a span.
    Removing a helper ``def`` is not a span edit: only then is the rewritten file parsed with LibCST, and the
    helper removed from it as the transformer did (:meth:`run`).
    """

    code = "CDK002"
    name = "cloud-map-none-service"
    title = "`ServiceDiscovery.cloud_map(service=None)`: App Mesh Cloud Map discovery without a service"
    why = """
        `cloud_map()` requires a Cloud Map service (`servicediscovery.IService`); `None` cannot be
        serialized for jsii and synthesis stops:

            @jsii/kernel.SerializationError: Passed to parameter service of static method
            aws-cdk-lib.aws_appmesh.ServiceDiscovery.cloudMap: Unable to deserialize value as
            aws-cdk-lib.aws_servicediscovery.IService - A value is required (type is non-optional)

        DNS discovery with the name the ECS service registers in Cloud Map works without the service object.
    """
    source = ("seeds/000_775badc1dee105d9.txt §3 (Invalid App Mesh Service Discovery Configuration); "
              "seeds/001_67a89cab5212e2c0.txt §1 (App Mesh Service Discovery Misconfiguration)")
    safety = "unsafe"
    triggers = ("cloud_map",)
    synth_error = "Unable to deserialize value as aws-cdk-lib.aws_servicediscovery.IService"
    cases = (
        Case(
            "CDK002-invalid-none-keyword",
            """
            from aws_cdk import aws_appmesh as appmesh, aws_ecs as ecs

            def node(scope, mesh, cluster, service_name, task):
                appmesh.VirtualNode(
                    scope,
                    "Node",
                    mesh=mesh,
                    service_discovery=appmesh.ServiceDiscovery.cloud_map(
                        service=None  # Invalid - cannot be None
                    ),
                )
                ecs.FargateService(scope, "Svc", cluster=cluster, task_definition=task,
                                   cloud_map_options=ecs.CloudMapOptions(name=service_name))
            """,
            """
            from aws_cdk import aws_appmesh as appmesh, aws_ecs as ecs

            def node(scope, mesh, cluster, service_name, task):
                appmesh.VirtualNode(
                    scope,
                    "Node",
                    mesh=mesh,
                    service_discovery=appmesh.ServiceDiscovery.dns(
                        hostname=service_name
                    ),
                )
                ecs.FargateService(scope, "Svc", cluster=cluster, task_definition=task,
                                   cloud_map_options=ecs.CloudMapOptions(name=service_name))
            """,
            unsafe=True,
        ),
        Case(
            "CDK002-invalid-namespace-from-options",
            """
            from aws_cdk import aws_appmesh as appmesh, aws_ecs as ecs, aws_servicediscovery as sd

            def build(scope, mesh, cluster, vpc, task, environment_suffix):
                namespace = sd.PrivateDnsNamespace(scope, "Ns", name=f'trading.local-{environment_suffix}', vpc=vpc)
                for service_name in ["api", "worker"]:
                    appmesh.VirtualNode(scope, f"Node-{service_name}", mesh=mesh,
                                        service_discovery=appmesh.ServiceDiscovery.cloud_map(None))
                    ecs.FargateService(scope, f"Svc-{service_name}", cluster=cluster, task_definition=task,
                                       cloud_map_options=ecs.CloudMapOptions(cloud_map_namespace=namespace,
                                                                             name=service_name))
            """,
            """
            from aws_cdk import aws_appmesh as appmesh, aws_ecs as ecs, aws_servicediscovery as sd

            def build(scope, mesh, cluster, vpc, task, environment_suffix):
                namespace = sd.PrivateDnsNamespace(scope, "Ns", name=f'trading.local-{environment_suffix}', vpc=vpc)
                for service_name in ["api", "worker"]:
                    appmesh.VirtualNode(scope, f"Node-{service_name}", mesh=mesh,
                                        service_discovery=appmesh.ServiceDiscovery.dns(hostname=f'{service_name}.trading.local-{environment_suffix}'))
                    ecs.FargateService(scope, f"Svc-{service_name}", cluster=cluster, task_definition=task,
                                       cloud_map_options=ecs.CloudMapOptions(cloud_map_namespace=namespace,
                                                                             name=service_name))
            """,
            unsafe=True,
        ),
        Case(
            "CDK002-invalid-helper-returning-none",
            """
            import aws_cdk as cdk
            from aws_cdk import aws_ecs as ecs
            from constructs import Construct


            class Services(Construct):
                def __init__(self, scope, construct_id, cluster, mesh, environment_suffix):
                    super().__init__(scope, construct_id)
                    self.cluster = ecs.Cluster(self, "Cluster", cluster_name="svc")
                    for svc in ("payment", "order"):
                        cdk.aws_appmesh.VirtualNode(
                            self,
                            f"Node{svc}",
                            mesh=mesh,
                            service_discovery=cdk.aws_appmesh.ServiceDiscovery.cloud_map(
                                service=self._create_cloud_map_service(
                                    cluster,
                                    svc,
                                    environment_suffix
                                )
                            ),
                        )

                def _create_cloud_map_service(self, cluster, service_name, environment_suffix):
                    \"\"\"Helper to create Cloud Map service for service discovery\"\"\"
                    return None  # Will be created by ECS service cloud_map_options

                def other(self):
                    return 1
            """,
            """
            import aws_cdk as cdk
            from aws_cdk import aws_ecs as ecs
            from constructs import Construct


            class Services(Construct):
                def __init__(self, scope, construct_id, cluster, mesh, environment_suffix):
                    super().__init__(scope, construct_id)
                    self.cluster = ecs.Cluster(self, "Cluster", cluster_name="svc")
                    for svc in ("payment", "order"):
                        cdk.aws_appmesh.VirtualNode(
                            self,
                            f"Node{svc}",
                            mesh=mesh,
                            service_discovery=cdk.aws_appmesh.ServiceDiscovery.dns(
                                hostname=f"{svc}.{environment_suffix}.local"
                            ),
                        )

                def other(self):
                    return 1
            """,
            unsafe=True,
        ),
        Case(
            "CDK002-invalid-aliased-module-and-variable",
            """
            from aws_cdk import aws_appmesh as mesh_

            node_name = "inventory"
            discovery_service = None
            discovery = mesh_.ServiceDiscovery.cloud_map(discovery_service, ip_preference=pref)
            """,
            """
            from aws_cdk import aws_appmesh as mesh_

            node_name = "inventory"
            discovery_service = None
            discovery = mesh_.ServiceDiscovery.dns(hostname=node_name, ip_preference=pref)
            """,
            unsafe=True,
        ),
        Case(
            "CDK002-invalid-virtual-node-name-and-cluster-namespace",
            """
            from aws_cdk import aws_appmesh as appmesh, aws_ecs as ecs

            cluster = ecs.Cluster(app, "Cluster", default_cloud_map_namespace=ecs.CloudMapNamespaceOptions(name="shop.internal"))
            appmesh.VirtualNode(app, "Cart", mesh=mesh, virtual_node_name="cart",
                                service_discovery=appmesh.ServiceDiscovery.cloud_map(None, {"team": "web"}))
            """,
            """
            from aws_cdk import aws_appmesh as appmesh, aws_ecs as ecs

            cluster = ecs.Cluster(app, "Cluster", default_cloud_map_namespace=ecs.CloudMapNamespaceOptions(name="shop.internal"))
            appmesh.VirtualNode(app, "Cart", mesh=mesh, virtual_node_name="cart",
                                service_discovery=appmesh.ServiceDiscovery.dns(hostname="cart.shop.internal"))
            """,
            unsafe=True,
        ),
        Case(
            "CDK002-valid-unsafe-not-enabled",
            """
            from aws_cdk import aws_appmesh as appmesh
            service_name = "api"
            discovery = appmesh.ServiceDiscovery.cloud_map(service=None)
            """,
            finding=True,
        ),
        Case(
            "CDK002-valid-real-service",
            """
            from aws_cdk import aws_appmesh as appmesh
            discovery = appmesh.ServiceDiscovery.cloud_map(service=svc)
            other = appmesh.ServiceDiscovery.cloud_map(service=self._service())

            def _service():
                return None
            """,
        ),
        Case(
            "CDK002-valid-helper-returns-a-service",
            """
            from aws_cdk import aws_appmesh as appmesh

            class Nodes:
                def build(self, name):
                    return appmesh.ServiceDiscovery.cloud_map(service=self._service(name))

                def _service(self, name):
                    if name:
                        return self.namespace.create_service(name)
                    return None
            """,
        ),
        Case(
            "CDK002-valid-no-name-to-build-on",
            """
            from aws_cdk import aws_appmesh as appmesh
            discovery = appmesh.ServiceDiscovery.cloud_map(service=None)
            """,
            unsafe=True,
            finding=True,
        ),
    )

    @classmethod
    def may_fire(cls, source: str) -> bool:
        """Only a call of ``cloud_map`` (``cloud_map_options=`` alone is not one)."""
        # The substring test first: a pattern that starts with ``\b`` is searched position by position.
        return "cloud_map" in source and _CLOUD_MAP_CALL.search(source) is not None

    # -- planning: every call is planned before any edit (a helper may come before its callers) ----------
    def check(self) -> None:
        """Plan each ``cloud_map`` call without a service, decide which helpers go, then rewrite or report."""
        self._plans: dict[int, tuple[str, str, ast.AST | None]] = {}
        self._remove: set[tuple[str, str]] = set()
        self._fixes: list[int] = []  # the findings of the rewrites queued in this run
        self._view = SourceView(self.source, self.tree)
        api = index(self.options)
        calls = sorted((c for c in self.scan.calls if isinstance(c.func, ast.Attribute) and c.func.attr == "cloud_map"),
                       key=lambda c: (c.lineno, c.col_offset, -c.end_lineno, -c.end_col_offset))
        planned = []
        helpers_fixed: dict[tuple[str, str], int] = {}
        for call in calls:
            plan = self._plan(api, call)
            if plan is None:
                continue
            planned.append((call, plan))
            helper = plan[2]
            if helper is not None and plan[0] and self.may_apply(call):
                key = self._def_key(helper)
                helpers_fixed[key] = helpers_fixed.get(key, 0) + 1
        for key, fixed in helpers_fixed.items():
            if self._references(key[1]) == fixed:
                self._remove.add(key)
        # The transformer recorded findings as it left the calls (post-order: by end, inner calls first).
        for call, plan in sorted(planned, key=lambda item: (item[0].end_lineno, item[0].end_col_offset,
                                                            -item[0].lineno, -item[0].col_offset)):
            self._edit(call, plan)

    def run(self, source: str) -> str:
        """The rewritten calls (spans), then, when a helper goes, the rewritten file through LibCST without it.

        A helper is only removed when every rewrite was made in this pass (an edit left for a later pass is
        planned again there, with the helper still in place)."""
        output = super().run(source)
        if not self._remove or output == source:
            return output
        findings = self.findings_so_far
        if not all(findings[i].applied for i in self._fixes):
            return output
        return cst.parse_module(output).visit(_RemoveHelpers(self._remove)).code

    def _def_key(self, helper: ast.AST) -> tuple[str, str]:
        cls = self._view.parent(helper)
        return (cls.name if isinstance(cls, ast.ClassDef) else "", helper.name)  # type: ignore[attr-defined]

    def _references(self, name: str) -> int:
        """How often ``name`` is used (read) in this file; other project files count as many."""
        count = sum(1 for n in ast.walk(self._view.tree)
                    if (isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Load))
                    or (isinstance(n, ast.Attribute) and n.attr == name))
        if any(name in other.source for other in self._views()[1:]):
            count += 1_000  # another file of the project may use it
        return count

    def _plan(self, api, node: ast.Call):
        """``(hostname code or "", reason, helper def)`` for a ``cloud_map`` call without a service."""
        info, method = resolve_callable(api, self.imports.resolve_dotted(ast_dotted(node.func)))
        if info is None or method is None or not isinstance(node.func, ast.Attribute):
            return None
        target = info.methods[method]
        dns = info.methods.get("dns")
        if (not target.static or not target.params or target.params[0].type != SERVICE or dns is None
                or not dns.params or dns.params[0].name != "hostname"):
            return None
        service = ast_keyword(node, target.params[0].name)
        if service is None and node.args:
            service = node.args[0]
        if service is None:
            return None
        helper = None
        if isinstance(service, ast.Constant) and service.value is None:
            reason = "`service=None`"
        elif isinstance(service, ast.Name) and _only_none(self._view, service):
            reason = f"`{service.id}` is always None"
        elif isinstance(service, ast.Call) and (helper := self._none_helper(service)) is not None:
            reason = f"`{helper.name}()` always returns None"  # type: ignore[attr-defined]
        else:
            return None
        allowed = {target.params[0].name, "ip_preference", "instance_attributes"}
        if (len(node.args) > 3 or any(isinstance(a, ast.Starred) for a in node.args)
                or any(kw.arg not in allowed for kw in node.keywords)):
            return "", reason + " and the call has arguments DNS discovery does not take", None
        self._literal_quote = None
        service_part = self._service_part(node, service, helper)
        if service_part is None:
            return "", reason + " and no service name is in sight to build a DNS hostname on", None
        parts = list(service_part)
        namespace = self._namespace_part(node)
        if namespace:
            parts += [(False, "."), *namespace]
        literal = parts[0][1] if len(parts) == 1 and parts[0][0] else string_literal(parts, self._quote(node))
        if literal is None:
            return "", reason + " and no hostname literal can be written here", None
        return literal, reason, helper

    # -- what the code shows ------------------------------------------------------------------------------
    def _none_helper(self, call: ast.Call) -> ast.AST | None:
        """The function or method of this file that ``call`` calls, when its every return is None."""
        view = self._view
        definition = None
        if isinstance(call.func, ast.Attribute) and isinstance(call.func.value, ast.Name):
            me = view.self_name(call)
            cls = view.enclosing_class(call)
            if me and call.func.value.id == me and cls is not None:
                definition = next((d for d in cls.body if isinstance(d, (ast.FunctionDef, ast.AsyncFunctionDef))
                                   and d.name == call.func.attr), None)
        elif isinstance(call.func, ast.Name):
            bindings = view.visible(call.func.id, call)
            if len(bindings) == 1 and bindings[0].kind == "def" and isinstance(bindings[0].node, ast.FunctionDef):
                definition = bindings[0].node
        if definition is None or definition.decorator_list:
            return None
        for sub in _own_nodes(definition):
            if isinstance(sub, (ast.Raise, ast.Yield, ast.YieldFrom, ast.Await)):
                return None
            if isinstance(sub, ast.Return) and not (sub.value is None or (
                    isinstance(sub.value, ast.Constant) and sub.value.value is None)):
                return None
        return definition

    def _service_part(self, node: ast.Call, service: ast.expr, helper: ast.AST | None):
        view = self._view
        # 1. The name the ECS service registers in Cloud Map.
        options = self._cloud_map_options(node)
        names = {view.text(n): n for n, _ in options}
        if len(names) == 1:
            (expr,) = names.values()
            if view.free_names_bound(expr, node):
                return self._parts(view, expr)
        # 2. The service name given to the helper.
        if helper is not None and isinstance(service, ast.Call):
            params = [a.arg for a in helper.args.args]  # type: ignore[attr-defined]
            if isinstance(service.func, ast.Attribute) and params:
                params = params[1:]
            passed = dict(zip(params, service.args))
            passed.update({kw.arg: kw.value for kw in service.keywords if kw.arg})
            for param, value in passed.items():
                if _SERVICE_NAME.match(param) and not isinstance(value, (ast.List, ast.Dict, ast.Tuple)):
                    return self._parts(view, value)
        # 3. A service-name variable in scope.
        visible = view.visible_names(node)
        for name in sorted(visible, key=lambda n: (n.lower() == "name", n)):
            bindings = visible[name]
            if _SERVICE_NAME.match(name) and all(b.kind in ("param", "assign", "for") for b in bindings) and not any(
                    isinstance(b.value, (ast.List, ast.Dict, ast.Tuple, ast.Set)) or (
                        isinstance(b.value, ast.Call) and (view.resolve(b.value.func) or "").startswith("aws_cdk"))
                    for b in bindings):
                return [(True, name)]
        # 4. The name of the virtual node the discovery is for.
        keyword = view.parent(node)
        holder = view.parent(keyword) if isinstance(keyword, ast.keyword) else None
        if isinstance(holder, ast.Call):
            node_name = ast_keyword(holder, "virtual_node_name")
            if node_name is not None and view.free_names_bound(node_name, node):
                return self._parts(view, node_name)
        return None

    def _cloud_map_options(self, node: ast.Call) -> list[tuple[ast.expr, ast.expr | None]]:
        """``(name, namespace)`` of the ECS Cloud Map options near ``node`` (same function, else file)."""
        view = self._view
        found = []
        for call in view.calls():
            qualified = view.resolve(call.func) or ""
            if qualified.endswith(".CloudMapOptions") or (
                    isinstance(call.func, ast.Attribute) and call.func.attr == "enable_cloud_map"):
                name = ast_keyword(call, "name")
                if name is not None:
                    found.append((call, name, ast_keyword(call, "cloud_map_namespace")))
        function = view.enclosing_function(node)
        near = [f for f in found if view.enclosing_function(f[0]) is function]
        return [(name, ns) for _, name, ns in (near or found)]

    def _namespace_part(self, node: ast.Call):
        view = self._view
        # a. The namespace the Cloud Map options name.
        namespaces = {view.text(ns): ns for _, ns in self._cloud_map_options(node) if ns is not None}
        if len(namespaces) == 1:
            (ns,) = namespaces.values()
            parts = self._namespace_name(ns, node)
            if parts:
                return parts
        # b. The cluster's default namespace (this file or the project).
        names, clusters = {}, 0
        for other in self._views():
            other_clusters, other_names = _default_namespaces(other)
            clusters += other_clusters
            for text, options in other_names:
                names.setdefault(text, (other, options))
        if len(names) == 1:
            ((other, expr),) = names.values()
            if view.free_names_bound(expr, node):
                return self._parts(other, expr)
        # c. A DNS namespace declared in this file (in the same function, else anywhere in the file).
        declared = [call for call in view.calls()
                    if (view.resolve(call.func) or "").startswith("aws_cdk.aws_servicediscovery.")
                    and (view.resolve(call.func) or "").endswith("DnsNamespace") and ast_keyword(call, "name")]
        function = view.enclosing_function(node)
        declared = [c for c in declared if view.enclosing_function(c) is function] or declared
        if len(declared) == 1 and view.free_names_bound(ast_keyword(declared[0], "name"), node):
            return self._parts(view, ast_keyword(declared[0], "name"))
        # d. The namespace cdkfix gives a cluster that has none (CDK006).
        if clusters and not names:
            return default_namespace_parts(view, node)
        return None

    def _namespace_name(self, ns: ast.expr, at: ast.Call):
        """The name of the namespace ``ns`` (its ``name=`` when visible, else ``ns.namespace_name``)."""
        view = self._view
        if isinstance(ns, ast.Name):
            bindings = view.visible(ns.id, at)
            values = [b.value for b in bindings if isinstance(b.value, ast.Call)]
            if len(values) == 1 and len(bindings) == 1:
                name = ast_keyword(values[0], "name")
                if name is not None and view.free_names_bound(name, at):
                    return self._parts(view, name)
        if isinstance(ns, (ast.Name, ast.Attribute)) and view.free_names_bound(ns, at):
            return [(True, f"{view.text(ns)}.namespace_name")]
        return None

    def _views(self) -> list[SourceView]:
        """This file and the project's other files (computed once per run: telling the other files from this
        one's copy in the project keys every call; with no project there is nothing to tell apart)."""
        views = getattr(self, "_all_views", None)
        if views is None or views[0] is not self._view:
            others = other_project_views(self._view, self.project, self.path) if project_views(self.project) else []
            views = self._all_views = [self._view, *others]
        return views

    def _parts(self, view: SourceView, expr: ast.expr):
        """:func:`template_parts`, remembering the quote of a string literal used."""
        if isinstance(expr, (ast.Constant, ast.JoinedStr)):
            text = view.text(expr).lstrip("rRbBuUfF")
            if text[:1] in ("'", '"'):
                self._literal_quote = text[0]
        return template_parts(view, expr)

    def _quote(self, node: ast.Call) -> str:
        if getattr(self, "_literal_quote", None):
            return self._literal_quote
        for sub in ast.walk(self._view.enclosing_function(node) or self._view.tree):
            if isinstance(sub, (ast.Constant, ast.JoinedStr)) and hasattr(sub, "col_offset"):
                text = self._view.text(sub).lstrip("rRbBuUfF")
                if text[:1] in ("'", '"'):
                    return text[0]
        return preferred_quote(self._view.source)

    # -- the edit ---------------------------------------------------------------------------------------
    def _edit(self, node: ast.Call, plan: tuple[str, str, ast.AST | None]) -> None:
        hostname, reason, helper = plan
        if not hostname:
            self.report(node, f"App Mesh Cloud Map discovery without a service: {reason}",
                        suggestion="appmesh.ServiceDiscovery.dns(hostname=\"<service>.<namespace>\")")
            return
        message = (f"Cloud Map discovery without a service ({reason}); use DNS discovery with "
                   f"`hostname={hostname}`, a guess from the code: check it is the DNS name the ECS service "
                   f"registers in Cloud Map")
        if helper is not None and self._def_key(helper) in self._remove:
            message += f"; removed the helper `{helper.name}` that nothing else calls"  # type: ignore[attr-defined]
        if self.rewrite(node, lambda call: _dns_call(call, hostname), message):
            self._fixes.append(len(self.findings_so_far) - 1)


def _dns_call(call: cst.Call, hostname: str) -> cst.Call:
    """``call`` (a ``cloud_map(...)`` call) as ``dns(hostname=<hostname>, ...)``."""
    no_space = cst.AssignEqual(cst.SimpleWhitespace(""), cst.SimpleWhitespace(""))
    args = list(call.args)
    if len(args) > 2 and args[2].keyword is None:  # cloud_map(svc, attrs, ip_preference)
        args[2] = args[2].with_changes(keyword=cst.Name("ip_preference"), equal=no_space)
        call = call.with_changes(args=args)
    extra = next((i for i, a in enumerate(call.args) if i > 0 and (
        a.keyword is None or a.keyword.value == "instance_attributes")), None)
    if extra is not None:  # DNS discovery has no instance attributes
        call = without_arg(call, extra)
    args = list(call.args)
    position = next(i for i, a in enumerate(args) if a.keyword is None or a.keyword.value == "service")
    args[position] = _without_trailing_comment(args[position]).with_changes(
        keyword=cst.Name("hostname"), value=cst.parse_expression(hostname),
        equal=args[position].equal if args[position].keyword is not None else no_space)
    return call.with_changes(func=call.func.with_changes(attr=cst.Name("dns")), args=args)  # type: ignore[attr-defined]


class _RemoveHelpers(cst.CSTTransformer):
    """Removes the functions named by ``(innermost enclosing class or "", name)`` keys."""

    def __init__(self, remove: set[tuple[str, str]]) -> None:
        super().__init__()
        self.remove = remove
        self.classes: list[str] = []

    def visit_ClassDef(self, node: cst.ClassDef) -> bool | None:
        self.classes.append(node.name.value)
        return True

    def leave_ClassDef(self, original_node: cst.ClassDef, updated_node: cst.ClassDef) -> cst.ClassDef:
        self.classes.pop()
        return updated_node

    def leave_FunctionDef(self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef):
        key = (self.classes[-1] if self.classes else "", original_node.name.value)
        if key in self.remove:
            return cst.RemovalSentinel.REMOVE
        return updated_node


def _default_namespaces(view: SourceView) -> tuple[int, list[tuple[str, ast.expr]]]:
    """How many ``ecs.Cluster`` calls ``view`` makes, and the default namespace names it gives (the name's
    text and expression), in call order; kept in ``view.memo`` (a project's files are asked once a run)."""
    hit = view.memo.get("CDK002 default namespaces")
    if hit is None:
        names: list[tuple[str, ast.expr]] = []
        clusters = 0
        for call in view.calls():
            qualified = view.resolve(call.func) or ""
            options = None
            if qualified.endswith("aws_ecs.Cluster"):
                clusters += 1
                options = ast_keyword(call, "default_cloud_map_namespace")
                if isinstance(options, ast.Call):
                    options = ast_keyword(options, "name")
                elif isinstance(options, ast.Dict):
                    options = dict(zip([getattr(k, "value", None) for k in options.keys], options.values)).get("name")
            elif isinstance(call.func, ast.Attribute) and call.func.attr == "add_default_cloud_map_namespace":
                options = ast_keyword(call, "name")
            if options is not None:
                names.append((ast.unparse(options), options))
        hit = view.memo["CDK002 default namespaces"] = (clusters, names)
    return hit  # type: ignore[return-value]


def _without_trailing_comment(arg: cst.Arg) -> cst.Arg:
    """``arg`` without the comment at the end of its line (it described the service that is gone)."""
    if isinstance(arg.comma, cst.Comma) and isinstance(arg.comma.whitespace_after, cst.ParenthesizedWhitespace):
        return arg.with_changes(comma=arg.comma.with_changes(
            whitespace_after=arg.comma.whitespace_after.with_changes(first_line=cst.TrailingWhitespace())))
    if isinstance(arg.whitespace_after_arg, cst.ParenthesizedWhitespace):
        return arg.with_changes(
            whitespace_after_arg=arg.whitespace_after_arg.with_changes(first_line=cst.TrailingWhitespace()))
    return arg


def _only_none(view: SourceView, name: ast.Name) -> bool:
    bindings = view.visible(name.id, name)
    return bool(bindings) and all(
        b.kind == "assign" and isinstance(b.value, ast.Constant) and b.value.value is None for b in bindings)


def _own_nodes(function: ast.AST):
    """The nodes of a function's body, not those of functions nested in it."""
    stack = list(getattr(function, "body", []))
    while stack:
        node = stack.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            if not isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
                stack.append(child)
