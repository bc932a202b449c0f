"""CDK016 example: a bucket name that only an environment suffix makes "unique"."""
import aws_cdk as cdk
from aws_cdk import (
    RemovalPolicy,
    Stack,
    aws_s3 as s3,
)
from constructs import Construct


class AuditStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, *, environment_suffix: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.environment_suffix = environment_suffix
        self.audit_bucket = s3.Bucket(
            self,
            "AuditLogs",
            bucket_name=f"payment-audit-logs-{self.environment_suffix}-{self.account}",
            versioned=True,
            removal_policy=RemovalPolicy.DESTROY,
        )


# OK: names that carry the account, and buckets CloudFormation names, stay as they are.
class ArchiveStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        s3.Bucket(self, "Archive", bucket_name=f"payment-archive-{self.account}-{self.region}")
        s3.Bucket(self, "Scratch")


app = cdk.App()
AuditStack(app, "AuditStack", environment_suffix="dev")
ArchiveStack(app, "ArchiveStack")
app.synth()
