"""CDK022 example: a custom rotation function whose steps are placeholders.

The rotation handler lives in this module and is shipped inline with the function.
"""
import inspect
import logging

import aws_cdk as cdk
from aws_cdk import (
    Duration,
    Stack,
    aws_lambda as lambda_,
    aws_secretsmanager as secretsmanager,
)
from constructs import Construct

logger = logging.getLogger()


def lambda_handler(event, context):
    """Dispatch the rotation step Secrets Manager asks for."""
    import boto3

    client = boto3.client("secretsmanager")
    steps = {"createSecret": create_secret, "setSecret": set_secret,
             "testSecret": test_secret, "finishSecret": finish_secret}
    steps[event["Step"]](client, event["SecretId"], event["ClientRequestToken"])


def create_secret(client, arn, token):
    """Create the pending version with a new random value (once per token)."""
    try:
        client.get_secret_value(SecretId=arn, VersionId=token, VersionStage="AWSPENDING")
    except client.exceptions.ResourceNotFoundException:
        value = client.get_random_password(ExcludePunctuation=True)["RandomPassword"]
        client.put_secret_value(SecretId=arn, ClientRequestToken=token, SecretString=value,
                                VersionStages=["AWSPENDING"])


def set_secret(client, arn, token):
    """An API key has no server to update: the new value is read from the secret by its users."""
    logger.info("setSecret: %s has no downstream system to update", arn)
    return client.describe_secret(SecretId=arn)


def test_secret(client, arn, token):
    """The pending value must be readable and non-empty."""
    value = client.get_secret_value(SecretId=arn, VersionId=token, VersionStage="AWSPENDING")
    if not value["SecretString"]:
        raise ValueError("the pending secret is empty")


def finish_secret(client, arn, token):
    """Make the pending version current."""
    metadata = client.describe_secret(SecretId=arn)
    current = next(version for version, stages in metadata["VersionIdsToStages"].items()
                   if "AWSCURRENT" in stages)
    if current != token:
        client.update_secret_version_stage(SecretId=arn, VersionStage="AWSCURRENT",
                                           MoveToVersionId=token, RemoveFromVersionId=current)


class RotationStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        secret = secretsmanager.Secret(self, "ApiKey")
        handler = "import logging\nlogger = logging.getLogger()\n" + "\n".join(
            inspect.getsource(step)
            for step in (lambda_handler, create_secret, set_secret, test_secret, finish_secret)
        )
        rotation = lambda_.Function(
            self,
            "Rotation",
            runtime=lambda_.Runtime.PYTHON_3_12,
            handler="index.lambda_handler",
            code=lambda_.Code.from_inline(handler),
        )
        secret.add_rotation_schedule("Schedule", rotation_lambda=rotation, automatically_after=Duration.days(30))


# OK: a secret rotated by Secrets Manager's hosted rotation needs no handler.
class HostedRotationStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        secret = secretsmanager.Secret(self, "DbSecret")
        secret.add_rotation_schedule(
            "Schedule",
            hosted_rotation=secretsmanager.HostedRotation.postgre_sql_single_user(),
            automatically_after=Duration.days(30),
        )


app = cdk.App()
RotationStack(app, "RotationStack")
HostedRotationStack(app, "HostedRotationStack")
app.synth()
