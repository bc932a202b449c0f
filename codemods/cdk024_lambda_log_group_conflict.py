"""CDK024: an explicit ``LogGroup`` named ``/aws/lambda/<function>``, the group Lambda creates itself."""

from __future__ import annotations

import ast

import libcst as cst

from cdkfix.rule import AstRule, Case
from codemods._helpers import ast_dotted, ast_keyword, triggered_prescan

PREFIX = "/aws/lambda/"
_LOG_GROUPS = ("aws_cdk.aws_logs.LogGroup", "aws_cdk.aws_logs.CfnLogGroup")


def _leading_text(node: cst.BaseExpression) -> str | None:
    """The literal start of a string or f-string."""
    if isinstance(node, cst.SimpleString):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    if isinstance(node, cst.FormattedString):
        first = node.parts[0] if node.parts else None
        return first.value if isinstance(first, cst.FormattedStringText) else ""
    if isinstance(node, cst.ConcatenatedString):
        return _leading_text(node.left)
    return None


def _may_be_lambda_group(value: ast.expr | None) -> bool:
    """What the stdlib tree says of a ``log_group_name`` value: a string (or an f-string starting with a string)
    that starts with ``/aws/lambda/``. True for every value :func:`_leading_text` accepts (it reads the first
    piece of a concatenation and the text as written, so it may still say no)."""
    if isinstance(value, ast.JoinedStr):
        value = value.values[0] if value.values else None
    return isinstance(value, ast.Constant) and isinstance(value.value, str) and value.value.startswith(PREFIX)


class LambdaLogGroupConflict(AstRule):
    """Reports ``logs.LogGroup(log_group_name="/aws/lambda/<fn>")``: the group Lambda creates on its own.

    (An :class:`cdkfix.rule.AstRule`: the calls are found on the stdlib tree, and only a candidate's name value
    is parsed by LibCST; the finding is on the ``log_group_name=`` keyword argument.)

    Lambda writes to ``/aws/lambda/<function name>`` and creates that group the first time the function
    runs. A stack that also declares a group of that name fails as soon as the group exists already (the
    function ran before the stack created it, or a previous stack's group was retained):
    ``AWS::EarlyValidation::ResourceExistenceCheck`` / ``... already exists``. Either let Lambda own the group
    (drop the explicit one), or create a group without a ``/aws/lambda/`` name and hand it to the function
    with ``log_group=`` (Lambda then logs there). Which one keeps the retention the author wanted is their
    call, so the rule only reports.
    """

    code = "CDK024"
    name = "lambda-log-group-conflict"
    title = "Explicit log group named `/aws/lambda/<function>` (the group Lambda creates itself)"
    why = """
        The deployment fails when the group already exists, which it does once the function has run:

            Failed to create ChangeSet: FAILED, The following hook(s)/validation failed:
            [AWS::EarlyValidation::ResourceExistenceCheck]

        Synthesis succeeds; the conflict shows at deployment (often only on the second environment).
    """
    source = "seeds/004_e94ce7889cc0bc1d.txt §5 (Pre-existing Log Groups Conflict)"
    fixable = False
    triggers = (PREFIX,)
    before_synthesizes = True
    cases = (
        Case(
            "CDK024-invalid-fstring-name",
            """
            from aws_cdk import aws_logs as logs
            log_group = logs.LogGroup(
                self,
                "PaymentLambdaLogs",
                log_group_name=f"/aws/lambda/payment-processor-{self.environment_suffix}",  # same as Lambda's
                retention=logs.RetentionDays.ONE_WEEK,
            )
            """,
            finding=True,
        ),
        Case(
            "CDK024-invalid-plain-name-aliased",
            """
            import aws_cdk.aws_logs as cwl
            cwl.LogGroup(self, "L", log_group_name="/aws/lambda/processor")
            """,
            finding=True,
        ),
        Case(
            "CDK024-valid-other-names",
            """
            from aws_cdk import aws_logs as logs
            logs.LogGroup(self, "A", log_group_name="/payments/processor")
            logs.LogGroup(self, "B", log_group_name=f"/aws/vendedlogs/{name}")
            logs.LogGroup(self, "C", retention=logs.RetentionDays.ONE_WEEK)
            logs.LogGroup(self, "D", log_group_name=name)
            other.LogGroup(self, "E", log_group_name="/aws/lambda/x")
            """,
        ),
    )

    @classmethod
    def may_fire(cls, source: str) -> bool:
        """Only a ``LogGroup``/``CfnLogGroup`` whose ``log_group_name`` starts with ``/aws/lambda/``."""
        scan = triggered_prescan(cls, source)
        if scan is None:
            return False
        return any(_may_be_lambda_group(ast_keyword(call, "log_group_name"))
                   and scan.resolves_to(call.func, _LOG_GROUPS) for call in scan.calls)

    def check(self) -> None:
        """``logs.LogGroup(log_group_name="/aws/lambda/...")``, reported on the keyword argument.

        The stdlib tree finds the candidates; the value's own text, parsed by LibCST, decides (the literal as
        written, and only the first piece of an implicit concatenation, as the rule always read it)."""
        for call in self.scan.calls:  # type: ignore[union-attr]
            argument = next((kw for kw in call.keywords if kw.arg == "log_group_name"), None)
            if argument is None or not _may_be_lambda_group(argument.value):
                continue
            # resolved through the file's top-level imports only
            if self.imports.resolve_dotted(ast_dotted(call.func)) not in _LOG_GROUPS:
                continue
            try:  # parenthesized: a concatenation may span lines
                value = cst.parse_expression(f"({self.scan.segment(argument.value)})")  # type: ignore[union-attr]
            except cst.ParserSyntaxError:
                continue
            text = _leading_text(value)
            if text is not None and text.startswith(PREFIX):
                self.report(argument, "Lambda creates `/aws/lambda/<function>` itself: an explicit group of that "
                                      "name fails the deployment once the group exists; drop it, or name it "
                                      "otherwise and pass it to the function as `log_group=`",
                            suggestion="log_group = logs.LogGroup(self, ..., retention=...)  # no log_group_name\n"
                                       "lambda_.Function(self, ..., log_group=log_group)")
