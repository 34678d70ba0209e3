"""Shopify through an Amazon EventBridge partner event source: the rule on the partner bus feeds the
partner-events function, which takes each delivery into the same archive and ingest queue as the webhook
URL, so one fact delivered both ways is one event."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from storeloom.adapters.stores import DynamoStoreRegistry
from storeloom.bootstrap import services
from storeloom.domain.stores import StoreRecord
from storeloom.services.ingest.sqs_batch import process_sqs_batch
from tests.integration.test_webhook_receiver import post
from tests.support.aws import AwsStack, provisioned_stack
from tests.support.webhooks import payload, receive_sqs_event, register_store, webhook_event

BUS, STORE, SHOP, SECRET = "shopify-partner-local", "eb-shop", "eb-shop.myshopify.com", "eb-secret"


@pytest.fixture
def stack(monkeypatch: pytest.MonkeyPatch) -> Iterator[AwsStack]:
    with provisioned_stack(monkeypatch, {"ShopifyPartnerEventBusName": BUS}) as provisioned:
        record = register_store(provisioned, STORE, "shopify", SECRET)
        registry = DynamoStoreRegistry(provisioned.env("STORES_TABLE"), provisioned.client("dynamodb"))
        registry.put(StoreRecord(STORE, "shopify", f"https://{SHOP}", record.secret_arn))
        yield provisioned


def publish(stack: AwsStack, shop: str = SHOP, event_id: str = "7001") -> None:
    metadata = {
        "Content-Type": "application/json",
        "X-Shopify-Topic": "orders/create",
        "X-Shopify-Shop-Domain": shop,
        "X-Shopify-Event-Id": event_id,
        "X-Shopify-Webhook-Id": "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043",
        "X-Shopify-API-Version": "2025-07",
    }
    detail = {"metadata": metadata, "payload": json.loads(payload("shopify_orders_create.json"))}
    entry = {"EventBusName": BUS, "Source": "aws.partner/shopify.com/1/storeloom", "DetailType": "shopifyWebhook"}
    answer = stack.client("events").put_events(Entries=[{**entry, "Detail": json.dumps(detail)}])
    assert answer["FailedEntryCount"] == 0


def take_partner_events(stack: AwsStack, receives: str = "1") -> dict[str, Any]:
    batch = receive_sqs_event(stack, "ShopifyPartnerEventsQueue")
    assert batch["Records"], "the rule delivered nothing to the partner events queue"
    for record in batch["Records"]:
        record["attributes"]["ApproximateReceiveCount"] = receives
    response: dict[str, Any] = stack.invoker.invoke("PartnerEventsFunction", batch)
    failed = {item["itemIdentifier"] for item in response["batchItemFailures"]}
    sqs, url = stack.client("sqs"), stack.ref("ShopifyPartnerEventsQueue")
    for record in batch["Records"]:
        if record["messageId"] in failed:  # handed back now rather than after the visibility timeout
            sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=record["receiptHandle"], VisibilityTimeout=0)
        else:  # as the event source mapping does for a success
            sqs.delete_message(QueueUrl=url, ReceiptHandle=record["receiptHandle"])
    return response


def ingest(stack: AwsStack) -> list[str]:
    response, result = process_sqs_batch(receive_sqs_event(stack, "IngestQueue"), services.ingest_worker(stack.runtime))
    assert response == {"batchItemFailures": []}, result.errors
    return [r.outcome for r in result.results]


def test_an_eventbridge_delivery_is_archived_enqueued_and_stored(stack: AwsStack) -> None:
    publish(stack)

    assert take_partner_events(stack) == {"batchItemFailures": []}

    assert ingest(stack) == ["applied"]
    [message_key] = [
        o["Key"]
        for o in stack.client("s3").list_objects_v2(Bucket=stack.ref("ArchiveBucket"), Prefix="raw/")["Contents"]
    ]
    assert f"/shopify/{STORE}/" in message_key


def test_the_same_fact_by_url_and_by_eventbridge_is_one_event(stack: AwsStack) -> None:
    signed = webhook_event(
        "shopify",
        STORE,
        "orders/create",
        payload("shopify_orders_create.json"),
        SECRET,
        **{"x-shopify-shop-domain": SHOP, "x-shopify-event-id": "7001"},
    )
    assert post(stack, signed)["statusCode"] == 200
    assert ingest(stack) == ["applied"]

    publish(stack)
    take_partner_events(stack)

    assert ingest(stack) == ["duplicate"]


def test_a_delivery_for_an_unknown_shop_is_retried_then_dead_lettered_with_its_reason(stack: AwsStack) -> None:
    publish(stack, shop="stranger.myshopify.com")
    assert len(take_partner_events(stack, receives="1")["batchItemFailures"]) == 1

    assert take_partner_events(stack, receives="3") == {"batchItemFailures": []}

    dlq = stack.client("sqs").receive_message(
        QueueUrl=stack.ref("ShopifyPartnerEventsDeadLetterQueue"), MessageAttributeNames=["All"]
    )["Messages"]
    [dead] = dlq
    assert (
        "no shopify store is registered for shop stranger.myshopify.com"
        in dead["MessageAttributes"]["error"]["StringValue"]
    )
    assert dead["MessageAttributes"]["attempts"]["StringValue"] == "3"
