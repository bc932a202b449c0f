"""CDK005: a CDK name taken from a module that does not define it (``lambda_.LogGroup`` → ``logs.LogGroup``)."""

from __future__ import annotations

import libcst as cst

from cdkfix.imports import request_import
from cdkfix.rule import Case, Rule
from codemods._helpers import (
    dotted_name,
    expr,
    index,
    prefilter_index,
    prescan,
    rebound_names,
    without_import_alias,
)

CORE = "aws_cdk"


def _service(module: str) -> str:
    """The service word of a module: ``aws_cdk.aws_lambda_event_sources`` -> ``lambda``; core -> ``""``."""
    leaf = module.rsplit(".", 1)[-1] if module != CORE else ""
    parts = leaf.split("_")
    return parts[1] if len(parts) > 1 and parts[0] == "aws" else leaf


def _short(module: str) -> str:
    return module if module == CORE else module.rsplit(".", 1)[-1]


class WrongModule(Rule):
    """Moves a CDK name to the module that defines it, importing that module in the file's style.

    ``X.Name`` (or ``from X import Name``) where the aws-cdk-lib module ``X`` has no ``Name``: the API
    index says which modules define it. The core module ``aws_cdk`` wins when it is one of them
    (``s3.RemovalPolicy`` → ``RemovalPolicy``, ``ec2.IAspect`` → ``IAspect`` or ``cdk.IAspect``); else the
    only module defining it (``lambda_.LogGroup`` → ``logs.LogGroup``, ``aws_cloudwatch.SnsAction`` →
    ``cloudwatch_actions.SnsAction``); else the one module of the same service (a companion:
    ``elbv2.InstanceTarget`` → ``elbv2_targets.InstanceTarget``, not the classic ``elb``). When several
    unrelated modules define the name (``apigw.HttpMethod``), the rule reports the candidates instead.

    The new reference keeps the file's style: ``cdk.aws_lambda.LogGroup`` becomes ``cdk.aws_logs.LogGroup``,
    an aliased module gets its existing alias or the conventional one (added to the file's
    ``from aws_cdk import (...)`` block), a from-import moves to the right module and keeps its local name.
    Names of the ``constructs`` library (``core.Construct``) are left to CDK101, modules that do not exist
    at all (``aws_elbv2``) to CDK100, and a name that no module defines is not this rule's business.
    """

    code = "CDK005"
    name = "wrong-module"
    title = "CDK name taken from a module that does not define it"
    why = """
        Every aws-cdk-lib submodule defines its own names: log groups live in `aws_logs`, alarm actions
        in `aws_cloudwatch_actions`, removal policies and aspects in the core `aws_cdk`. Taking a name
        from another module fails as soon as the line runs:

            AttributeError: module 'aws_cdk.aws_ec2' has no attribute 'IAspect'
            AttributeError: module 'aws_cdk.aws_lambda' has no attribute 'LogGroup'
            ImportError: cannot import name 'LogGroup' from 'aws_cdk.aws_lambda'
    """
    source = ("seeds/004_e94ce7889cc0bc1d.txt §3 (`lambda_.LogGroup`, `lambda_.RetentionDays`) and §4 "
              "(`aws_cloudwatch.SnsAction`); seeds/001_67a89cab5212e2c0.txt §4 (`ecs.DnsRecordType`); "
              "seeds/003_970a9f3b40132c4b.txt §2 (`ec2.IAspect`); DESIGN.md table: symbol taken from the "
              "wrong module (13% of failures: `s3.RemovalPolicy`, `lambda_.SqsEventSource`, "
              "`elbv2.InstanceTarget`)")
    triggers = ("aws_cdk",)
    lazy_positions = True
    synth_error = "module 'aws_cdk.aws_ec2' has no attribute 'IAspect'"
    cases = (
        Case(
            "CDK005-invalid-log-group-from-lambda",
            """
            from aws_cdk import (
                Stack,
                aws_lambda as lambda_,
            )
            log_group = lambda_.LogGroup(
                self,
                "Logs",
                retention=lambda_.RetentionDays.ONE_WEEK,  # a week is enough
            )
            """,
            """
            from aws_cdk import (
                Stack,
                aws_lambda as lambda_,
                aws_logs as logs,
            )
            log_group = logs.LogGroup(
                self,
                "Logs",
                retention=logs.RetentionDays.ONE_WEEK,  # a week is enough
            )
            """,
        ),
        Case(
            "CDK005-invalid-existing-alias-reused",
            """
            from aws_cdk import aws_cloudwatch, aws_cloudwatch_actions as cw_actions
            alarm.add_alarm_action(aws_cloudwatch.SnsAction(topic))
            """,
            """
            from aws_cdk import aws_cloudwatch, aws_cloudwatch_actions as cw_actions
            alarm.add_alarm_action(cw_actions.SnsAction(topic))
            """,
        ),
        Case(
            "CDK005-invalid-core-name-from-import",
            """
            import jsii
            from aws_cdk import Stack, aws_ec2 as ec2

            @jsii.implements(ec2.IAspect)
            class Encrypted:
                def visit(self, node):
                    pass

            bucket = s3.Bucket(self, "B", removal_policy=s3.RemovalPolicy.DESTROY)
            """,
            """
            import jsii
            from aws_cdk import Stack, aws_ec2 as ec2, IAspect

            @jsii.implements(IAspect)
            class Encrypted:
                def visit(self, node):
                    pass

            bucket = s3.Bucket(self, "B", removal_policy=s3.RemovalPolicy.DESTROY)
            """,
        ),
        Case(
            "CDK005-invalid-core-name-cdk-alias",
            """
            import aws_cdk as cdk
            from aws_cdk import aws_s3 as s3
            bucket = s3.Bucket(self, "B", removal_policy=s3.RemovalPolicy.DESTROY)
            """,
            """
            import aws_cdk as cdk
            from aws_cdk import aws_s3 as s3
            bucket = s3.Bucket(self, "B", removal_policy=cdk.RemovalPolicy.DESTROY)
            """,
        ),
        Case(
            "CDK005-invalid-cdk-attribute-chain",
            """
            import aws_cdk as cdk
            log_group = cdk.aws_lambda.LogGroup(self, "Logs")
            """,
            """
            import aws_cdk as cdk
            log_group = cdk.aws_logs.LogGroup(self, "Logs")
            """,
        ),
        Case(
            "CDK005-invalid-companion-tie-break",
            """
            from aws_cdk import aws_elasticloadbalancingv2 as elbv2, aws_lambda as lambda_, aws_events as events
            group.add_target(elbv2.InstanceTarget(instance))
            fn.add_event_source(lambda_.SqsEventSource(queue))
            rule.add_target(events.LambdaFunction(fn))
            """,
            """
            from aws_cdk import aws_elasticloadbalancingv2 as elbv2, aws_lambda as lambda_, aws_events as events, aws_elasticloadbalancingv2_targets as elbv2_targets, aws_lambda_event_sources as lambda_event_sources, aws_events_targets as targets
            group.add_target(elbv2_targets.InstanceTarget(instance))
            fn.add_event_source(lambda_event_sources.SqsEventSource(queue))
            rule.add_target(targets.LambdaFunction(fn))
            """,
        ),
        Case(
            "CDK005-invalid-from-import-moved",
            """
            from aws_cdk.aws_lambda import Function, LogGroup as LG, Runtime
            from aws_cdk.aws_ecs import DnsRecordType
            group = LG(self, "Logs")
            """,
            """
            from aws_cdk.aws_lambda import Function, Runtime
            from aws_cdk.aws_servicediscovery import DnsRecordType
            from aws_cdk.aws_logs import LogGroup as LG
            group = LG(self, "Logs")
            """,
        ),
        Case(
            "CDK005-invalid-from-aws-cdk-vertical-block",
            """
            from aws_cdk import (
                Stack,
                LogGroup,  # logs
                aws_s3 as s3,
            )
            """,
            """
            from aws_cdk import (
                Stack,
                aws_s3 as s3,
            )
            from aws_cdk.aws_logs import LogGroup
            """,
        ),
        Case(
            "CDK005-finding-unrelated-candidates",
            """
            from aws_cdk import aws_apigateway as apigw
            method = apigw.HttpMethod.GET
            """,
            finding=True,
        ),
        Case(
            "CDK005-valid-name-exists",
            """
            import aws_cdk as cdk
            from aws_cdk import aws_logs as logs, aws_lambda as lambda_
            from aws_cdk.aws_lambda import Function
            group = logs.LogGroup(self, "L", retention=logs.RetentionDays.ONE_WEEK)
            fn = lambda_.Function(self, "F", runtime=lambda_.Runtime.PYTHON_3_12)
            mod = cdk.aws_lambda
            """,
        ),
        Case(
            "CDK005-valid-shadowed-alias",
            """
            from aws_cdk import aws_lambda as lambda_

            def make(lambda_):
                return lambda_.LogGroup()
            """,
        ),
        Case(
            "CDK005-valid-not-cdk-and-user-classes",
            """
            import logging as lambda_
            from mylib import aws_lambda
            group = lambda_.LogGroup()
            other = aws_lambda.LogGroup()
            class LogGroup:
                pass
            """,
        ),
        Case(
            "CDK005-valid-left-to-other-rules",
            """
            import aws_cdk as core
            from aws_cdk import aws_elbv2 as elbv2
            scope: core.Construct = None
            alb = elbv2.ApplicationLoadBalancer(self, "Alb")
            x = core.NoSuchNameAnywhere
            """,
        ),
    )

    def visit_Module(self, node: cst.Module) -> bool | None:
        self._api = None
        self._rebound: frozenset[str] | None = None
        return super().visit_Module(node)

    @classmethod
    def may_fire(cls, source: str) -> bool:
        """Conservative: True when some ``X.Name`` / ``from X import Name`` has an aws-cdk-lib module ``X``
        lacking ``Name`` that another module defines (per the run's API index)."""
        if not super().may_fire(source):
            return False
        scan = prescan(source)
        if scan is None:
            return False  # not Python the stdlib accepts: the engine reports the syntax error
        if not any(target.partition(".")[0] == CORE for targets in scan.bindings.values() for target in targets):
            return False
        api = prefilter_index()
        seen: dict[tuple[str, str], bool] = {}

        def actionable(module_name: str, name: str) -> bool:
            key = (module_name, name)
            if key not in seen:
                seen[key] = _missing(api, module_name, name) and _home(api, name, module_name) != (None, [])
            return seen[key]

        for node in scan.attributes:
            if node.attr[:1].isupper() and any(module.partition(".")[0] == CORE and actionable(module, node.attr)
                                               for module in scan.resolve_all(node.value)):
                return True
        for node in scan.import_froms:
            if node.module.partition(".")[0] == CORE and any(actionable(node.module, alias.name)  # type: ignore[union-attr]
                                                             for alias in node.names):
                return True
        return False

    @property
    def api(self):
        if self._api is None:
            self._api = index(self.options)
        return self._api

    # -- deciding -------------------------------------------------------------------------------------
    def _home(self, name: str, module: str) -> tuple[str | None, list[str]]:
        """Where ``name`` (missing from ``module``) lives: (the module, []) or (None, candidates)."""
        return _home(self.api, name, module)

    def _missing(self, module: str, name: str) -> bool:
        """``name`` is a type-like name that ``module`` (a known aws-cdk-lib module) lacks."""
        return _missing(self.api, module, name)

    def _trusted_module(self, node: cst.BaseExpression) -> str | None:
        """The aws-cdk-lib module an expression names through the imports (not a rebound local)."""
        dotted = dotted_name(node)
        if dotted is None:
            return None
        head = dotted.partition(".")[0]
        target = self.imports.bindings.get(head)
        if target is None or target.partition(".")[0] != CORE:
            return None
        module = self.imports.resolve(node)
        if module is None or not self.api.has_module(module):
            return None
        if self._rebound is None:
            assert self.module_node is not None
            self._rebound = rebound_names(self.module_node)
        return None if head in self._rebound else module

    # -- X.Name ---------------------------------------------------------------------------------------
    def visit_Import(self, node: cst.Import) -> bool:
        return False

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        return False

    def leave_Attribute(self, original_node: cst.Attribute, updated_node: cst.Attribute) -> cst.BaseExpression:
        """``lambda_.LogGroup`` -> ``logs.LogGroup`` (the module that defines the name)."""
        name = original_node.attr.value
        if not name[:1].isupper():
            return updated_node
        module = self._trusted_module(original_node.value)
        if module is None or not self._missing(module, name):
            return updated_node
        target, candidates = self._home(name, module)
        if target is None:
            if candidates:
                self.report(original_node, f"`{_short(module)}` has no `{name}`; it is defined in "
                            + ", ".join(f"`{_short(c)}`" for c in candidates) + ": choose one",
                            suggestion=", ".join(f"{c}.{name}" for c in candidates))
            return updated_node
        head = dotted_name(original_node.value).partition(".")[0]  # type: ignore[union-attr]
        if target == CORE or self.imports.bindings.get(head) == CORE:
            spelled = self.use_name(f"{target}.{name}")  # `IAspect`, `cdk.IAspect`, `cdk.aws_logs.LogGroup`
        else:
            spelled = f"{self.use_module(target)}.{name}"
        return self.fix(original_node, updated_node, expr(spelled),
                        f"`{_short(module)}` has no `{name}`; it is in `{_short(target)}`")

    # -- from X import Name ---------------------------------------------------------------------------
    def leave_ImportFrom(self, original_node: cst.ImportFrom, updated_node: cst.ImportFrom) -> cst.ImportFrom:
        """``from aws_cdk.aws_lambda import LogGroup`` -> ``from aws_cdk.aws_logs import LogGroup``."""
        if original_node.relative or isinstance(original_node.names, cst.ImportStar):
            return updated_node
        module = dotted_name(original_node.module) if original_node.module is not None else None
        if module is None or module.partition(".")[0] != CORE or not self.api.has_module(module):
            return updated_node
        moves: list[tuple[int, cst.ImportAlias, str]] = []
        for i, alias in enumerate(original_node.names):
            name = dotted_name(alias.name)
            if name is None or "." in name or not self._missing(module, name):
                continue
            target, candidates = self._home(name, module)
            if target is None:
                if candidates:
                    self.report(alias, f"`{_short(module)}` has no `{name}`; it is defined in "
                                + ", ".join(f"`{_short(c)}`" for c in candidates) + ": choose one",
                                suggestion=", ".join(f"from {c} import {name}" for c in candidates))
                continue
            if self.record_fix(alias, f"`{_short(module)}` has no `{name}`; import it from `{_short(target)}`"):
                moves.append((i, alias, target))
        if not moves:
            return updated_node
        names = list(updated_node.names)  # type: ignore[arg-type]
        if len(moves) == len(names) and len({target for _, _, target in moves}) == 1:
            return updated_node.with_changes(module=expr(moves[0][2]))
        result = updated_node
        for i, alias, target in reversed(moves):
            if len(result.names) == 1:  # type: ignore[arg-type]
                result = result.with_changes(module=expr(target))
                continue
            result = without_import_alias(result, i)
            asname = alias.asname.name.value if alias.asname is not None else None  # type: ignore[union-attr]
            request_import(self.context, target, dotted_name(alias.name), asname)
        return result


# -- what the index says (shared by the prefilter and the traversal) ----------------------------------------

def _home(api, name: str, module: str) -> tuple[str | None, list[str]]:
    """Where ``name`` (missing from ``module``) lives: (the module, []) or (None, candidates)."""
    candidates = [m for m in api.modules_defining(name)
                  if m != module and (m == CORE or (m.startswith(CORE + ".") and m.count(".") == 1
                                                     and m != CORE + ".interfaces"))]
    if CORE in candidates:
        return CORE, []
    if len(candidates) == 1:
        return candidates[0], []
    same_service = [m for m in candidates if _service(module) and _service(m) == _service(module)]
    if len(same_service) == 1:
        return same_service[0], []
    return None, candidates


def _missing(api, module: str, name: str) -> bool:
    """``name`` is a type-like name that ``module`` (a known aws-cdk-lib module) lacks."""
    return (name[:1].isupper() and api.has_module(module) and name not in api.names(module)
            and not api.has_module(f"{module}.{name}"))
