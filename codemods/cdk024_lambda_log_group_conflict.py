"""CDK024: an explicit ``LogGroup`` named ``/aws/lambda/<function>``, the group Lambda creates itself."""

from __future__ import annotations

import ast

import libcst as cst

from cdkfix.rule import Case, Rule
from codemods._helpers import ast_keyword, keyword, prescan

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


class LambdaLogGroupConflict(Rule):
    """Reports ``logs.LogGroup(log_group_name="/aws/lambda/<fn>")``: the group Lambda creates on its own.

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
        if not super().may_fire(source):
            return False
        scan = prescan(source)
        if scan is None:
            return False  # not Python the stdlib accepts: the engine reports the syntax error
        for call in scan.calls:
            name = ast_keyword(call, "log_group_name")
            if isinstance(name, ast.JoinedStr):
                name = name.values[0] if name.values else None
            if (isinstance(name, ast.Constant) and isinstance(name.value, str) and name.value.startswith(PREFIX)
                    and scan.resolves_to(call.func, _LOG_GROUPS)):
                return True
        return False

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        """``logs.LogGroup(log_group_name="/aws/lambda/...")``."""
        if self.imports.resolve(original_node.func) not in _LOG_GROUPS:
            return updated_node
        name = keyword(original_node, "log_group_name")
        text = _leading_text(name.value) if name is not None else None
        if name is not None and text is not None and text.startswith(PREFIX):
            self.report(name, "Lambda creates `/aws/lambda/<function>` itself: an explicit group of that name "
                              "fails the deployment once the group exists; drop it, or name it otherwise and "
                              "pass it to the function as `log_group=`",
                        suggestion="log_group = logs.LogGroup(self, ..., retention=...)  # no log_group_name\n"
                                   "lambda_.Function(self, ..., log_group=log_group)")
        return updated_node
