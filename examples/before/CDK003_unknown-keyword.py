"""CDK003 example: keyword arguments the CDK API does not accept (seeds/003 §6)."""
import aws_cdk as cdk
from aws_cdk import (
    Duration,
    RemovalPolicy,
    Stack,
    aws_dms as dms,
    aws_iam as iam,
    aws_s3 as s3,
    aws_secretsmanager as secretsmanager,
)
from constructs import Construct


class MigrationStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        secret = secretsmanager.Secret(self, "DbSecret")
        role = iam.Role(self, "DmsSecretsRole", assumed_by=iam.ServicePrincipal("dms.amazonaws.com"))
        secret.grant_read(role)
        dms.CfnEndpoint(
            self,
            "Source",
            endpoint_type="source",
            engine_name="postgres",
            database_name="payments",
            # The credentials come from Secrets Manager through the engine's settings.
            postgres_settings=dms.CfnEndpoint.PostgreSqlSettingsProperty(
                secrets_manager_secret_id=secret.secret_arn,
                secrets_manager_access_role_arn=role.role_arn,
            ),
        )
        archive = s3.Bucket(self, "Archive", versioning=True, removal_policy=RemovalPolicy.DESTROY)
        archive.add_lifecycle_rule(noncurrentVersionExpiration=Duration.days(30))


# OK: keywords the API accepts stay as they are.
class ReportsStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        reports = s3.Bucket(self, "Reports", versioned=True, removal_policy=RemovalPolicy.DESTROY)
        reports.add_lifecycle_rule(expiration=Duration.days(90))


app = cdk.App()
MigrationStack(app, "MigrationStack")
ReportsStack(app, "ReportsStack")
app.synth()
