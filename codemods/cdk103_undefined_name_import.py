"""CDK103: a CDK name used but never imported (`cdk`, `Duration`, `s3n`, `Construct`, `jsii`)."""

from __future__ import annotations

import ast
import builtins
import functools
import symtable

from cdkfix.imports import conventional_alias
from cdkfix.rule import AstRule, Case
from codemods._helpers import index, prefilter_index, prescan

#: Names a module has without binding them.
_MODULE_DUNDERS = frozenset({"__file__", "__name__", "__doc__", "__spec__", "__loader__", "__package__",
                             "__builtins__", "__path__", "__annotations__", "__dict__", "__debug__",
                             "__cached__"})
_BUILTINS = frozenset(dir(builtins))
#: Aliases generated code uses that no derivation gives (``lambda`` is a keyword).
_EXTRA_ALIASES = {"_lambda": "aws_cdk.aws_lambda", "awslambda": "aws_cdk.aws_lambda"}
#: Calls that bind names we cannot see.
_DYNAMIC = ("exec(", "globals()", "__import__(", "import *")


def _module_aliases(api) -> dict[str, str]:
    """Every conventional alias of a top-level aws_cdk submodule → the module; ambiguous aliases dropped.

    An alias is ``cdkfix.imports.conventional_alias`` of the module (``s3n``, ``elbv2``, ``lambda_``), the
    module's own name (``aws_s3_notifications``) or that name without ``aws_`` (``s3_notifications``).
    """
    found: dict[str, set[str]] = {}
    for module in api.modules:
        if module.count(".") != 1 or not module.startswith("aws_cdk."):
            continue
        leaf = module.split(".", 1)[1]
        for alias in {conventional_alias(module), leaf, leaf[4:] if leaf.startswith("aws_") else leaf}:
            if alias.isidentifier():
                found.setdefault(alias, set()).add(module)
    aliases = {alias: next(iter(mods)) for alias, mods in found.items() if len(mods) == 1}
    for alias, module in _EXTRA_ALIASES.items():
        if api.has_module(module):
            aliases.setdefault(alias, module)
    return aliases


_ALIAS_CACHE: dict[int, dict[str, str]] = {}


def _aliases_of(api) -> dict[str, str]:
    key = id(api)
    if key not in _ALIAS_CACHE:
        _ALIAS_CACHE[key] = _module_aliases(api)
    return _ALIAS_CACHE[key]


@functools.lru_cache(maxsize=4)
def unbound_names(source: str) -> frozenset[str] | None:
    """Names read as globals somewhere and bound nowhere in the file (any scope); None when unsure."""
    if any(marker in source for marker in _DYNAMIC):
        return None
    try:
        top = symtable.symtable(source, "<cdkfix>", "exec")
    except (SyntaxError, ValueError):
        return None
    read: set[str] = set()
    bound: set[str] = set()
    stack = [top]
    while stack:
        table = stack.pop()
        stack.extend(table.get_children())
        for symbol in table.get_symbols():
            name = symbol.get_name()
            if (symbol.is_assigned() or symbol.is_imported() or symbol.is_parameter()
                    or symbol.is_declared_global() or symbol.is_nonlocal() or symbol.is_namespace()):
                bound.add(name)
            elif symbol.is_referenced() and symbol.is_global():
                read.add(name)
    return frozenset(name for name in read - bound if name not in _BUILTINS and name not in _MODULE_DUNDERS)


@functools.lru_cache(maxsize=8192)
def plan_for(api, name: str) -> tuple[str, str | None, str | None, str | None] | None:
    """How to import ``name``: ``(module, imported name or None, asname, what attribute uses must belong to)``.
    Cached: the prefilter asks about every identifier of every file."""
    if name == "cdk":
        return "aws_cdk", None, "cdk", None  # the convention itself: whatever is read from it
    if name in ("aws_cdk", "constructs", "jsii"):
        return name, None, None, None
    if name in api.names("aws_cdk"):
        return "aws_cdk", name, None, f"type:aws_cdk.{name}"
    if name in api.names("constructs"):
        return "constructs", name, None, f"type:constructs.{name}"
    module = _aliases_of(api).get(name)
    if module is not None:
        leaf = module.split(".", 1)[1]
        return "aws_cdk", leaf, name if name != leaf else None, f"module:{module}"
    if name[:1].isupper():
        modules = [m for m in api.modules_defining(name) if not m.startswith("aws_cdk.interfaces")]
        if len(modules) == 1 and modules[0].startswith("aws_cdk."):
            return modules[0], name, None, f"type:{modules[0]}.{name}"
    return None


_ATTR_MODULE_CACHE: dict[int, dict[str, str | None]] = {}


def attribute_module(api, attr: str) -> str | None:
    """The one aws-cdk-lib module (core or a submodule) defining a top-level type ``attr``, else None."""
    cache = _ATTR_MODULE_CACHE.setdefault(id(api), {})
    if attr not in cache:
        modules = [m for m in api.modules_defining(attr)
                   if (m == "aws_cdk" or m.startswith("aws_cdk.")) and not m.startswith("aws_cdk.interfaces")]
        cache[attr] = modules[0] if len(modules) == 1 else None
    return cache[attr]


def alias_module(api, attributes) -> str | None:
    """The module an unknown alias stands for, judged by the attributes read on it (``apigw_integrations``
    read as ``.HttpLambdaIntegration`` is ``aws_cdk.aws_apigatewayv2_integrations``): every attribute is a
    type of that one module; None when an alias is read bare, or its attributes name several modules or none."""
    modules = {attribute_module(api, attr) if attr is not None else None for attr in attributes}
    if len(modules) != 1:
        return None
    return next(iter(modules))


def name_uses(tree: ast.Module, names) -> dict[str, list[tuple[ast.Name, str | None]]]:
    """Every read of ``names`` in source order: the Name node and the attribute taken from it (or None).

    Names inside import statements are not reads (the stdlib tree has no Name nodes there)."""
    attribute_of = {id(node.value): node.attr for node in ast.walk(tree)
                    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)}
    found = sorted((node.lineno, node.col_offset, node) for node in ast.walk(tree)
                   if isinstance(node, ast.Name) and node.id in names)
    uses: dict[str, list[tuple[ast.Name, str | None]]] = {}
    for _, _, node in found:
        uses.setdefault(node.id, []).append((node, attribute_of.get(id(node))))
    return uses


class UndefinedNameImport(AstRule):
    """Adds the import of a CDK name that the file uses but never binds.

    The names come from a module-level scope analysis (the standard library's ``symtable``): a name read
    as a global and bound nowhere in the file: not by an import, an assignment, a parameter, a loop or
    comprehension variable, a ``global`` statement or a class attribute. A file with ``import *``,
    ``exec`` or ``globals()`` is left alone. Such a name gets an import when it is, by the API index:

    - ``cdk`` → ``import aws_cdk as cdk``; ``aws_cdk``/``constructs``/``jsii`` → ``import ...``;
    - a name of the core module (``Duration``, ``RemovalPolicy``, ``Stack``, ``CfnOutput``, ``Tags``,
      ``IAspect``…) → ``from aws_cdk import Duration``, joining the file's ``from aws_cdk import (...)``;
    - a name of ``constructs`` (``Construct``) → ``from constructs import Construct``;
    - a conventional alias of a submodule (``s3n``, ``s3_notifications``, ``logs``, ``elbv2``, ``_lambda``,
      ``aws_s3``) → ``from aws_cdk import aws_s3_notifications as s3n``, provided every use reads a type the
      module defines (``logs.LogGroup``): a ``config.get(...)`` is the user's own missing variable;
    - a type defined by exactly one submodule (``RetentionDays``) → ``from aws_cdk.aws_logs import ...``;
    - any other name read only as ``name.Attr`` where every ``Attr`` is a type of one and the same aws-cdk-lib
      module (``apigw_integrations.HttpLambdaIntegration``) → that module under the file's own name
      (``from aws_cdk import aws_apigatewayv2_integrations as apigw_integrations``); attributes of two
      modules, of none, or a bare read leave it alone.

    A module imported under an alias (``aws_iam as iam``) does not bind its full name: a bare ``aws_iam.Role``
    still gets ``from aws_cdk import aws_iam``.

    A name used as ``Name.attr`` must have that attribute in the index (``Duration.seconds``).

    Style: the import joins the file's ``from aws_cdk import (...)`` block when it has one; a file that only
    has ``import aws_cdk as cdk`` gets a ``from aws_cdk import Duration`` line rather than every use
    rewritten to ``cdk.Duration``: the uses stay as written and the edit is one line.
    """

    code = "CDK103"
    name = "undefined-name-import"
    title = "CDK name used but never imported (`cdk`, `Duration`, `s3n`, `Construct`)"
    why = """
        Generated code often uses a name its imports do not bind: the conventional `cdk` alias, a core
        class such as `Duration`, or the alias of a module it forgot to import. Python stops at the first
        use:

            NameError: name 'Duration' is not defined
    """
    source = "DESIGN.md failure table (missing import, 7% of failures); seeds/004_e94ce7889cc0bc1d.txt §4"
    synth_error = "NameError: name 'Duration' is not defined"
    cases = (
        Case(
            "CDK103-invalid-core-names-join-import-block",
            """
            from aws_cdk import (
                Stack,
                aws_sqs as sqs,
            )
            from constructs import Construct
            class QueueStack(Stack):
                def __init__(self, scope: Construct, construct_id: str) -> None:
                    super().__init__(scope, construct_id)
                    sqs.Queue(self, "Q", visibility_timeout=Duration.seconds(30),
                              removal_policy=RemovalPolicy.DESTROY)
            """,
            """
            from aws_cdk import (
                Stack,
                aws_sqs as sqs,
                Duration,
                RemovalPolicy,
            )
            from constructs import Construct
            class QueueStack(Stack):
                def __init__(self, scope: Construct, construct_id: str) -> None:
                    super().__init__(scope, construct_id)
                    sqs.Queue(self, "Q", visibility_timeout=Duration.seconds(30),
                              removal_policy=RemovalPolicy.DESTROY)
            """,
        ),
        Case(
            "CDK103-invalid-cdk-alias",
            """
            from aws_cdk import Stack
            app = cdk.App()
            """,
            """
            from aws_cdk import Stack
            import aws_cdk as cdk
            app = cdk.App()
            """,
        ),
        Case(
            "CDK103-invalid-core-name-in-cdk-alias-style",
            """
            import aws_cdk as cdk

            queue = cdk.aws_sqs.Queue(
                stack,
                "Q",
                # keep messages for four days
                retention_period=Duration.days(4),
            )
            """,
            """
            import aws_cdk as cdk
            from aws_cdk import Duration

            queue = cdk.aws_sqs.Queue(
                stack,
                "Q",
                # keep messages for four days
                retention_period=Duration.days(4),
            )
            """,
        ),
        Case(
            "CDK103-invalid-module-aliases",
            """
            import aws_cdk as cdk
            from aws_cdk import aws_s3 as s3
            bucket.add_event_notification(
                s3.EventType.OBJECT_CREATED,
                s3n.LambdaDestination(fn),  # notify the function
            )
            other = s3_notifications.SnsDestination(topic)
            group = logs.LogGroup(stack, "Logs")
            """,
            """
            import aws_cdk as cdk
            from aws_cdk import aws_s3 as s3, aws_s3_notifications as s3n, aws_s3_notifications as s3_notifications, aws_logs as logs
            bucket.add_event_notification(
                s3.EventType.OBJECT_CREATED,
                s3n.LambdaDestination(fn),  # notify the function
            )
            other = s3_notifications.SnsDestination(topic)
            group = logs.LogGroup(stack, "Logs")
            """,
        ),
        Case(
            "CDK103-invalid-construct-jsii-and-aspect",
            """
            import aws_cdk as cdk

            @jsii.implements(IAspect)
            class Tagger:
                def visit(self, node: IConstruct) -> None:
                    pass
            """,
            """
            import aws_cdk as cdk
            from aws_cdk import IAspect
            from constructs import IConstruct
            import jsii

            @jsii.implements(IAspect)
            class Tagger:
                def visit(self, node: IConstruct) -> None:
                    pass
            """,
        ),
        Case(
            "CDK103-invalid-unique-submodule-type",
            """
            from aws_cdk import aws_logs as logs
            group = logs.LogGroup(stack, "L", retention=RetentionDays.ONE_WEEK)
            """,
            """
            from aws_cdk import aws_logs as logs
            from aws_cdk.aws_logs import RetentionDays
            group = logs.LogGroup(stack, "L", retention=RetentionDays.ONE_WEEK)
            """,
        ),
        Case(
            "CDK103-invalid-full-module-name-beside-its-alias",
            """
            from aws_cdk import (
                Stack,
                aws_iam as iam,
            )
            role = aws_iam.Role(stack, "R", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
            metric = aws_cloudwatch.Metric(namespace="App", metric_name="Errors")
            """,
            """
            from aws_cdk import (
                Stack,
                aws_iam as iam,
                aws_iam,
                aws_cloudwatch,
            )
            role = aws_iam.Role(stack, "R", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
            metric = aws_cloudwatch.Metric(namespace="App", metric_name="Errors")
            """,
        ),
        Case(
            "CDK103-invalid-own-alias-of-the-module-its-types-name",
            """
            from aws_cdk import aws_apigatewayv2 as apigwv2
            integration = apigw_integrations.HttpLambdaIntegration("Int", handler)
            api = apigwv2.HttpApi(stack, "Api", default_integration=integration)
            other = apigw_integrations.HttpUrlIntegration("Url", "https://example.com")
            """,
            """
            from aws_cdk import aws_apigatewayv2 as apigwv2, aws_apigatewayv2_integrations as apigw_integrations
            integration = apigw_integrations.HttpLambdaIntegration("Int", handler)
            api = apigwv2.HttpApi(stack, "Api", default_integration=integration)
            other = apigw_integrations.HttpUrlIntegration("Url", "https://example.com")
            """,
        ),
        Case(
            "CDK103-valid-unknown-alias-bound-spread-or-nowhere",
            """
            from aws_cdk import Stack
            def make(integrations):
                return integrations.HttpLambdaIntegration("Int", handler)
            mixed = monitoring.Metric(namespace="App", metric_name="Errors")
            store = monitoring.Bucket(stack, "B")
            missing = helpers.NoSuchCdkType()
            either = fns.Function(stack, "F")
            bare = alarms.Alarm
            print(alarms)
            """,
        ),
        Case(
            "CDK103-valid-bound-somewhere",
            """
            import aws_cdk as cdk
            def make(logs, Duration):
                return logs.LogGroup(Duration)
            for s3 in buckets:
                s3.grant_read(role)
            names = [iam for iam in roles]
            class Holder:
                ec2 = None
                def f(self):
                    return ec2.Vpc
            def g():
                global sns
                sns = 1
            print(sns.Topic)
            """,
        ),
        Case(
            "CDK103-valid-user-variable-named-like-a-module",
            """
            import aws_cdk as cdk
            value = config.get("retention")
            x = Duration.from_text("5m")
            """,
        ),
        Case(
            "CDK103-valid-star-import",
            """
            from aws_cdk import *
            d = Duration.seconds(3)
            """,
        ),
        Case(
            "CDK103-valid-not-a-cdk-name",
            """
            import aws_cdk as cdk
            print(undefined_helper(3), __file__)
            """,
        ),
    )

    @classmethod
    def may_fire(cls, source: str) -> bool:
        """Only when the file reads a name it never binds that stands for something CDK.

        A candidate is a name with an import plan, or a name read as ``name.Attr`` where ``Attr`` is a type
        of exactly one aws-cdk-lib module (an alias of that module). The scope analysis (``symtable``) runs
        only when the file has a candidate."""
        scan = prescan(source)
        if scan is None:
            return False
        api = prefilter_index()
        candidates = {name for name in scan.names if plan_for(api, name) is not None}
        candidates.update(node.value.id for node in scan.attributes
                          if isinstance(node.value, ast.Name) and attribute_module(api, node.attr) is not None)
        candidates.difference_update(scan.bindings)  # imported somewhere: bound, never unbound
        # Bound in some scope (assigned, a def or class, a parameter) is never unbound either (see
        # ``unbound_names``): no second parse by ``symtable`` for a file that only reuses a module's usual alias.
        candidates.difference_update(scan.stored_names)
        candidates.difference_update(node.name for node in (*scan.functions, *scan.classes))
        candidates.difference_update(arg.arg for function in scan.functions for arg in (
            *function.args.posonlyargs, *function.args.args, *function.args.kwonlyargs,
            function.args.vararg, function.args.kwarg) if arg is not None)
        if not candidates:
            return False
        return any(name in candidates for name in unbound_names(source) or ())

    def check(self) -> None:
        """Find the unbound CDK names and record one import-only fix per name."""
        names = unbound_names(self.source)
        if not names:
            return
        api = index(self.options)
        plans = {name: plan_for(api, name) for name in names}
        for name, uses in name_uses(self.tree, names).items():
            if not uses:
                continue
            plan = plans[name]
            if plan is not None and self._uses_fit(api, name, uses, plan[0], plan[3]):
                module, imported, asname, _ = plan
            else:
                target = alias_module(api, [attr for _, attr in uses])
                if target is None:
                    continue
                package, _, leaf = target.rpartition(".")
                module, imported, asname = (package, leaf, name if name != leaf else None) if package else (
                    target, None, name if name != target else None)
            statement = (f"import {module}" + (f" as {asname}" if asname else "") if imported is None
                         else f"from {module} import {imported}" + (f" as {asname}" if asname else ""))
            self.stage_import(module, imported, asname)
            self.record_fix(uses[0][0], f"`{name}` is used but never imported; add `{statement}`")

    def _uses_fit(self, api, name: str, uses, module: str, owner: str | None) -> bool:
        """Every ``name.attr`` reads something the module/type has; a module alias is never used bare."""
        if owner is None:
            return True
        kind, _, target = owner.partition(":")
        if kind == "module":
            names = api.names(target)
            return all(attr is not None and (attr in names or api.has_module(f"{target}.{attr}"))
                       for _, attr in uses)
        info = api.lookup(target)
        if info is None:
            return True
        for _, attr in uses:
            if attr is not None and not (attr in info.methods or attr in info.properties
                                         or attr in info.members or attr in info.nested):
                return False
        return True
