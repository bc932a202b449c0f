"""CDK001 example: an App Mesh route created without its required `mesh`."""
import aws_cdk as cdk
from aws_cdk import Stack, aws_appmesh as appmesh
from constructs import Construct


class MeshStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        trading_mesh = appmesh.Mesh(self, "Mesh", mesh_name="trading-mesh")
        node = appmesh.VirtualNode(
            self,
            "Node",
            mesh=trading_mesh,
            service_discovery=appmesh.ServiceDiscovery.dns(hostname="orders.trading.local"),
            listeners=[appmesh.VirtualNodeListener.http(port=8080)],
        )
        virtual_router = appmesh.VirtualRouter(
            self,
            "Router",
            mesh=trading_mesh,
            listeners=[appmesh.VirtualRouterListener.http(port=8080)],
        )
        appmesh.Route(
            self,
            "Route",
            mesh=virtual_router.mesh,
            virtual_router=virtual_router,  # Missing mesh parameter
            route_name="orders-route",
            route_spec=appmesh.RouteSpec.http(
                weighted_targets=[appmesh.WeightedTarget(virtual_node=node, weight=100)],
            ),
        )


# OK: a route that names its mesh is left alone.
class RoutedStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        mesh = appmesh.Mesh(self, "Mesh")
        node = appmesh.VirtualNode(self, "Node", mesh=mesh,
                                   service_discovery=appmesh.ServiceDiscovery.dns(hostname="web.local"))
        router = mesh.add_virtual_router("Router", listeners=[appmesh.VirtualRouterListener.http(port=80)])
        appmesh.Route(self, "Route", mesh=mesh, virtual_router=router,
                      route_spec=appmesh.RouteSpec.http(weighted_targets=[appmesh.WeightedTarget(virtual_node=node)]))


app = cdk.App()
MeshStack(app, "MeshStack")
RoutedStack(app, "RoutedStack")
app.synth()
