"""CDK106 example: deprecated props and methods whose replacement the library names."""
import aws_cdk as cdk
from aws_cdk import (
    RemovalPolicy,
    Stack,
    aws_dynamodb as dynamodb,
    aws_ec2 as ec2,
    aws_ecr as ecr,
    aws_ecs as ecs,
    aws_lambda as lambda_,
    aws_logs as logs,
)
from constructs import Construct


class ServiceStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        ecr.Repository(
            self,
            "Images",
            removal_policy=RemovalPolicy.DESTROY,
            empty_on_delete=True,  # empty the repository before deleting it
        )
        vpc = ec2.Vpc(self, "Vpc", max_azs=2, nat_gateways=0)
        ecs.Cluster(self, "Cluster", vpc=vpc, container_insights_v2=ecs.ContainerInsights.ENABLED)
        ec2.Instance(
            self,
            "Bastion",
            vpc=vpc,
            vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PUBLIC),
            instance_type=ec2.InstanceType("t3.micro"),
            machine_image=ec2.MachineImage.latest_amazon_linux2023(),
        )
        lambda_.Function(
            self,
            "Handler",
            runtime=lambda_.Runtime.PYTHON_3_12,
            handler="index.handler",
            code=lambda_.Code.from_inline("def handler(event, context):\n    return None\n"),
            log_group=logs.LogGroup(self, "HandlerLogGroup", retention=logs.RetentionDays.ONE_WEEK),
        )
        dynamodb.Table(
            self,
            "Orders",
            partition_key=dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING),
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(point_in_time_recovery_enabled=True),
        )


# OK: the current API stays as it is.
class CurrentStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        ecr.Repository(self, "Images", removal_policy=RemovalPolicy.DESTROY, empty_on_delete=True)
        group = logs.LogGroup(self, "HandlerLogs", retention=logs.RetentionDays.ONE_MONTH)
        lambda_.Function(
            self,
            "Handler",
            runtime=lambda_.Runtime.PYTHON_3_12,
            handler="index.handler",
            code=lambda_.Code.from_inline("def handler(event, context):\n    return None\n"),
            log_group=group,
        )


app = cdk.App()
ServiceStack(app, "ServiceStack")
CurrentStack(app, "CurrentStack")
app.synth()
