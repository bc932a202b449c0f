"""CDK103 example: names used but never imported (`Duration`, `RemovalPolicy`, `s3n`)."""
import aws_cdk as cdk
from aws_cdk import (
    Stack,
    aws_lambda as lambda_,
    aws_s3 as s3,
)
from constructs import Construct


class UploadStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        handler = lambda_.Function(
            self,
            "Handler",
            runtime=lambda_.Runtime.PYTHON_3_12,
            handler="index.handler",
            code=lambda_.Code.from_inline("def handler(event, context):\n    return None\n"),
            timeout=Duration.seconds(30),
        )
        bucket = s3.Bucket(self, "Uploads", removal_policy=RemovalPolicy.DESTROY)
        # Run the handler for every new object.
        bucket.add_event_notification(s3.EventType.OBJECT_CREATED, s3n.LambdaDestination(handler))


# OK: names the file binds itself, including a local variable named like a module alias.
class ArchiveStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        logs = ["access", "audit"]
        for name in logs:
            s3.Bucket(self, f"{name}Archive", removal_policy=cdk.RemovalPolicy.RETAIN)


app = cdk.App()
UploadStack(app, "UploadStack")
ArchiveStack(app, "ArchiveStack")
app.synth()
