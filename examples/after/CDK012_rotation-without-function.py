"""CDK012 example: a rotation schedule for a database secret that says nothing about how to rotate."""
import aws_cdk as cdk
from aws_cdk import (
    Duration,
    Stack,
    aws_ec2 as ec2,
    aws_rds as rds,
    aws_secretsmanager as secretsmanager,
)
from constructs import Construct


class DatabaseStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        vpc = ec2.Vpc(self, "Vpc", max_azs=2, nat_gateways=0)
        database = rds.DatabaseInstance(
            self,
            "Database",
            engine=rds.DatabaseInstanceEngine.postgres(version=rds.PostgresEngineVersion.VER_16),
            vpc=vpc,
            vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED),
            credentials=rds.Credentials.from_generated_secret("dbadmin"),
        )
        # Rotate the master password every 30 days.
        database.secret.add_rotation_schedule(
            "MasterRotation",
            automatically_after=Duration.days(30),
            hosted_rotation=secretsmanager.HostedRotation.postgre_sql_single_user(),
        )


# OK: a schedule that names its rotation stays as it is.
class AppSecretStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        secret = secretsmanager.Secret(self, "AppSecret")
        secret.add_rotation_schedule(
            "Rotation",
            automatically_after=Duration.days(30),
            hosted_rotation=secretsmanager.HostedRotation.mysql_single_user(),
        )


app = cdk.App()
DatabaseStack(app, "DatabaseStack")
AppSecretStack(app, "AppSecretStack")
app.synth()
