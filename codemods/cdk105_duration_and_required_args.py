"""CDK105: a number where a `Duration` is required (`timeout=30`), and required arguments left out."""

from __future__ import annotations

import ast as _ast
import re

import libcst as cst

from cdkfix.imports import expr
from cdkfix.rule import AstRule, Case
from codemods._callees import CallSpans
from codemods._helpers import (
    call_signature,
    dotted_name,
    index,
    is_assignable,
    prefilter_index,
    produced_type,
    signature_facts,
    triggered_prescan,
    with_keyword,
)

DURATION = "aws-cdk-lib.Duration"
#: CDK001 (appmesh-route-mesh) owns the missing App Mesh ``mesh``.
_OWNED_ELSEWHERE = frozenset({"aws-cdk-lib.aws_appmesh.IMesh"})
#: Static methods whose jsii struct parameter is optional in TypeScript with every field documented as on
#: by default, but whose Python binding makes every field a required keyword (`fields?:
#: JsonWithStandardFieldProps`, "All fields are turned on by default"). Called with no keyword at all,
#: the TypeScript default is exact: every field True. Checked by ``tests/test_cdk105_duration_and_required_args.py``.
ALL_ON_BY_DEFAULT = frozenset({"aws_cdk.aws_apigateway.AccessLogFormat.json_with_standard_fields"})

_UNITS = {"second": "seconds", "seconds": "seconds", "secs": "seconds", "minute": "minutes",
          "minutes": "minutes", "mins": "minutes", "hour": "hours", "hours": "hours", "day": "days",
          "days": "days"}
_UNIT_SUFFIX = re.compile(r"^(?P<base>.+?)_(?:in_)?(?P<unit>seconds|secs|minutes|mins|hours|days)$")
#: Words of prop names measured in seconds in CloudFormation (Lambda Timeout, SQS VisibilityTimeout, ASG
#: HealthCheckGracePeriod, target group DeregistrationDelay, CloudWatch Period, Route 53 TTL, cooldowns).
_SECONDS_WORDS = ("timeout", "interval", "delay", "cooldown", "grace", "ttl", "warmup", "heartbeat", "wait",
                  "window", "period", "duration", "max_age", "event_age", "record_age")
#: Words of prop names measured in days (log/backup retention, lifecycle expiration and transitions).
_DAYS_WORDS = ("retention", "expiration", "expiry", "expire", "_after", "lifetime", "validity")


def _number(node: cst.BaseExpression) -> bool:
    """A number literal, or arithmetic on number literals (``5 * 60``)."""
    if isinstance(node, (cst.Integer, cst.Float)):
        return True
    if isinstance(node, cst.BinaryOperation):
        return (isinstance(node.operator, (cst.Add, cst.Subtract, cst.Multiply))
                and _number(node.left) and _number(node.right))
    if isinstance(node, cst.UnaryOperation):
        return isinstance(node.operator, cst.Plus) and _number(node.expression)
    return False


def _ast_number(node: _ast.expr) -> bool:
    """:func:`_number` for the standard library's ast."""
    if isinstance(node, _ast.Constant):
        return type(node.value) in (int, float)
    if isinstance(node, _ast.BinOp):
        return isinstance(node.op, (_ast.Add, _ast.Sub, _ast.Mult)) and _ast_number(node.left) and _ast_number(node.right)
    if isinstance(node, _ast.UnaryOp):
        return isinstance(node.op, _ast.UAdd) and _ast_number(node.operand)
    return False


def _short(typeref: str) -> str:
    return typeref.rsplit(".", 1)[-1]


class DurationAndRequiredArgs(CallSpans, AstRule):
    """Wraps a number passed for a ``Duration`` prop in ``Duration.<unit>(...)``; fills or reports required
    arguments a call leaves out.

    **Duration.** The API index gives each keyword's type; a number literal (or arithmetic on numbers)
    passed for a prop typed ``aws-cdk-lib.Duration`` is wrapped. The unit is decided, in this order:

    1. the CloudFormation twin of the class (``Cfn<Name>`` in the same module) has a number property of
       that name with a unit (``codebuild.Project(timeout=60)``: ``CfnProject.timeout_in_minutes`` →
       ``Duration.minutes(60)``; ``kms.Key(pending_window=7)`` → ``Duration.days(7)``): safe;
    2. the prop's name measures something in seconds (timeout, interval, delay, cooldown, grace, ttl,
       period…): ``Duration.seconds``, safe. CloudFormation's numeric durations are seconds unless their
       name carries another unit (``TimeoutInMinutes``), and such props became ``Duration`` in the CDK,
       so a bare number written for them is in seconds; a prop that was already a number in another unit
       keeps its unit in its CDK name (``..._minutes``) and stays a number;
    3. a prop measured in days (retention, expiration, ``transition_after``): ``Duration.days``, unsafe;
       anything else ``Duration.seconds``, unsafe (the unit is a guess, said in the message).

    **Required arguments.** A constructor, struct or static method called without a required keyword
    (and no ``**kwargs``): when exactly one other argument is a plain name whose type has a property of
    that name and type (``BasePathMapping(stage=s)`` → ``rest_api=s.rest_api``), it is filled from there
    (the two must belong together); a method whose optional TypeScript options default to every flag on
    (``AccessLogFormat.json_with_standard_fields()``) gets them all ``True``. Anything else is reported
    with the missing names and types; nothing is invented.

    Candidate calls are found on the stdlib tree (an :class:`~cdkfix.rule.AstRule`, with the prefilter's
    test per call); only each outermost candidate call is parsed with LibCST, the call-level logic runs on
    that parse (and on the calls inside it), and the call's text is replaced when a fix was applied
    (:class:`codemods._callees.CallSpans`).
    """

    code = "CDK105"
    name = "duration-and-required-args"
    title = "Number passed for a `Duration` (`timeout=30`); required arguments left out"
    why = """
        jsii checks argument types: a Duration prop does not accept a number, and a required keyword-only
        argument cannot be left out:

            TypeError: type of argument visibility_timeout must be one of (aws_cdk.Duration, NoneType); got int instead
            TypeError: BasePathMapping.__init__() missing 1 required keyword-only argument: 'rest_api'
    """
    source = "DESIGN.md failure table (missing required argument, wrong value type: `grace=300`); seeds/000_775badc1dee105d9.txt §1"
    triggers = ("aws_cdk",)
    synth_error = "got int instead"
    cases = (
        Case(
            "CDK105-invalid-seconds-multiline-with-comment",
            """
            from aws_cdk import aws_sqs as sqs, aws_lambda as lambda_
            queue = sqs.Queue(
                self,
                "Jobs",
                visibility_timeout=300,  # five minutes
            )
            fn = lambda_.Function(self, "Fn", runtime=runtime, handler="i.h", code=code, timeout=5 * 60)
            """,
            """
            from aws_cdk import aws_sqs as sqs, aws_lambda as lambda_, Duration
            queue = sqs.Queue(
                self,
                "Jobs",
                visibility_timeout=Duration.seconds(300),  # five minutes
            )
            fn = lambda_.Function(self, "Fn", runtime=runtime, handler="i.h", code=code, timeout=Duration.seconds(5 * 60))
            """,
        ),
        Case(
            "CDK105-invalid-cdk-alias-and-unit-from-cloudformation",
            """
            import aws_cdk as cdk
            project = cdk.aws_codebuild.Project(self, "Build", build_spec=spec, timeout=60)
            key = cdk.aws_kms.Key(self, "Key", pending_window=7)
            """,
            """
            import aws_cdk as cdk
            project = cdk.aws_codebuild.Project(self, "Build", build_spec=spec, timeout=cdk.Duration.minutes(60))
            key = cdk.aws_kms.Key(self, "Key", pending_window=cdk.Duration.days(7))
            """,
        ),
        Case(
            "CDK105-invalid-struct-and-static-method",
            """
            from aws_cdk import Duration, aws_ecs as ecs, aws_cloudwatch as cloudwatch
            check = ecs.HealthCheck(command=["CMD", "true"], interval=30, timeout=5)
            metric = cloudwatch.Metric(namespace="App", metric_name="Errors", period=300)
            """,
            """
            from aws_cdk import Duration, aws_ecs as ecs, aws_cloudwatch as cloudwatch
            check = ecs.HealthCheck(command=["CMD", "true"], interval=Duration.seconds(30), timeout=Duration.seconds(5))
            metric = cloudwatch.Metric(namespace="App", metric_name="Errors", period=Duration.seconds(300))
            """,
        ),
        Case(
            "CDK105-invalid-days-are-a-guess",
            """
            from aws_cdk import aws_rds as rds
            db = rds.DatabaseInstance(self, "Db", engine=engine, vpc=vpc, backup_retention=7)
            """,
            """
            from aws_cdk import aws_rds as rds, Duration
            db = rds.DatabaseInstance(self, "Db", engine=engine, vpc=vpc, backup_retention=Duration.days(7))
            """,
            unsafe=True,
        ),
        Case(
            "CDK105-finding-days-unsafe-without-flag",
            """
            from aws_cdk import aws_rds as rds
            db = rds.DatabaseInstance(self, "Db", engine=engine, vpc=vpc, backup_retention=7)
            """,
            finding=True,
        ),
        Case(
            "CDK105-invalid-required-from-another-argument",
            """
            from aws_cdk import aws_apigateway as apigw
            apigw.BasePathMapping(
                self,
                "Mapping",
                domain_name=domain,
                stage=api.deployment_stage,
            )
            """,
            """
            from aws_cdk import aws_apigateway as apigw
            apigw.BasePathMapping(
                self,
                "Mapping",
                domain_name=domain,
                stage=api.deployment_stage,
                rest_api=api.deployment_stage.rest_api,
            )
            """,
        ),
        Case(
            "CDK105-invalid-documented-all-on-default",
            """
            from aws_cdk import aws_apigateway as apigw
            fmt = apigw.AccessLogFormat.json_with_standard_fields()
            """,
            """
            from aws_cdk import aws_apigateway as apigw
            fmt = apigw.AccessLogFormat.json_with_standard_fields(caller=True, http_method=True, ip=True, protocol=True, request_time=True, resource_path=True, response_length=True, status=True, user=True)
            """,
        ),
        Case(
            "CDK105-invalid-keyword-passed-positionally",
            """
            from aws_cdk import Duration, aws_autoscaling as autoscaling
            check = autoscaling.HealthCheck.elb(Duration.minutes(5))
            """,
            """
            from aws_cdk import Duration, aws_autoscaling as autoscaling
            check = autoscaling.HealthCheck.elb(grace=Duration.minutes(5))
            """,
        ),
        Case(
            "CDK105-finding-positional-of-unknown-type",
            """
            from aws_cdk import aws_autoscaling as autoscaling
            check = autoscaling.HealthCheck.elb(grace_period)
            """,
            finding=True,
        ),
        Case(
            "CDK105-finding-missing-required",
            """
            from aws_cdk import aws_sqs as sqs, aws_apigateway as apigw
            dlq = sqs.DeadLetterQueue(max_receive_count=3)
            fmt = apigw.AccessLogFormat.json_with_standard_fields(ip=True)
            """,
            finding=True,
        ),
        Case(
            "CDK105-valid-numbers-that-are-numbers",
            """
            from aws_cdk import Duration, aws_s3 as s3, aws_lambda as lambda_, aws_sqs as sqs
            rule = s3.CorsRule(allowed_methods=[s3.HttpMethods.GET], allowed_origins=["*"], max_age=3000)
            fn = lambda_.Function(self, "Fn", runtime=runtime, handler="h", code=code, memory_size=512,
                                  timeout=Duration.seconds(30))
            queue = sqs.Queue(self, "Q", visibility_timeout=timeout)
            dlq = sqs.DeadLetterQueue(**options)
            other = my_lib.Queue(timeout=30)
            """,
        ),
    )

    @classmethod
    def may_fire(cls, source: str) -> bool:
        """Only when a CDK call passes a number for a Duration or leaves out a required argument."""
        scan = triggered_prescan(cls, source)
        if scan is None:
            return False
        api = prefilter_index()
        for call, callees in zip(scan.calls, scan.callees):
            for qualified in callees:
                if _may_need_fix(api, call, qualified):
                    return True
        return False

    # -- finding the calls on the stdlib tree (``codemods._callees.CallSpans``) ---------------------------
    def _is_candidate(self, api, call: _ast.Call, qualified: str) -> bool:
        """What ``leave_Call`` needs to find anything: a CDK callee given a number for a Duration or leaving
        out a required argument (the prefilter's test)."""
        return _may_need_fix(api, call, qualified)

    # -- the call-level logic (LibCST) ---------------------------------------------------------------
    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        qualname = self.imports.resolve(original_node.func)
        api = index(self.options)
        signature = call_signature(api, qualname)
        if signature is None or self._rebound_head(original_node.func):
            return updated_node
        info, method_name, params, kwargs = signature
        updated_node = self._durations(api, info, original_node, updated_node, kwargs)
        owner = info.name if method_name is None else f"{info.name}.{method_name}"
        return self._required(api, qualname, owner, original_node, updated_node, params, kwargs)

    # -- Duration --------------------------------------------------------------------------------------
    def _durations(self, api, info, original: cst.Call, updated: cst.Call, kwargs) -> cst.Call:
        args = list(updated.args)
        changed = False
        for position, (old, arg) in enumerate(zip(original.args, updated.args)):
            if arg.keyword is None or not _number(arg.value):
                continue
            prop = kwargs.get(arg.keyword.value)
            if prop is None or prop.type != DURATION:
                continue
            unit, safe, why = self._unit(api, info, arg.keyword.value)
            duration = self.use_name("aws_cdk.Duration") if self.may_apply(old, safety="safe" if safe else "unsafe") \
                else "Duration"
            wrapped = arg.with_changes(value=cst.Call(func=expr(f"{duration}.{unit}"), args=[cst.Arg(arg.value)]))
            message = (f"`{arg.keyword.value}` takes a Duration, not a number: `{duration}.{unit}(...)` ({why})")
            result = self.fix(old, arg, wrapped, message, safety="safe" if safe else "unsafe")
            if result is not arg:
                args[position] = result
                changed = True
        return updated.with_changes(args=args) if changed else updated

    def _unit(self, api, info, keyword: str) -> tuple[str, bool, str]:
        """``(Duration factory, safe?, why)`` for a number written for ``keyword`` of ``info``."""
        twin = api.type(info.module, f"Cfn{info.name}") if info.kind == "class" else None
        if twin is not None:
            units = set()
            for name, prop in twin.props.items():
                match = _UNIT_SUFFIX.match(name)
                if match and match.group("base") == keyword and prop.type == "number":
                    units.add(_UNITS[match.group("unit")])
            if len(units) == 1:
                unit = units.pop()
                return unit, True, f"CloudFormation's `{twin.name}` takes it in {unit}"
        lowered = keyword.lower()
        if any(word in lowered for word in _DAYS_WORDS):
            return "days", False, "a retention or expiry: the number is taken as days, check it"
        if any(word in lowered for word in _SECONDS_WORDS):
            return "seconds", True, "CloudFormation measures it in seconds"
        return "seconds", False, "the number is taken as seconds, check it"

    # -- required arguments ------------------------------------------------------------------------------
    def _required(self, api, qualname: str, owner: str, original: cst.Call, updated: cst.Call, params,
                  kwargs) -> cst.Call:
        if any(arg.star for arg in original.args):
            return updated
        passed = {arg.keyword.value for arg in original.args if arg.keyword is not None}
        n_positional = sum(1 for arg in original.args if arg.keyword is None)
        missing_params = [p for i, p in enumerate(params)
                          if not p.optional and not p.variadic and i >= n_positional and p.name not in passed]
        missing = [name for name, prop in kwargs.items()
                   if not prop.optional and name not in passed and prop.type not in _OWNED_ELSEWHERE]
        extra = [] if any(p.variadic for p in params) else [
            i for i, arg in enumerate(original.args) if arg.keyword is None][len(params):]
        if extra:
            return self._extra_positional(api, owner, original, updated, params, kwargs, extra, missing)
        if not missing and not missing_params:
            return updated
        if not missing_params and qualname in ALL_ON_BY_DEFAULT and not passed \
                and all(kwargs[name].type == "boolean" for name in missing):
            replacement = updated
            for name in missing:
                replacement = with_keyword(replacement, name, cst.Name("True"))
            return self.fix(original, updated, replacement,
                            f"`{owner}` needs every field as a keyword in Python; TypeScript's default turns all "
                            f"of them on: {', '.join(missing)}")
        filled: dict[str, cst.BaseExpression] = {}
        if not missing_params:
            for name in missing:
                source = self._carrier(api, original, kwargs, name)
                if source is not None:
                    filled[name] = source
        unresolved = [n for n in missing if n not in filled]
        if unresolved or missing_params:
            listing = ", ".join([f"`{p.name}` ({_short(p.type)}, positional)" for p in missing_params]
                                + [f"`{n}` ({_short(kwargs[n].type)})" for n in unresolved])
            self.report(original, f"`{owner}` is missing required argument(s): {listing}")
            return updated
        replacement = updated
        for name, value in filled.items():
            replacement = with_keyword(replacement, name, value)
        return self.fix(original, updated, replacement, "; ".join(
            f"`{owner}` requires `{name}`: taken from `{dotted_name(value)}`" for name, value in filled.items()))

    def _extra_positional(self, api, owner: str, original: cst.Call, updated: cst.Call, params, kwargs,
                          extra: list[int], missing: list[str]) -> cst.Call:
        """``HealthCheck.elb(Duration.minutes(5))``: jsii keywords are keyword-only in Python."""
        if len(extra) == 1 and len(missing) == 1:
            value = original.args[extra[0]].value
            wanted = kwargs[missing[0]].type
            written = self._type_of(api, value)
            if written is not None and (written == wanted or is_assignable(api, written, wanted)):
                args = list(updated.args)
                args[extra[0]] = args[extra[0]].with_changes(
                    keyword=cst.Name(missing[0]),
                    equal=cst.AssignEqual(cst.SimpleWhitespace(""), cst.SimpleWhitespace("")))
                return self.fix(original, updated, updated.with_changes(args=args),
                                f"`{owner}` takes `{missing[0]}` ({_short(wanted)}) as a keyword, not positionally")
        self.report(original, f"`{owner}` takes {len(params)} positional argument(s), {len(params) + len(extra)} "
                    f"given; the others are keywords" + (f" (missing: {', '.join(missing)})" if missing else ""))
        return updated

    def _type_of(self, api, value: cst.BaseExpression) -> str | None:
        """The jsii type of a literal or of a CDK call's result (``Duration.minutes(5)``), else None."""
        if isinstance(value, (cst.Integer, cst.Float)):
            return "number"
        if isinstance(value, (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString)):
            return "string"
        if isinstance(value, cst.Name) and value.value in ("True", "False"):
            return "boolean"
        if isinstance(value, cst.Call):
            return produced_type(api, self.imports.resolve(value.func))
        return None

    def _carrier(self, api, call: cst.Call, kwargs, name: str) -> cst.BaseExpression | None:
        """``arg.<name>`` when exactly one plain-name argument's type has a property ``name`` of the right type."""
        wanted = kwargs[name].type
        found = []
        for arg in call.args:
            if arg.keyword is None or dotted_name(arg.value) is None:
                continue
            prop = kwargs.get(arg.keyword.value)
            carrier = api.type_by_fqn(prop.type) if prop is not None and "." in prop.type else None
            if carrier is None or carrier.kind not in ("class", "interface"):
                continue
            member = carrier.properties.get(name)
            if member is not None and not member.static and is_assignable(api, member.type, wanted):
                found.append(cst.Attribute(value=arg.value, attr=cst.Name(name)))
        return found[0] if len(found) == 1 else None


def _may_need_fix(api, call: _ast.Call, qualified: str) -> bool:
    """Whether a call of ``qualified`` passes a number for a Duration or leaves out a required argument."""
    needs = _needs_of(api, qualified)
    if needs is None:
        return False
    durations, positional, variadic, required_positional, required_keywords = needs
    if durations and any(kw.arg in durations and _ast_number(kw.value) for kw in call.keywords):
        return True
    if any(isinstance(a, _ast.Starred) for a in call.args) or any(kw.arg is None for kw in call.keywords):
        return False
    passed = {kw.arg for kw in call.keywords}
    given = len(call.args)
    if given > positional and not variadic:
        return True
    if any(i >= given and name not in passed for i, name in required_positional):
        return True
    return not required_keywords <= passed


#: What :func:`_may_need_fix` asks of a callee's signature, cached for the process (the index does not
#: change, and the prefilter asks about every call of every file).
_Needs = tuple[frozenset[str], int, bool, tuple[tuple[int, str], ...], frozenset[str]]
_NEEDS: dict[tuple[int, str], _Needs | None] = {}


def _needs_of(api, qualified: str) -> _Needs | None:
    """``(Duration keywords, positional parameters, any variadic, required positional (index, name),
    required keywords)`` of a CDK constructor, struct or static method; None for anything else. A required
    keyword whose type another rule owns (the App Mesh ``mesh``) is not counted."""
    return signature_facts(_NEEDS, api, qualified, _needs)


def _needs(signature) -> _Needs:
    _, _, params, kwargs = signature
    return (
        frozenset(name for name, prop in kwargs.items() if prop.type == DURATION),
        len(params),
        any(p.variadic for p in params),
        tuple((i, p.name) for i, p in enumerate(params) if not p.optional and not p.variadic),
        frozenset(name for name, prop in kwargs.items() if not prop.optional and prop.type not in _OWNED_ELSEWHERE),
    )
