"""CDK105 example: numbers passed for Duration props, and required arguments left out."""
import aws_cdk as cdk
from aws_cdk import (
    Stack,
    aws_apigateway as apigw,
    aws_certificatemanager as acm,
    aws_logs as logs,
    aws_sqs as sqs,
)
from constructs import Construct


class ApiStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        sqs.Queue(
            self,
            "Jobs",
            visibility_timeout=cdk.Duration.seconds(300),  # five minutes
            retention_period=cdk.Duration.days(4),
        )
        access_logs = logs.LogGroup(self, "AccessLogs", retention=logs.RetentionDays.ONE_WEEK)
        api = apigw.RestApi(
            self,
            "Api",
            deploy_options=apigw.StageOptions(
                access_log_destination=apigw.LogGroupLogDestination(access_logs),
                access_log_format=apigw.AccessLogFormat.json_with_standard_fields(caller=True, http_method=True, ip=True, protocol=True, request_time=True, resource_path=True, response_length=True, status=True, user=True),
                cache_ttl=cdk.Duration.seconds(60),
            ),
        )
        api.root.add_method("GET", apigw.MockIntegration())
        certificate = acm.Certificate(self, "Certificate", domain_name="api.example.com")
        domain = apigw.DomainName(self, "Domain", domain_name="api.example.com", certificate=certificate)
        apigw.BasePathMapping(self, "Mapping", domain_name=domain, stage=api.deployment_stage, rest_api=api.deployment_stage.rest_api)


# OK: Durations already, and props that are plain numbers.
class WorkerStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        sqs.Queue(self, "Work", visibility_timeout=cdk.Duration.seconds(60), max_message_size_bytes=65536)
        logs.LogGroup(self, "Logs", retention=logs.RetentionDays.ONE_MONTH)


app = cdk.App()
ApiStack(app, "ApiStack")
WorkerStack(app, "WorkerStack")
app.synth()
