#!/usr/bin/env python3
"""The CDK app: synthesizes `TapStack` (lib/tap_stack.py). Created by cdkfix (CDK019)."""
import os

import aws_cdk as cdk

from lib.tap_stack import TapStack

app = cdk.App()
environment_suffix = app.node.try_get_context("environmentSuffix") or os.environ.get(
    "ENVIRONMENT_SUFFIX", "dev"
)

TapStack(
    app,
    f"TapStack{environment_suffix}",
    environment_suffix=environment_suffix,
    env=cdk.Environment(account=os.environ.get("CDK_DEFAULT_ACCOUNT"), region=os.environ.get("CDK_DEFAULT_REGION")),
)

app.synth()
