"""A message whose retries are spent reaches the dead-letter queue with its reason and attempt count."""

from __future__ import annotations

import json
from typing import Any

import pytest

from storeloom_tools.cli import main
from storeloom_tools.local import endpoint
from tests.support.aws import AwsStack
from tests.support.webhooks import receive_sqs_event

BROKEN = {"platform": "shopify", "store_id": "shop-1", "topic": "orders/updated", "source": "poll", "body": "{}"}


def _received_for_the_nth_time(stack: AwsStack, receives: int) -> dict[str, Any]:
    stack.client("sqs").send_message(QueueUrl=stack.ref("IngestQueue"), MessageBody=json.dumps(BROKEN))
    event = receive_sqs_event(stack, "IngestQueue")
    for record in event["Records"]:
        record["attributes"]["ApproximateReceiveCount"] = str(receives)
    return event


def _dead_letters(stack: AwsStack) -> list[dict[str, Any]]:
    response = stack.client("sqs").receive_message(
        QueueUrl=stack.ref("IngestDeadLetterQueue"), MaxNumberOfMessages=10, MessageAttributeNames=["All"]
    )
    messages: list[dict[str, Any]] = response.get("Messages", [])
    return messages


def test_a_failure_with_retries_left_is_reported_for_sqs_to_retry(aws_stack: AwsStack) -> None:
    event = _received_for_the_nth_time(aws_stack, 1)

    response = aws_stack.invoker.invoke("IngestWorkerFunction", event)

    assert response["batchItemFailures"] == [{"itemIdentifier": event["Records"][0]["messageId"]}]
    assert _dead_letters(aws_stack) == []


def test_the_last_attempt_dead_letters_the_message_with_its_reason(aws_stack: AwsStack) -> None:
    event = _received_for_the_nth_time(aws_stack, 5)

    response = aws_stack.invoker.invoke("IngestWorkerFunction", event)

    assert response["batchItemFailures"] == []  # moved, so SQS may delete it from the ingest queue
    [dead] = _dead_letters(aws_stack)
    attributes = {name: value["StringValue"] for name, value in dead["MessageAttributes"].items()}
    assert json.loads(dead["Body"]) == BROKEN
    assert attributes["attempts"] == "5" and attributes["error_type"] == "MessageRejected"
    assert attributes["error"].startswith("normalization failed: ")


def test_replay_dlq_prints_why_each_message_had_died(
    aws_stack: AwsStack, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    aws_stack.invoker.invoke("IngestWorkerFunction", _received_for_the_nth_time(aws_stack, 5))
    capsys.readouterr()  # the worker's own log lines
    connection = aws_stack.connection()
    monkeypatch.setattr(endpoint, "connect", lambda *_args: connection)

    assert main(["replay", "--dlq"]) == 0

    *dead, summary = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert summary == {"replayed": 1, "skipped": 0}
    [line] = dead
    assert line["replayed"]["store_id"] == "shop-1" and line["replayed"]["attempts"] == "5"
    assert line["replayed"]["error"].startswith("normalization failed: ")
