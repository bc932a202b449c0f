"""CDK004: ``route53.targets.X`` → ``route53_targets.X`` (a sibling module spelled as an attribute)."""

from __future__ import annotations

import ast

from cdkfix.rule import AstRule, Case
from codemods._helpers import ast_dotted, expr, index, prefilter_index, prescan


_SUFFIXES: dict[int, frozenset[str]] = {}


def _companion_suffixes(api) -> frozenset[str]:
    """Every ``<sub>`` of a companion module ``aws_cdk.aws_<x>_<sub>`` whose service module ``aws_cdk.aws_<x>``
    exists (``targets``, ``patterns``, ``actions``...), once per API index."""
    key = id(api)
    if key not in _SUFFIXES:
        modules = set(api.modules)
        _SUFFIXES[key] = frozenset(
            module[len(parent) + 1:] for module in modules if module.startswith("aws_cdk.aws_")
            for parent in [module.rsplit("_", i)[0] for i in range(1, module.count("_"))] if parent in modules)
    return _SUFFIXES[key]


class SubmoduleAsAttribute(AstRule):
    """Replaces ``<module>.<sub>`` with the separate module ``aws_cdk.<module>_<sub>``, imported in the file's style.

    aws-cdk-lib ships companion modules beside a service module: ``aws_route53_targets``,
    ``aws_events_targets``, ``aws_cloudwatch_actions``, ``aws_s3_notifications``,
    ``aws_lambda_event_sources``, ``aws_elasticloadbalancingv2_targets``… Generated code often reaches them
    as an attribute of the service module (``route53.targets.LoadBalancerTarget``), which does not exist.
    The rule fires only when the service module has no member of that name and the companion module
    exists in the API index; the import uses the alias the file already has, or the conventional one.
    """

    code = "CDK004"
    name = "submodule-as-attribute"
    title = "Companion module reached as an attribute (`route53.targets`) instead of imported"
    why = """
        `aws_route53` has no attribute `targets`: the alias targets live in the separate module
        `aws_route53_targets`, which must be imported. Python stops at the first use:

            AttributeError: module 'aws_cdk.aws_route53' has no attribute 'targets'
    """
    source = "seeds/003_970a9f3b40132c4b.txt §3 (Missing Route53 Targets Import)"
    synth_error = "module 'aws_cdk.aws_route53' has no attribute 'targets'"
    cases = (
        Case(
            "CDK004-invalid-multiline-import-block",
            """
            from aws_cdk import (
                Stack,
                aws_route53 as route53,
            )
            target = route53.RecordTarget.from_alias(route53.targets.LoadBalancerTarget(alb))
            """,
            """
            from aws_cdk import (
                Stack,
                aws_route53 as route53,
                aws_route53_targets as route53_targets,
            )
            target = route53.RecordTarget.from_alias(route53_targets.LoadBalancerTarget(alb))
            """,
        ),
        Case(
            "CDK004-invalid-existing-alias",
            """
            from aws_cdk import aws_route53 as r53, aws_route53_targets as r53t
            t = r53.targets.CloudFrontTarget(dist)
            """,
            """
            from aws_cdk import aws_route53 as r53, aws_route53_targets as r53t
            t = r53t.CloudFrontTarget(dist)
            """,
        ),
        Case(
            "CDK004-invalid-events-targets",
            """
            from aws_cdk import aws_events as events
            rule.add_target(events.targets.LambdaFunction(fn))
            """,
            """
            from aws_cdk import aws_events as events, aws_events_targets as targets
            rule.add_target(targets.LambdaFunction(fn))
            """,
        ),
        Case(
            "CDK004-invalid-name-taken",
            """
            from aws_cdk import aws_events as events
            targets = []
            rule.add_target(events.targets.LambdaFunction(fn))
            """,
            """
            from aws_cdk import aws_events as events, aws_events_targets
            targets = []
            rule.add_target(aws_events_targets.LambdaFunction(fn))
            """,
        ),
        Case(
            "CDK004-invalid-ecs-patterns",
            """
            from aws_cdk import aws_ecs as ecs
            service = ecs.patterns.ApplicationLoadBalancedFargateService(self, "Web", cluster=cluster)
            """,
            """
            from aws_cdk import aws_ecs as ecs, aws_ecs_patterns as ecs_patterns
            service = ecs_patterns.ApplicationLoadBalancedFargateService(self, "Web", cluster=cluster)
            """,
        ),
        Case(
            "CDK004-valid-real-attribute",
            """
            from aws_cdk import aws_route53_targets as targets, aws_ec2 as ec2
            t = targets.LoadBalancerTarget(alb)
            other.targets.append(1)
            """,
        ),
        Case(
            "CDK004-valid-unknown-name-in-companion",
            """
            from aws_cdk import aws_route53 as route53
            t = route53.targets.NoSuchTarget(alb)
            """,
        ),
    )

    @classmethod
    def may_fire(cls, source: str) -> bool:
        """Only ``<module>.<sub>`` where the service module has no ``<sub>`` and ``<module>_<sub>`` is a module
        (any companion the index knows: ``.targets``, ``.patterns``, ``.nodejs``, ``.deployment``…)."""
        scan = prescan(source)
        if scan is None:
            return False  # not Python the stdlib accepts: the engine reports the syntax error
        api = prefilter_index()
        suffixes = _companion_suffixes(api)
        if suffixes.isdisjoint(scan.attribute_names):  # the usual case, decided without a loop
            return False
        for node in scan.attributes:
            if node.attr not in suffixes:  # a set lookup first: most attributes are no companion's name
                continue
            for parent in scan.resolve_all(node.value):
                if not parent.startswith("aws_cdk.aws_"):
                    continue
                if (api.has_module(parent) and api.has_module(f"{parent}_{node.attr}")
                        and node.attr not in api.names(parent)):
                    return True
        return False

    def check(self) -> None:
        """``<service module>.<sub>`` where ``aws_cdk.<service>_<sub>`` is a module."""
        api = index(self.options)
        parents = self.scan.parents
        for node in self.scan.attributes:
            parent = self.imports.resolve_dotted(ast_dotted(node.value))
            if parent is None or not parent.startswith("aws_cdk.aws_"):
                continue
            sub = node.attr
            companion = f"{parent}_{sub}"
            if not api.has_module(parent) or not api.has_module(companion) or sub in api.names(parent):
                continue
            outer = parents.get(id(node))  # the name taken from the companion: `X` of `route53.targets.X`
            used = outer.attr if isinstance(outer, ast.Attribute) and outer.value is node else None
            if used is not None and used not in api.names(companion):
                continue
            alias = self.use_module(companion)
            self.rewrite(node, lambda _, alias=alias: expr(alias),
                         f"`{parent.rsplit('.', 1)[-1]}` has no `{sub}`; use the module `{companion}`")
