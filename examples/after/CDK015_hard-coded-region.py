"""CDK015 example: a dashboard link that names us-east-1 whatever region the stack is deployed to."""
import aws_cdk as cdk
from aws_cdk import (
    CfnOutput,
    Stack,
    aws_cloudwatch as cloudwatch,
)
from constructs import Construct


class MonitoringStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        dashboard = cloudwatch.Dashboard(self, "Dashboard", dashboard_name="payments")
        CfnOutput(
            self,
            "CloudWatchDashboardURL",
            value=f"https://{self.region}.console.aws.amazon.com/cloudwatch/home?region={self.region}#dashboards:name={dashboard.dashboard_name}",
            description="CloudWatch Dashboard URL",
        )


# OK: the deployment region chosen at app level, and region names that are data, stay as they are.
class ReplicaStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        replica_regions = ["us-east-1", "eu-west-1"]
        CfnOutput(self, "ReplicaRegions", value=",".join(replica_regions))


app = cdk.App()
MonitoringStack(app, "MonitoringStack", env=cdk.Environment(region="eu-west-1"))
ReplicaStack(app, "ReplicaStack", env=cdk.Environment(region="us-east-1"))
app.synth()
