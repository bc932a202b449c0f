"""CDK102 example: enum members that do not exist (`BillingMode.ON_DEMAND`, `RetentionDays.SEVEN`, `RetentionDays(30)`)."""
import aws_cdk as cdk
from aws_cdk import (
    Stack,
    aws_dynamodb as dynamodb,
    aws_logs as logs,
)
from constructs import Construct


class AuditStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        dynamodb.Table(
            self,
            "Events",
            partition_key=dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING),
            billing_mode=dynamodb.BillingMode.ON_DEMAND,  # no capacity planning
            removal_policy=cdk.RemovalPolicy.DESTROY,
        )
        logs.LogGroup(self, "AppLogs", retention=logs.RetentionDays.SEVEN)
        logs.LogGroup(self, "AuditLogs", retention=logs.RetentionDays(30))


# OK: real members stay as they are.
class PlainStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        dynamodb.Table(
            self,
            "Items",
            partition_key=dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
        )
        logs.LogGroup(self, "Logs", retention=logs.RetentionDays.TWO_WEEKS)


app = cdk.App()
AuditStack(app, "AuditStack")
PlainStack(app, "PlainStack")
app.synth()
