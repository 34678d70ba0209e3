"""ingest_worker on moto: normalize, dedupe, upsert if newer, publish; duplicates and stale versions."""

from __future__ import annotations

import json
from typing import Any

import pytest

from storeloom.adapters.entities import DynamoEntityStore
from storeloom.bootstrap import services
from storeloom.domain.ingest_message import IngestMessage
from storeloom_tools.local.metering import counting_requests
from tests.support.aws import AwsStack
from tests.support.bus import bus_tap
from tests.support.sqs import ingest_batch
from tests.support.webhooks import payload, receive_sqs_event, register_store, webhook_event

SECRET = "whsec"
ORDER_ID = "6100000000000000001"


@pytest.fixture
def shop(aws_stack: AwsStack) -> AwsStack:
    register_store(aws_stack, "shop-1", "shopify", SECRET)
    return aws_stack


@pytest.fixture
def published(shop: AwsStack) -> str:
    """A queue subscribed to everything on the bus, to see what the worker published."""
    return bus_tap(shop)


def deliver(stack: AwsStack, name: str, topic: str, **headers: str) -> dict[str, Any]:
    event = webhook_event("shopify", "shop-1", topic, payload(name), SECRET, **headers)
    response: dict[str, Any] = stack.invoker.invoke("WebhookReceiverFunction", event)
    assert response["statusCode"] == 200
    return response


def run_worker(stack: AwsStack) -> dict[str, Any]:
    result: dict[str, Any] = stack.invoker.invoke("IngestWorkerFunction", receive_sqs_event(stack, "IngestQueue"))
    return result


def bus_details(stack: AwsStack, url: str) -> list[dict[str, Any]]:
    messages = stack.client("sqs").receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    return [json.loads(m["Body"])["detail"] for m in messages]


def stored_order(stack: AwsStack) -> dict[str, Any] | None:
    return DynamoEntityStore(stack.env("ENTITIES_TABLE"), stack.client("dynamodb")).get("shop-1", "order", ORDER_ID)


def test_new_order_is_stored_and_published_once(shop: AwsStack, published: str) -> None:
    deliver(shop, "shopify_orders_create.json", "orders/create")
    assert run_worker(shop) == {"batchItemFailures": []}
    order = stored_order(shop)
    assert order is not None and order["payment_status"] == "pending"
    [detail] = bus_details(shop, published)
    assert detail["entity_id"] == ORDER_ID and detail["action"] == "created" and detail["source"] == "webhook"


def test_duplicate_delivery_costs_one_request_and_publishes_nothing(shop: AwsStack, published: str) -> None:
    # Given an order version already ingested
    deliver(shop, "shopify_orders_updated.json", "orders/updated", **{"x-shopify-webhook-id": "w-1"})
    run_worker(shop)
    bus_details(shop, published)
    # When Shopify retries the same delivery
    deliver(shop, "shopify_orders_updated.json", "orders/updated", **{"x-shopify-webhook-id": "w-1"})
    batch = receive_sqs_event(shop, "IngestQueue")
    clients = [shop.runtime.aws.client(name) for name in ("dynamodb", "events", "s3")]
    with counting_requests(clients) as counter:
        response = shop.invoker.invoke("IngestWorkerFunction", batch)
    # Then it is recognised by the claim alone
    assert response == {"batchItemFailures": []}
    assert dict(counter.calls) == {"dynamodb.TransactWriteItems": 1}
    assert bus_details(shop, published) == []


def test_new_event_costs_one_transaction_one_publish_and_one_batched_mark(shop: AwsStack) -> None:
    deliver(shop, "shopify_orders_create.json", "orders/create")
    batch = receive_sqs_event(shop, "IngestQueue")
    clients = [shop.runtime.aws.client(name) for name in ("dynamodb", "events", "s3")]
    with counting_requests(clients) as counter:
        shop.invoker.invoke("IngestWorkerFunction", batch)
    assert dict(counter.calls) == {
        "dynamodb.TransactWriteItems": 1,
        "events.PutEvents": 1,
        "dynamodb.BatchWriteItem": 1,
    }


def test_older_version_after_newer_is_recorded_stale_and_not_published(shop: AwsStack, published: str) -> None:
    newer = deliver(shop, "shopify_orders_updated.json", "orders/updated")
    run_worker(shop)
    bus_details(shop, published)
    older = deliver(shop, "shopify_orders_updated_older.json", "orders/updated")
    run_worker(shop)
    order = stored_order(shop)
    assert order is not None and order["updated_at"] == "2026-11-27T10:20:00Z"
    assert bus_details(shop, published) == []
    statuses = {item["raw_ref"]: item["status"] for item in _ledger_items(shop)}
    assert statuses[json.loads(older["body"])["raw_ref"]] == "stale"
    assert statuses[json.loads(newer["body"])["raw_ref"]] == "applied"


def test_payload_that_fails_normalization_is_reported_as_a_partial_failure(shop: AwsStack) -> None:
    deliver(shop, "shopify_orders_create.json", "orders/create")
    broken = json.dumps({"id": 1, "total_price": "1.00", "financial_status": "paid"}).encode()
    event = webhook_event("shopify", "shop-1", "orders/updated", broken, SECRET)
    shop.invoker.invoke("WebhookReceiverFunction", event)
    batch = receive_sqs_event(shop, "IngestQueue")
    bodies = {r["messageId"]: json.loads(r["body"]) for r in batch["Records"]}
    response = shop.invoker.invoke("IngestWorkerFunction", batch)
    [failure] = response["batchItemFailures"]
    assert bodies[failure["itemIdentifier"]]["body"] == broken.decode()
    assert stored_order(shop) is not None


def _ledger_items(stack: AwsStack) -> list[dict[str, str]]:
    items = stack.client("dynamodb").scan(TableName=stack.env("LEDGER_TABLE"))["Items"]
    return [{k: v.get("S", v.get("N", "")) for k, v in item.items()} for item in items]


def test_a_poll_that_reads_different_content_at_the_same_updated_at_replaces_it(shop: AwsStack) -> None:
    # Given an order version stored from a webhook
    order = json.loads(payload("shopify_orders_updated.json"))
    service = services.ingest_service(shop.runtime)

    def ingest(source: str, **changes: Any) -> list[str]:
        body = json.dumps({**order, **changes})
        message = IngestMessage(platform="shopify", store_id="shop-1", topic="orders/updated", source=source, body=body)
        return [r.outcome for r in ingest_batch(service, [(source, message)]).results]

    assert ingest("webhook", fulfillment_status=None) == ["applied"]
    # When a poll reads the order again with the same updated_at but a second edit made in that second
    assert ingest("poll", fulfillment_status="fulfilled") == ["applied"]
    # Then the poll's content is stored, and reading it again is a plain duplicate
    stored = stored_order(shop)
    assert stored is not None and stored["fulfillment_status"] == "fulfilled"
    assert ingest("poll", fulfillment_status="fulfilled") == ["duplicate"]
    # And a webhook never replaces a version on content alone: only a poll reads the current state
    assert ingest("webhook", fulfillment_status="partial") == ["duplicate"]
    stored = stored_order(shop)
    assert stored is not None and stored["fulfillment_status"] == "fulfilled"
