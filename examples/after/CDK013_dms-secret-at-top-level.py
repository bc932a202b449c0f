"""CDK013 example: a DMS endpoint given its Secrets Manager secret as a top-level keyword."""
import aws_cdk as cdk
from aws_cdk import (
    Stack,
    aws_dms as dms,
    aws_ec2 as ec2,
    aws_rds as rds,
    aws_iam as iam,
)
from constructs import Construct


class MigrationStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        vpc = ec2.Vpc(self, "Vpc", max_azs=2, nat_gateways=0)
        database = rds.DatabaseInstance(
            self,
            "Source",
            engine=rds.DatabaseInstanceEngine.postgres(version=rds.PostgresEngineVersion.VER_16),
            vpc=vpc,
            vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED),
            credentials=rds.Credentials.from_generated_secret("dbadmin"),
        )
        secret = database.secret
        # The source endpoint reads its credentials from the database secret.
        source_endpoint_secrets_role = iam.Role(
            self,
            "SourceEndpointSecretsRole",
            assumed_by=iam.ServicePrincipal("dms.amazonaws.com"),
        )
        secret.grant_read(source_endpoint_secrets_role)
        source_endpoint = dms.CfnEndpoint(
            self,
            "SourceEndpoint",
            endpoint_type="source",
            engine_name="postgres",
            server_name=database.db_instance_endpoint_address,
            port=5432,
            database_name="payments",
            postgre_sql_settings=dms.CfnEndpoint.PostgreSqlSettingsProperty(
                secrets_manager_secret_id=secret.secret_arn,
                secrets_manager_access_role_arn=source_endpoint_secrets_role.role_arn,
            ),
            ssl_mode="require",
        )
        cdk.CfnOutput(self, "SourceEndpointArn", value=source_endpoint.ref)


# OK: an endpoint whose secret is already in its settings stays as it is.
class TargetStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, *, secret_arn: str, role_arn: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        dms.CfnEndpoint(
            self,
            "TargetEndpoint",
            endpoint_type="target",
            engine_name="mysql",
            my_sql_settings=dms.CfnEndpoint.MySqlSettingsProperty(
                secrets_manager_secret_id=secret_arn,
                secrets_manager_access_role_arn=role_arn,
            ),
        )


app = cdk.App()
MigrationStack(app, "MigrationStack")
TargetStack(
    app,
    "TargetStack",
    secret_arn="arn:aws:secretsmanager:eu-west-1:123456789012:secret:target-AbCdEf",
    role_arn="arn:aws:iam::123456789012:role/dms-secrets",
)
app.synth()
