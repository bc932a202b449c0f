"""CDK006: an ECS cluster without a Cloud Map namespace while its services use ``cloud_map_options``."""

from __future__ import annotations

import ast
import weakref

import libcst as cst

from cdkfix.rule import AstRule, Case
from codemods._helpers import (
    SourceView,
    ast_has_star_kwargs,
    ast_keyword,
    ast_dotted,
    default_namespace_parts,
    index,
    other_project_views,
    preferred_quote,
    project_views,
    prefilter_index,
    triggered_prescan,
    resolve_callable,
    string_literal,
    with_keyword,
)

NAMESPACE_PROP = "default_cloud_map_namespace"

#: project -> {id(api): (clusters, services, adders)}: see ``ClusterCloudMapNamespace._project_parts``.
_PROJECT_PARTS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


class ClusterCloudMapNamespace(AstRule):
    """Gives an ECS cluster the default Cloud Map namespace its services' ``cloud_map_options`` need.

    An ECS service created with ``cloud_map_options=`` (``FargateService``, ``Ec2Service``,
    ``ExternalService`` and the ``ecs_patterns`` services: every class the API index lists with both
    ``cluster`` and ``cloud_map_options``), or enabled later with ``service.enable_cloud_map(...)``,
    registers in the cluster's default namespace unless its options name one (``cloud_map_namespace=``).
    When the cluster has none, synthesis fails. The rule adds
    ``default_cloud_map_namespace=ecs.CloudMapNamespaceOptions(name=..., vpc=<the cluster's vpc>)`` to the
    cluster. The service may live in another file of the project: it is matched to the cluster through the
    variable or ``self`` attribute that holds it, and a service whose cluster comes from elsewhere
    (``cluster=props.cluster``, a parameter) is matched when the project has exactly one cluster.

    The namespace name is invented: ``{environment_suffix}.local`` when an environment suffix is in scope,
    else ``local``; hence unsafe.
    """

    code = "CDK006"
    name = "cluster-cloud-map-namespace"
    title = "ECS services use `cloud_map_options` but their cluster has no default Cloud Map namespace"
    why = """
        `cloud_map_options` without `cloud_map_namespace` registers the service in the cluster's default
        namespace. A cluster created without `default_cloud_map_namespace` has none, and synthesis stops:

            Cannot enable service discovery if a Cloudmap Namespace has not been created in the cluster.
    """
    source = "seeds/001_67a89cab5212e2c0.txt §2 (Missing CloudMap Namespace in ECS Cluster)"
    safety = "unsafe"
    triggers = ("Cluster",)
    synth_error = "Cannot enable service discovery if a Cloudmap Namespace has not been created in the cluster."
    cases = (
        Case(
            "CDK006-invalid-same-function",
            """
            from aws_cdk import aws_ecs as ecs

            def build(scope, vpc, task, environment_suffix):
                cluster = ecs.Cluster(
                    scope,
                    f"Cluster-{environment_suffix}",
                    vpc=vpc,  # the shared VPC
                    enable_fargate_capacity_providers=True
                )
                ecs.FargateService(scope, "Svc", cluster=cluster, task_definition=task,
                                   cloud_map_options=ecs.CloudMapOptions(name="api"))
            """,
            """
            from aws_cdk import aws_ecs as ecs

            def build(scope, vpc, task, environment_suffix):
                cluster = ecs.Cluster(
                    scope,
                    f"Cluster-{environment_suffix}",
                    vpc=vpc,  # the shared VPC
                    enable_fargate_capacity_providers=True,
                    default_cloud_map_namespace=ecs.CloudMapNamespaceOptions(
                        name=f"{environment_suffix}.local",
                        vpc=vpc
                    )
                )
                ecs.FargateService(scope, "Svc", cluster=cluster, task_definition=task,
                                   cloud_map_options=ecs.CloudMapOptions(name="api"))
            """,
            unsafe=True,
        ),
        Case(
            "CDK006-invalid-self-attribute-other-method-cdk-alias",
            """
            import aws_cdk as cdk

            class Platform(cdk.Stack):
                def __init__(self, scope, construct_id):
                    super().__init__(scope, construct_id)
                    self.vpc = cdk.aws_ec2.Vpc(self, "Vpc")
                    self.cluster = cdk.aws_ecs.Cluster(self, "Cluster", vpc=self.vpc,)
                    self._services()

                def _services(self):
                    service = cdk.aws_ecs_patterns.ApplicationLoadBalancedFargateService(
                        self, "Web", cluster=self.cluster, task_image_options=options)
                    service.service.enable_cloud_map(name="web")
                    cdk.aws_ecs.FargateService(self, "Worker", cluster=self.cluster, task_definition=task,
                                               cloud_map_options=cdk.aws_ecs.CloudMapOptions(name="worker"))
            """,
            """
            import aws_cdk as cdk

            class Platform(cdk.Stack):
                def __init__(self, scope, construct_id):
                    super().__init__(scope, construct_id)
                    self.vpc = cdk.aws_ec2.Vpc(self, "Vpc")
                    self.cluster = cdk.aws_ecs.Cluster(self, "Cluster", vpc=self.vpc, default_cloud_map_namespace=cdk.aws_ecs.CloudMapNamespaceOptions(name="local", vpc=self.vpc),)
                    self._services()

                def _services(self):
                    service = cdk.aws_ecs_patterns.ApplicationLoadBalancedFargateService(
                        self, "Web", cluster=self.cluster, task_image_options=options)
                    service.service.enable_cloud_map(name="web")
                    cdk.aws_ecs.FargateService(self, "Worker", cluster=self.cluster, task_definition=task,
                                               cloud_map_options=cdk.aws_ecs.CloudMapOptions(name="worker"))
            """,
            unsafe=True,
        ),
        Case(
            "CDK006-invalid-imported-class-enable-cloud-map",
            """
            from aws_cdk.aws_ecs import Cluster, Ec2Service

            class Stack:
                def __init__(self, env_suffix):
                    self.env_suffix = env_suffix

                def build(self, task):
                    cluster = Cluster(self, "Cluster", vpc=ec2_vpc(self))
                    service = Ec2Service(self, "Svc", cluster=cluster, task_definition=task)
                    service.enable_cloud_map(name="svc")
            """,
            """
            from aws_cdk.aws_ecs import Cluster, Ec2Service, CloudMapNamespaceOptions

            class Stack:
                def __init__(self, env_suffix):
                    self.env_suffix = env_suffix

                def build(self, task):
                    cluster = Cluster(self, "Cluster", vpc=ec2_vpc(self), default_cloud_map_namespace=CloudMapNamespaceOptions(name=f"{self.env_suffix}.local"))
                    service = Ec2Service(self, "Svc", cluster=cluster, task_definition=task)
                    service.enable_cloud_map(name="svc")
            """,
            unsafe=True,
        ),
        Case(
            "CDK006-invalid-single-cluster-parameter",
            """
            from aws_cdk import aws_ecs as ecs_

            def cluster(scope):
                return ecs_.Cluster(scope, "Cluster")

            def service(scope, the_cluster, task):
                return ecs_.FargateService(scope, "Svc", cluster=the_cluster, task_definition=task,
                                           cloud_map_options=ecs_.CloudMapOptions(name="svc"))
            """,
            """
            from aws_cdk import aws_ecs as ecs_

            def cluster(scope):
                return ecs_.Cluster(scope, "Cluster", default_cloud_map_namespace=ecs_.CloudMapNamespaceOptions(name="local"))

            def service(scope, the_cluster, task):
                return ecs_.FargateService(scope, "Svc", cluster=the_cluster, task_definition=task,
                                           cloud_map_options=ecs_.CloudMapOptions(name="svc"))
            """,
            unsafe=True,
        ),
        Case(
            "CDK006-valid-unsafe-not-enabled",
            """
            from aws_cdk import aws_ecs as ecs
            cluster = ecs.Cluster(app, "Cluster")
            ecs.FargateService(app, "Svc", cluster=cluster, task_definition=task,
                               cloud_map_options=ecs.CloudMapOptions(name="svc"))
            """,
            finding=True,
        ),
        Case(
            "CDK006-valid-namespace-already-there",
            """
            from aws_cdk import aws_ecs as ecs
            a = ecs.Cluster(app, "A", default_cloud_map_namespace=ecs.CloudMapNamespaceOptions(name="a.local"))
            ecs.FargateService(app, "SvcA", cluster=a, task_definition=task,
                               cloud_map_options=ecs.CloudMapOptions(name="svc"))
            b = ecs.Cluster(app, "B")
            b.add_default_cloud_map_namespace(name="b.local")
            ecs.FargateService(app, "SvcB", cluster=b, task_definition=task,
                               cloud_map_options=ecs.CloudMapOptions(name="svc"))
            """,
        ),
        Case(
            "CDK006-valid-no-cloud-map-or-own-namespace",
            """
            from aws_cdk import aws_ecs as ecs
            cluster = ecs.Cluster(app, "Cluster")
            other = ecs.Cluster(app, "Other")
            ecs.FargateService(app, "Plain", cluster=cluster, task_definition=task)
            ecs.FargateService(app, "Own", cluster=cluster, task_definition=task,
                               cloud_map_options=ecs.CloudMapOptions(name="own", cloud_map_namespace=namespace))
            ecs.FargateService(app, "Elsewhere", cluster=other_cluster, task_definition=task,
                               cloud_map_options=ecs.CloudMapOptions(name="svc"))
            """,
        ),
    )

    @classmethod
    def may_fire(cls, source: str) -> bool:
        """Only when this file creates a cluster without a default namespace (its services may be elsewhere)."""
        scan = triggered_prescan(cls, source)
        if scan is None:
            return False
        api = None
        for call, callees in zip(scan.calls, scan.callees):
            if ast_keyword(call, NAMESPACE_PROP) is not None or ast_has_star_kwargs(call):
                continue
            for qualified in callees:
                api = api or prefilter_index()
                info, method = resolve_callable(api, qualified)
                if info is not None and method is None and info.kind == "class" and NAMESPACE_PROP in info.props:
                    return True
        return False

    # -- planning -----------------------------------------------------------------------------------------
    def check(self) -> None:
        """Find the clusters of this file whose services (here or in the project) need a namespace."""
        if "cloud_map" not in (self.project.text if self.project is not None else self.source):
            return  # no service anywhere uses Cloud Map (the project holds this file too)
        view = SourceView(self.source, self.tree)
        api = index(self.options)
        # The other files' parts, gathered once per project: a directory of a thousand files is read once
        # per run, not once per file that has a cluster.
        others = set(map(id, other_project_views(view, self.project, self.path)))
        clusters, services, adders = (
            [(view, node) for node in mine] + [(v, node) for v, node in theirs if id(v) in others]
            for mine, theirs in zip(self._of(view, api), self._project_parts(api)))
        if not services:
            return
        for cluster_view, cluster in clusters:
            if cluster_view is not view or ast_keyword(cluster, NAMESPACE_PROP) is not None or ast_has_star_kwargs(
                    cluster):
                continue
            if any(self._same_cluster(v, expr, view, cluster, len(clusters)) for v, expr in adders):
                continue
            users = [(v, s) for v, s in services
                     if self._same_cluster(v, ast_keyword(s, "cluster"), view, cluster, len(clusters))]
            if users:
                where = users[0][0].path or "this file"
                reason = f"{len(users)} service(s) on this cluster use Cloud Map ({where}, line {users[0][1].lineno})"
                self._fix(view, cluster, reason)

    def _of(self, view: SourceView, api) -> tuple[list[ast.Call], list[ast.Call], list[ast.expr]]:
        """The clusters, the Cloud Map services and the namespace-adding receivers of ``view``, in call order;
        kept in ``view.memo`` (a project's files are asked once a run, not once per file)."""
        key = ("CDK006", id(api))
        hit = view.memo.get(key)
        if hit is None:
            hit = view.memo[key] = (
                [c for c in view.calls() if self._is_cluster(api, view, c)], list(self._services(api, view)),
                [call.func.value for call in view.calls() if isinstance(call.func, ast.Attribute)
                 and call.func.attr == "add_default_cloud_map_namespace"])
        return hit  # type: ignore[return-value]

    def _is_cluster(self, api, view: SourceView, call: ast.Call) -> bool:
        info, method = resolve_callable(api, view.resolve(call.func))
        return info is not None and method is None and info.kind == "class" and NAMESPACE_PROP in info.props

    def _services(self, api, view: SourceView):
        """Service calls that need the cluster's default namespace."""
        enabled = []
        for call in view.calls():
            if isinstance(call.func, ast.Attribute) and call.func.attr == "enable_cloud_map" and ast_keyword(
                    call, "cloud_map_namespace") is None:
                enabled.append(call.func.value)
        for call in view.calls():
            info, method = resolve_callable(api, view.resolve(call.func))
            if info is None or method is not None or "cloud_map_options" not in info.props or "cluster" not in info.props:
                continue
            options = ast_keyword(call, "cloud_map_options")
            if options is not None and not (isinstance(options, ast.Constant) and options.value is None):
                if _options_namespace(view, options) is None:
                    yield call
                    continue
            if any(_holds(view, target, call) for target in enabled):
                yield call

    def _project_parts(self, api) -> tuple[list, list, list]:
        """``(view, node)`` of the clusters, the Cloud Map services and the namespace-adding receivers
        (``<cluster>.add_default_cloud_map_namespace(...)``) of every file of the project, in the files'
        order; kept for the project's life."""
        project = self.project
        if project is None:
            return [], [], []
        parts = _PROJECT_PARTS.setdefault(project, {})
        if id(api) not in parts:
            views = project_views(project)
            parts[id(api)] = tuple([(v, node) for v in views for node in self._of(v, api)[k]] for k in range(3))
        return parts[id(api)]

    def _same_cluster(self, view: SourceView, expr: ast.expr | None, cluster_view: SourceView,
                      cluster: ast.Call, count: int) -> bool:
        """Whether ``expr`` (in ``view``) is ``cluster``: through a variable or ``self`` attribute of the same
        file, else because the project has only this cluster."""
        if expr is None:
            return False
        if view is cluster_view:
            values = _values(view, expr)
            if values:
                if any(v is cluster for v in values):
                    return True
                if all(isinstance(v, ast.Call) for v in values):
                    return False  # another object built here (another cluster)
        return count == 1

    # -- the edit -----------------------------------------------------------------------------------------
    def _fix(self, view: SourceView, cluster: ast.Call, reason: str) -> None:
        vpc_node = ast_keyword(cluster, "vpc")
        keep_vpc = vpc_node is not None and ast_dotted(vpc_node) is not None
        name = self._namespace_name(view, cluster)
        options = self.use_name("aws_cdk.aws_ecs.CloudMapNamespaceOptions")

        def build(call: cst.Call) -> cst.Call:
            vpc_arg = next((a for a in call.args if a.keyword is not None and a.keyword.value == "vpc"), None)
            fields = [("name", cst.parse_expression(name))]
            if keep_vpc and vpc_arg is not None:
                fields.append(("vpc", vpc_arg.value.deep_clone()))
            return with_keyword(call, NAMESPACE_PROP, _nested_call(call, options, fields))

        self.rewrite(cluster, build,
                     f"{reason}, but the cluster has no default Cloud Map namespace; added one named {name} "
                     "(the name is a guess: use the namespace your services should resolve in)")

    @staticmethod
    def _namespace_name(view: SourceView, node: ast.Call) -> str:
        quote = preferred_quote(view.source)
        for sub in ast.walk(node):
            if isinstance(sub, (ast.Constant, ast.JoinedStr)) and isinstance(getattr(sub, "value", ""), (str, list)):
                text = view.text(sub).lstrip("rRbBuUfF")
                if text[:1] in ("'", '"'):
                    quote = text[0]
                    break
        return string_literal(default_namespace_parts(view, node), quote) or '"local"'


def _options_namespace(view: SourceView, options: ast.expr) -> ast.expr | None | bool:
    """The ``cloud_map_namespace`` of Cloud Map options (a call, a dict or a variable holding one)."""
    for value in [options, *_values(view, options)]:
        if isinstance(value, ast.Call):
            return ast_keyword(value, "cloud_map_namespace")
        if isinstance(value, ast.Dict):
            for key, item in zip(value.keys, value.values):
                if isinstance(key, ast.Constant) and key.value == "cloud_map_namespace":
                    return item
            return None
    return True  # unknown options: assume they name their namespace


def _values(view: SourceView, expr: ast.expr) -> list[ast.expr]:
    """What ``expr`` (a name or ``self.attr``) was assigned, as far as this file shows."""
    if isinstance(expr, ast.Name):
        return [b.value for b in view.visible(expr.id, expr) if b.value is not None] if all(
            b.kind == "assign" for b in view.visible(expr.id, expr)) else []
    if isinstance(expr, ast.Attribute) and isinstance(expr.value, ast.Name) and expr.value.id == view.self_name(expr):
        cls = view.enclosing_class(expr)
        return [value for value, _ in view.self_attribute(cls, expr.attr)] if cls is not None else []
    return []


def _holds(view: SourceView, target: ast.expr, service: ast.Call) -> bool:
    """``target`` (``svc`` in ``svc.enable_cloud_map()``, or ``svc.service``) is ``service``."""
    if isinstance(target, ast.Attribute) and target.attr == "service":  # ecs_patterns: `web.service`
        target = target.value
    return any(v is service for v in _values(view, target))


def _nested_call(outer: cst.Call, func: str, fields: list[tuple[str, cst.BaseExpression]]) -> cst.Call:
    """``func(k=v, ...)`` laid out like ``outer``: one argument per line when ``outer`` is vertical."""
    no_space = cst.AssignEqual(cst.SimpleWhitespace(""), cst.SimpleWhitespace(""))
    separators = [outer.whitespace_before_args] + [
        a.comma.whitespace_after for a in outer.args[:-1] if isinstance(a.comma, cst.Comma)]
    vertical = [s for s in separators if isinstance(s, cst.ParenthesizedWhitespace)]
    if not vertical:
        args = [cst.Arg(keyword=cst.Name(k), value=v, equal=no_space,
                        comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")) if i < len(fields) - 1
                        else cst.MaybeSentinel.DEFAULT)
                for i, (k, v) in enumerate(fields)]
        return cst.Call(func=cst.parse_expression(func), args=args)
    indent = vertical[0].last_line.value
    step = "\t" if indent.startswith("\t") else "    "
    inner = cst.ParenthesizedWhitespace(indent=True, last_line=cst.SimpleWhitespace(indent + step))
    closing = cst.ParenthesizedWhitespace(indent=True, last_line=cst.SimpleWhitespace(indent))
    trailing = isinstance(outer.args[-1].comma, cst.Comma)
    args = []
    for i, (k, v) in enumerate(fields):
        last = i == len(fields) - 1
        if last and not trailing:
            args.append(cst.Arg(keyword=cst.Name(k), value=v, equal=no_space, whitespace_after_arg=closing))
        else:
            args.append(cst.Arg(keyword=cst.Name(k), value=v, equal=no_space,
                                comma=cst.Comma(whitespace_after=closing if last else inner)))
    return cst.Call(func=cst.parse_expression(func), args=args, whitespace_before_args=inner)
