"""CDK010 example: Fargate capacity providers added with a method ECS clusters do not have."""
import aws_cdk as cdk
from aws_cdk import Stack, aws_ec2 as ec2, aws_ecs as ecs
from constructs import Construct


class TradingStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        vpc = ec2.Vpc(self, "Vpc", max_azs=2, nat_gateways=0)
        cluster = ecs.Cluster(
            self,
            "TradingCluster",
            vpc=vpc,
            cluster_name="trading-cluster",
        )

        # Add Fargate and Fargate Spot capacity providers
        cluster.add_capacity_provider(
            capacity_provider="FARGATE",
            capacity_provider_name="FARGATE",
        )
        cluster.add_capacity_provider(
            capacity_provider="FARGATE_SPOT",
            capacity_provider_name="FARGATE_SPOT",
        )

        cdk.CfnOutput(self, "ClusterName", value=cluster.cluster_name)


# OK: Fargate providers enabled on the cluster, and a default strategy that uses them.
class SpotStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        vpc = ec2.Vpc(self, "Vpc", max_azs=2, nat_gateways=0)
        cluster = ecs.Cluster(self, "Cluster", vpc=vpc, enable_fargate_capacity_providers=True)
        cluster.add_default_capacity_provider_strategy([
            ecs.CapacityProviderStrategy(capacity_provider="FARGATE_SPOT", weight=2),
            ecs.CapacityProviderStrategy(capacity_provider="FARGATE", weight=1),
        ])


app = cdk.App()
TradingStack(app, "TradingStack")
SpotStack(app, "SpotStack")
app.synth()
