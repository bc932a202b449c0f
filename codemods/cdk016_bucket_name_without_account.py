"""CDK016: an S3 ``bucket_name=`` that does not include the account (``-{self.account}`` appended)."""

from __future__ import annotations

import ast
import re

import libcst as cst

from cdkfix.rule import Case, Rule
from codemods._context import ConstructScope
from codemods._helpers import ast_keyword, keyword, prefilter_index, prescan

_BUCKETS = ("aws_cdk.aws_s3.Bucket", "aws_cdk.aws_s3.CfnBucket")
#: S3's limit on bucket names, and what ``-<12-digit account>`` adds.
MAX_NAME = 63
SUFFIX_LENGTH = 13
_ACCOUNT_ID = re.compile(r"(?<!\d)\d{12}(?!\d)")


class BucketNameWithoutAccount(ConstructScope, Rule):
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
        if not super().may_fire(source):
            return False
        scan = prescan(source)
        if scan is None:
            return False  # not Python the stdlib accepts: the engine reports the syntax error
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

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        """``s3.Bucket(..., bucket_name=<literal>)``."""
        if self.imports.resolve(original_node.func) not in _BUCKETS:
            return updated_node
        arg = keyword(updated_node, "bucket_name")
        method = self.construct_method
        if arg is None or method is None or not self.ready(original_node):
            return updated_node
        value = arg.value
        if isinstance(value, cst.SimpleString):
            if set(value.prefix.lower()) & set("buf"):
                return updated_node
            text = value.raw_value
            literal_length = len(str(value.evaluated_value))
            if "account" in text.lower() or _ACCOUNT_ID.search(text):
                return updated_node
            parts: list[cst.BaseFormattedStringContent] = [
                cst.FormattedStringText(text.replace("{", "{{").replace("}", "}}"))]
            start, end = f"{value.prefix}f{value.quote}", value.quote
        elif isinstance(value, cst.FormattedString):
            if "b" in value.prefix.lower():
                return updated_node
            text = "".join(p.value for p in value.parts if isinstance(p, cst.FormattedStringText))
            expressions = [self.module_node.code_for_node(p.expression)  # type: ignore[union-attr]
                           for p in value.parts if isinstance(p, cst.FormattedStringExpression)]
            if any("account" in e.lower() for e in expressions) or _ACCOUNT_ID.search(text):
                return updated_node
            literal_length = len(text)
            parts, start, end = list(value.parts), value.start, value.end
        else:
            return updated_node
        if literal_length + SUFFIX_LENGTH > MAX_NAME:
            self.report(original_node, "the S3 bucket name does not include the account, and adding it would "
                                       f"exceed {MAX_NAME} characters: shorten it and add the account")
            return updated_node
        if not self.may_apply(original_node):
            self.fix(original_node, updated_node, updated_node, self._message())  # the unapplied finding
            return updated_node
        if method.kind == "stack":
            account = cst.parse_expression(f"{method.self_name}.account")
        else:
            account = cst.parse_expression(f"{self.use_name('aws_cdk.Stack')}.of({method.self_name}).account")
        last = parts[-1] if parts else None
        ends_with_separator = isinstance(last, cst.FormattedStringText) and last.value.endswith(("-", "."))
        if not ends_with_separator:
            parts.append(cst.FormattedStringText("-"))
        parts.append(cst.FormattedStringExpression(expression=account))
        new_value = cst.FormattedString(parts=parts, start=start, end=end)
        replacement = updated_node.with_changes(
            args=[a.with_changes(value=new_value) if a is arg else a for a in updated_node.args])
        return self.fix(original_node, updated_node, replacement, self._message())

    @staticmethod
    def _message() -> str:
        return "S3 bucket names are global: the name gets the account id to be unique"
