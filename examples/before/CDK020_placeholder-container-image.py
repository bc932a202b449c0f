"""CDK020 example: a placeholder nginx image behind a load balancer health check on `/health`."""
import aws_cdk as cdk
from aws_cdk import Stack, aws_ec2 as ec2, aws_ecr as ecr, aws_ecs as ecs, aws_ecs_patterns as ecs_patterns
from constructs import Construct


class PaymentApiStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        vpc = ec2.Vpc(self, "Vpc", max_azs=2, nat_gateways=0)
        cluster = ecs.Cluster(self, "Cluster", vpc=vpc)
        service = ecs_patterns.ApplicationLoadBalancedFargateService(
            self,
            "PaymentApi",
            cluster=cluster,
            assign_public_ip=True,
            task_image_options=ecs_patterns.ApplicationLoadBalancedTaskImageOptions(
                image=ecs.ContainerImage.from_registry("public.ecr.aws/docker/library/nginx:latest"),
                container_port=80,
            ),
        )
        service.target_group.configure_health_check(path="/health", healthy_http_codes="200")


# OK: the application's own image may serve /health.
class OrdersApiStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        vpc = ec2.Vpc(self, "Vpc", max_azs=2, nat_gateways=0)
        cluster = ecs.Cluster(self, "Cluster", vpc=vpc)
        repository = ecr.Repository.from_repository_name(self, "Repo", "orders-api")
        service = ecs_patterns.ApplicationLoadBalancedFargateService(
            self,
            "OrdersApi",
            cluster=cluster,
            assign_public_ip=True,
            task_image_options=ecs_patterns.ApplicationLoadBalancedTaskImageOptions(
                image=ecs.ContainerImage.from_ecr_repository(repository, "1.4.2"),
                container_port=8080,
            ),
        )
        service.target_group.configure_health_check(path="/health", healthy_http_codes="200")


app = cdk.App()
PaymentApiStack(app, "PaymentApiStack")
OrdersApiStack(app, "OrdersApiStack")
app.synth()
