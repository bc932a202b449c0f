"""CDK107 example: literals of the wrong primitive type for CDK props (corpus Pr8009: aws_synthetics canaries)."""
import aws_cdk as cdk
from aws_cdk import (
    RemovalPolicy,
    Stack,
    aws_iam as iam,
    aws_s3 as s3,
    aws_sqs as sqs,
    aws_synthetics as synthetics,
)
from constructs import Construct

HANDLER = "def handler(event, context):\n    return 'ok'\n"


class CanaryStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        artifacts = s3.Bucket(self, "Artifacts", removal_policy=RemovalPolicy.DESTROY)
        role = iam.Role(self, "CanaryRole", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
        synthetics.CfnCanary(
            self,
            "Heartbeat",
            name="heartbeat",
            artifact_s3_location=f"s3://{artifacts.bucket_name}/canary",
            execution_role_arn=role.role_arn,
            runtime_version="syn-python-selenium-5.1",
            code=synthetics.CfnCanary.CodeProperty(handler="index.handler", script=HANDLER),
            schedule=synthetics.CfnCanary.ScheduleProperty(
                expression="rate(5 minutes)",
                duration_in_seconds="3600",  # stop after an hour
            ),
            run_config=synthetics.CfnCanary.RunConfigProperty(timeout_in_seconds=60),
            success_retention_period=7,
        )
        artifacts.add_lifecycle_rule(id="expire-markers", expired_object_delete_marker=True)
        sqs.Queue(self, "Results", fifo=True, content_based_deduplication=True)


# OK: literals of the declared types stay as they are.
class ReportsStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        reports = s3.Bucket(self, "Reports", versioned=True, removal_policy=RemovalPolicy.DESTROY)
        reports.add_lifecycle_rule(id="keep-three", noncurrent_versions_to_retain=3,
                                   noncurrent_version_expiration=cdk.Duration.days(30))
        synthetics.CfnCanary.ScheduleProperty(expression="rate(1 hour)", duration_in_seconds="0")


app = cdk.App()
CanaryStack(app, "CanaryStack")
ReportsStack(app, "ReportsStack")
app.synth()
