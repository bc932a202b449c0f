"""Curated name tables for CDK003 (keywords) and CDK100 (modules).

Every entry is a *hint*, never a fact: a rule applies an entry only when the API index confirms the target
exists for the callee (a keyword of that very constructor/method) or in the user's aws-cdk-lib (a module).
Keys are snake_case; targets are Python names. Nothing here names a class: what exists is the index's call.
"""

from __future__ import annotations

#: Keyword a generator writes -> keywords it may have meant. Applied only when exactly one of the targets
#: is a (non-deprecated) keyword of the callee and was not passed already.
KEYWORD_SYNONYMS: dict[str, tuple[str, ...]] = {
    # S3
    "versioning": ("versioned",),
    "versioning_enabled": ("versioned",),
    "enable_versioning": ("versioned",),
    "public_access_block": ("block_public_access",),
    "block_public_access_configuration": ("block_public_access",),
    "auto_delete": ("auto_delete_objects", "auto_delete_images"),
    "delete_objects": ("auto_delete_objects",),
    "access_logs_bucket": ("server_access_logs_bucket",),
    "server_access_logs_destination": ("server_access_logs_bucket",),
    "logging_bucket": ("server_access_logs_bucket",),
    "lifecycle_configuration": ("lifecycle_rules",),
    # ECR: the name changed between versions; the index of the user's version decides which one exists
    "empty_on_delete": ("auto_delete_images",),
    "auto_delete_images": ("empty_on_delete",),
    "image_scanning": ("image_scan_on_push",),
    "scan_on_push": ("image_scan_on_push",),
    # KMS keys: the prop is called differently on each construct
    "kms_key": ("encryption_key", "encryption_master_key", "master_key", "storage_encryption_key"),
    "kms_master_key": ("encryption_master_key", "master_key", "encryption_key"),
    "encryption_key": ("encryption_master_key", "master_key", "storage_encryption_key"),
    "storage_encryption_key": ("encryption_key",),
    "master_key": ("encryption_key", "encryption_master_key"),
    "key": ("encryption_key",),
    "key_rotation": ("enable_key_rotation",),
    "rotation_enabled": ("enable_key_rotation",),
    # identifiers
    "identifier": ("instance_identifier", "cluster_identifier"),
    "db_instance_identifier": ("instance_identifier",),
    "db_cluster_identifier": ("cluster_identifier",),
    "database_identifier": ("instance_identifier", "cluster_identifier"),
    "db_name": ("database_name", "default_database_name"),
    # networking
    "subnet_selection": ("vpc_subnets",),
    "vpc_subnet_selection": ("vpc_subnets",),
    "subnet_group_config": ("subnet_configuration",),
    "subnet_configurations": ("subnet_configuration",),
    "max_availability_zones": ("max_azs",),
    "availability_zones_count": ("max_azs",),
    "az_count": ("max_azs",),
    "nat_gateway_count": ("nat_gateways",),
    "number_of_nat_gateways": ("nat_gateways",),
    "allow_all_outbound_traffic": ("allow_all_outbound",),
    # DMS endpoint settings (CloudFormation's PostgreSqlSettings -> postgre_sql_settings in Python)
    "postgres_settings": ("postgre_sql_settings",),
    "postgresql_settings": ("postgre_sql_settings",),
    "postgres_sql_settings": ("postgre_sql_settings",),
    "mysql_settings": ("my_sql_settings",),
    "sqlserver_settings": ("microsoft_sql_server_settings",),
    "sql_server_settings": ("microsoft_sql_server_settings",),
    "mssql_settings": ("microsoft_sql_server_settings",),
    "mongodb_settings": ("mongo_db_settings",),
    "documentdb_settings": ("doc_db_settings",),
    "dynamodb_settings": ("dynamo_db_settings",),
    "opensearch_settings": ("elasticsearch_settings",),
    # Lambda / compute
    "memory": ("memory_size", "memory_limit_mib"),
    "memory_mb": ("memory_size", "memory_limit_mib"),
    "memory_limit": ("memory_limit_mib", "memory_size"),
    "cpu_units": ("cpu",),
    "environment_variables": ("environment",),
    "env_vars": ("environment",),
    "log_retention_days": ("log_retention",),
    "reserved_concurrency": ("reserved_concurrent_executions",),
    # databases
    "multi_az_enabled": ("multi_az",),
    "backup_retention_period": ("backup_retention",),
    "backup_retention_days": ("backup_retention",),
    "storage_encryption": ("storage_encrypted",),
    "encrypted": ("storage_encrypted", "encryption"),
    "deletion_protection_enabled": ("deletion_protection",),
    "performance_insights": ("enable_performance_insights",),
    "enable_cloudwatch_logs_exports": ("cloudwatch_logs_exports",),
    "point_in_time_recovery_enabled": ("point_in_time_recovery_specification", "point_in_time_recovery"),
    "stream_specification": ("stream",),
    "ttl_attribute_name": ("time_to_live_attribute",),
    "time_to_live_attribute_name": ("time_to_live_attribute",),
    # queues / topics / logs
    "message_retention_period": ("retention_period",),
    "dead_letter_queue_config": ("dead_letter_queue",),
    "log_group_retention": ("retention",),
    "retention_policy": ("removal_policy",),
    "deletion_policy": ("removal_policy",),
    "removal": ("removal_policy",),
    # alarms / metrics
    "comparison": ("comparison_operator",),
    "operator": ("comparison_operator",),
    "alarm_description_text": ("alarm_description",),
    "treat_missing": ("treat_missing_data",),
    # IAM
}
# Deliberately absent: `name` (too generic), `security_group` -> `security_groups` (a group is not a list),
# `visibility_timeout_seconds`/`period_seconds` -> Duration props (a number is not a Duration),
# `managed_policy_arns` -> `managed_policies` (ARNs are not policy objects), `assume_role_policy` ->
# `assumed_by` (a document is not a principal): the value would not fit the real prop, a person decides.

#: Pairs of words that look alike but mean opposite things: never swap one for the other by spelling.
ANTONYMS: frozenset[frozenset[str]] = frozenset(frozenset(pair) for pair in (
    ("min", "max"), ("read", "write"), ("ingress", "egress"), ("inbound", "outbound"),
    ("source", "destination"), ("source", "target"), ("enable", "disable"), ("enabled", "disabled"),
    ("public", "private"), ("allow", "deny"), ("start", "end"), ("input", "output"), ("upper", "lower"),
    ("first", "last"), ("internal", "external"), ("internet", "internal"), ("primary", "secondary"),
    ("request", "response"), ("in", "out"), ("on", "off"), ("add", "remove"), ("before", "after"),
))

#: A module leaf (``aws_elbv2``) generators use -> the aws-cdk-lib module they meant. Applied only when
#: the target exists in the index of the user's aws-cdk-lib version.
MODULE_ALIASES: dict[str, str] = {
    "aws_elbv2": "aws_elasticloadbalancingv2",
    "aws_alb": "aws_elasticloadbalancingv2",
    "aws_nlb": "aws_elasticloadbalancingv2",
    "aws_elb": "aws_elasticloadbalancing",
    "aws_elbv2_targets": "aws_elasticloadbalancingv2_targets",
    "aws_elbv2_actions": "aws_elasticloadbalancingv2_actions",
    "aws_elasticloadbalancing_v2": "aws_elasticloadbalancingv2",
    "aws_cognito_idp": "aws_cognito",
    "aws_cognito_user_pools": "aws_cognito",
    "aws_ssm_parameters": "aws_ssm",
    "aws_ssm_parameter": "aws_ssm",
    "aws_parameter_store": "aws_ssm",
    "aws_systems_manager": "aws_ssm",
    "aws_cloudwatch_logs": "aws_logs",
    "aws_log": "aws_logs",
    "aws_cw": "aws_cloudwatch",
    "aws_cloudwatch_alarms": "aws_cloudwatch",
    "aws_cloudwatch_alarm_actions": "aws_cloudwatch_actions",
    "aws_cw_actions": "aws_cloudwatch_actions",
    "aws_acm": "aws_certificatemanager",
    "aws_certificates": "aws_certificatemanager",
    "aws_eventbridge": "aws_events",
    "aws_eventbridge_targets": "aws_events_targets",
    "aws_event_targets": "aws_events_targets",
    "aws_eventbridge_scheduler": "aws_scheduler",
    "aws_sfn": "aws_stepfunctions",
    "aws_sfn_tasks": "aws_stepfunctions_tasks",
    "aws_apigw": "aws_apigateway",
    "aws_apigwv2": "aws_apigatewayv2",
    "aws_api_gateway_v2": "aws_apigatewayv2",
    "aws_dynamo": "aws_dynamodb",
    "aws_ddb": "aws_dynamodb",
    "aws_firehose": "aws_kinesisfirehose",
    "aws_cloudmap": "aws_servicediscovery",
    "aws_cloud_map": "aws_servicediscovery",
    "aws_vpc": "aws_ec2",
    "aws_security_groups": "aws_ec2",
    "aws_asg": "aws_autoscaling",
    "aws_waf_v2": "aws_wafv2",
    "aws_kms_keys": "aws_kms",
    "aws_lambda_event_source": "aws_lambda_event_sources",
    "aws_lambda_events": "aws_lambda_event_sources",
    "aws_lambda_eventsources": "aws_lambda_event_sources",
    "aws_s3_notification": "aws_s3_notifications",
    "aws_s3_deploy": "aws_s3_deployment",
    "aws_sns_subscription": "aws_sns_subscriptions",
    "aws_route53_target": "aws_route53_targets",
    "aws_ecs_pattern": "aws_ecs_patterns",
    "aws_codepipeline_action": "aws_codepipeline_actions",
    "aws_secrets": "aws_secretsmanager",
    "aws_secret_manager": "aws_secretsmanager",
    "aws_iam_roles": "aws_iam",
    "aws_rds_proxy": "aws_rds",
    "aws_aurora": "aws_rds",
    "aws_elasticache_redis": "aws_elasticache",
    "aws_msk_cluster": "aws_msk",
    "aws_step_functions_tasks": "aws_stepfunctions_tasks",
    "aws_cloudfront_origin": "aws_cloudfront_origins",
    "aws_app_runner": "aws_apprunner",
    "aws_guard_duty": "aws_guardduty",
    "aws_cloud_trail": "aws_cloudtrail",
}

#: ``aws_cdk.<x>_alpha`` modules live in separate distributions named ``aws-cdk.<x-with-dashes>-alpha``.
ALPHA_SUFFIX = "_alpha"


def alpha_distribution(module_leaf: str) -> str:
    """``aws_lambda_python_alpha`` -> ``aws-cdk.aws-lambda-python-alpha`` (the PyPI distribution)."""
    return "aws-cdk." + module_leaf.replace("_", "-")

#: Experimental modules published outside aws-cdk-lib (``aws-cdk.<name>-alpha`` on PyPI), as their Python
#: module leaf. Used only to recognise an alpha module written without its suffix (``aws_lambda_python``);
#: whether an alpha module graduated into aws-cdk-lib is decided by the index, never by this list.
ALPHA_MODULES: frozenset[str] = frozenset({
    "aws_amplify_alpha", "aws_apigatewayv2_alpha", "aws_apigatewayv2_authorizers_alpha",
    "aws_apigatewayv2_integrations_alpha", "aws_applicationsignals_alpha", "aws_apprunner_alpha",
    "aws_appsync_alpha", "aws_batch_alpha", "aws_bedrock_alpha", "aws_cloud9_alpha",
    "aws_codestar_alpha", "aws_cognito_identitypool_alpha", "aws_ec2_alpha", "aws_eks_v2_alpha",
    "aws_elasticache_alpha", "aws_gamelift_alpha", "aws_glue_alpha", "aws_imagebuilder_alpha",
    "aws_iot_actions_alpha", "aws_iot_alpha", "aws_iotevents_actions_alpha", "aws_iotevents_alpha",
    "aws_ivs_alpha", "aws_kinesisanalytics_flink_alpha", "aws_kinesisfirehose_alpha",
    "aws_kinesisfirehose_destinations_alpha", "aws_lambda_go_alpha", "aws_lambda_python_alpha",
    "aws_location_alpha", "aws_msk_alpha", "aws_neptune_alpha", "aws_pipes_alpha",
    "aws_pipes_enrichments_alpha", "aws_pipes_sources_alpha", "aws_pipes_targets_alpha",
    "aws_redshift_alpha", "aws_route53resolver_alpha", "aws_s3objectlambda_alpha", "aws_s3tables_alpha",
    "aws_sagemaker_alpha", "aws_scheduler_alpha", "aws_scheduler_targets_alpha",
    "aws_servicecatalogappregistry_alpha", "aws_synthetics_alpha", "integ_tests_alpha",
})
