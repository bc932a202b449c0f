"""CDK018 example: a stack module that ends with blank lines (pylint C0305)."""
import aws_cdk as cdk
from aws_cdk import (
    Stack,
    aws_sns as sns,
)
from constructs import Construct


class AlertsStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        sns.Topic(self, "Alerts", display_name="Payment alerts")


# OK: blank lines between definitions stay as they are.
app = cdk.App()
AlertsStack(app, "AlertsStack")


app.synth()
