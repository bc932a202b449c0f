"""CDK005 example: names taken from modules that do not define them (seeds/004 §3-4, seeds/003 §2)."""
import aws_cdk as cdk
import jsii
from aws_cdk import (
    RemovalPolicy,
    Stack,
    aws_cloudwatch,
    aws_ec2 as ec2,
    aws_lambda as lambda_,
    aws_s3 as s3,
    aws_sns as sns,
)
from constructs import Construct, IConstruct


class MonitoringStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        log_group = lambda_.LogGroup(
            self,
            "HandlerLogs",
            retention=lambda_.RetentionDays.ONE_WEEK,  # short-lived debugging logs
            removal_policy=RemovalPolicy.DESTROY,
        )
        handler = lambda_.Function(
            self,
            "Handler",
            runtime=lambda_.Runtime.PYTHON_3_12,
            handler="index.handler",
            code=lambda_.Code.from_inline("def handler(event, context):\n    return event\n"),
            log_group=log_group,
        )
        topic = sns.Topic(self, "Alerts")
        alarm = handler.metric_errors().create_alarm(self, "Errors", threshold=1, evaluation_periods=1)
        alarm.add_alarm_action(aws_cloudwatch.SnsAction(topic))
        cdk.Aspects.of(self).add(BucketsEncrypted())


@jsii.implements(ec2.IAspect)
class BucketsEncrypted:
    """Notes every bucket that has no encryption configured."""

    def visit(self, node: IConstruct) -> None:
        if isinstance(node, s3.CfnBucket) and node.bucket_encryption is None:
            cdk.Annotations.of(node).add_info("bucket without encryption")


# OK: names taken from the modules that define them stay as they are.
class StorageStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        s3.Bucket(self, "Data", encryption=s3.BucketEncryption.S3_MANAGED, removal_policy=RemovalPolicy.DESTROY)


app = cdk.App()
MonitoringStack(app, "MonitoringStack")
StorageStack(app, "StorageStack")
app.synth()
