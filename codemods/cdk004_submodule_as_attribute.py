"""CDK004: ``route53.targets.X`` → ``route53_targets.X`` (a sibling module spelled as an attribute)."""

from __future__ import annotations

import libcst as cst

from cdkfix.rule import Case, Rule
from codemods._helpers import expr, index, prefilter_index, prescan


class SubmoduleAsAttribute(Rule):
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
        api = None
        for node in scan.attributes:
            for parent in scan.resolve_all(node.value):
                if not parent.startswith("aws_cdk.aws_"):
                    continue
                api = api or prefilter_index()
                if (api.has_module(parent) and api.has_module(f"{parent}_{node.attr}")
                        and node.attr not in api.names(parent)):
                    return True
        return False

    def leave_Attribute(self, original_node: cst.Attribute, updated_node: cst.Attribute) -> cst.BaseExpression:
        """``<service module>.<sub>`` where ``aws_cdk.<service>_<sub>`` is a module."""
        parent = self.imports.resolve(original_node.value)
        if parent is None or not parent.startswith("aws_cdk.aws_"):
            return updated_node
        api = index(self.options)
        sub = original_node.attr.value
        companion = f"{parent}_{sub}"
        if not api.has_module(parent) or not api.has_module(companion) or sub in api.names(parent):
            return updated_node
        used = self._names_used_after(original_node)
        if used is not None and used not in api.names(companion):
            return updated_node
        alias = self.use_module(companion)
        return self.fix(original_node, updated_node, expr(alias),
                        f"`{parent.rsplit('.', 1)[-1]}` has no `{sub}`; use the module `{companion}`")

    def visit_Module(self, node: cst.Module) -> bool | None:
        """Remember each attribute's parent so the name taken from the companion can be checked."""
        self._member_of: dict[int, str] = {}
        return super().visit_Module(node)

    def visit_Attribute(self, node: cst.Attribute) -> bool | None:
        """Record ``X`` for the inner ``route53.targets`` of ``route53.targets.X``."""
        if isinstance(node.value, cst.Attribute):
            self._member_of[id(node.value)] = node.attr.value
        return True

    def _names_used_after(self, node: cst.Attribute) -> str | None:
        return self._member_of.get(id(node))
