"""CDK002 example: App Mesh Cloud Map discovery given a helper that returns None instead of a service."""
import aws_cdk as cdk
from aws_cdk import (
    Stack,
    aws_appmesh as appmesh,
    aws_ec2 as ec2,
    aws_servicediscovery as servicediscovery,
)
from constructs import Construct


class MeshStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        vpc = ec2.Vpc(self, "Vpc", max_azs=2, nat_gateways=0)
        namespace = servicediscovery.PrivateDnsNamespace(self, "Namespace", name="shop.local", vpc=vpc)
        mesh = appmesh.Mesh(self, "Mesh")
        for service_name in ("orders", "payments"):
            appmesh.VirtualNode(
                self,
                f"Node-{service_name}",
                mesh=mesh,
                service_discovery=appmesh.ServiceDiscovery.dns(
                    hostname=f"{service_name}.shop.local"
                ),
                listeners=[appmesh.VirtualNodeListener.http(port=8080)],
            )


# OK: Cloud Map discovery with a real Cloud Map service is left alone.
class CloudMapStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        namespace = servicediscovery.HttpNamespace(self, "Namespace", name="inventory")
        service = namespace.create_service("Service", name="stock")
        mesh = appmesh.Mesh(self, "Mesh")
        appmesh.VirtualNode(self, "Node", mesh=mesh,
                            service_discovery=appmesh.ServiceDiscovery.cloud_map(service=service))


app = cdk.App()
MeshStack(app, "MeshStack")
CloudMapStack(app, "CloudMapStack")
app.synth()
