"""CDK021 example: an HTTPS listener whose certificate was left as a placeholder."""
import aws_cdk as cdk
from aws_cdk import (
    Stack,
    aws_ec2 as ec2,
    aws_elasticloadbalancingv2 as elbv2,
)
from constructs import Construct


class ApiStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        vpc = ec2.Vpc(self, "Vpc", max_azs=2, nat_gateways=0)
        alb = elbv2.ApplicationLoadBalancer(self, "Alb", vpc=vpc, internet_facing=True)
        target_group = elbv2.ApplicationTargetGroup(
            self, "Targets", vpc=vpc, port=80, target_type=elbv2.TargetType.IP
        )
        # The certificate is issued outside this stack; its ARN is a deployment parameter.
        certificate_arn = cdk.CfnParameter(self, "CertificateArn", type="String")
        alb.add_listener(
            "HttpsListener",
            port=443,
            protocol=elbv2.ApplicationProtocol.HTTPS,
            default_target_groups=[target_group],
            certificates=[elbv2.ListenerCertificate.from_arn(certificate_arn.value_as_string)],
        )


# OK: a plain HTTP listener needs no certificate.
class InternalStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        vpc = ec2.Vpc(self, "Vpc", max_azs=2, nat_gateways=0)
        alb = elbv2.ApplicationLoadBalancer(self, "Alb", vpc=vpc)
        alb.add_listener(
            "HttpListener",
            port=80,
            default_action=elbv2.ListenerAction.fixed_response(200, message_body="ok"),
        )


app = cdk.App()
ApiStack(app, "ApiStack")
InternalStack(app, "InternalStack")
app.synth()
