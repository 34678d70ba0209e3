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
    arn = events.put_rule(Name=name, EventBusName=bus, EventPattern=json.dumps(pattern), State="ENABLED")["RuleArn"]
    targets = [{"Id": t["Id"], "Arn": p.resolver.resolve(t["Arn"])} for t in props.get("Targets", [])]
    if targets:
        events.put_targets(Rule=name, EventBusName=bus, Targets=targets)
    p.resolver.refs[logical_id] = name
    p.resolver.attributes[(logical_id, "Arn")] = arn


def create_function(p: Provisioner, logical_id: str, props: dict[str, Any]) -> None:
    name = p.resolver.resolve(props.get("FunctionName")) or p.physical_name(logical_id)
    defaults = p.globals_for("Function")
    variables = {
        **p.resolver.resolve(defaults.get("Environment", {}).get("Variables", {})),
        **p.resolver.resolve(props.get("Environment", {}).get("Variables", {})),
    }
    environment = {key: str(value) for key, value in variables.items()}
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
        p.stack.sqs_sources.append(SqsEventSource(logical_id, queue_url, batch))


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


def create_email_identity(p: Provisioner, logical_id: str, props: dict[str, Any]) -> None:
    identity = p.resolver.resolve(props["EmailIdentity"])
    p.client("sesv2").create_email_identity(EmailIdentity=identity)
    p.resolver.refs[logical_id] = identity


def name_only(p: Provisioner, logical_id: str, props: dict[str, Any]) -> None:
    """Resources with nothing to run locally (layers, roles, alarms): record names so references resolve."""
    p.resolver.refs[logical_id] = p.physical_name(logical_id)
    p.resolver.attributes[(logical_id, "Arn")] = p.arn("iam", f"role/{p.physical_name(logical_id)}")


CREATORS: dict[str, Creator] = {
    "AWS::DynamoDB::Table": create_table,
    "AWS::SQS::Queue": create_queue,
    "AWS::S3::Bucket": create_bucket,
    "AWS::Events::EventBus": create_event_bus,
    "AWS::Events::Rule": create_rule,
    "AWS::Serverless::Function": create_function,
    "AWS::Serverless::StateMachine": create_state_machine,
    "AWS::Scheduler::ScheduleGroup": create_schedule_group,
    "AWS::SESV2::EmailIdentity": create_email_identity,
    "AWS::Serverless::LayerVersion": name_only,
    "AWS::IAM::Role": name_only,
}
