"""CDK005: a CDK name taken from a module that does not define it (``lambda_.LogGroup`` → ``logs.LogGroup``)."""

from __future__ import annotations

import ast
import bisect

import libcst as cst

from cdkfix.imports import ImportRequest
from cdkfix.rule import AstRule, Case
from cdkfix.spans import Edit
from codemods._helpers import (
    ast_dotted,
    expr,
    index,
    prefilter_index,
    triggered_prescan,
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


class WrongModule(AstRule):
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

    An :class:`~cdkfix.rule.AstRule`: the references are found on the stdlib tree (``X.Name`` attributes
    and ``from X import`` statements, in source order), an ``X`` bound other than by a module-level import
    (a parameter or local named ``lambda_``) is not trusted, and each fix rewrites just the attribute
    expression (with its grouping parentheses) or the import statement; the imports a fix needs go with it.
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

    @classmethod
    def may_fire(cls, source: str) -> bool:
        """Conservative: True when some ``X.Name`` / ``from X import Name`` has an aws-cdk-lib module ``X``
        lacking ``Name`` that another module defines (per the run's API index)."""
        scan = triggered_prescan(cls, source)
        if scan is None:
            return False
        if not scan.imports_under((CORE,)):
            return False
        api = prefilter_index()
        # ``missing_members`` are the pairs ``_missing`` says yes to, each once.
        return any(_home(api, name, module) != (None, []) for module, name in scan.missing_members(api, CORE))

    @property
    def api(self):
        if self._api is None:
            self._api = index(self.options)
        return self._api

    # -- deciding -------------------------------------------------------------------------------------
    def _trusted_module(self, node: ast.expr) -> str | None:
        """The aws-cdk-lib module an expression names through the imports (not a rebound local)."""
        dotted = ast_dotted(node)
        module = self.imports.resolve_dotted(dotted)
        if module is None or module.partition(".")[0] != CORE or not self.api.has_module(module):
            return None
        return None if dotted.partition(".")[0] in self.scan.rebound_names else module  # type: ignore[union-attr]

    def check(self) -> None:
        """Visit every ``X.Name`` and ``from X import Name`` in source order (the order a LibCST traversal
        met them, so imports are requested in the same order)."""
        self._api = None
        found = [node for node in self.scan.attributes if node.attr[:1].isupper()]  # type: ignore[union-attr]
        found.extend(self.scan.import_froms)  # type: ignore[union-attr]
        found.sort(key=lambda node: (node.lineno, node.col_offset))
        for node in found:
            if isinstance(node, ast.Attribute):
                self._attribute(node)
            else:
                self._import_from(node)

    # -- X.Name ---------------------------------------------------------------------------------------
    def _attribute(self, node: ast.Attribute) -> None:
        """``lambda_.LogGroup`` -> ``logs.LogGroup`` (the module that defines the name)."""
        name = node.attr
        module = self._trusted_module(node.value)
        if module is None or not _missing(self.api, module, name):
            return
        target, candidates = _home(self.api, name, module)
        if target is None:
            if candidates:
                self.report(node, f"`{_short(module)}` has no `{name}`; it is defined in "
                            + ", ".join(f"`{_short(c)}`" for c in candidates) + ": choose one",
                            suggestion=", ".join(f"{c}.{name}" for c in candidates))
            return
        head = ast_dotted(node.value).partition(".")[0]  # type: ignore[union-attr]
        if target == CORE or self.imports.bindings.get(head) == CORE:
            # `IAspect`, `cdk.IAspect`, `cdk.aws_logs.LogGroup`
            spelled = self.use_name(f"{target}.{name}")
        else:
            spelled = f"{self.use_module(target)}.{name}"
        # `(lambda_.LogGroup)(...)`: the replacement takes the grouping parentheses' place, as replacing a
        # parenthesized LibCST node does; the finding stays at the attribute itself. The imports staged above
        # go with the fix, and a later fix spells the same names the same way (``promised_imports``).
        self.rewrite(self._with_parentheses(node), lambda _: expr(spelled),
                     f"`{_short(module)}` has no `{name}`; it is in `{_short(target)}`", at=node)

    def _with_parentheses(self, node: ast.expr) -> ast.expr:
        """``node``, or a copy whose span takes in the grouping parentheses around it (``(x.Y)``, not the
        parentheses of a call ``f(x.Y)`` or of a class's bases). Parentheses with a comment between them and
        the node are not seen (the node alone is replaced, so the comment is kept)."""
        source, lines = self.source, self.lines
        start, end = lines.span(node)  # type: ignore[union-attr]
        opened: list[int] = []
        i = start - 1
        while i >= 0 and source[i] in " \t\f\r\n\\(":
            if source[i] == "(":
                opened.append(i)
            i -= 1
        closed: list[int] = []
        j = end
        while j < len(source) and source[j] in " \t\f\r\n\\)":
            if source[j] == ")":
                closed.append(j)
            j += 1
        count = min(len(opened), len(closed))
        if not count:
            return node
        parent = self.scan.parents.get(id(node))  # type: ignore[union-attr]  # (computed on first use)
        if isinstance(parent, (ast.Call, ast.ClassDef)) and not parent.keywords:
            inside = parent.args if isinstance(parent, ast.Call) else parent.bases
            if len(inside) == 1 and inside[0] is node:
                count -= 1  # `f(x.Y)`, `class A(x.Y)`: the innermost pair is the call's or the bases'
        if not count:
            return node
        span = ast.Attribute(value=node.value, attr=node.attr, ctx=node.ctx)  # type: ignore[attr-defined]
        span.lineno, span.col_offset = _position(lines, opened[count - 1])
        span.end_lineno, span.end_col_offset = _position(lines, closed[count - 1] + 1)
        return span

    # -- from X import Name ---------------------------------------------------------------------------
    def _import_from(self, node: ast.ImportFrom) -> None:
        """``from aws_cdk.aws_lambda import LogGroup`` -> ``from aws_cdk.aws_logs import LogGroup``."""
        module = node.module
        if node.level or module is None or any(alias.name == "*" for alias in node.names):
            return
        if module.partition(".")[0] != CORE or not self.api.has_module(module):
            return
        moves: list[tuple[int, ast.alias, str]] = []
        made: list[int] = []  # the findings of the moves, which the statement's one edit makes
        for i, alias in enumerate(node.names):
            name = alias.name
            if "." in name or not _missing(self.api, module, name):
                continue
            target, candidates = _home(self.api, name, module)
            if target is None:
                if candidates:
                    self.report(alias, f"`{_short(module)}` has no `{name}`; it is defined in "
                                + ", ".join(f"`{_short(c)}`" for c in candidates) + ": choose one",
                                suggestion=", ".join(f"from {c} import {name}" for c in candidates))
                continue
            if self.record_fix(alias, f"`{_short(module)}` has no `{name}`; import it from `{_short(target)}`"):
                moves.append((i, alias, target))
                made.append(len(self.findings_so_far) - 1)
        if not moves:
            return
        # The same decisions the builder makes, taken here: which aliases leave the statement (each one
        # needs an import of its own) and which one becomes the statement's new module.
        count = len(node.names)
        promised = self.promised_imports
        requests: list[ImportRequest] = []
        whole = len(moves) == count and len({target for _, _, target in moves}) == 1
        plan: list[tuple[int, str | None]] = []  # (alias index, new module) in the builder's order
        if whole:
            plan.append((-1, moves[0][2]))
        else:
            for i, alias, target in reversed(moves):
                if count == 1:
                    plan.append((-1, target))
                    continue
                count -= 1
                plan.append((i, None))
                request = ImportRequest(target, alias.name, alias.asname if alias.asname != alias.name else None)
                if request not in promised and request not in requests:
                    requests.append(request)

        def build(statement: cst.CSTNode) -> cst.CSTNode:
            result = statement
            for i, target in plan:
                if target is not None:
                    result = result.with_changes(module=expr(target))
                else:
                    result = without_import_alias(result, i)  # type: ignore[arg-type]
            return result

        # One edit of the statement for the findings of its aliases: its imports go with it, and the findings
        # are withdrawn with it if it cannot be made.
        self.queue(Edit(node, build, made[0], requests, also=tuple(made[1:])))


def _position(lines, offset: int) -> tuple[int, int]:
    """``ast``'s (1-based line, UTF-8 byte column) of a character offset in the source of ``lines``."""
    line = bisect.bisect_right(lines.starts, offset)
    start = lines.starts[line - 1]
    return line, len(lines.source[start:offset].encode("utf-8"))


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
