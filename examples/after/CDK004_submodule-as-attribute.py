"""CDK004 example: the alias target reached as `route53.targets`, which does not exist."""
import aws_cdk as cdk
from aws_cdk import (
    Stack,
    aws_ec2 as ec2,
    aws_elasticloadbalancingv2 as elbv2,
    aws_route53 as route53,
    aws_route53_targets as route53_targets,
)
from constructs import Construct


class DnsStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        vpc = ec2.Vpc(self, "Vpc", max_azs=2, nat_gateways=0)
        alb = elbv2.ApplicationLoadBalancer(self, "Alb", vpc=vpc, internet_facing=True)
        zone = route53.HostedZone(self, "Zone", zone_name="example.com")
        route53.ARecord(
            self,
            "Api",
            zone=zone,
            record_name="api",
            # The load balancer is the alias target.
            target=route53.RecordTarget.from_alias(route53_targets.LoadBalancerTarget(alb)),
        )


# OK: records whose targets need no companion module stay as they are.
class PlainRecordStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        zone = route53.HostedZone(self, "Zone", zone_name="example.org")
        route53.ARecord(self, "Www", zone=zone, target=route53.RecordTarget.from_ip_addresses("192.0.2.10"))


app = cdk.App()
DnsStack(app, "DnsStack")
PlainRecordStack(app, "PlainRecordStack")
app.synth()
