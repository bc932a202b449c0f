"""CDK104 example: a stack keeps its settings under names `Stack` already defines as read-only."""
import aws_cdk as cdk
from aws_cdk import (
    RemovalPolicy,
    Stack,
    aws_s3 as s3,
)
from constructs import Construct


class TapStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, environment: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.environment = environment  # "dev" or "prod"
        s3.Bucket(
            self,
            "Data",
            removal_policy=RemovalPolicy.RETAIN if self.is_prod() else RemovalPolicy.DESTROY,
        )
        cdk.CfnOutput(self, "Environment", value=self.environment)

    def is_prod(self) -> bool:
        return self.environment == "prod"


# OK: a plain settings object may use any name; `termination_protection` has a setter.
class Settings:
    def __init__(self, environment: str, region: str) -> None:
        self.environment = environment
        self.region = region


class SettingsStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, settings: Settings, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.settings = settings
        self.termination_protection = settings.environment == "prod"
        cdk.CfnOutput(self, "Region", value=settings.region)


app = cdk.App()
TapStack(app, "TapStack", environment="dev")
SettingsStack(app, "SettingsStack", settings=Settings("dev", "us-east-1"))
app.synth()
