"""CDK107: a literal of the wrong primitive type for a CDK prop (``duration_in_seconds=60`` for a string)."""

from __future__ import annotations

import ast
import re

import libcst as cst

from cdkfix.rule import AstRule, Case
from codemods._callees import ROOTS, AstReceiverTypes, prescan_receiver_types
from codemods._helpers import (
    call_signature,
    parse_call_text,
    prefilter_index,
    preferred_quote,
    signature_facts,
    triggered_prescan,
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


def _convertible(value: ast.expr) -> bool:
    """A literal ``_ast_mismatch`` may say yes to for some declared type: a number, or a string that spells
    a number or a boolean (a construct id such as ``"Data"`` never is). The prefilter asks it about every
    argument of every call, hence the cheap tests first."""
    kind = type(value)
    if kind is ast.UnaryOp and isinstance(value.op, ast.USub):  # type: ignore[attr-defined]
        value = value.operand  # type: ignore[attr-defined]
        kind = type(value)
    if kind is not ast.Constant:
        return False
    literal = value.value  # type: ignore[attr-defined]
    if type(literal) is str:
        # ``_NUMERIC_TEXT`` starts with a digit or "-"; the booleans are "true" and "false" in any case.
        if literal[:1] in _NUMBER_STARTS:
            return _string_as(literal, "number") is not None
        return len(literal) in (4, 5) and _string_as(literal, "boolean") is not None
    return isinstance(literal, (int, float)) and not isinstance(literal, bool)


_NUMBER_STARTS = frozenset("-0123456789")


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


# -- the prefilter's view of a callee: which arguments are declared a primitive (cached per process) ------
_Slots = tuple[tuple[str | None, ...], dict[str, str]]
_SLOTS: dict[tuple[int, str], _Slots | None] = {}  # (index, callee) -> slots
_METHOD_SLOTS: dict[tuple[int, str], _Slots | None] = {}  # (index type, method name) -> slots


def _primitive_slots(signature) -> _Slots | None:
    """``(declared primitive of each positional parameter or None, keyword -> declared primitive)`` of a
    ``(label, params, props)`` signature, as :func:`_call_types` maps arguments (a keyword names a parameter
    before a prop); None when no argument is declared a primitive, so no literal can be converted."""
    if signature is None:
        return None
    _, params, props = signature
    positional = tuple(None if p.variadic or p.type not in _PRIMITIVES else p.type for p in params)
    declared: dict[str, str] = {}
    for param in params:
        if not param.variadic:
            declared.setdefault(param.name, param.type)
    for name, prop in props.items():
        declared.setdefault(name, prop.type)
    named = {name: wanted for name, wanted in declared.items() if wanted in _PRIMITIVES}
    return (positional, named) if named or any(positional) else None


def _slots_of(api, qualified: str) -> _Slots | None:
    """:func:`_primitive_slots` of a constructor, struct or static method (what :func:`_signature_of` reads)."""
    return signature_facts(_SLOTS, api, qualified, lambda signature: _primitive_slots(signature[1:]))


def _method_slots(info, name: str) -> _Slots | None:
    """:func:`_primitive_slots` of an instance method (index types live as long as the process)."""
    key = (id(info), name)
    if key not in _METHOD_SLOTS:
        _METHOD_SLOTS[key] = _primitive_slots(_method_signature(info, name))
    return _METHOD_SLOTS[key]


def _fires(slots: _Slots | None, call: ast.Call) -> bool:
    """Whether some literal argument of ``call`` is one ``_ast_mismatch`` converts (the rule maps no
    positional argument after a ``*args``)."""
    if slots is None:
        return False
    positional, named = slots
    if not any(isinstance(arg, ast.Starred) for arg in call.args):
        for arg, wanted in zip(call.args, positional):
            if wanted is not None and _ast_mismatch(arg, wanted):
                return True
    for keyword in call.keywords:
        wanted = named.get(keyword.arg) if keyword.arg is not None else None  # type: ignore[assignment]
        if wanted is not None and _ast_mismatch(keyword.value, wanted):
            return True
    return False


class LiteralTypeMismatch(AstReceiverTypes, AstRule):
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

    Calls and receivers are found and typed on the stdlib tree (an :class:`~cdkfix.rule.AstRule`, with
    :class:`codemods._callees.AstReceiverTypes`); only a call with a
    literal to convert is parsed with LibCST, to read its literals as written, and each converted literal's
    text is replaced.
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
        scan = triggered_prescan(cls, source)
        if scan is None:
            return False
        if not scan.imports_under(ROOTS):
            return False
        api = prefilter_index()

        methods: list[ast.Call] = []
        for call, callees in zip(scan.calls, scan.callees):
            if not (any(map(_convertible, call.args)) or any(_convertible(k.value) for k in call.keywords)):
                continue
            for qualified in callees:
                if qualified.partition(".")[0] in ROOTS and _fires(_slots_of(api, qualified), call):
                    return True
            if isinstance(call.func, ast.Attribute):
                methods.append(call)
        if not methods:
            return False
        receiver_types = prescan_receiver_types(scan, api)
        for call in methods:
            for info in receiver_types(call.func.value):  # type: ignore[attr-defined]
                if _fires(_method_slots(info, call.func.attr), call):  # type: ignore[attr-defined]
                    return True
        return False

    # -- finding on the stdlib tree ----------------------------------------------------------------------
    def check(self) -> None:
        """Convert the literal arguments whose primitive type is not the declared one, call by call in the
        order a LibCST traversal leaves them (innermost first)."""
        self._quote: str | None = None
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
        parsed = parse_call_text(self.source[slice(*self.lines.span(call))])
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
            # The finding is where the argument starts (its keyword), as a LibCST ``Arg`` would say.
            self.rewrite(target, lambda _, new=new: new,
                         f"`{label}` takes a {wanted} for `{name}`: `{old_text}` → `{new_text}`", at=node)

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

    # -- resolving the callee (``_imported`` and ``_type_of``: ``codemods._callees.AstReceiverTypes``) --------
    def _signature(self, call: ast.Call):
        qualified = self._imported(call.func)
        if qualified is not None:
            return _signature_of(self.api, qualified)
        if isinstance(call.func, ast.Attribute):
            receiver = self._type_of(call.func.value, call)
            if receiver is not None:
                return _method_signature(receiver, call.func.attr)
        return None


# -- literals on the stdlib tree ---------------------------------------------------------------------------

def _ast_literal(value: ast.expr) -> bool:
    """True for what may be a number or string literal (``-`` allowed), as LibCST would read it: a superset,
    since the stdlib joins implicitly concatenated strings into one constant."""
    if isinstance(value, ast.UnaryOp) and isinstance(value.op, ast.USub):
        value = value.operand
    return isinstance(value, ast.Constant) and isinstance(value.value, (int, float, str, bytes)) \
        and not isinstance(value.value, bool)
