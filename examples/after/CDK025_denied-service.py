"""CDK025 example: the bucket enforces what the AWS Config rule checked; the project does not allow AWS Config.

The deny list is configured: `[tool.cdkfix.settings] deny-services = ["aws_config"]`.
"""
import aws_cdk as cdk
from aws_cdk import (
    Stack,
    aws_s3 as s3,
)
from constructs import Construct


class ComplianceStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        s3.Bucket(self, "Documents", versioned=True, enforce_ssl=True)
        # Versioning and TLS are enforced by the bucket itself; AWS Config is not used in this project.


# OK: services the project allows stay as they are.
class StorageStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        s3.Bucket(self, "Archive", versioned=True)


app = cdk.App()
ComplianceStack(app, "ComplianceStack")
StorageStack(app, "StorageStack")
app.synth()
