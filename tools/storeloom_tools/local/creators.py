"""One function per CloudFormation/SAM resource type: create it in moto and record its Ref and GetAtts."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from storeloom_tools.local.provision import (
    ROLE_ARN,
    FunctionSpec,
    SqsEventSource,
    definition_with_substitutions,
    dummy_code_zip,
)

if TYPE_CHECKING:
    from storeloom_tools.local.provision import Provisioner

Creator = Callable[["Provisioner", str, dict[str, Any]], None]
_CONFIGURATION_SET_OPTIONS = ("DeliveryOptions", "ReputationOptions", "SendingOptions", "SuppressionOptions")
_TABLE_KEYS = ("KeySchema", "AttributeDefinitions", "GlobalSecondaryIndexes", "LocalSecondaryIndexes")


def create_table(p: Provisioner, logical_id: str, props: dict[str, Any]) -> None:
    name = p.resolver.resolve(props.get("TableName")) or p.physical_name(logical_id)
    arguments = {key: p.resolver.resolve(props[key]) for key in _TABLE_KEYS if key in props}
    p.client("dynamodb").create_table(TableName=name, BillingMode="PAY_PER_REQUEST", **arguments)
    ttl = props.get("TimeToLiveSpecification")
    if ttl and ttl.get("Enabled"):
        p.client("dynamodb").update_time_to_live(
            TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl["AttributeName"]}
        )
    p.resolver.refs[logical_id] = name
    p.resolver.attributes[(logical_id, "Arn")] = p.arn("dynamodb", f"table/{name}")


def create_queue(p: Provisioner, logical_id: str, props: dict[str, Any]) -> None:
    name = p.resolver.resolve(props.get("QueueName")) or p.physical_name(logical_id)
    attributes: dict[str, str] = {
        key: str(p.resolver.resolve(props[key]))
        for key in (
            "VisibilityTimeout",
            "MessageRetentionPeriod",
            "DelaySeconds",
            "ReceiveMessageWaitTimeSeconds",
        )
        if key in props
    }
    if "RedrivePolicy" in props:
        attributes["RedrivePolicy"] = json.dumps(p.resolver.resolve(props["RedrivePolicy"]))
    url = p.client("sqs").create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    p.resolver.refs[logical_id] = url
    p.resolver.attributes[(logical_id, "Arn")] = p.arn("sqs", name)
    p.resolver.attributes[(logical_id, "QueueName")] = name
    p.resolver.attributes[(logical_id, "QueueUrl")] = url


def create_bucket(p: Provisioner, logical_id: str, props: dict[str, Any]) -> None:
    name = (p.resolver.resolve(props.get("BucketName")) or p.physical_name(logical_id)).lower()
    p.client("s3").create_bucket(Bucket=name)
    p.resolver.refs[logical_id] = name
    p.resolver.attributes[(logical_id, "Arn")] = f"arn:aws:s3:::{name}"


def create_event_bus(p: Provisioner, logical_id: str, props: dict[str, Any]) -> None:
    name = p.resolver.resolve(props["Name"])
    arn = p.client("events").create_event_bus(Name=name)["EventBusArn"]
    p.resolver.refs[logical_id] = name
    p.resolver.attributes[(logical_id, "Arn")] = arn
    p.resolver.attributes[(logical_id, "Name")] = name


def create_rule(p: Provisioner, logical_id: str, props: dict[str, Any]) -> None:
    name = p.resolver.resolve(props.get("Name")) or p.physical_name(logical_id)
    bus = p.resolver.resolve(props.get("EventBusName", "default"))
    pattern = p.resolver.resolve(props["EventPattern"])
    events = p.client("events")
    _ensure_bus(events, bus)
    arn = events.put_rule(Name=name, EventBusName=bus, EventPattern=json.dumps(pattern), State="ENABLED")["RuleArn"]
    targets = [{"Id": t["Id"], "Arn": p.resolver.resolve(t["Arn"])} for t in props.get("Targets", [])]
    if targets:
        events.put_targets(Rule=name, EventBusName=bus, Targets=targets)
    p.resolver.refs[logical_id] = name
    p.resolver.attributes[(logical_id, "Arn")] = arn


def _ensure_bus(events: Any, bus: str) -> None:
    """A rule on a bus the stack does not create (a partner event source's bus, which AWS creates when the
    source is associated): locally a plain bus of that name stands in for it."""
    if bus == "default" or bus.startswith("arn:"):
        return
    try:
        events.describe_event_bus(Name=bus)
    except events.exceptions.ResourceNotFoundException:
        events.create_event_bus(Name=bus)


def create_function(p: Provisioner, logical_id: str, props: dict[str, Any]) -> None:
    name = p.resolver.resolve(props.get("FunctionName")) or p.physical_name(logical_id)
    defaults = p.globals_for("Function")
    variables = {
        **p.resolver.resolve(defaults.get("Environment", {}).get("Variables", {})),
        **p.resolver.resolve(props.get("Environment", {}).get("Variables", {})),
    }
    environment = {key: p.local_url(str(value)) for key, value in variables.items()}
    arn = p.client("lambda").create_function(
        FunctionName=name,
        Runtime=props.get("Runtime", defaults.get("Runtime", "python3.12")),
        Role=ROLE_ARN,
        Handler=props["Handler"],
        Code={"ZipFile": dummy_code_zip()},
    )["FunctionArn"]
    has_url = "FunctionUrlConfig" in props
    p.stack.functions[logical_id] = FunctionSpec(
        logical_id, name, props["CodeUri"], props["Handler"], environment, has_url
    )
    p.resolver.refs[logical_id] = name
    p.resolver.attributes[(logical_id, "Arn")] = arn
    if has_url:
        p.resolver.attributes[(f"{logical_id}Url", "FunctionUrl")] = p.function_url
    _record_sqs_sources(p, logical_id, props)


def _record_sqs_sources(p: Provisioner, logical_id: str, props: dict[str, Any]) -> None:
    for event in props.get("Events", {}).values():
        if event.get("Type") != "SQS":
            continue
        queue_arn = p.resolver.resolve(event["Properties"]["Queue"])
        queue_url = p.client("sqs").get_queue_url(QueueName=queue_arn.rsplit(":", 1)[1])["QueueUrl"]
        batch = int(event["Properties"].get("BatchSize", 10))
        window = float(event["Properties"].get("MaximumBatchingWindowInSeconds", 0))
        p.stack.sqs_sources.append(SqsEventSource(logical_id, queue_url, batch, window))


def create_state_machine(p: Provisioner, logical_id: str, props: dict[str, Any]) -> None:
    name = p.resolver.resolve(props.get("Name")) or p.physical_name(logical_id)
    substitutions = {k: str(v) for k, v in p.resolver.resolve(props.get("DefinitionSubstitutions", {})).items()}
    definition = definition_with_substitutions(p.root, props["DefinitionUri"], substitutions)
    arn = p.client("stepfunctions").create_state_machine(
        name=name, definition=definition, roleArn=ROLE_ARN, type=props.get("Type", "STANDARD")
    )["stateMachineArn"]
    p.resolver.refs[logical_id] = arn
    p.resolver.attributes[(logical_id, "Arn")] = arn
    p.resolver.attributes[(logical_id, "Name")] = name


def create_schedule_group(p: Provisioner, logical_id: str, props: dict[str, Any]) -> None:
    name = p.resolver.resolve(props.get("Name")) or p.physical_name(logical_id)
    arn = p.client("scheduler").create_schedule_group(Name=name)["ScheduleGroupArn"]
    p.resolver.refs[logical_id] = name
    p.resolver.attributes[(logical_id, "Arn")] = arn


def create_schedule(p: Provisioner, logical_id: str, props: dict[str, Any]) -> None:
    """AWS::Scheduler::Schedule: the local ticker (storeloom_tools.local.dispatch) fires it."""
    name = p.resolver.resolve(props.get("Name")) or p.physical_name(logical_id)
    keys = ("GroupName", "Description", "ScheduleExpression", "ScheduleExpressionTimezone", "State", "Target")
    arguments = {key: p.resolver.resolve(props[key]) for key in keys if key in props}
    window = p.resolver.resolve(props.get("FlexibleTimeWindow", {"Mode": "OFF"}))
    arn = p.client("scheduler").create_schedule(Name=name, FlexibleTimeWindow=window, **arguments)["ScheduleArn"]
    p.stack.schedules[logical_id] = name
    p.resolver.refs[logical_id] = name
    p.resolver.attributes[(logical_id, "Arn")] = arn


def create_queue_policy(p: Provisioner, logical_id: str, props: dict[str, Any]) -> None:
    """AWS::SQS::QueuePolicy: the policy document set on each queue it names."""
    policy = json.dumps(p.resolver.resolve(props["PolicyDocument"]))
    for queue_url in p.resolver.resolve(props["Queues"]):
        p.client("sqs").set_queue_attributes(QueueUrl=queue_url, Attributes={"Policy": policy})
    p.resolver.refs[logical_id] = p.physical_name(logical_id)


def create_bucket_policy(p: Provisioner, logical_id: str, props: dict[str, Any]) -> None:
    """AWS::S3::BucketPolicy, less any statement on aws:SecureTransport: moto enforces bucket policies, and
    the local stack speaks plain HTTP on loopback, so a TLS-only Deny would refuse every request to it."""
    bucket = p.resolver.resolve(props["Bucket"])
    document = p.resolver.resolve(props["PolicyDocument"])
    statements = document.get("Statement", [])
    kept = [statement for statement in statements if "aws:securetransport" not in json.dumps(statement).lower()]
    dropped = [str(statement.get("Sid", index)) for index, statement in enumerate(statements) if statement not in kept]
    if dropped:
        p.stack.adapted[logical_id] = f"left out {', '.join(dropped)}: the local stack has no TLS"
    if kept:
        policy = json.dumps({**document, "Statement": kept})
        p.client("s3").put_bucket_policy(Bucket=bucket, Policy=policy)
    p.resolver.refs[logical_id] = bucket


def create_alarm(p: Provisioner, logical_id: str, props: dict[str, Any]) -> None:
    """AWS::CloudWatch::Alarm on one metric (the template's alarms watch dead-letter queue depths)."""
    name = p.resolver.resolve(props.get("AlarmName")) or p.physical_name(logical_id)
    keys = (
        "AlarmDescription",
        "ActionsEnabled",
        "AlarmActions",
        "OKActions",
        "InsufficientDataActions",
        "Namespace",
        "MetricName",
        "Dimensions",
        "Statistic",
        "ExtendedStatistic",
        "Period",
        "Unit",
        "EvaluationPeriods",
        "DatapointsToAlarm",
        "Threshold",
        "ComparisonOperator",
        "TreatMissingData",
    )
    arguments = {key: p.resolver.resolve(props[key]) for key in keys if key in props}
    for key in ("Period", "EvaluationPeriods", "DatapointsToAlarm"):
        if key in arguments:
            arguments[key] = int(arguments[key])
    if "Threshold" in arguments:
        arguments["Threshold"] = float(arguments["Threshold"])
    cloudwatch = p.client("cloudwatch")
    cloudwatch.put_metric_alarm(AlarmName=name, **arguments)
    [alarm] = cloudwatch.describe_alarms(AlarmNames=[name])["MetricAlarms"]
    p.resolver.refs[logical_id] = name
    p.resolver.attributes[(logical_id, "Arn")] = alarm["AlarmArn"]


def create_secret(p: Provisioner, logical_id: str, props: dict[str, Any]) -> None:
    """AWS::SecretsManager::Secret: SecretString as given, or a random one as GenerateSecretString asks."""
    name = p.resolver.resolve(props.get("Name")) or p.physical_name(logical_id)
    secrets = p.client("secretsmanager")
    value = p.resolver.resolve(props.get("SecretString"))
    if value is None:
        value = _generated_secret(secrets, p.resolver.resolve(props.get("GenerateSecretString", {})))
    arguments = {"Description": p.resolver.resolve(props["Description"])} if "Description" in props else {}
    arn = secrets.create_secret(Name=name, SecretString=value, **arguments)["ARN"]
    p.resolver.refs[logical_id] = arn
    p.resolver.attributes[(logical_id, "Id")] = arn


_PASSWORD_OPTIONS = (
    "PasswordLength",
    "ExcludeCharacters",
    "ExcludeNumbers",
    "ExcludePunctuation",
    "ExcludeUppercase",
    "ExcludeLowercase",
    "IncludeSpace",
    "RequireEachIncludedType",
)


def _generated_secret(secrets: Any, options: dict[str, Any]) -> str:
    """What CloudFormation's GenerateSecretString gives: a random password, or a JSON template with the
    password under GenerateStringKey."""
    asked = {key: options[key] for key in _PASSWORD_OPTIONS if key in options}
    if "PasswordLength" in asked:
        asked["PasswordLength"] = int(asked["PasswordLength"])
    for key in set(asked) - {"PasswordLength", "ExcludeCharacters"}:
        asked[key] = asked[key] in (True, "true", "True")
    password = str(secrets.get_random_password(**asked)["RandomPassword"])
    if "SecretStringTemplate" not in options:
        return password
    document = json.loads(options["SecretStringTemplate"])
    document[options["GenerateStringKey"]] = password
    return json.dumps(document)


def create_configuration_set(p: Provisioner, logical_id: str, props: dict[str, Any]) -> None:
    """AWS::SES::ConfigurationSet, in SES v2 (the API the flows' SES channel sends with)."""
    name = p.resolver.resolve(props.get("Name")) or p.physical_name(logical_id)
    keys = (*_CONFIGURATION_SET_OPTIONS, "TrackingOptions", "VdmOptions")
    arguments = {key: p.resolver.resolve(props[key]) for key in keys if key in props}
    p.client("sesv2").create_configuration_set(ConfigurationSetName=name, **_booleans(arguments))
    p.resolver.refs[logical_id] = name


def create_email_identity(p: Provisioner, logical_id: str, props: dict[str, Any]) -> None:
    """AWS::SES::EmailIdentity (an SES v2 identity), with the configuration set it defaults to."""
    identity = p.resolver.resolve(props["EmailIdentity"])
    attributes = p.resolver.resolve(props.get("ConfigurationSetAttributes", {}))
    arguments = {"ConfigurationSetName": attributes["ConfigurationSetName"]} if attributes else {}
    p.client("sesv2").create_email_identity(EmailIdentity=identity, **arguments)
    p.resolver.refs[logical_id] = identity


def _booleans(value: Any) -> Any:
    """YAML gives booleans already; a "true"/"false" string (as from a parameter) is made one for boto3."""
    if isinstance(value, dict):
        return {key: _booleans(item) for key, item in value.items()}
    return {"true": True, "false": False}.get(value, value) if isinstance(value, str) else value


def create_role(p: Provisioner, logical_id: str, props: dict[str, Any]) -> None:
    """AWS::IAM::Role, created in moto's IAM (nothing enforces it locally), with its inline policies."""
    name = p.resolver.resolve(props.get("RoleName")) or p.physical_name(logical_id)
    trust = json.dumps(p.resolver.resolve(props["AssumeRolePolicyDocument"]))
    iam = p.client("iam")
    role = iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust, Path=props.get("Path", "/"))["Role"]
    for policy in props.get("Policies", []):
        document = json.dumps(p.resolver.resolve(policy["PolicyDocument"]))
        iam.put_role_policy(RoleName=name, PolicyName=policy["PolicyName"], PolicyDocument=document)
    p.resolver.refs[logical_id] = name
    p.resolver.attributes[(logical_id, "Arn")] = role["Arn"]
    p.resolver.attributes[(logical_id, "RoleId")] = role["RoleId"]


def create_policy(p: Provisioner, logical_id: str, props: dict[str, Any]) -> None:
    """AWS::IAM::Policy: an inline policy put on each role it names."""
    name = p.resolver.resolve(props["PolicyName"])
    document = json.dumps(p.resolver.resolve(props["PolicyDocument"]))
    for role in p.resolver.resolve(props.get("Roles", [])):
        p.client("iam").put_role_policy(RoleName=role, PolicyName=name, PolicyDocument=document)
    p.resolver.refs[logical_id] = p.physical_name(logical_id)


def create_http_api(p: Provisioner, logical_id: str, props: dict[str, Any]) -> None:
    """AWS::Serverless::HttpApi, created in moto's API Gateway v2. moto serves no API, so locally the loopback
    server that stands in for the receiver's function URL stands in for the API too: a function variable
    built from the API's invoke URL (WEBHOOK_BASE_URL) is given the loopback URL (create_function)."""
    name = p.resolver.resolve(props.get("Name")) or p.physical_name(logical_id)
    api = p.client("apigatewayv2").create_api(Name=name, ProtocolType="HTTP")
    p.local_urls[f"{api['ApiEndpoint']}/"] = p.function_url
    p.resolver.refs[logical_id] = api["ApiId"]
    p.resolver.attributes[(logical_id, "ApiEndpoint")] = p.function_url.rstrip("/")


def create_log_group(p: Provisioner, logical_id: str, props: dict[str, Any]) -> None:
    name = p.resolver.resolve(props.get("LogGroupName")) or p.physical_name(logical_id)
    logs = p.client("logs")
    logs.create_log_group(logGroupName=name)
    if "RetentionInDays" in props:
        logs.put_retention_policy(logGroupName=name, retentionInDays=int(p.resolver.resolve(props["RetentionInDays"])))
    p.resolver.refs[logical_id] = name
    p.resolver.attributes[(logical_id, "Arn")] = p.arn("logs", f"log-group:{name}:*")


def create_kms_key(p: Provisioner, logical_id: str, props: dict[str, Any]) -> None:
    """AWS::KMS::Key with its key policy (moto keeps it; nothing enforces it locally)."""
    arguments = {"Policy": json.dumps(p.resolver.resolve(props["KeyPolicy"]))} if "KeyPolicy" in props else {}
    if "Description" in props:
        arguments["Description"] = p.resolver.resolve(props["Description"])
    key = p.client("kms").create_key(**arguments)["KeyMetadata"]
    if props.get("EnableKeyRotation") in (True, "true"):
        p.client("kms").enable_key_rotation(KeyId=key["KeyId"])
    p.resolver.refs[logical_id] = key["KeyId"]
    p.resolver.attributes[(logical_id, "Arn")] = key["Arn"]
    p.resolver.attributes[(logical_id, "KeyId")] = key["KeyId"]


def create_topic(p: Provisioner, logical_id: str, props: dict[str, Any]) -> None:
    name = p.resolver.resolve(props.get("TopicName")) or p.physical_name(logical_id)
    keys = ("KmsMasterKeyId", "DisplayName")
    attributes = {key: str(p.resolver.resolve(props[key])) for key in keys if key in props}
    arn = p.client("sns").create_topic(Name=name, Attributes=attributes)["TopicArn"]
    p.resolver.refs[logical_id] = arn
    p.resolver.attributes[(logical_id, "TopicArn")] = arn
    p.resolver.attributes[(logical_id, "TopicName")] = name


def create_topic_policy(p: Provisioner, logical_id: str, props: dict[str, Any]) -> None:
    """AWS::SNS::TopicPolicy: the policy document set on each topic it names."""
    policy = json.dumps(p.resolver.resolve(props["PolicyDocument"]))
    for topic_arn in p.resolver.resolve(props["Topics"]):
        p.client("sns").set_topic_attributes(TopicArn=topic_arn, AttributeName="Policy", AttributeValue=policy)
    p.resolver.refs[logical_id] = p.physical_name(logical_id)


def create_subscription(p: Provisioner, logical_id: str, props: dict[str, Any]) -> None:
    """AWS::SNS::Subscription; moto delivers to an SQS endpoint as SNS does (raw when RawMessageDelivery)."""
    keys = ("RawMessageDelivery", "FilterPolicy", "FilterPolicyScope", "RedrivePolicy")
    attributes = {key: _attribute_text(p.resolver.resolve(props[key])) for key in keys if key in props}
    arn = p.client("sns").subscribe(
        TopicArn=p.resolver.resolve(props["TopicArn"]),
        Protocol=p.resolver.resolve(props["Protocol"]),
        Endpoint=p.resolver.resolve(props["Endpoint"]),
        Attributes=attributes,
        ReturnSubscriptionArn=True,
    )["SubscriptionArn"]
    p.resolver.refs[logical_id] = arn
    p.resolver.attributes[(logical_id, "Arn")] = arn


def _attribute_text(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    return value if isinstance(value, str) else json.dumps(value)


def create_configuration_set_event_destination(p: Provisioner, logical_id: str, props: dict[str, Any]) -> None:
    """AWS::SES::ConfigurationSetEventDestination. moto keeps configuration sets in its SES v1 backend, whose
    API takes the destination (SNSDestination rather than the template's SnsDestination)."""
    destination = p.resolver.resolve(props["EventDestination"])
    name = destination.get("Name") or p.physical_name(logical_id)
    arguments: dict[str, Any] = {
        "Name": name,
        "Enabled": _booleans(destination.get("Enabled", False)),
        "MatchingEventTypes": destination["MatchingEventTypes"],
    }
    if "SnsDestination" in destination:
        arguments["SNSDestination"] = {"TopicARN": destination["SnsDestination"]["TopicARN"]}
    configuration_set = p.resolver.resolve(props["ConfigurationSetName"])
    p.client("ses").create_configuration_set_event_destination(
        ConfigurationSetName=configuration_set, EventDestination=arguments
    )
    p.resolver.refs[logical_id] = name


def name_only(p: Provisioner, logical_id: str, props: dict[str, Any]) -> None:
    """The layer: its code is on this process's path already, so only its name is recorded."""
    p.resolver.refs[logical_id] = p.physical_name(logical_id)
    p.resolver.attributes[(logical_id, "Arn")] = p.arn("lambda", f"layer:{p.physical_name(logical_id)}:1")


def create_dashboard(p: Provisioner, logical_id: str, props: dict[str, Any]) -> None:
    """AWS::CloudWatch::Dashboard: its body must resolve to valid JSON, as CloudFormation requires."""
    name = p.resolver.resolve(props.get("DashboardName")) or p.physical_name(logical_id)
    body = p.resolver.resolve(props["DashboardBody"])
    json.loads(body)  # moto stores any text; CloudWatch refuses a body that is not JSON
    p.client("cloudwatch").put_dashboard(DashboardName=name, DashboardBody=body)
    p.resolver.refs[logical_id] = name


CREATORS: dict[str, Creator] = {
    "AWS::CloudWatch::Dashboard": create_dashboard,
    "AWS::DynamoDB::Table": create_table,
    "AWS::SQS::Queue": create_queue,
    "AWS::S3::Bucket": create_bucket,
    "AWS::Events::EventBus": create_event_bus,
    "AWS::Events::Rule": create_rule,
    "AWS::Serverless::Function": create_function,
    "AWS::Serverless::StateMachine": create_state_machine,
    "AWS::Scheduler::ScheduleGroup": create_schedule_group,
    "AWS::Scheduler::Schedule": create_schedule,
    "AWS::SQS::QueuePolicy": create_queue_policy,
    "AWS::S3::BucketPolicy": create_bucket_policy,
    "AWS::CloudWatch::Alarm": create_alarm,
    "AWS::SecretsManager::Secret": create_secret,
    "AWS::SES::ConfigurationSet": create_configuration_set,
    "AWS::SES::EmailIdentity": create_email_identity,
    "AWS::IAM::Role": create_role,
    "AWS::IAM::Policy": create_policy,
    "AWS::Serverless::HttpApi": create_http_api,
    "AWS::Logs::LogGroup": create_log_group,
    "AWS::Serverless::LayerVersion": name_only,
    "AWS::KMS::Key": create_kms_key,
    "AWS::SNS::Topic": create_topic,
    "AWS::SNS::TopicPolicy": create_topic_policy,
    "AWS::SNS::Subscription": create_subscription,
    "AWS::SES::ConfigurationSetEventDestination": create_configuration_set_event_destination,
}
