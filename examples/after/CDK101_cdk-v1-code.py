"""CDK101 example: a CDK v1 app (`from aws_cdk import core`, v1 feature flags) run with CDK v2 (aws-cdk-lib)."""
from aws_cdk import (
    aws_s3 as s3,
    aws_sqs as sqs,
)
from constructs import Construct
import aws_cdk as core


class QueueStack(core.Stack):
    def __init__(self, scope: Construct, construct_id: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        queue = sqs.Queue(self, "Jobs", visibility_timeout=core.Duration.seconds(60))
        bucket = s3.Bucket(self, "Uploads", removal_policy=core.RemovalPolicy.DESTROY)
        core.CfnOutput(self, "QueueUrl", value=queue.queue_url)
        core.CfnOutput(self, "BucketName", value=bucket.bucket_name)


def make_app() -> core.App:
    return core.App(
        context={
            "@aws-cdk/core:stackRelativeExports": True,  # still a v2 flag
        }
    )


# OK: names that v2's `aws_cdk` still has work through the rewritten import as they are.
class TaggedStack(core.Stack):
    def __init__(self, scope, construct_id: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        core.Tags.of(self).add("team", "data")


app = make_app()
QueueStack(app, "QueueStack")
TaggedStack(app, "TaggedStack")
app.synth()
