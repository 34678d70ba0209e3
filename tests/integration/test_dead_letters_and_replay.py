"""Nothing accepted is lost: failures dead-letter with their archive reference, and replay re-ingests them."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from storeloom.adapters.archive import S3Archive
from storeloom.adapters.entities import DynamoEntityStore
from storeloom.adapters.queues import SqsQueue
from storeloom.platforms.shopify import adapter as shopify_adapter
from storeloom.services.ingest.replay import replay_archive, replay_dead_letters
from storeloom_tools.local.dispatch import SqsPoller
from tests.support.aws import AwsStack
from tests.support.webhooks import payload, register_store, webhook_event

SECRET = "whsec"


def drain(stack: AwsStack, rounds: int = 12) -> None:
    """Deliver the ingest queue to the worker as Lambda would, retrying failures at once."""
    poller = SqsPoller(stack.stack, stack.invoker, stack.client("sqs"), retry_delay_seconds=0)
    for _ in range(rounds):
        poller.poll_once()


def queue(stack: AwsStack, logical_id: str) -> SqsQueue:
    return SqsQueue(stack.ref(logical_id), stack.client("sqs"))


def orders(stack: AwsStack) -> list[dict[str, object]]:
    return list(DynamoEntityStore(stack.env("ENTITIES_TABLE"), stack.client("dynamodb")).list_all("shop-1", "order"))


def test_unprocessable_webhook_dead_letters_and_replays_once_supported(
    aws_stack: AwsStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a signed webhook for a topic this release does not map yet
    register_store(aws_stack, "shop-1", "shopify", SECRET)
    event = webhook_event("shopify", "shop-1", "orders/edited", payload("shopify_orders_updated.json"), SECRET)
    assert aws_stack.invoker.invoke("WebhookReceiverFunction", event)["statusCode"] == 200
    # When the worker fails it on every receive
    drain(aws_stack)
    # Then it sits in the dead-letter queue with the reference to its archived raw body
    [dead] = aws_stack.client("sqs").receive_message(QueueUrl=aws_stack.ref("IngestDeadLetterQueue"))["Messages"]
    raw_ref = json.loads(dead["Body"])["raw_ref"]
    archived = aws_stack.client("s3").get_object(Bucket=aws_stack.ref("ArchiveBucket"), Key=raw_ref)
    assert archived["Body"].read() == payload("shopify_orders_updated.json")
    assert orders(aws_stack) == []
    # And once a release maps the topic, replay brings it through ingest
    monkeypatch.setitem(shopify_adapter.TOPIC_ENTITY, "orders/edited", "order")
    aws_stack.client("sqs").change_message_visibility(
        QueueUrl=aws_stack.ref("IngestDeadLetterQueue"),
        ReceiptHandle=dead["ReceiptHandle"],
        VisibilityTimeout=0,
    )
    report = replay_dead_letters(queue(aws_stack, "IngestDeadLetterQueue"), queue(aws_stack, "IngestQueue"))
    assert report.replayed == 1
    drain(aws_stack)
    [order] = orders(aws_stack)
    assert order["updated_at"] == "2026-11-27T10:20:00Z"


def test_archive_replay_restores_entities_and_duplicates_die_at_dedupe(aws_stack: AwsStack) -> None:
    register_store(aws_stack, "shop-1", "shopify", SECRET)
    event = webhook_event("shopify", "shop-1", "orders/create", payload("shopify_orders_create.json"), SECRET)
    aws_stack.invoker.invoke("WebhookReceiverFunction", event)
    drain(aws_stack)
    # Lose the entity table's row, as a bad migration might
    store = aws_stack.client("dynamodb")
    store.delete_item(
        TableName=aws_stack.env("ENTITIES_TABLE"),
        Key={"pk": {"S": "shop-1#order"}, "entity_id": {"S": "6100000000000000001"}},
    )
    ledger_items = store.scan(TableName=aws_stack.env("LEDGER_TABLE"))["Items"]
    for item in ledger_items:
        store.delete_item(TableName=aws_stack.env("LEDGER_TABLE"), Key={"pk": item["pk"]})
    archive = S3Archive(aws_stack.ref("ArchiveBucket"), aws_stack.client("s3"))
    since = datetime(2000, 1, 1, tzinfo=UTC)
    report = replay_archive(archive, queue(aws_stack, "IngestQueue"), since, "shop-1")
    assert (report.replayed, report.skipped) == (1, 0)
    drain(aws_stack)
    [order] = orders(aws_stack)
    assert order["id"] == "6100000000000000001"
    # A second replay finds every key already claimed, so nothing changes and nothing fails
    replay_archive(archive, queue(aws_stack, "IngestQueue"), since, "shop-1")
    drain(aws_stack)
    statuses = [item["status"]["S"] for item in store.scan(TableName=aws_stack.env("LEDGER_TABLE"))["Items"]]
    assert statuses == ["applied"]


def test_archive_labels_are_hyphenated_and_old_underscore_labels_still_replay(aws_stack: AwsStack) -> None:
    register_store(aws_stack, "shop-1", "shopify", SECRET)
    event = webhook_event("shopify", "shop-1", "orders/create", payload("shopify_orders_create.json"), SECRET)
    receipt = json.loads(aws_stack.invoker.invoke("WebhookReceiverFunction", event)["body"])
    s3, bucket = aws_stack.client("s3"), aws_stack.ref("ArchiveBucket")
    # Header names with underscores do not survive every HTTP hop (moto's server drops them), so none are used
    written = s3.head_object(Bucket=bucket, Key=receipt["raw_ref"])["Metadata"]
    assert [name for name in written if "_" in name] == []
    assert (written["store-id"], written["topic"]) == ("shop-1", "orders/create")
    # An object archived before the change, with underscore labels, and one with no labels at all
    old_key = "raw/2026/11/27/shopify/shop-2/101010000000-old.json"
    old_labels = {"platform": "shopify", "store_id": "shop-2", "received_at": "2026-11-27T10:10:10Z"}
    s3.put_object(Bucket=bucket, Key=old_key, Body=payload("shopify_orders_create.json"), Metadata=old_labels)
    s3.put_object(Bucket=bucket, Key="raw/2026/11/27/shopify/shop-2/unlabelled.json", Body=b"{}")
    archive = S3Archive(bucket, s3)
    since = datetime(2026, 11, 27, tzinfo=UTC)

    only_old = replay_archive(archive, queue(aws_stack, "IngestQueue"), since, "shop-2")
    everything = replay_archive(archive, queue(aws_stack, "IngestQueue"), since)

    assert (only_old.replayed, only_old.skipped) == (1, 2)
    assert (everything.replayed, everything.skipped) == (2, 1)
    bodies = [json.loads(m["Body"]) for m in _receive_all(aws_stack, "IngestQueue")]
    old = next(body for body in bodies if body["raw_ref"] == old_key and body["source"] == "replay")
    assert (old["store_id"], old["received_at"]) == ("shop-2", "2026-11-27T10:10:10Z")


def _receive_all(stack: AwsStack, logical_id: str) -> list[dict[str, str]]:
    sqs, url = stack.client("sqs"), stack.ref(logical_id)
    found: list[dict[str, str]] = []
    while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        found.extend(batch)
    return found
