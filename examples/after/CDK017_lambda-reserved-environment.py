"""CDK017 example: a Lambda function that sets AWS_REGION, which the runtime reserves."""
import aws_cdk as cdk
from aws_cdk import (
    Stack,
    aws_dynamodb as dynamodb,
    aws_lambda as lambda_,
)
from constructs import Construct

HANDLER = """
import os

def handler(event, context):
    return {"region": os.environ["AWS_REGION"], "table": os.environ["TABLE_NAME"]}
"""


class ProcessorStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        table = dynamodb.Table(
            self,
            "Payments",
            partition_key=dynamodb.Attribute(name="id", type=dynamodb.AttributeType.STRING),
        )
        lambda_.Function(
            self,
            "Processor",
            runtime=lambda_.Runtime.PYTHON_3_12,
            handler="index.handler",
            code=lambda_.Code.from_inline(HANDLER),
            environment={
                "TABLE_NAME": table.table_name,
                "LOG_LEVEL": "INFO",
            },
        )


# OK: variables of the function's own stay as they are.
class ReporterStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        lambda_.Function(
            self,
            "Reporter",
            runtime=lambda_.Runtime.PYTHON_3_12,
            handler="index.handler",
            code=lambda_.Code.from_inline(HANDLER),
            environment={"TABLE_NAME": "reports", "REPORT_REGION": self.region},
        )


app = cdk.App()
ProcessorStack(app, "ProcessorStack")
ReporterStack(app, "ReporterStack")
app.synth()
