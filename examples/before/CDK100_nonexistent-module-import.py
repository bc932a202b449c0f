"""CDK100 example: aws_cdk modules that do not exist (DESIGN.md: `from aws_cdk import aws_elbv2`)."""
import aws_cdk as cdk
from aws_cdk import (
    Stack,
    aws_ec2 as ec2,
    aws_elbv2 as elbv2,  # the load balancer
    aws_ssm_parameters as ssm,
)
from constructs import Construct


class WebStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        vpc = ec2.Vpc(self, "Vpc", max_azs=2, nat_gateways=0)
        alb = elbv2.ApplicationLoadBalancer(self, "Alb", vpc=vpc, internet_facing=True)
        listener = alb.add_listener("Http", port=80)
        listener.add_action(
            "Default",
            action=cdk.aws_elbv2.ListenerAction.fixed_response(200, content_type="text/plain", message_body="ok"),
        )
        ssm.StringParameter(self, "AlbDns", parameter_name="/web/alb-dns", string_value=alb.load_balancer_dns_name)


# OK: modules that exist stay as they are, however they are reached.
class ConfigStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        cdk.aws_ssm.StringParameter(self, "Stage", parameter_name="/web/stage", string_value="dev")


app = cdk.App()
WebStack(app, "WebStack")
ConfigStack(app, "ConfigStack")
app.synth()
