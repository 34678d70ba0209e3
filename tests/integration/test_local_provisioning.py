"""The local stack creates every resource template.yaml declares, except those whose Condition is false,
and its schedule ticker fires the template's own schedules as EventBridge Scheduler would."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import boto3
import pytest
from moto import mock_aws

from storeloom_tools.local import dispatch
from storeloom_tools.local.creators import CREATORS
from storeloom_tools.local.dispatch import ScheduleTicker
from storeloom_tools.local.provision import REGION, ProvisionedStack, Provisioner
from storeloom_tools.local.stack import MOTO_CONFIG
from storeloom_tools.local.template import load_template
from tests.support.aws import AwsStack

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = load_template(ROOT / "template.yaml")


def client(service: str) -> Any:
    return boto3.client(service, region_name=REGION)  # type: ignore[call-overload]


def by_type(resource_type: str) -> list[str]:
    return [name for name, body in TEMPLATE["Resources"].items() if body["Type"] == resource_type]


def test_every_resource_is_created_or_skipped_only_by_a_false_condition(aws_stack: AwsStack) -> None:
    stack = aws_stack.stack
    not_by_condition = {name: why for name, why in stack.skipped.items() if not why.startswith("condition ")}
    assert not_by_condition == {}
    for name, why in stack.skipped.items():
        assert why == f"condition {TEMPLATE['Resources'][name]['Condition']} is false"
    # With the default parameters (no SesSenderIdentity, no Shopify partner event bus), those are left out
    partner = ("ShopifyPartnerEvents", "PartnerEventsFunction")
    assert {name for name in stack.skipped if not name.startswith(partner)} == {"SesSenderEmailIdentity"}
    assert {name for name in stack.skipped if name.startswith(partner)} == {
        "ShopifyPartnerEventsDeadLetterQueue",
        "ShopifyPartnerEventsQueue",
        "ShopifyPartnerEventsQueuePolicy",
        "ShopifyPartnerEventsRule",
        "PartnerEventsFunction",
    }
    assert sorted(set(TEMPLATE["Resources"]) - set(stack.refs) - set(stack.skipped)) == []


def test_the_resources_exist_in_moto_with_the_template_properties(aws_stack: AwsStack) -> None:
    refs = aws_stack.stack.refs
    # Schedules, in the default group, aimed at the stack's functions
    scheduler = client("scheduler")
    for logical_id, function in (
        ("DeepSweepSchedule", "DeepSweepFunction"),
        ("SubscriptionHealthSchedule", "SubscriptionHealthFunction"),
    ):
        schedule = scheduler.get_schedule(Name=refs[logical_id])
        assert schedule["Target"]["Arn"].endswith(f":function:{refs[function]}")
        assert schedule["ScheduleExpression"] == TEMPLATE["Resources"][logical_id]["Properties"]["ScheduleExpression"]
    assert aws_stack.stack.schedules == {name: refs[name] for name in by_type("AWS::Scheduler::Schedule")}
    # The queue policy lets EventBridge send cart activity to the flow trigger queue
    attributes = client("sqs").get_queue_attributes(QueueUrl=refs["FlowTriggerQueue"], AttributeNames=["Policy"])
    [statement] = json.loads(attributes["Attributes"]["Policy"])["Statement"]
    assert statement["Principal"] == {"Service": "events.amazonaws.com"} and statement["Action"] == "sqs:SendMessage"
    # Alarms on the dead-letter queues
    alarms = client("cloudwatch").describe_alarms(AlarmNames=[refs[name] for name in by_type("AWS::CloudWatch::Alarm")])
    assert len(alarms["MetricAlarms"]) == len(by_type("AWS::CloudWatch::Alarm")) >= 1
    assert {alarm["ComparisonOperator"] for alarm in alarms["MetricAlarms"]} == {"GreaterThanThreshold"}
    # The flows' webhook signing secret: generated, 48 characters with no punctuation; Ref is its ARN
    secret = client("secretsmanager").get_secret_value(SecretId=refs["FlowWebhookSecret"])
    assert refs["FlowWebhookSecret"] == secret["ARN"] and secret["Name"].endswith("-flow-webhook-signing")
    assert len(secret["SecretString"]) == 48 and secret["SecretString"].isalnum()
    assert aws_stack.env("FLOW_WEBHOOK_SECRET_ARN") == secret["ARN"]
    # The SES configuration set the flow emails name
    configuration_set = client("sesv2").get_configuration_set(ConfigurationSetName=refs["SesConfigurationSet"])
    assert configuration_set["ConfigurationSetName"] == refs["SesConfigurationSet"]
    assert configuration_set["ReputationOptions"]["ReputationMetricsEnabled"] is True
    assert aws_stack.env("SES_CONFIGURATION_SET") == refs["SesConfigurationSet"]
    # HTTP APIs exist in moto; locally the loopback server that serves the function URL serves them too
    for api_id in by_type("AWS::Serverless::HttpApi"):
        assert client("apigatewayv2").get_api(ApiId=refs[api_id])["ProtocolType"] == "HTTP"
    if "WEBHOOK_BASE_URL" in aws_stack.stack.environment():
        assert aws_stack.env("WEBHOOK_BASE_URL") == "http://function-url.local/"
    log_groups = client("logs").describe_log_groups()["logGroups"]
    assert {refs[name] for name in by_type("AWS::Logs::LogGroup")} <= {group["logGroupName"] for group in log_groups}
    # The archive's bucket policy, less its TLS-only statement (moto enforces it; the local stack is plain HTTP)
    assert aws_stack.stack.adapted == {"ArchiveBucketPolicy": "left out TlsOnly: the local stack has no TLS"}
    for policy_id in by_type("AWS::IAM::Policy"):
        properties = TEMPLATE["Resources"][policy_id]["Properties"]
        for role in properties["Roles"]:
            iam = client("iam")
            put = iam.get_role_policy(RoleName=refs[role["Ref"]], PolicyName=properties["PolicyName"])
            assert put["PolicyDocument"]["Statement"]
    assert (
        aws_stack.env("SCHEDULER_ROLE_ARN") == client("iam").get_role(RoleName=refs["PollSchedulerRole"])["Role"]["Arn"]
    )


@pytest.fixture
def with_sender_identity(monkeypatch: pytest.MonkeyPatch) -> Iterator[ProvisionedStack]:
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws(config=MOTO_CONFIG):  # type: ignore[call-overload]
        parameters = {"SesSenderIdentity": "shop@example.com"}
        yield Provisioner(ROOT, client, "ses", "http://function-url.local/", CREATORS, parameters).provision()


def test_a_true_condition_creates_its_resource(with_sender_identity: ProvisionedStack) -> None:
    assert "SesSenderEmailIdentity" not in with_sender_identity.skipped
    identity = client("sesv2").get_email_identity(EmailIdentity="shop@example.com")
    assert identity["ConfigurationSetName"] == with_sender_identity.refs["SesConfigurationSet"]


def test_a_parameter_the_template_does_not_declare_is_refused() -> None:
    with pytest.raises(ValueError, match="SesSender"):
        Provisioner(ROOT, client, "x", "http://u/", CREATORS, {"SesSender": "a@b.c"})


def test_the_ticker_fires_the_template_schedules_on_their_scaled_intervals(
    aws_stack: AwsStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    invoker, scheduler = aws_stack.invoker, client("scheduler")
    clock = [1000.0]
    monkeypatch.setattr(dispatch, "time", SimpleNamespace(monotonic=lambda: clock[0]))
    ticker = ScheduleTicker(invoker, scheduler, time_scale=60.0)
    ticker.prime()

    # Every target resolves to the stack's functions and runs
    names = set(aws_stack.stack.schedules.values())
    assert ticker.fire_all(lambda name: name in names) == 3
    assert invoker.calls == {"DeepSweepFunction": 1, "SubscriptionHealthFunction": 1, "SegmentSweepFunction": 1}

    # Primed: nothing fires at once; the hourly check fires after a scaled hour, the nightly sweeps after a day
    ticker.prime()
    ticker.fire_due()
    assert invoker.calls == {"DeepSweepFunction": 1, "SubscriptionHealthFunction": 1, "SegmentSweepFunction": 1}
    clock[0] += 61
    ticker.fire_due()
    assert invoker.calls == {"DeepSweepFunction": 1, "SubscriptionHealthFunction": 2, "SegmentSweepFunction": 1}
    clock[0] += 24 * 60
    ticker.fire_due()
    assert invoker.calls == {"DeepSweepFunction": 2, "SubscriptionHealthFunction": 3, "SegmentSweepFunction": 2}

    # A rate schedule created later fires when it is created; a cron one waits for its next occurrence
    target = scheduler.get_schedule(Name=aws_stack.ref("SubscriptionHealthSchedule"))["Target"]
    for name, expression in (("later-rate", "rate(1 hour)"), ("later-cron", "cron(0 4 * * ? *)")):
        scheduler.create_schedule(
            Name=name, ScheduleExpression=expression, FlexibleTimeWindow={"Mode": "OFF"}, Target=target
        )
    ticker.fire_due()
    assert invoker.calls["SubscriptionHealthFunction"] == 4
