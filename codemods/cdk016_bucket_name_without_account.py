"""CDK016: an S3 ``bucket_name=`` that does not include the account (``-{self.account}`` appended)."""

from __future__ import annotations

import ast
import re

import libcst as cst

from cdkfix.rule import AstRule, Case
from codemods._context import AstConstructScope, Method
from codemods._helpers import ast_dotted, ast_keyword, keyword, prefilter_index, triggered_prescan

_BUCKETS = ("aws_cdk.aws_s3.Bucket", "aws_cdk.aws_s3.CfnBucket")
#: S3's limit on bucket names, and what ``-<12-digit account>`` adds.
MAX_NAME = 63
SUFFIX_LENGTH = 13
_ACCOUNT_ID = re.compile(r"(?<!\d)\d{12}(?!\d)")
#: What prints an f-string part's expression (as the module would: the node keeps its own whitespace).
_PRINTER = cst.Module(body=[])


def _parts_of(value: cst.BaseExpression) -> tuple[list[cst.BaseFormattedStringContent], str, str, int] | None:
    """The parts, start and end of the f-string a name becomes, and the name's literal length; None when the
    rule leaves the value alone (not a plain string or f-string, bytes, or the account already there)."""
    if isinstance(value, cst.SimpleString):
        if set(value.prefix.lower()) & set("buf"):
            return None
        text = value.raw_value
        literal_length = len(str(value.evaluated_value))
        if "account" in text.lower() or _ACCOUNT_ID.search(text):
            return None
        parts: list[cst.BaseFormattedStringContent] = [
            cst.FormattedStringText(text.replace("{", "{{").replace("}", "}}"))]
        return parts, f"{value.prefix}f{value.quote}", value.quote, literal_length
    if isinstance(value, cst.FormattedString):
        if "b" in value.prefix.lower():
            return None
        text = "".join(p.value for p in value.parts if isinstance(p, cst.FormattedStringText))
        expressions = [_PRINTER.code_for_node(p.expression)
                       for p in value.parts if isinstance(p, cst.FormattedStringExpression)]
        if any("account" in e.lower() for e in expressions) or _ACCOUNT_ID.search(text):
            return None
        return list(value.parts), value.start, value.end, len(text)
    return None


def _with_account(value: cst.BaseExpression, account: cst.BaseExpression) -> cst.FormattedString:
    """What the name ``value`` (one :func:`_parts_of` accepts) becomes: an f-string ending with the account."""
    planned = _parts_of(value)
    assert planned is not None
    parts, start, end, _ = planned
    last = parts[-1] if parts else None
    ends_with_separator = isinstance(last, cst.FormattedStringText) and last.value.endswith(("-", "."))
    if not ends_with_separator:
        parts.append(cst.FormattedStringText("-"))
    parts.append(cst.FormattedStringExpression(expression=account))
    return cst.FormattedString(parts=parts, start=start, end=end)


class BucketNameWithoutAccount(AstRule):
    """Appends ``-{self.account}`` to an explicit S3 bucket name that does not contain the account.

    Bucket names are global across every AWS account: a fixed name such as
    ``f"payment-audit-logs-{self.environment_suffix}"`` collides with a bucket someone else (or another
    account of yours) created, and the deployment fails. The rule appends the account to a literal or
    f-string ``bucket_name=`` of ``s3.Bucket``/``s3.CfnBucket`` created in a Stack method (``self.account``)
    or a Construct method (``Stack.of(self).account``), turning a plain string into an f-string with the
    same quotes. It leaves alone names that already mention an account (an expression containing
    ``account``, ``Aws.ACCOUNT_ID``, or a literal 12-digit id), names built by calls or variables, and
    names the suffix would push past 63 characters (those are reported). Unsafe: it renames the bucket,
    which replaces a bucket that is already deployed.

    An :class:`cdkfix.rule.AstRule`: the calls, the construct method they are in and the ``super().__init__``
    line are found on the stdlib tree (:class:`codemods._context.AstConstructScope`); only a candidate name is parsed by LibCST, and the fix rewrites that name
    (the call, when the name is in parentheses). The finding is on the call.
    """

    code = "CDK016"
    name = "bucket-name-without-account"
    title = "S3 bucket name without the account id (not globally unique)"
    why = """
        S3 bucket names are unique across all AWS accounts and regions. A name made of a project name and an
        environment suffix is likely taken already; CloudFormation then fails with `<name> already exists`.
        Synthesis succeeds, so the collision shows only at deployment. The account id makes the name unique
        per account (add the region too if the stack is deployed to several regions).
    """
    source = "seeds/004_e94ce7889cc0bc1d.txt §6 (Non-Unique S3 Bucket Names)"
    safety = "unsafe"
    triggers = ("bucket_name",)
    before_synthesizes = True
    cases = (
        Case(
            "CDK016-invalid-fstring-in-stack",
            """
            from aws_cdk import Stack, aws_s3 as s3
            class S(Stack):
                def __init__(self, scope, id, **kwargs):
                    super().__init__(scope, id, **kwargs)
                    s3.Bucket(
                        self,
                        "AuditLogs",
                        bucket_name=f"payment-audit-logs-{self.environment_suffix}",  # audit
                        versioned=True,
                    )
            """,
            """
            from aws_cdk import Stack, aws_s3 as s3
            class S(Stack):
                def __init__(self, scope, id, **kwargs):
                    super().__init__(scope, id, **kwargs)
                    s3.Bucket(
                        self,
                        "AuditLogs",
                        bucket_name=f"payment-audit-logs-{self.environment_suffix}-{self.account}",  # audit
                        versioned=True,
                    )
            """,
            unsafe=True,
        ),
        Case(
            "CDK016-invalid-plain-string-single-quotes-aliased",
            """
            import aws_cdk as cdk
            from aws_cdk import aws_s3 as storage
            class S(cdk.Stack):
                def build(me):
                    return storage.CfnBucket(me, 'Raw', bucket_name='raw-data{v1}')
            """,
            """
            import aws_cdk as cdk
            from aws_cdk import aws_s3 as storage
            class S(cdk.Stack):
                def build(me):
                    return storage.CfnBucket(me, 'Raw', bucket_name=f'raw-data{{v1}}-{me.account}')
            """,
            unsafe=True,
        ),
        Case(
            "CDK016-invalid-construct-uses-stack-of",
            """
            from constructs import Construct
            from aws_cdk import aws_s3 as s3
            class Storage(Construct):
                def __init__(self, scope, id):
                    super().__init__(scope, id)
                    s3.Bucket(self, "B", bucket_name="assets-")
            """,
            """
            from constructs import Construct
            from aws_cdk import aws_s3 as s3, Stack
            class Storage(Construct):
                def __init__(self, scope, id):
                    super().__init__(scope, id)
                    s3.Bucket(self, "B", bucket_name=f"assets-{Stack.of(self).account}")
            """,
            unsafe=True,
        ),
        Case(
            "CDK016-invalid-reported-without-unsafe",
            """
            from aws_cdk import Stack, aws_s3 as s3
            class S(Stack):
                def f(self):
                    s3.Bucket(self, "B", bucket_name="my-bucket")
            """,
            finding=True,
        ),
        Case(
            "CDK016-invalid-too-long-reported",
            """
            from aws_cdk import Stack, aws_s3 as s3
            class S(Stack):
                def f(self):
                    s3.Bucket(self, "B", bucket_name="a-very-long-bucket-name-for-the-payment-audit-logs-archive")
            """,
            finding=True,
            unsafe=True,
        ),
        Case(
            "CDK016-valid-account-already-there-or-not-a-literal",
            """
            from aws_cdk import Aws, Stack, aws_s3 as s3
            class S(Stack):
                def f(self):
                    s3.Bucket(self, "A", bucket_name=f"logs-{self.account}-{self.region}")
                    s3.Bucket(self, "B", bucket_name=f"logs-{Aws.ACCOUNT_ID}")
                    s3.Bucket(self, "C", bucket_name=f"logs-{account_id}")
                    s3.Bucket(self, "D", bucket_name="logs-123456789012")
                    s3.Bucket(self, "E", bucket_name=name)
                    s3.Bucket(self, "F", bucket_name=f"logs-{env}".lower())
                    s3.Bucket(self, "G")
                    s3.Bucket.from_bucket_name(self, "H", "existing-bucket")
                    other.Bucket(self, "I", bucket_name="x")
            bucket = s3.Bucket(stack, "App", bucket_name="app-level")
            """,
            unsafe=True,
        ),
    )

    @classmethod
    def may_fire(cls, source: str) -> bool:
        """Only a ``Bucket``/``CfnBucket`` call in a method of a Stack or Construct whose ``bucket_name=`` is a
        string or f-string that does not mention the account."""
        scan = triggered_prescan(cls, source)
        if scan is None:
            return False
        for call in scan.calls:
            value = ast_keyword(call, "bucket_name")
            if value is None or not isinstance(value, (ast.Constant, ast.JoinedStr)):
                continue
            if not scan.resolves_to(call.func, _BUCKETS):
                continue
            cls_node = scan.method_class(call)
            if cls_node is None or id(cls_node) not in scan.construct_classes(prefilter_index()):
                continue  # not in a method of a Stack or Construct
            if isinstance(value, ast.Constant):
                if not isinstance(value.value, str):
                    continue
                text = scan.segment(value)  # the rule reads the literal as written
                if "account" in text.lower() or _ACCOUNT_ID.search(text):
                    continue
            elif any(isinstance(part, ast.FormattedValue) and "account" in scan.segment(part.value).lower()
                     for part in value.values):
                continue
            return True
        return False

    def check(self) -> None:
        """``s3.Bucket(..., bucket_name=<literal>)`` in a construct method, found on the stdlib tree; the name's
        own text is read by LibCST. A fix rewrites the name (the finding is on the call), or the call when the
        name is parenthesized (the f-string replaces the parentheses too, as it always did)."""
        scope = AstConstructScope(self.scan, self.imports, self.options)
        for call in self.scan.calls:  # type: ignore[union-attr]
            # resolved through the file's top-level imports only
            if self.imports.resolve_dotted(ast_dotted(call.func)) not in _BUCKETS:
                continue
            argument = next((kw for kw in call.keywords if kw.arg == "bucket_name"), None)
            name = argument.value if argument is not None else None
            if not isinstance(name, (ast.Constant, ast.JoinedStr)):
                continue  # LibCST's SimpleString/FormattedString are one of these
            method = scope.method(call)
            if method is None or not scope.ready(call):
                continue  # not in a construct method, or before the construct exists
            try:  # parenthesized: a concatenation may span lines
                value = cst.parse_expression(f"({self.scan.segment(name)})")  # type: ignore[union-attr]
            except cst.ParserSyntaxError:
                continue
            planned = _parts_of(value)
            if planned is None:
                continue
            if planned[3] + SUFFIX_LENGTH > MAX_NAME:
                self.report(call, "the S3 bucket name does not include the account, and adding it would "
                                  f"exceed {MAX_NAME} characters: shorten it and add the account")
                continue
            # The keyword's span ends after the name's unless the name is in parentheses. A name rewritten on
            # its own (a small span: another bucket inside this call is fixed in the same pass) reports on its call.
            same_end = (argument.end_lineno, argument.end_col_offset) == (name.end_lineno, name.end_col_offset)
            self.rewrite(name if same_end else call, lambda node, method=method: self._build(node, method),
                         self._message(), at=call)

    def _build(self, node: cst.BaseExpression, method: Method) -> cst.BaseExpression:
        """The name (or the call) with the account in the bucket name."""
        if method.kind == "stack":
            account = cst.parse_expression(f"{method.self_name}.account")
        else:
            account = cst.parse_expression(f"{self.use_name('aws_cdk.Stack')}.of({method.self_name}).account")
        if not isinstance(node, cst.Call):
            return _with_account(node, account)
        arg = keyword(node, "bucket_name")
        assert arg is not None
        new_value = _with_account(arg.value, account)
        return node.with_changes(args=[a.with_changes(value=new_value) if a is arg else a for a in node.args])

    @staticmethod
    def _message() -> str:
        return "S3 bucket names are global: the name gets the account id to be unique"
