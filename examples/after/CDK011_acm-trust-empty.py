"""CDK011 example: mTLS client policy that trusts an empty list of ACM certificate authorities."""
import aws_cdk as cdk
from aws_cdk import Stack, aws_appmesh as appmesh
from constructs import Construct


class MeshStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        mesh = appmesh.Mesh(self, "Mesh", mesh_name="trading-mesh")
        appmesh.VirtualNode(
            self,
            "Node",
            mesh=mesh,
            service_discovery=appmesh.ServiceDiscovery.dns(hostname="orders.trading.local"),
            listeners=[appmesh.VirtualNodeListener.http(port=8080)],
            # NOTE: mTLS needs ACM certificate authorities: the TLS client policy trusted
            # TlsValidationTrust.acm([]) (none) and was removed; add it back with
            # acm([<acmpca certificate authority>]) or TlsValidationTrust.file(certificate_chain=...).
        )


# OK: TLS validation against a certificate file is left alone.
class FileTrustStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        mesh = appmesh.Mesh(self, "Mesh")
        appmesh.VirtualNode(
            self,
            "Node",
            mesh=mesh,
            backend_defaults=appmesh.BackendDefaults(
                tls_client_policy=appmesh.TlsClientPolicy(
                    validation=appmesh.TlsValidation(
                        trust=appmesh.TlsValidationTrust.file(certificate_chain="/certs/ca.pem"),
                    ),
                ),
            ),
        )


app = cdk.App()
MeshStack(app, "MeshStack")
FileTrustStack(app, "FileTrustStack")
app.synth()
