"""CDK108 example: CDK class names that no aws-cdk-lib module defines (corpus Pr377, Pr6188)."""
import aws_cdk as cdk
from aws_cdk import (
    RemovalPolicy,
    Stack,
    aws_cloudfront as cloudfront,
    aws_cloudfront_origins as origins,
    aws_ec2 as ec2,
    aws_s3 as s3,
)
from constructs import Construct


class SiteStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        site = s3.Bucket(self, "Site", removal_policy=RemovalPolicy.DESTROY)
        oac = cloudfront.OriginAccessControl(
            self,
            "SiteOac",
            signing=cloudfront.Signing.SIGV4_ALWAYS,  # CloudFront signs every request
        )
        cloudfront.Distribution(
            self,
            "Cdn",
            default_behavior=cloudfront.BehaviorOptions(
                origin=origins.S3BucketOrigin.with_origin_access_control(site, origin_access_control=oac),
            ),
        )


class NetworkStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        vpc = ec2.Vpc(self, "Vpc", max_azs=1, nat_gateways=0,
                      subnet_configuration=[ec2.SubnetConfiguration(name="data", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)])
        acl = ec2.NetworkAcl(self, "DataAcl", vpc=vpc)
        ec2.NetworkAclAssociation(self, "DataAclAssociation", network_acl=acl, subnet=vpc.isolated_subnets[0])


# OK: names the modules define stay as they are.
class LogsStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        logs = s3.Bucket(self, "Logs", removal_policy=RemovalPolicy.DESTROY)
        cloudfront.S3OriginAccessControl(self, "LogsOac", description=f"for {logs.node.id}")


app = cdk.App()
SiteStack(app, "SiteStack")
NetworkStack(app, "NetworkStack")
LogsStack(app, "LogsStack")
app.synth()
