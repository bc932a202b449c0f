"""CDK107: a literal of the wrong primitive type for a CDK prop (``duration_in_seconds=60`` for a string)."""

from __future__ import annotations

import ast
import re

import libcst as cst

from cdkfix.rule import AstRule, Case
from codemods._callees import ROOTS, prescan_receiver_types, type_of_qualified
from codemods._helpers import (
    ast_dotted,
    call_signature,
    index,
    prefilter_index,
    preferred_quote,
    prescan,
)

#: The source of a number literal that reads the same as a string (no ``1_000``, ``0x10``, ``1e3``).
_PLAIN_NUMBER = re.compile(r"(0|[1-9][0-9]*)(\.[0-9]+)?")
#: A string whose text is a number literal Python accepts as is (no leading zeros, no spaces).
_NUMERIC_TEXT = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?")
_BOOLEANS = {"true": "True", "false": "False"}
_PRIMITIVES = ("string", "number", "boolean")


# -- what a literal becomes (shared by the prefilter, on evaluated values, and the traversal) ----------------

def _number_text_as_string(text: str) -> bool:
    return _PLAIN_NUMBER.fullmatch(text.lstrip("-")) is not None


def _string_as(value: str, wanted: str) -> str | None:
    """The source of the ``wanted`` primitive that the string ``value`` spells, else None."""
    if wanted == "number" and _NUMERIC_TEXT.fullmatch(value):
        return value
    if wanted == "boolean":
        return _BOOLEANS.get(value.lower())
    return None


def _ast_mismatch(value: ast.expr, wanted: str) -> bool:
    """True when the ``ast`` literal ``value`` may be converted to the ``wanted`` primitive by the rule."""
    if wanted not in _PRIMITIVES:
        return False
    if isinstance(value, ast.UnaryOp) and isinstance(value.op, ast.USub):
        value = value.operand
    if not isinstance(value, ast.Constant) or isinstance(value.value, bool):
        return False
    if isinstance(value.value, (int, float)):
        return wanted == "string"
    if isinstance(value.value, str):
        return _string_as(value.value, wanted) is not None
    return False


def _call_types(params, props, call_args: list[tuple[str | None, object]]):
    """``(argument, declared type, keyword)`` for each argument whose parameter or prop is known.

    ``call_args`` is ``(keyword or None, value)`` in call order; positional arguments map to ``params``
    (stopping at a variadic one)."""
    position = 0
    for name, value in call_args:
        if name is None:
            if position < len(params) and not params[position].variadic:
                yield value, params[position].type, params[position].name
            position += 1
            continue
        param = next((p for p in params if p.name == name and not p.variadic), None)
        if param is not None:
            yield value, param.type, name
        elif name in props:
            yield value, props[name].type, name


def _signature_of(api, qualified: str):
    """``(label, positional params, keyword props)`` of a constructor, struct or static method."""
    signature = call_signature(api, qualified)
    if signature is None:
        return None
    info, method_name, params, props = signature
    return (f"{info.name}.{method_name}" if method_name else info.name), params, props


def _method_signature(info, name: str):
    method = info.methods.get(name)
    if method is None or method.static:
        return None
    return f"{info.name}.{name}", method.params, method.kwargs


class LiteralTypeMismatch(AstRule):
    """Converts a literal to the primitive type the CDK prop or parameter declares.

    The callee is resolved through the file's imports and the API index: constructors
    (``ec2.Vpc(...)``), structs (``synthetics.CfnCanary.ScheduleProperty(...)``), static methods
    (``ec2.Port.tcp(...)``) and methods called on a variable whose constructor is visible in the same
    function, class (``self.alb = elbv2.ApplicationLoadBalancer(...)``) or module. When the declared type
    is exactly a primitive (not a union) and the argument is a literal of another primitive type:

    - a number where a ``string`` is declared becomes the same digits as a string (``60`` → ``"60"``);
    - a string holding a plain number where a ``number`` is declared becomes that number
      (``"8080"`` → ``8080``);
    - ``"true"``/``"false"`` where a ``boolean`` is declared becomes ``True``/``False``.

    Only literals are converted: variables, f-strings, concatenations, ``1_000``-style numbers and strings
    such as ``"08"`` or ``"5 minutes"`` are left alone.

    Calls and receivers are found and typed on the stdlib tree (an :class:`~cdkfix.rule.AstRule`, with the
    stdlib twin of ``codemods._callees.ReceiverTypes``); only a call with a literal to convert is parsed with
    LibCST, to read its literals as written, and each converted literal's text is replaced.
    """

    code = "CDK107"
    name = "literal-type-mismatch"
    title = "Literal of the wrong primitive type for a CDK prop or parameter"
    why = """
        jsii's Python bindings check every argument's type before calling into the CDK, and a
        CloudFormation property typed as a string does not take a number (nor a number property a
        string, nor a boolean the string "true"). The app stops before anything is synthesized:

            TypeError: type of argument duration_in_seconds must be one of (str, NoneType); got int instead
            TypeError: type of argument port must be one of (int, float); got str instead
    """
    source = ("corpus Pr8009 (aws_synthetics `CfnCanary.ScheduleProperty(duration_in_seconds=0)`); "
              "DESIGN.md table: wrong value type (7% of failures)")
    triggers = ("aws_cdk", "constructs")
    synth_error = "type of argument duration_in_seconds must be one of (str, NoneType); got int instead"
    cases = (
        Case(
            "CDK107-invalid-canary-schedule-number-for-string",
            """
            from aws_cdk import aws_synthetics as synthetics
            schedule = synthetics.CfnCanary.ScheduleProperty(
                expression="rate(5 minutes)",
                duration_in_seconds=60,  # stop after a minute
            )
            """,
            """
            from aws_cdk import aws_synthetics as synthetics
            schedule = synthetics.CfnCanary.ScheduleProperty(
                expression="rate(5 minutes)",
                duration_in_seconds="60",  # stop after a minute
            )
            """,
        ),
        Case(
            "CDK107-invalid-string-for-number-and-boolean",
            """
            from aws_cdk import aws_ec2 as ec2
            vpc = ec2.Vpc(self, 'Vpc', nat_gateways='1', restrict_default_security_group='false')
            port = ec2.Port.tcp("8080")
            """,
            """
            from aws_cdk import aws_ec2 as ec2
            vpc = ec2.Vpc(self, 'Vpc', nat_gateways=1, restrict_default_security_group=False)
            port = ec2.Port.tcp(8080)
            """,
        ),
        Case(
            "CDK107-invalid-method-on-self-attribute-and-local",
            """
            from aws_cdk import aws_elasticloadbalancingv2 as elbv2, aws_s3 as s3

            class Web(Stack):
                def __init__(self, scope, construct_id):
                    super().__init__(scope, construct_id)
                    self.alb = elbv2.ApplicationLoadBalancer(self, "Alb", vpc=vpc)
                    listener = self.alb.add_listener("Http", port="80", open=True)
                    bucket = s3.Bucket(self, "Logs")
                    bucket.add_lifecycle_rule(id="expire", noncurrent_versions_to_retain="3", enabled="True")
            """,
            """
            from aws_cdk import aws_elasticloadbalancingv2 as elbv2, aws_s3 as s3

            class Web(Stack):
                def __init__(self, scope, construct_id):
                    super().__init__(scope, construct_id)
                    self.alb = elbv2.ApplicationLoadBalancer(self, "Alb", vpc=vpc)
                    listener = self.alb.add_listener("Http", port=80, open=True)
                    bucket = s3.Bucket(self, "Logs")
                    bucket.add_lifecycle_rule(id="expire", noncurrent_versions_to_retain=3, enabled=True)
            """,
        ),
        Case(
            "CDK107-invalid-from-import-and-negative-float",
            """
            from aws_cdk.aws_synthetics import CfnCanary
            CfnCanary.ScheduleProperty(expression="rate(1 hour)", duration_in_seconds=-1.5)
            """,
            """
            from aws_cdk.aws_synthetics import CfnCanary
            CfnCanary.ScheduleProperty(expression="rate(1 hour)", duration_in_seconds="-1.5")
            """,
        ),
        Case(
            "CDK107-valid-right-types-unions-and-non-literals",
            """
            from aws_cdk import aws_ec2 as ec2, aws_synthetics as synthetics
            vpc = ec2.Vpc(self, "Vpc", nat_gateways=1, max_azs=count)
            synthetics.CfnCanary.ScheduleProperty(expression="rate(5 minutes)", duration_in_seconds=str(60))
            synthetics.CfnCanary.ScheduleProperty(expression="rate(5 minutes)", duration_in_seconds=seconds)
            synthetics.CfnCanary.ScheduleProperty(expression="rate(5 minutes)", duration_in_seconds=f"{60}")
            synthetics.CfnCanary.RunConfigProperty(active_tracing="true", timeout_in_seconds="1_000")
            port = ec2.Port.tcp("08080")
            vpc2 = ec2.Vpc(self, "Vpc2", nat_gateways="one", max_azs=1_000)
            """,
        ),
        Case(
            "CDK107-valid-unknown-callee-and-user-class",
            """
            from aws_cdk import aws_ec2 as ec2

            class Vpc:
                def __init__(self, nat_gateways="1"):
                    pass

            Vpc(nat_gateways="1")
            make_vpc(nat_gateways="1")
            helper.add_listener("Http", port="80")
            alb = build()
            alb.add_listener("Http", port="80")
            """,
        ),
        Case(
            "CDK107-valid-shadowed-alias-and-reassigned-variable",
            """
            from aws_cdk import aws_ec2 as ec2, aws_elasticloadbalancingv2 as elbv2

            def build(ec2):
                return ec2.Vpc(nat_gateways="1")

            alb = elbv2.ApplicationLoadBalancer(self, "Alb", vpc=vpc)
            alb = other()
            alb.add_listener("Http", port="80")
            """,
        ),
        Case(
            "CDK107-valid-suppressed",
            """
            from aws_cdk import aws_ec2 as ec2
            ec2.Vpc(self, "Vpc", nat_gateways="1")  # cdkfix: ignore[CDK107]
            """,
        ),
    )

    # -- the prefilter ---------------------------------------------------------------------------------
    @classmethod
    def may_fire(cls, source: str) -> bool:
        """Conservative: True when a call to a CDK callee (or to a method of a CDK type assigned in this
        file) passes a literal the rule would convert, per the run's API index."""
        if not super().may_fire(source):
            return False
        scan = prescan(source)
        if scan is None:
            return False  # not Python the stdlib accepts: the engine reports the syntax error
        if not any(t.partition(".")[0] in ROOTS for targets in scan.bindings.values() for t in targets):
            return False
        api = prefilter_index()

        def literal(value: ast.expr) -> bool:
            if isinstance(value, ast.UnaryOp) and isinstance(value.op, ast.USub):
                value = value.operand
            return isinstance(value, ast.Constant) and isinstance(value.value, (int, float, str)) \
                and not isinstance(value.value, bool)

        def fires(signature, call: ast.Call) -> bool:
            if signature is None:
                return False
            _, params, props = signature
            args = [(None, a) for a in call.args if not isinstance(a, ast.Starred)]
            if len(args) != len(call.args):
                args = []  # the rule maps no positional argument after a `*args`
            args += [(k.arg, k.value) for k in call.keywords if k.arg is not None]
            return any(_ast_mismatch(value, wanted) for value, wanted, _ in _call_types(params, props, args))

        signatures: dict[str, object] = {}
        methods: list[ast.Call] = []
        for call in scan.calls:
            if not any(literal(a) for a in (*call.args, *(k.value for k in call.keywords))):
                continue
            for qualified in scan.resolve_all(call.func):
                if qualified.partition(".")[0] not in ROOTS:
                    continue
                if qualified not in signatures:
                    signatures[qualified] = _signature_of(api, qualified)
                if fires(signatures[qualified], call):
                    return True
            if isinstance(call.func, ast.Attribute):
                methods.append(call)
        if not methods:
            return False
        receiver_types = prescan_receiver_types(scan, api, {})
        for call in methods:
            for info in receiver_types(call.func.value):  # type: ignore[attr-defined]
                if fires(_method_signature(info, call.func.attr), call):  # type: ignore[attr-defined]
                    return True
        return False

    # -- finding on the stdlib tree ----------------------------------------------------------------------
    def check(self) -> None:
        """Convert the literal arguments whose primitive type is not the declared one, call by call in the
        order a LibCST traversal leaves them (innermost first)."""
        self._api = None
        self._quote: str | None = None
        self._rebound: frozenset[str] | None = None
        self._bindings: dict[int, dict[str, list[ast.expr | None]]] = {}
        self._value_types: dict[int, object] = {}
        self._anchors: dict[int, ast.AST] = {}
        for call in sorted(self.scan.calls, key=lambda c: (c.end_lineno, c.end_col_offset)):
            if any(_ast_literal(a) for a in (*call.args, *(k.value for k in call.keywords))):
                self._check_call(call)

    def _check_call(self, call: ast.Call) -> None:
        signature = self._signature(call)
        if signature is None:
            return
        label, params, props = signature
        # Cheap first: the prefilter's test on the stdlib values says whether any argument may convert.
        positional = [(None, a) for a in call.args if not isinstance(a, ast.Starred)]
        if len(positional) != len(call.args):
            positional = []
        keywords = [(k.arg, k.value) for k in call.keywords if k.arg is not None]
        if not any(_ast_mismatch(value, wanted)
                   for value, wanted, _ in _call_types(params, props, positional + keywords)):
            return
        # The literals as LibCST reads them (prefixes, parentheses, spelling), from a parse of the call alone.
        parsed = _parse_call(self.source[slice(*self.lines.span(call))])
        written = sorted([*call.args, *call.keywords], key=lambda n: (n.lineno, n.col_offset))
        if parsed is None or len(parsed.args) != len(written):
            return
        starred = any(arg.star == "*" for arg in parsed.args)  # then no positional mapping
        call_args: list[tuple[str | None, object]] = [
            (arg.keyword.value if arg.keyword is not None else None, i) for i, arg in enumerate(parsed.args)
            if not arg.star and (arg.keyword is not None or not starred)]
        for i, wanted, name in _call_types(params, props, call_args):
            value = parsed.args[i].value  # type: ignore[index]
            new = self._converted(value, wanted)
            if new is None:
                continue
            old_text = cst.Module([]).code_for_node(value)
            new_text = cst.Module([]).code_for_node(new)
            node = written[i]  # type: ignore[index]
            target = node.value if isinstance(node, ast.keyword) else node
            self._anchors[id(target)] = node  # the finding is where the argument starts: its keyword
            self.rewrite(target, lambda _, new=new: new,
                         f"`{label}` takes a {wanted} for `{name}`: `{old_text}` → `{new_text}`")

    def position(self, node) -> tuple[int, int]:  # type: ignore[override]
        """Where the argument of a converted value starts (its keyword), as a LibCST ``Arg`` would say."""
        return super().position(self._anchors.get(id(node), node))

    def _suppressed(self, node) -> bool:  # type: ignore[override]
        return super()._suppressed(self._anchors.get(id(node), node))

    # -- literals -------------------------------------------------------------------------------------
    def _converted(self, value: cst.BaseExpression, wanted: str) -> cst.BaseExpression | None:
        """The literal ``value`` as the ``wanted`` primitive, or None when it is not a plain literal of
        another primitive type."""
        if wanted not in _PRIMITIVES:
            return None
        if (isinstance(value, cst.UnaryOperation) and isinstance(value.operator, cst.Minus)
                and isinstance(value.expression, (cst.Integer, cst.Float))
                and not value.lpar and not value.expression.lpar):
            text = "-" + value.expression.value
        elif isinstance(value, (cst.Integer, cst.Float)) and not value.lpar:
            text = value.value
        elif isinstance(value, cst.SimpleString) and not value.lpar:
            if any(c in value.prefix.lower() for c in "bf"):
                return None
            evaluated = value.evaluated_value
            if not isinstance(evaluated, str):
                return None
            spelled = _string_as(evaluated, wanted)
            if spelled is None:
                return None
            if wanted == "boolean":
                return cst.Name(spelled)
            if spelled.startswith("-"):
                number = spelled[1:]
                return cst.UnaryOperation(cst.Minus(), cst.Float(number) if "." in number else cst.Integer(number))
            return cst.Float(spelled) if "." in spelled else cst.Integer(spelled)
        else:
            return None
        if wanted != "string" or not _number_text_as_string(text):
            return None
        return cst.SimpleString(self._quote_char + text + self._quote_char)

    @property
    def _quote_char(self) -> str:
        if self._quote is None:
            self._quote = preferred_quote(self.source)
        return self._quote

    # -- resolving the callee -------------------------------------------------------------------------
    @property
    def api(self):
        """The run's API index, loaded on first use (a file with no CDK call never pays for it)."""
        if self._api is None:
            self._api = index(self.options)
        return self._api

    def _imported(self, node: ast.expr) -> str | None:
        """The qualified CDK name an expression spells through the file's imports, if trustworthy: its
        first name is bound nowhere but by a module-level import (``rebound_head``'s test)."""
        dotted = ast_dotted(node)
        if dotted is None:
            return None
        head, _, rest = dotted.partition(".")
        target = self.imports.bindings.get(head)
        if target is None:
            return None
        resolved = f"{target}.{rest}" if rest else target
        if resolved.partition(".")[0] not in ROOTS:
            return None
        if self._rebound is None:
            self._rebound = _rebound_names(self.tree)
        return None if head in self._rebound else resolved

    def _signature(self, call: ast.Call):
        qualified = self._imported(call.func)
        if qualified is not None:
            return _signature_of(self.api, qualified)
        if isinstance(call.func, ast.Attribute):
            receiver = self._type_of(call.func.value, call)
            if receiver is not None:
                return _method_signature(receiver, call.func.attr)
        return None

    # What ``codemods._callees.ReceiverTypes`` does during a LibCST traversal, on the stdlib tree: the
    # receiver's value must be visible in the same function, class (``self.x``) or module.
    def _type_of(self, node: ast.expr, at: ast.AST):
        """The CDK type of a receiver expression (used by the call ``at``), when its value is visible."""
        if isinstance(node, ast.Call):
            return self._type_of_value(node)
        if isinstance(node, ast.Name):
            # An imported name is a module or class, not a value this machinery can type.
            if node.id in self.imports.bindings:
                return None
            function = next((a for a in self.scan.ancestors(at)
                             if isinstance(a, (ast.FunctionDef, ast.AsyncFunctionDef))), None)
            values = self._bound(function).get(node.id) if function is not None else None
            if values is None:
                values = self._bound(self.tree).get(node.id)
            return self._single_type(values)
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "self":
            cls = next((a for a in self.scan.ancestors(at) if isinstance(a, ast.ClassDef)), None)
            if cls is None:
                return None
            return self._single_type(self._bound(cls).get(node.attr))
        return None

    def _bound(self, scope: ast.AST) -> dict[str, list[ast.expr | None]]:
        key = id(scope)
        if key not in self._bindings:
            self._bindings[key] = (_self_attributes(scope, self.lines) if isinstance(scope, ast.ClassDef)
                                   else _scope_bindings(scope, self.lines))
        return self._bindings[key]

    def _single_type(self, values):
        # Every binding must be visible and agree: a name assigned two different types is left alone.
        if not values or any(v is None for v in values):
            return None
        types = {id(t): t for t in (self._type_of_value(v) for v in values)}
        if len(types) != 1:
            return None
        return next(iter(types.values()))

    def _type_of_value(self, value: ast.expr):
        key = id(value)
        if key not in self._value_types:
            self._value_types[key] = None  # guards against cycles
            qualified = self._imported(value.func) if isinstance(value, ast.Call) else None
            self._value_types[key] = type_of_qualified(self.api, qualified) if qualified is not None else None
        return self._value_types[key]


# -- the stdlib twins of the LibCST helpers the traversal used ------------------------------------------------

def _ast_literal(value: ast.expr) -> bool:
    """True for what may be a number or string literal (``-`` allowed), as LibCST would read it: a superset,
    since the stdlib joins implicitly concatenated strings into one constant."""
    if isinstance(value, ast.UnaryOp) and isinstance(value.op, ast.USub):
        value = value.operand
    return isinstance(value, ast.Constant) and isinstance(value.value, (int, float, str, bytes)) \
        and not isinstance(value.value, bool)


def _parse_call(text: str) -> cst.Call | None:
    """LibCST's parse of a call's source text (parenthesized, so a multi-line call parses on its own)."""
    try:
        parsed = cst.parse_expression(f"({text})")
    except (cst.ParserSyntaxError, SyntaxError, ValueError):
        return None
    return parsed.with_changes(lpar=parsed.lpar[1:], rpar=parsed.rpar[:-1]) if isinstance(parsed, cst.Call) else None


def _suite(owner: ast.AST, lines) -> bool:
    """True when a ``def``/``class`` body is on its header's line (LibCST's ``SimpleStatementSuite``)."""
    body = owner.body  # type: ignore[attr-defined]
    if not body:
        return False
    first = body[0]
    return lines.line_text(first.lineno)[:lines.char_column(first.lineno, first.col_offset)].strip() != ""


def _names(target: ast.AST):
    """Names bound by an assignment target (``codemods._helpers._target_names``)."""
    if isinstance(target, ast.Name):
        yield target.id
    elif isinstance(target, (ast.Tuple, ast.List)):
        for element in target.elts:
            yield from _names(element)
    elif isinstance(target, ast.Starred):
        yield from _names(target.value)


_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_TRIES = (ast.Try,) + ((ast.TryStar,) if hasattr(ast, "TryStar") else ())


def _statements(body: list[ast.stmt], *, nested: bool = True):
    """Every statement in ``body``, depth first, never inside expressions
    (``codemods._helpers.walk_statements``): handlers and ``else``/``finally`` blocks included, ``match``
    cases not; with ``nested=False`` the bodies of functions and classes are not entered."""
    for stmt in body:
        yield stmt
        if isinstance(stmt, _DEFS) and not nested:
            continue
        if isinstance(stmt, _TRIES):
            for handler in stmt.handlers:
                yield handler
                yield from _statements(handler.body, nested=nested)
        if isinstance(stmt, ast.Match):
            continue
        for field in ("body", "orelse", "finalbody"):
            block = getattr(stmt, field, None)
            if isinstance(block, list):
                yield from _statements(block, nested=nested)


def _bindings(body: list[ast.stmt], *, nested: bool = True):
    """``(name, value, node)`` for every binding the statements of ``body`` make
    (``codemods._helpers.statement_bindings``)."""
    for node in _statements(body, nested=nested):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                plain = isinstance(target, ast.Name)
                for name in _names(target):
                    yield name, node.value if plain else None, node
        elif isinstance(node, ast.AnnAssign):
            if node.value is not None:
                for name in _names(node.target):
                    yield name, node.value if isinstance(node.target, ast.Name) else None, node
        elif isinstance(node, ast.AugAssign):
            for name in _names(node.target):
                yield name, None, node
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                if alias.name == "*":
                    continue
                yield (alias.asname or alias.name.split(".")[0]), None, node
        elif isinstance(node, _DEFS):
            yield node.name, None, node
            if nested and not isinstance(node, ast.ClassDef):
                yield from ((name, None, node) for name in _parameters(node.args))
        elif isinstance(node, (ast.For, ast.AsyncFor)):
            for name in _names(node.target):
                yield name, None, node
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            for item in node.items:
                if item.optional_vars is not None:
                    for name in _names(item.optional_vars):
                        yield name, None, node
        elif isinstance(node, ast.ExceptHandler) and node.name:
            yield node.name, None, node


def _parameters(args: ast.arguments) -> list[str]:
    names = [a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)]
    names.extend(a.arg for a in (args.vararg, args.kwarg) if a is not None)
    return names


def _rebound_names(tree: ast.Module) -> frozenset[str]:
    """Names bound other than by a module-level import, anywhere (``codemods._helpers.rebound_names``)."""
    module_imports = {id(node) for node in _statements(tree.body, nested=False)
                      if isinstance(node, (ast.Import, ast.ImportFrom))}
    return frozenset(name for name, _, node in _bindings(tree.body) if id(node) not in module_imports)


def _scope_bindings(scope: ast.AST, lines) -> dict[str, list[ast.expr | None]]:
    """Values bound in a function (its parameters: None) or the module (``codemods._callees.scope_bindings``)."""
    values: dict[str, list[ast.expr | None]] = {}
    if isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef)):
        for name in _parameters(scope.args):
            values.setdefault(name, []).append(None)
        body = [] if _suite(scope, lines) else scope.body
    else:
        body = scope.body  # type: ignore[attr-defined]
    for name, value, _ in _bindings(body, nested=False):
        values.setdefault(name, []).append(value)
    return values


def _self_attributes(cls: ast.ClassDef, lines) -> dict[str, list[ast.expr | None]]:
    """``self.<attr> = value`` in the methods of one class (``codemods._callees.self_attributes``)."""
    values: dict[str, list[ast.expr | None]] = {}

    def bind(target: ast.expr, value: ast.expr | None) -> None:
        if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id == "self":
            values.setdefault(target.attr, []).append(value)
        elif isinstance(target, (ast.Tuple, ast.List)):
            for element in target.elts:
                bind(element.value if isinstance(element, ast.Starred) else element, None)

    for method in [] if _suite(cls, lines) else cls.body:
        if not isinstance(method, (ast.FunctionDef, ast.AsyncFunctionDef)) or _suite(method, lines):
            continue
        for node in _statements(method.body, nested=False):
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    bind(target, node.value)
            elif isinstance(node, ast.AnnAssign):
                bind(node.target, node.value)
            elif isinstance(node, ast.AugAssign):
                bind(node.target, None)
    return values
