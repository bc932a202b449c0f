"""CDK019 example: the answer holds only the stack; nothing creates the app, and there is no cdk.json."""
from aws_cdk import (
    Duration,
    RemovalPolicy,
    Stack,
    aws_dynamodb as dynamodb,
    aws_lambda as lambda_,
)
from constructs import Construct


class PaymentsTable(Construct):
    """The table of payments (a construct: not a stack of its own)."""

    def __init__(self, scope: Construct, construct_id: str, *, environment_suffix: str) -> None:
        super().__init__(scope, construct_id)
        self.table = dynamodb.Table(
            self,
            "Table",
            table_name=f"payments-{environment_suffix}",
            partition_key=dynamodb.Attribute(name="id", type=dynamodb.AttributeType.STRING),
            removal_policy=RemovalPolicy.DESTROY,
        )


class TapStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, *, environment_suffix: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        payments = PaymentsTable(self, "Payments", environment_suffix=environment_suffix)
        handler = lambda_.Function(
            self,
            "Processor",
            runtime=lambda_.Runtime.PYTHON_3_12,
            handler="index.handler",
            code=lambda_.Code.from_inline("def handler(event, context):\n    return event\n"),
            timeout=Duration.seconds(30),
            environment={"TABLE_NAME": payments.table.table_name},
        )
        payments.table.grant_read_write_data(handler)
