"""CDK024 example: a log group declared under the name Lambda gives its own group."""
import aws_cdk as cdk
from aws_cdk import (
    RemovalPolicy,
    Stack,
    aws_lambda as lambda_,
    aws_logs as logs,
)
from constructs import Construct


class ProcessorStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, *, environment_suffix: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        # The function logs to this group (not to /aws/lambda/<name>, which Lambda owns).
        log_group = logs.LogGroup(
            self,
            "PaymentLambdaLogs",
            retention=logs.RetentionDays.ONE_WEEK,
            removal_policy=RemovalPolicy.DESTROY,
        )
        lambda_.Function(
            self,
            "PaymentProcessor",
            function_name=f"payment-processor-{environment_suffix}",
            runtime=lambda_.Runtime.PYTHON_3_12,
            handler="index.handler",
            code=lambda_.Code.from_inline("def handler(event, context):\n    return event\n"),
            log_group=log_group,
        )


# OK: a log group with a name of the application's own stays as it is.
class AuditStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        logs.LogGroup(self, "Audit", log_group_name="/payments/audit", retention=logs.RetentionDays.ONE_YEAR)


app = cdk.App()
ProcessorStack(app, "ProcessorStack", environment_suffix="dev")
AuditStack(app, "AuditStack")
app.synth()
