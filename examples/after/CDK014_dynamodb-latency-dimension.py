"""CDK014 example: an alarm on DynamoDB latency without the operation the metric is published for."""
import aws_cdk as cdk
from aws_cdk import (
    Duration,
    Stack,
    aws_cloudwatch as cloudwatch,
    aws_dynamodb as dynamodb,
)
from constructs import Construct


class PaymentsStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.payments_table = dynamodb.Table(
            self,
            "Payments",
            partition_key=dynamodb.Attribute(name="id", type=dynamodb.AttributeType.STRING),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
        )
        cloudwatch.Alarm(
            self,
            "LatencyAlarm",
            metric=self.payments_table.metric_successful_request_latency(
                period=Duration.minutes(5),
                dimensions_map={"Operation": "GetItem"},
            ),
            threshold=100,
            evaluation_periods=3,
        )


# OK: a latency metric for a named operation stays as it is.
class OrdersStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        table = dynamodb.Table(
            self,
            "Orders",
            partition_key=dynamodb.Attribute(name="id", type=dynamodb.AttributeType.STRING),
        )
        cloudwatch.Alarm(
            self,
            "QueryLatency",
            metric=table.metric_successful_request_latency(dimensions_map={"Operation": "Query"}),
            threshold=50,
            evaluation_periods=3,
        )


app = cdk.App()
PaymentsStack(app, "PaymentsStack")
OrdersStack(app, "OrdersStack")
app.synth()
