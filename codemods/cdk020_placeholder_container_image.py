"""CDK020: a placeholder container image (nginx, httpd, amazon-ecs-sample) behind a health check it fails."""

from __future__ import annotations

import ast
import re

from cdkfix.rule import AstRule, Case
from codemods._helpers import SourceView, ast_keyword, index, prefilter_index, triggered_prescan, resolve_callable

#: What the stock images answer with 200: everything else is a 404 (or, for a command, a failing exit code).
#: Keyed by the repository's last path component (``public.ecr.aws/docker/library/nginx:latest`` → nginx).
SERVED: dict[str, tuple[str, ...]] = {
    "nginx": ("/", "/index.html"),
    "nginx-unprivileged": ("/", "/index.html"),
    "httpd": ("/", "/index.html"),
    "amazon-ecs-sample": ("/", "/index.php"),
    "hello": ("/",),  # nginxdemos/hello
}
#: Image sources that hold the application itself (a health check may be meant for it).
APPLICATION_IMAGES = ("from_ecr_repository", "from_asset", "from_docker_image_asset", "from_tarball")
_URL = re.compile(r"https?://[^/\s'\"]+(/[^\s'\"|;&)]*)?")


def placeholder(image: str) -> str | None:
    """The stock image ``image`` names (``nginx``), or None for anything else."""
    name = image.split("@", 1)[0]
    parts = name.split("/")
    last = parts[-1].split(":", 1)[0]
    if len(parts) > 1 and (parts[0] == "localhost" or "." in parts[0] or ":" in parts[0]):
        parts = parts[1:]
    repository = "/".join([*parts[:-1], last])
    if last == "hello" and repository != "nginxdemos/hello":
        return None
    return last if last in SERVED else None


def _path(url_path: str) -> str:
    path = url_path.split("?", 1)[0].split("#", 1)[0] or "/"
    return path if path.startswith("/") else "/" + path


class PlaceholderContainerImage(AstRule):
    """Reports a stock placeholder image whose health check asks for a path the image does not serve.

    Generated ECS code often runs ``nginx``, ``httpd`` or ``amazon/amazon-ecs-sample`` in place of the
    application (``ContainerImage.from_registry("public.ecr.aws/docker/library/nginx:latest")``) while the
    health checks are written for the application (``/health``). The stock image answers ``/`` only, so
    every check fails: the target group marks the tasks unhealthy, ECS replaces them, and the deployment
    never stabilizes (CloudFormation rolls back after a long wait). Synthesis succeeds; only a deployment
    shows it.

    The rule looks, in the class (or module) that uses the placeholder, at load balancer and App Mesh health
    checks (``elbv2.HealthCheck(path=...)``, ``target_group.configure_health_check(path=...)``,
    ``appmesh.HealthCheck.http(path=...)``) when no application image (``from_ecr_repository``,
    ``from_asset``…) is there too, and at the container's own ``ecs.HealthCheck(command=[... "curl
    http://localhost/health" ...])``. It reports; which fix is right (point the check at ``/``, or use the
    real image) needs a person.
    """

    code = "CDK020"
    name = "placeholder-container-image"
    title = "Placeholder container image (nginx, httpd, ecs-sample) with a health check it cannot pass"
    why = """
        A stock image only serves `/`; a health check on `/health` gets 404, the tasks never become
        healthy and the ECS service does not stabilize, so the deployment fails after a long wait
        (the stack synthesizes fine):

            ECS Deployment Circuit Breaker was triggered / Service did not stabilize
    """
    source = "seeds/002_2170557884eb4ac5.txt §1 (ECS Fargate Service Deployment Without Container Image)"
    safety = "safe"
    fixable = False
    before_synthesizes = True
    triggers = ("from_registry",)
    lazy_positions = True  # positions are only needed for the nodes it reports
    synth_error = ""
    cases = (
        Case(
            "CDK020-invalid-nginx-target-group-health",
            """
            from aws_cdk import aws_ecs as ecs, aws_elasticloadbalancingv2 as elbv2

            class Compute:
                def __init__(self, task, vpc):
                    task.add_container(
                        "app",
                        image=ecs.ContainerImage.from_registry("public.ecr.aws/docker/library/nginx:latest"),
                    )
                    self.target_group = elbv2.ApplicationTargetGroup(
                        self, "Tg", vpc=vpc, port=80,
                        health_check=elbv2.HealthCheck(
                            path="/health",  # the app's health endpoint
                        ),
                    )
            """,
            finding=True,
        ),
        Case(
            "CDK020-invalid-aliased-sample-configure-health-check",
            """
            import aws_cdk as cdk
            service = cdk.aws_ecs_patterns.ApplicationLoadBalancedFargateService(
                stack, "Web",
                task_image_options=cdk.aws_ecs_patterns.ApplicationLoadBalancedTaskImageOptions(
                    image=cdk.aws_ecs.ContainerImage.from_registry(name="amazon/amazon-ecs-sample")),
            )
            service.target_group.configure_health_check(path="/api/health")
            """,
            finding=True,
        ),
        Case(
            "CDK020-invalid-container-health-command",
            """
            from aws_cdk.aws_ecs import ContainerImage as Img, HealthCheck
            task.add_container("web", image=Img.from_registry("httpd:2.4"),
                               health_check=HealthCheck(command=["CMD-SHELL", "curl -f http://localhost/health || exit 1"]))
            """,
            finding=True,
        ),
        Case(
            "CDK020-invalid-pattern-container-health-check",
            """
            from aws_cdk import aws_ecs as ecs, aws_ecs_patterns as patterns
            patterns.ApplicationLoadBalancedFargateService(
                stack, "Api",
                task_image_options=patterns.ApplicationLoadBalancedTaskImageOptions(
                    image=ecs.ContainerImage.from_registry("nginx:1.25-alpine"),
                ),
                health_check=ecs.HealthCheck(
                    # probe the app
                    command=["CMD-SHELL", "wget -q -O- http://127.0.0.1:80/healthz || exit 1"],
                ),
            )
            """,
            finding=True,
        ),
        Case(
            "CDK020-valid-root-path-and-real-images",
            """
            from aws_cdk import aws_ecs as ecs, aws_elasticloadbalancingv2 as elbv2

            class Web:
                def __init__(self, task):
                    task.add_container("web", image=ecs.ContainerImage.from_registry("nginx"))
                    elbv2.HealthCheck(path="/")

            class Api:
                def __init__(self, task, repo):
                    task.add_container("api", image=ecs.ContainerImage.from_ecr_repository(repo, "v1"))
                    task.add_container("proxy", image=ecs.ContainerImage.from_registry("nginx:latest"),
                                       health_check=ecs.HealthCheck(command=["CMD-SHELL", "curl -f http://localhost/ || exit 1"]))
                    elbv2.HealthCheck(path="/health")
                    ecs.ContainerImage.from_registry("my-org/payments:1.2")
            """,
        ),
    )

    @classmethod
    def may_fire(cls, source: str) -> bool:
        """Only ``ContainerImage.from_registry("<a stock image>")``."""
        scan = triggered_prescan(cls, source)
        if scan is None:
            return False
        api = None
        for call, callees in zip(scan.calls, scan.callees):
            value = call.args[0] if call.args else ast_keyword(call, "name")
            if not (isinstance(value, ast.Constant) and isinstance(value.value, str) and placeholder(value.value)):
                continue
            for qualified in callees:
                api = api or prefilter_index()
                info, method = resolve_callable(api, qualified)
                if info is not None and info.name == "ContainerImage" and method == "from_registry":
                    return True
        return False

    def check(self) -> None:
        """Report the health checks a placeholder image cannot pass."""
        view = SourceView(self.source, self.tree)
        api = index(self.options)
        images: list[tuple[ast.Call, str, str]] = []  # (call, image text, stock name)
        application: set[ast.AST | None] = set()
        for call in view.calls():
            info, method = resolve_callable(api, view.resolve(call.func))
            if info is None or info.name != "ContainerImage" or method is None:
                continue
            if method in APPLICATION_IMAGES:
                application.add(_owner(view, call))
                continue
            if method != "from_registry":
                continue
            value = call.args[0] if call.args else ast_keyword(call, "name")
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                stock = placeholder(value.value)
                if stock is not None:
                    images.append((call, value.value, stock))
        if not images:
            return
        found: list[tuple[ast.AST, str]] = []
        for call, image, stock in images:
            owner = _owner(view, call)
            # The container's own health check: in the call that takes the image (add_container,
            # ContainerDefinition) or the one around it (an ecs_patterns service around its image options).
            for container in _holders(view, call):
                check = ast_keyword(container, "health_check")
                command = ast_keyword(check, "command") if isinstance(check, ast.Call) else None
                for text in _strings(command):
                    for match in _URL.finditer(text):
                        path = _path(match.group(1) or "/")
                        if path not in SERVED[stock]:
                            found.append((check, self._message(image, stock, f"the container health check "
                                                               f"requests `{match.group(0)}`")))
            if owner in application:
                continue
            for check, path_node in _path_checks(view, owner):
                path = _path(path_node.value)
                if path not in SERVED[stock]:
                    found.append((check, self._message(image, stock, f"the health check asks for `{path_node.value}`")))
        by_position = {(c.lineno, c.col_offset): (c, message) for c, message in found}  # one per call
        for check, (message, suggestion) in by_position.values():
            self.report(check, message, suggestion=suggestion)

    @staticmethod
    def _message(image: str, stock: str, what: str) -> tuple[str, str]:
        served = " and ".join(f"`{p}`" for p in SERVED[stock])
        return (f"`{image}` is a placeholder image that serves only {served}; {what}, which it answers with "
                "404, so the tasks never become healthy and the ECS deployment does not stabilize",
                f'point the health check at "/" (what {stock} serves), or run the application image '
                "(ecs.ContainerImage.from_ecr_repository(repo, tag) or from_asset(...)) that serves that path")


def _owner(view: SourceView, node: ast.AST) -> ast.AST | None:
    """The class that contains ``node``, else the module (None)."""
    return view.enclosing_class(node)


def _holders(view: SourceView, image: ast.Call, depth: int = 2):
    """The calls that take ``image`` as a keyword argument, directly or one level up."""
    node: ast.AST = image
    for _ in range(depth):
        keyword = view.parent(node)
        holder = view.parent(keyword) if isinstance(keyword, ast.keyword) else None
        if not isinstance(holder, ast.Call):
            return
        yield holder
        node = holder


def _strings(node: ast.AST | None):
    if node is None:
        return
    for sub in ast.walk(node):
        if isinstance(sub, ast.Constant) and isinstance(sub.value, str):
            yield sub.value


def _path_checks(view: SourceView, owner: ast.AST | None):
    """``(call, path constant)`` for the HTTP health checks with a literal path in ``owner``."""
    for call in view.calls():
        if _owner(view, call) is not owner:
            continue
        func = call.func
        name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
        owner_name = func.value.attr if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Attribute) else (
            func.value.id if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) else "")
        is_check = (name == "configure_health_check" or name.endswith("HealthCheck")
                    or (owner_name.endswith("HealthCheck") and name in ("http", "http2")))
        if not is_check:
            continue
        path = ast_keyword(call, "path")
        if isinstance(path, ast.Constant) and isinstance(path.value, str):
            yield call, path
