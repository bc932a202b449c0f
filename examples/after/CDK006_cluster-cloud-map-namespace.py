"""CDK006 example: services register in Cloud Map, but their cluster has no default namespace."""
import aws_cdk as cdk
from aws_cdk import Stack, aws_ec2 as ec2, aws_ecs as ecs
from constructs import Construct


class ServicesStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, environment_suffix: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        vpc = ec2.Vpc(self, "Vpc", max_azs=2, nat_gateways=0)
        self.cluster = ecs.Cluster(
            self,
            f"Cluster-{environment_suffix}",
            cluster_name=f"microservices-cluster-{environment_suffix}",
            vpc=vpc,
            enable_fargate_capacity_providers=True,
            default_cloud_map_namespace=ecs.CloudMapNamespaceOptions(
                name=f"{environment_suffix}.local",
                vpc=vpc,
            ),
        )
        for service_name in ("payment", "order"):
            task = ecs.FargateTaskDefinition(self, f"Task-{service_name}")
            task.add_container("app", image=ecs.ContainerImage.from_registry("nginx"),
                               port_mappings=[ecs.PortMapping(container_port=80)])
            ecs.FargateService(
                self,
                f"Service-{service_name}",
                cluster=self.cluster,
                task_definition=task,
                cloud_map_options=ecs.CloudMapOptions(name=service_name),
            )


# OK: a cluster with its namespace, and a service that does not use Cloud Map.
class NamespacedStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        vpc = ec2.Vpc(self, "Vpc", max_azs=2, nat_gateways=0)
        cluster = ecs.Cluster(self, "Cluster", vpc=vpc,
                              default_cloud_map_namespace=ecs.CloudMapNamespaceOptions(name="shop.local"))
        plain = ecs.Cluster(self, "Plain", vpc=vpc)
        task = ecs.FargateTaskDefinition(self, "Task")
        task.add_container("app", image=ecs.ContainerImage.from_registry("nginx"),
                           port_mappings=[ecs.PortMapping(container_port=80)])
        ecs.FargateService(self, "Registered", cluster=cluster, task_definition=task,
                           cloud_map_options=ecs.CloudMapOptions(name="cart"))
        ecs.FargateService(self, "Unregistered", cluster=plain, task_definition=task)


app = cdk.App()
ServicesStack(app, "ServicesStack", environment_suffix="dev")
NamespacedStack(app, "NamespacedStack")
app.synth()
