"""CDK025 example: AWS Config rules in a project that does not allow AWS Config.

The deny list is configured: `[tool.cdkfix.settings] deny-services = ["aws_config"]`.
"""
import aws_cdk as cdk
from aws_cdk import (
    Stack,
    aws_config as config,
    aws_s3 as s3,
)
from constructs import Construct


class ComplianceStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        s3.Bucket(self, "Documents", versioned=True, enforce_ssl=True)
        config.ManagedRule(
            self,
            "BucketVersioning",
            identifier=config.ManagedRuleIdentifiers.S3_BUCKET_VERSIONING_ENABLED,
        )


# OK: services the project allows stay as they are.
class StorageStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        s3.Bucket(self, "Archive", versioned=True)


app = cdk.App()
ComplianceStack(app, "ComplianceStack")
StorageStack(app, "StorageStack")
app.synth()
