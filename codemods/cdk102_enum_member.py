"""CDK102: an enum member that does not exist (`BillingMode.ON_DEMAND`, `RetentionDays.SEVEN`, `RetentionDays(7)`)."""

from __future__ import annotations

import ast
import difflib
import keyword
import re
import tokenize

import libcst as cst

from cdkfix.rule import AstRule, Case
from codemods._helpers import LogicalTokens, ast_dotted, index, parse_call_text, prefilter_index, triggered_prescan

#: Members known under another name. Keys are (enum, name written); every target is checked against the
#: installed aws-cdk-lib by ``tests/test_cdk102_enum_member.py``.
SYNONYMS: dict[tuple[str, str], str] = {
    ("aws_cdk.aws_dynamodb.BillingMode", "ON_DEMAND"): "PAY_PER_REQUEST",
    ("aws_cdk.aws_dynamodb.BillingMode", "ONDEMAND"): "PAY_PER_REQUEST",
    ("aws_cdk.aws_dynamodb.TableEncryption", "AWS_OWNED"): "DEFAULT",
    ("aws_cdk.aws_s3.BucketEncryption", "SSE_S3"): "S3_MANAGED",
    ("aws_cdk.aws_s3.BucketEncryption", "AES256"): "S3_MANAGED",
    ("aws_cdk.aws_s3.BucketEncryption", "AES_256"): "S3_MANAGED",
    ("aws_cdk.aws_ec2.SubnetType", "PRIVATE"): "PRIVATE_WITH_EGRESS",  # CDK v1 name
    ("aws_cdk.aws_ec2.SubnetType", "ISOLATED"): "PRIVATE_ISOLATED",  # CDK v1 name
    ("aws_cdk.RemovalPolicy", "DELETE"): "DESTROY",
    ("aws_cdk.aws_logs.RetentionDays", "FOREVER"): "INFINITE",
    ("aws_cdk.aws_logs.RetentionDays", "INFINITY"): "INFINITE",
    ("aws_cdk.aws_logs.RetentionDays", "NEVER_EXPIRE"): "INFINITE",
}

#: CloudWatch Logs retention in days of each ``RetentionDays`` member: the TypeScript enum's values (the
#: jsii docs only say "1 month", "13 months"; the values are what CloudFormation receives). Checked against
#: the installed aws-cdk-lib by ``tests/test_cdk102_enum_member.py``.
RETENTION_DAYS: dict[str, int] = {
    "ONE_DAY": 1, "THREE_DAYS": 3, "FIVE_DAYS": 5, "ONE_WEEK": 7, "TWO_WEEKS": 14, "ONE_MONTH": 30,
    "TWO_MONTHS": 60, "THREE_MONTHS": 90, "FOUR_MONTHS": 120, "FIVE_MONTHS": 150, "SIX_MONTHS": 180,
    "ONE_YEAR": 365, "THIRTEEN_MONTHS": 400, "EIGHTEEN_MONTHS": 545, "TWO_YEARS": 731, "THREE_YEARS": 1096,
    "FIVE_YEARS": 1827, "SIX_YEARS": 2192, "SEVEN_YEARS": 2557, "EIGHT_YEARS": 2922, "NINE_YEARS": 3288,
    "TEN_YEARS": 3653,
}
RETENTION_ENUM = "aws_cdk.aws_logs.RetentionDays"

_DAY = 86400
_UNITS = {"SECOND": 1, "MINUTE": 60, "HOUR": 3600, "DAY": _DAY, "WEEK": 7 * _DAY, "MONTH": 30 * _DAY,
          "YEAR": 365 * _DAY}
_NUMBERS = {w: i for i, w in enumerate(
    "ZERO ONE TWO THREE FOUR FIVE SIX SEVEN EIGHT NINE TEN ELEVEN TWELVE THIRTEEN FOURTEEN FIFTEEN SIXTEEN "
    "SEVENTEEN EIGHTEEN NINETEEN TWENTY".split())}
_NUMBERS.update({"THIRTY": 30, "FORTY": 40, "FIFTY": 50, "SIXTY": 60, "SEVENTY": 70, "EIGHTY": 80,
                 "NINETY": 90, "A": 1, "AN": 1, "SINGLE": 1})
#: Word forms a generator uses for a member's word (`Period.DAILY` for `Period.DAY`).
_WORD_FORMS = {"DAILY": "DAY", "WEEKLY": "WEEK", "MONTHLY": "MONTH", "YEARLY": "YEAR", "HOURLY": "HOUR",
               "ANNUAL": "YEAR", "ANNUALLY": "YEAR"}
#: Relative distance a retention written in days may have from the member (12 months = 360 days → ONE_YEAR;
#: 7 × 365 = 2555 days → SEVEN_YEARS), never enough to reach a neighbouring member.
_TOLERANCE = 0.03
_MAX_LISTED = 30


def _tokens(name: str) -> list[str]:
    """``payPerRequest`` / ``PAY_PER_REQUEST`` / ``Days7`` → ``["PAY", "PER", "REQUEST"]`` / ``["DAYS", "7"]``."""
    spaced = re.sub(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Za-z])(?=\d)|(?<=\d)(?=[A-Za-z])", "_", name)
    return [t for t in spaced.upper().split("_") if t]


def _norm(name: str) -> str:
    return "".join(_WORD_FORMS.get(t, t) for t in _tokens(name))


def _digits(name: str) -> list[str]:
    return re.findall(r"\d+", name)


def parse_duration(name: str, default_unit: str | None) -> int | None:
    """Seconds a member name stands for (``SEVEN_DAYS`` → 604800, ``DAYS_7``, ``ONE_WEEK``), else None."""
    number: int | None = None
    unit: str | None = None
    for token in _tokens(name):
        singular = token[:-1] if token.endswith("S") and token[:-1] in _UNITS else token
        singular = _WORD_FORMS.get(singular, singular)
        if singular in _UNITS:
            if unit is not None:
                return None
            unit = singular
        elif token.isdigit():
            if number is not None:
                return None
            number = int(token)
        elif token in _NUMBERS:
            number = (number or 0) + _NUMBERS[token]
        elif token == "HUNDRED":
            number = (number or 1) * 100
        else:
            return None
    unit = unit or default_unit
    if unit is None or (number is None and not name):
        return None
    return (1 if number is None else number) * _UNITS[unit]


_ENUM_LIKE: dict[tuple[int, str], tuple | None] = {}


def enum_like(api, qualname: str):
    """``(type, members, is_enum)`` for an enum, or a class with static constants; else None (cached)."""
    key = (id(api), qualname)
    if key not in _ENUM_LIKE:
        _ENUM_LIKE[key] = _find_enum_like(api, qualname)
    return _ENUM_LIKE[key]


def _find_enum_like(api, qualname: str):
    if not qualname.startswith(("aws_cdk.", "constructs.")):
        return None
    info = api.lookup(qualname)
    if info is None:
        return None
    if info.kind == "enum":
        return info, info.members, True
    if info.kind == "class":
        consts = tuple(n for n, p in info.properties.items() if p.static and p.const)
        if consts:
            return info, consts, False
    return None


def _missing(found, written: str) -> bool:
    """True when ``written`` is not a member/attribute of the enum-like type (and is ours to look at)."""
    info, members, is_enum = found
    if written.startswith("_") or not written[:1].isalpha():
        return False
    if written in members or written in info.methods or written in info.properties or written in info.nested:
        return False
    return is_enum or written.isupper()


class EnumMember(AstRule):
    """Replaces an enum member that does not exist with the member the library has, or lists the members.

    The enum is recognised through the file's imports (``dynamodb.BillingMode``, ``cdk.aws_logs.RetentionDays``,
    ``from aws_cdk.aws_logs import RetentionDays``) and its members come from the API index. A written
    member is matched, in this order, against: a short table of synonyms (``BillingMode.ON_DEMAND`` →
    ``PAY_PER_REQUEST``, CDK v1's ``SubnetType.PRIVATE``), the duration it spells for duration enums
    (``RetentionDays.SEVEN_DAYS``/``DAYS_7``/``SEVEN`` → ``ONE_WEEK``, ``THIRTY_DAYS`` → ``ONE_MONTH``),
    the same words in another case, spelling or order (``payPerRequest``, ``REQUEST_PER_PAY``), and a close
    spelling that keeps every digit (``PAY_PER_REQEST``). Only a unique match is applied; otherwise the
    finding lists the members. ``RetentionDays(7)`` (an enum called with a number of days) becomes
    ``RetentionDays.ONE_WEEK`` when a member has that many days; a computed argument is reported.
    Constants of classes (``lambda_.Runtime.PYTHON_39``) get the case/format match only.

    Attributes and calls are found on the stdlib tree (an :class:`~cdkfix.rule.AstRule`); LibCST parses only
    an enum call (to read its argument as written) and each node being replaced.
    """

    code = "CDK102"
    name = "enum-member"
    title = "Enum member that does not exist (`BillingMode.ON_DEMAND`, `RetentionDays.SEVEN`)"
    why = """
        jsii enums in Python are `enum.Enum` classes whose members are exactly the TypeScript ones. A member
        that does not exist stops the app at the first use, and an enum cannot be built from a number:

            AttributeError: SEVEN
            ValueError: 7 is not a valid RetentionDays
    """
    source = "DESIGN.md failure table (enum member that does not exist, 6% of failures); corpus Pr3265, Pr5026"
    triggers = ("aws_cdk",)
    synth_error = "AttributeError: ON_DEMAND"
    cases = (
        Case(
            "CDK102-invalid-billing-mode-synonym",
            """
            from aws_cdk import aws_dynamodb as dynamodb
            table = dynamodb.Table(self, "T", billing_mode=dynamodb.BillingMode.ON_DEMAND)
            """,
            """
            from aws_cdk import aws_dynamodb as dynamodb
            table = dynamodb.Table(self, "T", billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST)
            """,
        ),
        Case(
            "CDK102-invalid-retention-spelled-days",
            """
            from aws_cdk import aws_logs as logs
            a = logs.RetentionDays.SEVEN_DAYS
            b = logs.RetentionDays.DAYS_7
            c = logs.RetentionDays.SEVEN
            d = logs.RetentionDays.THIRTY_DAYS
            e = logs.RetentionDays.TWELVE_MONTHS
            """,
            """
            from aws_cdk import aws_logs as logs
            a = logs.RetentionDays.ONE_WEEK
            b = logs.RetentionDays.ONE_WEEK
            c = logs.RetentionDays.ONE_WEEK
            d = logs.RetentionDays.ONE_MONTH
            e = logs.RetentionDays.ONE_YEAR
            """,
        ),
        Case(
            "CDK102-invalid-retention-called-with-days",
            """
            import aws_cdk as cdk
            group = cdk.aws_logs.LogGroup(
                self,
                "Logs",
                retention=cdk.aws_logs.RetentionDays(90),  # three months
            )
            """,
            """
            import aws_cdk as cdk
            group = cdk.aws_logs.LogGroup(
                self,
                "Logs",
                retention=cdk.aws_logs.RetentionDays.THREE_MONTHS,  # three months
            )
            """,
        ),
        Case(
            "CDK102-invalid-from-import-and-case",
            """
            from aws_cdk.aws_dynamodb import BillingMode, StreamViewType
            mode = BillingMode.payPerRequest
            view = StreamViewType.IMAGES_NEW_AND_OLD
            """,
            """
            from aws_cdk.aws_dynamodb import BillingMode, StreamViewType
            mode = BillingMode.PAY_PER_REQUEST
            view = StreamViewType.NEW_AND_OLD_IMAGES
            """,
        ),
        Case(
            "CDK102-invalid-misspelled-keeps-digits",
            """
            from aws_cdk import aws_rds as rds
            storage = rds.StorageType.GP_3
            policy = rds.StorageType.STANDRAD
            """,
            """
            from aws_cdk import aws_rds as rds
            storage = rds.StorageType.GP3
            policy = rds.StorageType.STANDARD
            """,
        ),
        Case(
            "CDK102-invalid-class-constant-format",
            """
            from aws_cdk import aws_lambda as _lambda
            runtime = _lambda.Runtime.PYTHON_312
            """,
            """
            from aws_cdk import aws_lambda as _lambda
            runtime = _lambda.Runtime.PYTHON_3_12
            """,
        ),
        Case(
            "CDK102-finding-no-member-matches",
            """
            from aws_cdk import aws_logs as logs
            r = logs.RetentionDays.TEN_DAYS
            """,
            finding=True,
        ),
        Case(
            "CDK102-finding-computed-days",
            """
            from aws_cdk import aws_logs as logs
            r = logs.RetentionDays(config["log_retention_days"])
            """,
            finding=True,
        ),
        Case(
            "CDK102-finding-ambiguous-spelling",
            """
            from aws_cdk import aws_s3 as s3
            e = s3.BucketEncryption.KMS_S3
            """,
            finding=True,
        ),
        Case(
            "CDK102-valid-real-members-and-other-objects",
            """
            from aws_cdk import aws_logs as logs, aws_dynamodb as dynamodb
            import enum
            a = logs.RetentionDays.ONE_WEEK
            b = logs.RetentionDays("ONE_WEEK")
            c = dynamodb.BillingMode.PAY_PER_REQUEST.value
            d = dynamodb.Table.from_table_name(self, "T", "t")
            class Days(enum.Enum):
                SEVEN = 7
            e = Days.SEVEN
            f = Days(7)
            logs = {"RetentionDays": None}
            """,
        ),
        Case(
            "CDK102-valid-alias-rebound-as-parameter",
            """
            from aws_cdk import aws_logs as logs
            def retention(logs):
                return logs.RetentionDays.SEVEN
            """,
        ),
        Case(
            "CDK102-valid-version-not-guessed",
            """
            from aws_cdk import aws_rds as rds
            v = rds.PostgresEngineVersion.of("15.4", "15")
            """,
        ),
    )

    # -- what exists ---------------------------------------------------------------------------------
    @classmethod
    def may_fire(cls, source: str) -> bool:
        """Only when an attribute of a CDK enum (or constant-holding class) is missing, or an enum is called."""
        scan = triggered_prescan(cls, source)
        if scan is None:
            return False
        api = prefilter_index()
        for node in scan.attributes:
            for qualname in scan.resolve_all(node.value):
                found = enum_like(api, qualname)
                if found is not None and _missing(found, node.attr):
                    return True
        for call, callees in zip(scan.calls, scan.callees):
            for qualname in callees:
                found = enum_like(api, qualname)
                if found is not None and found[2]:
                    return True
        return False

    def _enum_like(self, qualname: str):
        return enum_like(index(self.options), qualname)

    def _match(self, qualname: str, info, members: tuple[str, ...], is_enum: bool,
               written: str) -> tuple[str | None, str]:
        """The member ``written`` stands for and why, or (None, reason)."""
        key = (qualname, written)
        if key not in self._cache:
            self._cache[key] = self._compute_match(qualname, info, members, is_enum, written)
        return self._cache[key]

    def _durations(self, qualname: str, info, members: tuple[str, ...]) -> dict[str, int]:
        if qualname == RETENTION_ENUM:
            return {m: RETENTION_DAYS[m] * _DAY for m in members if m in RETENTION_DAYS}
        default = "DAY" if info.name.endswith("Days") else None
        found = {m: parse_duration(m, default) for m in members}
        return {m: s for m, s in found.items() if s}

    def _by_duration(self, durations: dict[str, int], seconds: int) -> str | None:
        best = sorted(durations.items(), key=lambda kv: abs(kv[1] - seconds))
        if not best:
            return None
        member, value = best[0]
        if abs(value - seconds) > _TOLERANCE * value:
            return None
        if len(best) > 1 and abs(best[1][1] - seconds) == abs(value - seconds):
            return None
        return member

    def _compute_match(self, qualname: str, info, members: tuple[str, ...], is_enum: bool,
                       written: str) -> tuple[str | None, str]:
        synonym = SYNONYMS.get((qualname, written.upper()))
        if synonym in members:
            return synonym, "its name in aws-cdk-lib"
        norm = _norm(written)
        same = [m for m in members if _norm(m) == norm]
        if len(same) == 1:
            return same[0], "same words"
        if not is_enum:
            return None, ""
        durations = self._durations(qualname, info, members)
        if len(durations) >= 2:
            default = "DAY" if info.name.endswith("Days") else None
            seconds = parse_duration(written, default)
            if seconds:
                member = self._by_duration(durations, seconds)
                if member:
                    return member, _describe(seconds)
                return None, f"no member lasts {_describe(seconds)}"
        words = sorted(_WORD_FORMS.get(t, t) for t in _tokens(written))
        reordered = [m for m in members if sorted(_WORD_FORMS.get(t, t) for t in _tokens(m)) == words]
        if len(reordered) == 1:
            return reordered[0], "same words"
        digits = _digits(written)
        candidates = {_norm(m): m for m in members if _digits(m) == digits}
        close = difflib.get_close_matches(norm, list(candidates), n=2, cutoff=0.8)
        if len(close) == 1 or (len(close) == 2 and _ratio(norm, close[0]) > _ratio(norm, close[1]) + 0.05):
            return candidates[close[0]], "closest spelling"
        return None, ""

    # -- finding on the stdlib tree ----------------------------------------------------------------------
    def check(self) -> None:
        """Every ``Enum.MISSING`` and ``Enum(value)``, in the order a LibCST traversal leaves them."""
        self._cache: dict[tuple[str, str], tuple[str | None, str]] = {}
        self._tokens: LogicalTokens | None = None  # the file's tokens, read when a call needs them
        nodes = sorted((*self.scan.attributes, *self.scan.calls), key=lambda n: (n.end_lineno, n.end_col_offset))
        for node in nodes:
            if isinstance(node, ast.Attribute):
                self._attribute(node)
            else:
                self._call(node)

    def _qualname(self, node: ast.expr) -> str | None:
        """The qualified name of a Name/Attribute chain through the module's imports (``ImportView.resolve``)."""
        return self.imports.resolve_dotted(ast_dotted(node))

    def _rebound_head(self, node: ast.expr) -> bool:
        """Whether the first name of ``node`` is also bound
        other than by a module-level import somewhere in the module."""
        return ast_dotted(node).split(".", 1)[0] in self.scan.rebound_names  # type: ignore[union-attr]

    def _attribute(self, node: ast.Attribute) -> None:
        """``Enum.MISSING`` → ``Enum.REAL``."""
        written = node.attr
        if written.startswith("_") or not written[:1].isalpha():
            return
        qualname = self._qualname(node.value)
        if qualname is None:
            return
        found = self._enum_like(qualname)
        if found is None or not _missing(found, written) or self._rebound_head(node.value):
            return  # a class: only constants (UPPER_CASE) are ours, methods are another rule's
        info, members, is_enum = found
        member, reason = self._match(qualname, info, members, is_enum, written)
        if member is None:
            if is_enum:
                self.report(node, f"`{info.name}` has no member `{written}`"
                            + (f" ({reason})" if reason else "") + f"; members: {_listing(members)}")
            else:
                near = [m for m in members if _tokens(m)[:1] == _tokens(written)[:1]]
                if near:
                    self.report(node, f"`{info.name}` has no constant `{written}`; "
                                f"similar: {_listing(tuple(near))}")
            return
        self.rewrite(node, lambda parsed: parsed.with_changes(attr=cst.Name(member)),
                     f"`{info.name}` has no member `{written}`; use `{member}` ({reason})")

    def _call(self, node: ast.Call) -> None:
        """``RetentionDays(7)`` → ``RetentionDays.ONE_WEEK``."""
        qualname = self._qualname(node.func)
        if qualname is None or not qualname.startswith("aws_cdk"):
            return
        found = self._enum_like(qualname)
        if found is None or not found[2] or self._rebound_head(node.func):
            return
        info, members, _ = found
        if len(node.args) + len(node.keywords) != 1 or node.keywords or isinstance(node.args[0], ast.Starred):
            return
        # The argument as LibCST reads it (a plain or concatenated string, a number, arithmetic), from a
        # parse of the call alone.
        original = parse_call_text(self.source[slice(*self.lines.span(node))])
        if original is None:
            return
        value = original.args[0].value
        if isinstance(value, (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString)):
            literal = value.evaluated_value if isinstance(value, cst.SimpleString) else None
            if isinstance(literal, str) and literal not in members:
                self.report(node, f"`{info.name}` has no member {literal!r}; members: {_listing(members)}")
            return
        number = _number(value)
        durations = self._durations(qualname, info, members)
        if number is None:
            self.report(node, f"`{info.name}` is an enum: it cannot be built from a value computed at "
                        f"run time; use a member ({_listing(members)})")
            return
        member = None
        if len(durations) >= 2:
            default = "DAY" if info.name.endswith("Days") else None
            if default:
                member = self._by_duration(durations, int(number * _UNITS[default]))
        if member is None:
            self.report(node, f"`{info.name}` is an enum and has no member for {number!r}; "
                        f"members: {_listing(members)}")
            return
        # The call's own parentheses go with it, as when LibCST replaced the whole ``Call`` node; the finding
        # stays where the call itself starts.
        target = self._with_parentheses(node)
        self.rewrite(target, lambda parsed: cst.Attribute(value=parsed.func, attr=cst.Name(member)),
                     f"an enum is not built from a number: `{info.name}({number!r})` → `{info.name}.{member}` "
                     f"({_describe(durations[member])})", at=node)

    def _with_parentheses(self, node: ast.Call) -> ast.Call:
        """``node``, or a copy whose span takes in the parentheses around it (``(RetentionDays(7))``): LibCST
        counts them as the call's own, and the replaced call lost them."""
        if self._tokens is None:
            self._tokens = LogicalTokens(self.source, self.lines)
        tokens = self._tokens.tokens()
        starts = {t.start: i for i, t in enumerate(tokens)}
        ends = {t.end: i for i, t in enumerate(tokens)}
        lines = self.lines
        first = starts.get((node.lineno, lines.char_column(node.lineno, node.col_offset)))
        last = ends.get((node.end_lineno, lines.char_column(node.end_lineno, node.end_col_offset)))
        if first is None or last is None:
            return node
        grouped = False
        while (first > 0 and last + 1 < len(tokens) and tokens[first - 1].string == "("
               and tokens[last + 1].string == ")" and _groups(tokens[first - 2] if first > 1 else None)
               and not _glued(tokens[first - 2] if first > 1 else None, tokens[first - 1])
               and not _glued(tokens[last + 1], tokens[last + 2] if last + 2 < len(tokens) else None)):
            first, last, grouped = first - 1, last + 1, True
        if not grouped:
            return node
        wider = ast.Call(func=node.func, args=node.args, keywords=node.keywords)
        (wider.lineno, start), (wider.end_lineno, end) = tokens[first].start, tokens[last].end
        wider.col_offset = len(lines.line_text(wider.lineno)[:start].encode("utf-8"))
        wider.end_col_offset = len(lines.line_text(wider.end_lineno)[:end].encode("utf-8"))
        return wider


def _groups(before: tokenize.TokenInfo | None) -> bool:
    """Whether a ``(`` after the token ``before`` groups an expression (rather than opening a call's or a
    definition's arguments)."""
    if before is None:
        return True
    if before.type in (tokenize.NAME, tokenize.NUMBER, tokenize.STRING):
        return before.type == tokenize.NAME and keyword.iskeyword(before.string) \
            and before.string not in ("None", "True", "False")
    return before.string not in (")", "]", "}")


def _glued(left: tokenize.TokenInfo | None, right: tokenize.TokenInfo | None) -> bool:
    """Whether a name, number or string touches a parenthesis with no space between (``return(x)``,
    ``(x)if``): without the parenthesis the two would run together, so it stays."""
    if left is None or right is None or left.end != right.start:
        return False
    return any(t.type in (tokenize.NAME, tokenize.NUMBER, tokenize.STRING) for t in (left, right))


def _ratio(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a, b).ratio()


def _number(node: cst.BaseExpression) -> float | int | None:
    """The value of a number literal, or of arithmetic on number literals (``365 * 2``)."""
    if isinstance(node, cst.BinaryOperation) and not node.lpar:
        left, right = _number(node.left), _number(node.right)
        if left is None or right is None:
            return None
        if isinstance(node.operator, cst.Multiply):
            return left * right
        if isinstance(node.operator, cst.Add):
            return left + right
        if isinstance(node.operator, cst.Subtract):
            return left - right
        return None
    if isinstance(node, cst.Integer):
        return int(node.value.replace("_", ""), 0)
    if isinstance(node, cst.Float):
        value = float(node.value.replace("_", ""))
        return int(value) if value.is_integer() else value
    return None


def _describe(seconds: int) -> str:
    if seconds % _DAY == 0:
        days = seconds // _DAY
        return f"{days} day" + ("s" if days != 1 else "")
    return f"{seconds} seconds"


def _listing(members: tuple[str, ...]) -> str:
    shown = ", ".join(members[:_MAX_LISTED])
    return shown + (f", … ({len(members)} in all)" if len(members) > _MAX_LISTED else "")
