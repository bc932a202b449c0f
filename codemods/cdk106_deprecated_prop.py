"""CDK106: a deprecated prop or static method whose deprecation names its direct replacement."""

from __future__ import annotations

import ast
import keyword as _keyword
import re

import libcst as cst

from cdkfix.api_index import to_python_name
from cdkfix.imports import expr
from cdkfix.rule import AstRule, Case
from codemods._callees import CallSpans
from codemods._helpers import (
    call_signature,
    dotted_name,
    index,
    is_assignable,
    keyword,
    parse_expression_text,
    positional,
    prefilter_index,
    signature_facts,
    triggered_prescan,
    without_arg,
)

RETENTION = "aws-cdk-lib.aws_logs.RetentionDays"
_REPLACEMENT = re.compile(
    r"(?:\buse|\bUse|\bsee|\bSee|superseded by|\{@link)\s+`?(?:\{@link\s+)?([A-Za-z_][\w.]*)(?:\(\))?`?")
_LOG_GROUP_SUFFIXES = ("LogGroup", "LogGroupV2", "FunctionLogGroup")


def replacements(text: str | None) -> list[str]:
    """Python names a jsii deprecation text points to (``use `emptyOnDelete` instead`` → ``empty_on_delete``)."""
    if not text:
        return []
    found = []
    for match in _REPLACEMENT.finditer(text):
        name = to_python_name(match.group(1).rsplit(".", 1)[-1])
        if name not in found:
            found.append(name)
    return found



#: One string literal (prefix, quotes, body), nothing else: not an implicit concatenation.
_ONE_LITERAL = re.compile(r"""[A-Za-z]*(?:"{3}(?:\\.|(?!"{3})[^\\])*"{3}|'{3}(?:\\.|(?!'{3})[^\\])*'{3}"""
                          r"""|"(?:\\\r\n|\\.|[^"\\\r\n])*"|'(?:\\\r\n|\\.|[^'\\\r\n])*')""", re.S)


def _has_inner_strings(joined: ast.JoinedStr) -> bool:
    """An f-string with a string literal inside one of its replacement fields (``f"{d['k']}"``)."""
    for part in joined.values:
        if isinstance(part, ast.FormattedValue):
            if any(isinstance(inner, ast.JoinedStr) or (isinstance(inner, ast.Constant)
                                                         and isinstance(inner.value, (str, bytes)))
                   for inner in ast.walk(part.value)):
                return True
            if part.format_spec is not None and _has_inner_strings(part.format_spec):  # type: ignore[arg-type]
                return True
    return False


class _Strings(cst.CSTVisitor):
    """What the rule counts as the file's strings, read from LibCST nodes: the value of every plain string
    literal and the code (without prefix) of every f-string."""

    def __init__(self, found: set[str]) -> None:
        super().__init__()
        self.found = found
        self.module = cst.Module([])

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        if isinstance(node.evaluated_value, str):
            self.found.add(node.evaluated_value)

    def visit_FormattedString(self, node: cst.FormattedString) -> None:
        self.found.add(self.module.code_for_node(node)[len(node.prefix):])


def _previous_char(source: str, offset: int) -> int:
    """Offset of the last character before ``offset`` that is not blank, a line continuation or (on a line
    without quotes) a comment; -1 at the start of the source."""
    before = offset - 1
    while before >= 0:
        char = source[before]
        if char in "\r\n":
            line_start = max(source.rfind("\n", 0, before), source.rfind("\r", 0, before)) + 1
            line = source[line_start:before + 1]
            if "#" in line and "'" not in line and '"' not in line:
                before = line_start + line.index("#")
        elif char not in " \t\f\\":
            return before
        before -= 1
    return before


def _opening_paren_wraps(source: str, paren: int) -> bool:
    """Whether the ``(`` at offset ``paren`` only parenthesizes what follows (``x = (f())``, ``return (f())``)
    rather than opening a call's, a class's or a def's argument list (``print(f())``)."""
    before = _previous_char(source, paren)
    if before < 0:
        return True
    char = source[before]
    if char in ")]}'\"":
        return False
    if char.isidentifier() or char.isdigit():
        start = before
        while start > 0 and (source[start - 1].isidentifier() or source[start - 1].isdigit()):
            start -= 1
        return _keyword.iskeyword(source[start:before + 1])
    return True


def wrapping_parens(source: str, start: int, end: int) -> tuple[int, int]:
    """``(start, end)`` widened to the parentheses that wrap the expression at ``source[start:end]``: LibCST
    prints a parenthesized node with its parentheses (``code_for_node``), ``ast`` spans leave them out."""
    while True:
        before = _previous_char(source, start)
        after = end
        while after < len(source):
            if source[after] in " \t\r\n\f":
                after += 1
            elif source[after] == "#":
                while after < len(source) and source[after] not in "\r\n":
                    after += 1
            else:
                break
        if before < 0 or source[before] != "(" or after >= len(source) or source[after] != ")" \
                or not _opening_paren_wraps(source, before):
            return start, end
        start, end = before, after + 1


def string_values(scan) -> set[str]:
    """The file's strings as the rule's LibCST version collected them from the whole module: the value of
    every plain string literal and the code without prefix of every f-string (with the parentheses around it,
    as LibCST prints the node). Read from the stdlib tree; an implicit concatenation or an f-string with
    strings inside is parsed on its own with LibCST (``ast`` merges the former and cannot place the latter).

    One difference: the text of a parenthesized f-string is taken as written, where LibCST printed the lines
    inside the parentheses without their block's indentation. Such an entry starts after a ``(``, never with
    a quote, so no log group id (the only thing looked up here) can equal it either way."""
    found: set[str] = set()
    source = scan.source
    lines = None
    stack: list[ast.AST] = [scan.tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Constant):
            if isinstance(node.value, str):
                text = scan.segment(node)
                if _ONE_LITERAL.fullmatch(text):
                    found.add(node.value)
                else:
                    _parse_strings(text, found)
            continue
        if isinstance(node, ast.JoinedStr):
            if lines is None:
                from cdkfix.spans import line_index

                lines = line_index(source)
            start, end = lines.span(node)
            text = source[start:end]
            outer_start, outer_end = wrapping_parens(source, start, end)
            if _ONE_LITERAL.fullmatch(text) and not _has_inner_strings(node):
                prefix = len(text) - len(text.lstrip("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"))
                found.add(source[outer_start:outer_end][prefix:])
            else:
                _parse_strings(source[outer_start:outer_end], found)
            continue
        stack.extend(ast.iter_child_nodes(node))
    return found


def _parse_strings(text: str, found: set[str]) -> None:
    """Add the strings of the expression ``text`` (LibCST's view of them) to ``found``."""
    parsed = parse_expression_text(text)
    if parsed is not None:
        parsed.visit(_Strings(found))


_DEPRECATIONS: dict[tuple[int, str], bool | frozenset[str] | None] = {}


def _deprecations(api, qualified: str) -> bool | frozenset[str] | None:
    """For a call of ``qualified``: True when it is a deprecated static method, else the names of its
    deprecated keywords; None when it is no CDK constructor, struct or static method (cached for the process)."""
    return signature_facts(_DEPRECATIONS, api, qualified, _deprecated_parts)


def _deprecated_parts(signature) -> bool | frozenset[str]:
    info, method_name, _, kwargs = signature
    if method_name is not None and info.methods[method_name].deprecated:
        return True
    return frozenset(name for name, prop in kwargs.items() if prop.deprecated)


class DeprecatedProp(CallSpans, AstRule):
    """Migrates a deprecated keyword or static method to the replacement its jsii deprecation text names.

    The API index carries each prop's and method's ``docs.deprecated`` text (``use `emptyOnDelete`
    instead``, ``See {@link containerInsightsV2 }``); the name it points to is looked up on the same class.
    The rule migrates only when the replacement takes the same value, or a value built from it without
    guessing:

    - same type: the keyword is renamed (``ecr.Repository(auto_delete_images=True)`` →
      ``empty_on_delete=True``); a static method is renamed when it accepts every argument passed
      (``MachineImage.latest_amazon_linux()`` → ``latest_amazon_linux2()``), keeping the version the code
      asked for (``generation=AmazonLinuxGeneration.AMAZON_LINUX_2023`` → ``latest_amazon_linux2023()``);
    - a boolean replaced by an enum with ``ENABLED``/``DISABLED`` (``ecs.Cluster(container_insights=True)`` →
      ``container_insights_v2=ecs.ContainerInsights.ENABLED``), by a struct with one boolean field
      (``point_in_time_recovery=True`` → ``point_in_time_recovery_specification=
      dynamodb.PointInTimeRecoverySpecification(point_in_time_recovery_enabled=True)``), or a string replaced
      by an enum that has it as a member (``log_format="JSON"`` → ``logging_format=lambda_.LoggingFormat.JSON``),
      or a value replaced by an interface whose class has a factory named after the old prop
      (``Vpc(cidr="10.0.0.0/16")`` → ``ip_addresses=ec2.IpAddresses.cidr("10.0.0.0/16")``);
    - a Lambda ``log_retention=X`` becomes ``log_group=logs.LogGroup(self, "<function id>LogGroup",
      retention=X)`` (and ``log_removal_policy`` moves into it): the log group is then a separate resource
      of the stack, not the ``/aws/lambda/<name>`` group the retention custom resource adjusted. The id is
      the function's own id plus ``LogGroup``, unique because the function's id is, and checked against the
      file's strings.

    Any other deprecated use is reported with the deprecation text.

    Mechanism: the calls are found on the stdlib tree (a CDK class, struct or static method, through the
    file's imports, with a deprecated method or keyword). Only the text of each outermost such call is parsed
    with LibCST; the call-level logic below (``leave_Call``) runs over that small tree, nested calls included,
    and the rewritten call replaces the call's text (:class:`codemods._callees.CallSpans`). Findings keep the
    positions LibCST gives the calls.
    """

    code = "CDK106"
    name = "deprecated-prop"
    title = "Deprecated prop or static method with a direct replacement (`auto_delete_images`, `log_retention`)"
    why = """
        Deprecated APIs print a warning on every synth and disappear in the next major version; run with
        JSII_DEPRECATED=fail (as CI should) they stop the app:

            RuntimeError: aws-cdk-lib.aws_ecr.RepositoryProps#autoDeleteImages is deprecated, and will be removed in the next major release.
    """
    source = ("seeds/000_775badc1dee105d9.txt §6 (auto_delete_images, container_insights); "
              "seeds/002_2170557884eb4ac5.txt §9 (latestAmazonLinux, logRetention)")
    triggers = ("aws_cdk",)
    synth_error = "aws-cdk-lib.aws_ecr.RepositoryProps#autoDeleteImages is deprecated"
    cases = (
        Case(
            "CDK106-invalid-renamed-prop-multiline",
            """
            from aws_cdk import aws_ecr as ecr, RemovalPolicy
            repo = ecr.Repository(
                self,
                "Repo",
                removal_policy=RemovalPolicy.DESTROY,
                auto_delete_images=True,  # clean up on delete
            )
            """,
            """
            from aws_cdk import aws_ecr as ecr, RemovalPolicy
            repo = ecr.Repository(
                self,
                "Repo",
                removal_policy=RemovalPolicy.DESTROY,
                empty_on_delete=True,  # clean up on delete
            )
            """,
        ),
        Case(
            "CDK106-invalid-boolean-to-enum-cdk-alias",
            """
            import aws_cdk as cdk
            cluster = cdk.aws_ecs.Cluster(self, "Cluster", vpc=vpc, container_insights=True)
            other = cdk.aws_ecs.Cluster(self, "Other", vpc=vpc, container_insights=False)
            """,
            """
            import aws_cdk as cdk
            cluster = cdk.aws_ecs.Cluster(self, "Cluster", vpc=vpc, container_insights_v2=cdk.aws_ecs.ContainerInsights.ENABLED)
            other = cdk.aws_ecs.Cluster(self, "Other", vpc=vpc, container_insights_v2=cdk.aws_ecs.ContainerInsights.DISABLED)
            """,
        ),
        Case(
            "CDK106-invalid-boolean-to-struct",
            """
            from aws_cdk import aws_dynamodb as dynamodb
            table = dynamodb.Table(self, "T", partition_key=key, point_in_time_recovery=True)
            """,
            """
            from aws_cdk import aws_dynamodb as dynamodb
            table = dynamodb.Table(self, "T", partition_key=key, point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(point_in_time_recovery_enabled=True))
            """,
        ),
        Case(
            "CDK106-invalid-factory-named-after-the-prop",
            """
            from aws_cdk import aws_ec2 as ec2
            vpc = ec2.Vpc(self, "Vpc", cidr="10.0.0.0/16", max_azs=2)
            """,
            """
            from aws_cdk import aws_ec2 as ec2
            vpc = ec2.Vpc(self, "Vpc", ip_addresses=ec2.IpAddresses.cidr("10.0.0.0/16"), max_azs=2)
            """,
        ),
        Case(
            "CDK106-invalid-machine-image-keeps-generation",
            """
            from aws_cdk import aws_ec2 as ec2
            a = ec2.MachineImage.latest_amazon_linux()
            b = ec2.MachineImage.latest_amazon_linux(generation=ec2.AmazonLinuxGeneration.AMAZON_LINUX_2023)
            c = ec2.MachineImage.latest_amazon_linux(
                generation=ec2.AmazonLinuxGeneration.AMAZON_LINUX_2,
                cpu_type=ec2.AmazonLinuxCpuType.ARM_64,
            )
            """,
            """
            from aws_cdk import aws_ec2 as ec2
            a = ec2.MachineImage.latest_amazon_linux2()
            b = ec2.MachineImage.latest_amazon_linux2023()
            c = ec2.MachineImage.latest_amazon_linux2(
                cpu_type=ec2.AmazonLinuxCpuType.ARM_64,
            )
            """,
        ),
        Case(
            "CDK106-invalid-lambda-log-retention",
            """
            from aws_cdk import aws_lambda as _lambda, aws_logs as logs, RemovalPolicy
            fn = _lambda.Function(
                self,
                f"Worker-{suffix}",
                runtime=_lambda.Runtime.PYTHON_3_12,
                handler="index.handler",
                code=code,
                log_retention=logs.RetentionDays.ONE_WEEK,
                log_removal_policy=RemovalPolicy.DESTROY,
                log_format="JSON",
            )
            """,
            """
            from aws_cdk import aws_lambda as _lambda, aws_logs as logs, RemovalPolicy
            fn = _lambda.Function(
                self,
                f"Worker-{suffix}",
                runtime=_lambda.Runtime.PYTHON_3_12,
                handler="index.handler",
                code=code,
                log_group=logs.LogGroup(self, f"Worker-{suffix}LogGroup", retention=logs.RetentionDays.ONE_WEEK, removal_policy=RemovalPolicy.DESTROY),
                logging_format=_lambda.LoggingFormat.JSON,
            )
            """,
        ),
        Case(
            "CDK106-invalid-log-retention-imports-logs",
            """
            from aws_cdk.aws_lambda import Function, Runtime, Code
            from aws_cdk.aws_logs import RetentionDays
            fn = Function(self, "Fn", runtime=Runtime.PYTHON_3_12, handler="h", code=Code.from_inline("x"),
                          log_retention=RetentionDays.ONE_MONTH)
            """,
            """
            from aws_cdk.aws_lambda import Function, Runtime, Code
            from aws_cdk.aws_logs import RetentionDays
            from aws_cdk import aws_logs as logs
            fn = Function(self, "Fn", runtime=Runtime.PYTHON_3_12, handler="h", code=Code.from_inline("x"),
                          log_group=logs.LogGroup(self, "FnLogGroup", retention=RetentionDays.ONE_MONTH))
            """,
        ),
        Case(
            "CDK106-finding-no-direct-replacement",
            """
            from aws_cdk import aws_rds as rds, aws_ec2 as ec2
            cluster = rds.DatabaseCluster(self, "Db", engine=engine, instance_props=rds.InstanceProps(vpc=vpc))
            image = ec2.MachineImage.latest_amazon_linux(generation=ec2.AmazonLinuxGeneration.AMAZON_LINUX)
            """,
            finding=True,
        ),
        Case(
            "CDK106-finding-log-group-id-taken",
            """
            from aws_cdk import aws_lambda as lambda_, aws_logs as logs
            logs.LogGroup(self, "FnLogGroup")
            logs.LogGroup(self, "FnLogGroupV2")
            logs.LogGroup(self, "FnFunctionLogGroup")
            fn = lambda_.Function(self, "Fn", runtime=rt, handler="h", code=code, log_retention=logs.RetentionDays.ONE_DAY)
            """,
            finding=True,
        ),
        Case(
            "CDK106-valid-current-api",
            """
            from aws_cdk import aws_ecr as ecr, aws_ecs as ecs, aws_ec2 as ec2, aws_lambda as lambda_
            repo = ecr.Repository(self, "Repo", empty_on_delete=True)
            cluster = ecs.Cluster(self, "C", container_insights_v2=ecs.ContainerInsights.ENHANCED)
            image = ec2.MachineImage.latest_amazon_linux2023()
            fn = lambda_.Function(self, "Fn", runtime=rt, handler="h", code=code, log_group=group)
            provider_like = my_lib.Provider(log_retention=7)
            """,
        ),
    )

    @classmethod
    def may_fire(cls, source: str) -> bool:
        """Only when a CDK call uses a deprecated static method or passes a deprecated keyword."""
        scan = triggered_prescan(cls, source)
        if scan is None:
            return False
        api = prefilter_index()
        for call, callees in zip(scan.calls, scan.callees):
            for qualified in callees:
                deprecated = _deprecations(api, qualified)  # most callees: an empty set
                if deprecated is True or (deprecated and any(kw.arg in deprecated for kw in call.keywords)):
                    return True
        return False

    # -- finding the calls on the stdlib tree (``codemods._callees.CallSpans``) ---------------------------
    def check(self) -> None:
        """Run the call-level logic on a LibCST parse of each outermost call that uses a deprecated API."""
        self._strings: set[str] | None = None
        super().check()

    def _is_candidate(self, api, call: ast.Call, qualified: str) -> bool:
        """What ``leave_Call`` needs to find anything: a CDK callee deprecated itself or given a deprecated
        keyword."""
        signature = call_signature(api, qualified)
        if signature is None:
            return False
        info, method_name, _, kwargs = signature
        return bool(method_name is not None and info.methods[method_name].deprecated) or any(
            kw.arg in kwargs and kwargs[kw.arg].deprecated for kw in call.keywords if kw.arg)

    # -- the call-level logic (LibCST) ---------------------------------------------------------------
    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        api = index(self.options)
        signature = call_signature(api, self.imports.resolve(original_node.func))
        if signature is None or self._rebound_head(original_node.func):
            return updated_node
        info, method_name, _, kwargs = signature
        call = updated_node
        if method_name is not None and info.methods[method_name].deprecated:
            return self._method(api, info, method_name, original_node, call)  # its keywords: next pass
        for arg in original_node.args:
            if arg.keyword is None:
                continue
            prop = kwargs.get(arg.keyword.value)
            if prop is None or not prop.deprecated or keyword(call, arg.keyword.value) is None:
                continue
            call = self._prop(api, info, kwargs, original_node, call, arg.keyword.value)
        return call

    # -- static methods ------------------------------------------------------------------------------
    def _method(self, api, info, name: str, original: cst.Call, call: cst.Call) -> cst.Call:
        method = info.methods[name]
        label = f"{info.name}.{name}"
        if not isinstance(call.func, cst.Attribute):
            return call
        dropped: str | None = None
        selected = ""
        target: str | None = None
        for arg in call.args:  # the version the code asked for (`generation=...AMAZON_LINUX_2023`)
            prop = method.kwargs.get(arg.keyword.value) if arg.keyword is not None else None
            member = dotted_name(arg.value)
            enum = api.type_by_fqn(prop.type) if prop is not None else None
            if member is None or enum is None or enum.kind != "enum":
                continue
            versions = {m: f"{name}{''.join(re.findall(r'[0-9]+', m))}" for m in enum.members}
            if not any(v != name and v in info.methods for v in versions.values()):
                continue  # not the argument that selects a version
            candidate = versions.get(member.rsplit(".", 1)[-1], name)
            if candidate != name and candidate in info.methods:
                target, dropped = candidate, arg.keyword.value
                selected = f"{dropped}={member.rsplit('.', 1)[-1]}"
            else:
                self.report(original, f"`{label}` is deprecated ({method.deprecated.strip()}); "
                            f"no replacement keeps `{arg.keyword.value}={member.rsplit('.', 1)[-1]}`")
                return call
        if target is None:
            named = [n for n in replacements(method.deprecated) if n in info.methods and info.methods[n].static]
            target = named[0] if len(named) == 1 else None
        new = info.methods.get(target) if target else None
        if new is None or new.deprecated or len(new.params) != len(method.params) or any(
                not is_assignable(api, old.type, p.type) and old.type != p.type
                for old, p in zip(method.params, new.params)):
            self.report(original, f"`{label}` is deprecated: {method.deprecated.strip()}")
            return call
        for arg in call.args:
            if arg.keyword is None or arg.keyword.value == dropped:
                continue
            kept = new.kwargs.get(arg.keyword.value)
            if kept is None or kept.type != method.kwargs[arg.keyword.value].type:
                self.report(original, f"`{label}` is deprecated ({method.deprecated.strip()}); `{target}` does not "
                            f"take `{arg.keyword.value}` of the same type")
                return call
        replacement = call.with_changes(func=call.func.with_changes(attr=cst.Name(target)))
        if dropped is not None:
            position = next(i for i, a in enumerate(replacement.args) if a.keyword and a.keyword.value == dropped)
            replacement = without_arg(replacement, position)
        why = f" (`{selected}` asked for that version)" if dropped else ""
        return self.fix(original, call, replacement, f"`{label}` is deprecated; use `{target}`{why}")

    # -- props ---------------------------------------------------------------------------------------
    def _prop(self, api, info, kwargs, original: cst.Call, call: cst.Call, name: str) -> cst.Call:
        prop = kwargs[name]
        text = prop.deprecated.strip()
        label = f"{info.name}({name}=...)"
        arg = keyword(call, name)
        named = [n for n in replacements(text) if n in kwargs and n != name and not kwargs[n].deprecated]
        if prop.type == RETENTION and named == ["log_group"]:
            return self._log_group(api, info, kwargs, original, call)
        if name == "log_removal_policy" and keyword(call, "log_retention") is not None:
            return call  # moved into the log group with log_retention
        if len(named) != 1:
            self.report(original, f"`{label}` is deprecated: {text}")
            return call
        new_name = named[0]
        new = kwargs[new_name]
        if keyword(call, new_name) is not None:
            self.report(original, f"`{label}` is deprecated and `{new_name}` is passed too: remove `{name}`")
            return call
        value = self._convert(api, prop.type, new.type, arg.value, name)
        if value is None:
            self.report(original, f"`{label}` is deprecated: {text}")
            return call
        new_arg = arg.with_changes(keyword=cst.Name(new_name), value=value)
        replacement = call.with_changes(args=[new_arg if a is arg else a for a in call.args])
        return self.fix(original, call, replacement, f"`{name}` is deprecated ({text}); use `{new_name}`")

    def _factory(self, api, target, old: str, prop_name: str) -> str | None:
        """``ec2.IpAddresses.cidr`` for ``Vpc(cidr=...)`` → ``ip_addresses``: the replacement is an interface
        (``IIpAddresses``) whose class (``IpAddresses``) has a static factory named after the deprecated prop
        that takes one value of the old type and returns the interface."""
        if target.kind != "interface" or not target.name.startswith("I"):
            return None
        owner = api.type(target.module, target.name[1:])
        method = owner.methods.get(prop_name) if owner is not None and owner.kind == "class" else None
        if (method is None or not method.static or method.deprecated or len(method.params) != 1
                or method.params[0].type != old or any(not p.optional for p in method.kwargs.values())
                or not is_assignable(api, method.returns, target.fqn)):
            return None
        return f"{self.use_name(owner.qualname)}.{prop_name}"

    def _convert(self, api, old: str, new: str, value: cst.BaseExpression,
                 prop_name: str = "") -> cst.BaseExpression | None:
        """``value`` (of type ``old``) expressed as a value of type ``new``, or None."""
        if old == new or is_assignable(api, old, new):
            return value
        target = api.type_by_fqn(new)
        if target is None:
            return None
        qualified = api.python_name(new)
        if old == "boolean" and isinstance(value, cst.Name) and value.value in ("True", "False"):
            if target.kind == "enum" and {"ENABLED", "DISABLED"} <= set(target.members):
                member = "ENABLED" if value.value == "True" else "DISABLED"
                return expr(f"{self.use_name(qualified)}.{member}")
            if target.kind == "struct":
                flags = [n for n, p in target.props.items() if p.type == "boolean"]
                others_optional = all(p.optional for n, p in target.props.items() if n not in flags)
                if len(flags) == 1 and others_optional:
                    return cst.Call(func=expr(self.use_name(qualified)),
                                    args=[cst.Arg(keyword=cst.Name(flags[0]), value=value,
                                                  equal=cst.AssignEqual(cst.SimpleWhitespace(""),
                                                                        cst.SimpleWhitespace("")))])
        factory = self._factory(api, target, old, prop_name)
        if factory is not None:
            return cst.Call(func=expr(factory), args=[cst.Arg(value)])
        if old == "string" and target.kind == "enum" and isinstance(value, cst.SimpleString):
            text = value.evaluated_value
            members = [m for m in target.members if isinstance(text, str) and m == text.upper()]
            if len(members) == 1:
                return expr(f"{self.use_name(qualified)}.{members[0]}")
        return None

    # -- log_retention -> log_group ------------------------------------------------------------------
    def _log_group(self, api, info, kwargs, original: cst.Call, call: cst.Call) -> cst.Call:
        label = f"{info.name}(log_retention=...)"
        blockers = [n for n in ("log_group", "log_retention_role", "log_retention_retry_options")
                    if keyword(call, n) is not None]
        args = positional(call)
        if blockers or len(args) < 2 or dotted_name(args[0].value) is None:
            reason = f"`{blockers[0]}` is passed" if blockers else "the function's scope and id are not plain"
            self.report(original, f"`{label}` is deprecated (use `log_group`); migrate by hand: {reason}")
            return call
        new_id = self._log_group_id(args[1].value)
        if new_id is None:
            self.report(original, f"`{label}` is deprecated (use `log_group`); no free construct id for the log group")
            return call
        if not self.may_apply(original):
            self.report(original, f"`{label}` is deprecated (use `log_group`)")
            return call
        retention = keyword(call, "log_retention")
        removal = keyword(call, "log_removal_policy")
        no_space = cst.AssignEqual(cst.SimpleWhitespace(""), cst.SimpleWhitespace(""))
        group_args = [cst.Arg(args[0].value), cst.Arg(new_id),
                      cst.Arg(keyword=cst.Name("retention"), value=retention.value, equal=no_space)]
        if removal is not None:
            group_args.append(cst.Arg(keyword=cst.Name("removal_policy"), value=removal.value, equal=no_space))
        group_args = [a.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
                      for a in group_args[:-1]] + group_args[-1:]
        logs = self.use_module("aws_cdk.aws_logs")
        group = cst.Call(func=expr(f"{logs}.LogGroup"), args=group_args)
        replacement = call.with_changes(args=[
            a.with_changes(keyword=cst.Name("log_group"), value=group) if a is retention else a for a in call.args])
        if removal is not None:
            position = next(i for i, a in enumerate(replacement.args) if a.keyword and a.keyword.value == "log_removal_policy")
            replacement = without_arg(replacement, position)
        shown = cst.Module([]).code_for_node(new_id)
        self.record_fix(original, f"`log_retention` is deprecated: the function now logs to its own "
                        f"`{logs}.LogGroup` ({shown}), a separate resource in the stack (no more log-retention "
                        f"custom resource; the group's name is generated unless you set `log_group_name`)")
        return replacement

    def _string_values(self) -> set[str]:
        if self._strings is None:
            self._strings = string_values(self.scan)
        return self._strings

    def _log_group_id(self, function_id: cst.BaseExpression) -> cst.BaseExpression | None:
        """``"Fn"`` → ``"FnLogGroup"``; ``f"Fn-{x}"`` → ``f"Fn-{x}LogGroup"``; ``name`` → ``f"{name}LogGroup"``."""
        taken = self._string_values()
        module = cst.Module([])
        for suffix in _LOG_GROUP_SUFFIXES:
            if isinstance(function_id, cst.SimpleString) and isinstance(function_id.evaluated_value, str):
                quote = function_id.quote
                candidate = function_id.with_changes(value=function_id.value[: -len(quote)] + suffix + quote)
                if candidate.evaluated_value not in taken:
                    return candidate
                continue
            if isinstance(function_id, cst.FormattedString):
                parts = list(function_id.parts)
                if parts and isinstance(parts[-1], cst.FormattedStringText):
                    parts[-1] = parts[-1].with_changes(value=parts[-1].value + suffix)
                else:
                    parts.append(cst.FormattedStringText(suffix))
                candidate = function_id.with_changes(parts=parts)
            elif dotted_name(function_id) is not None:
                candidate = cst.FormattedString(parts=[cst.FormattedStringExpression(function_id),
                                                       cst.FormattedStringText(suffix)])
            else:
                return None
            if module.code_for_node(candidate)[len(candidate.prefix):] not in taken:
                return candidate
        return None
