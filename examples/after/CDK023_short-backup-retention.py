"""CDK023 example: a payments database keeps 35 days of backups, the minimum this project requires.

The minimum is configured: `[tool.cdkfix.settings] min-backup-retention-days = 35`.
"""
import aws_cdk as cdk
from aws_cdk import (
    Duration,
    Stack,
    aws_ec2 as ec2,
    aws_rds as rds,
)
from constructs import Construct


class PaymentsDatabaseStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        vpc = ec2.Vpc(self, "Vpc", max_azs=2, nat_gateways=0)
        rds.DatabaseCluster(
            self,
            "Payments",
            engine=rds.DatabaseClusterEngine.aurora_postgres(version=rds.AuroraPostgresEngineVersion.VER_16_4),
            writer=rds.ClusterInstance.serverless_v2("Writer"),
            vpc=vpc,
            vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED),
            backup=rds.BackupProps(
                retention=Duration.days(35),  # PCI DSS recommendation for payment data
                preferred_window="03:00-04:00",
            ),
        )


# OK: a retention that meets the minimum stays as it is.
class LedgerDatabaseStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        vpc = ec2.Vpc(self, "Vpc", max_azs=2, nat_gateways=0)
        rds.DatabaseInstance(
            self,
            "Ledger",
            engine=rds.DatabaseInstanceEngine.postgres(version=rds.PostgresEngineVersion.VER_16),
            vpc=vpc,
            vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED),
            backup_retention=Duration.days(35),
        )


app = cdk.App()
PaymentsDatabaseStack(app, "PaymentsDatabaseStack")
LedgerDatabaseStack(app, "LedgerDatabaseStack")
app.synth()
