"""The polling functions on moto, against the fake platform APIs served on loopback: a webhook that was
dropped is recovered by the poller through the same ingest path, and a re-poll stores nothing twice."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from storeloom.adapters.checkpoints import DynamoCheckpointStore
from storeloom.adapters.entities import DynamoEntityStore
from storeloom.adapters.stores import DynamoStoreRegistry, SecretsManagerVault
from storeloom.bootstrap import services
from storeloom.domain.stores import StoreRecord, StoreSecrets
from storeloom_tools.fakes import FakeShopify, FakeWooCommerce, LoopbackServer, seed_shopify
from storeloom_tools.fakes.scenario import DroppedWebhook
from storeloom_tools.fakes.woocommerce_data import seed_woocommerce
from tests.support.aws import EVENTS, AwsStack
from tests.support.webhooks import receive_sqs_event


@pytest.fixture
def stack(aws_stack: AwsStack) -> AwsStack:
    return aws_stack.with_environment(POLL_FIRST_LOOKBACK_HOURS=str(60 * 24))  # the fakes' data spans 30 days


@pytest.fixture
def shop() -> Iterator[tuple[FakeShopify, str]]:
    fake = FakeShopify()
    seed_shopify(fake.data, orders=30, customers=5)
    with LoopbackServer(fake) as server:
        yield fake, server.url


def register(stack: AwsStack, store_id: str, platform: str, url: str, key: str, secret: str = "") -> None:
    vault = SecretsManagerVault(stack.client("secretsmanager"))
    arn = vault.create_or_update(f"storeloom/{store_id}", StoreSecrets(("whsec",), key, secret))
    # These count the REST fake's requests and faults; GraphQL's walks are in tests/conformance.
    extra = {"shopify_api": "rest"} if platform == "shopify" else {}
    DynamoStoreRegistry(stack.env("STORES_TABLE"), stack.client("dynamodb")).put(
        StoreRecord(store_id, platform, url, arn, extra=extra)
    )


def drain_ingest(stack: AwsStack) -> dict[str, int]:
    """Run the ingest worker until the queue is empty; count its outcomes from the stored entities."""
    batches = 0
    while (event := receive_sqs_event(stack, "IngestQueue"))["Records"]:
        result = stack.invoker.invoke("IngestWorkerFunction", event)
        assert result == {"batchItemFailures": []}
        batches += 1
    return {"batches": batches}


def stored(stack: AwsStack, store_id: str) -> dict[str, dict[str, Any]]:
    entities = DynamoEntityStore(stack.env("ENTITIES_TABLE"), stack.client("dynamodb"))
    return {e["id"]: e for e in entities.list_all(store_id, "order")}


def test_poller_recovers_orders_whose_webhooks_were_dropped(stack: AwsStack, shop: tuple[FakeShopify, str]) -> None:
    _, url = shop
    register(stack, "shop-1", "shopify", url, "shpat_local")

    result = stack.invoker.invoke("PollerFunction", {"store_id": "shop-1", "entity": "orders"})
    drain_ingest(stack)

    assert result["complete"] and result["enqueued"] == 30 and result["requests"] == 1
    orders = stored(stack, "shop-1")
    assert len(orders) == 30
    checkpoint = DynamoCheckpointStore(stack.env("CHECKPOINTS_TABLE"), stack.client("dynamodb")).get("shop-1", "orders")
    assert checkpoint is not None and checkpoint.cursor is not None and checkpoint.resume is None
    assert checkpoint.cursor.to_text() == result["cursor"]


def test_an_update_whose_webhook_was_dropped_arrives_by_the_next_poll_and_nothing_doubles(
    stack: AwsStack, shop: tuple[FakeShopify, str]
) -> None:
    fake, url = shop
    register(stack, "shop-1", "shopify", url, "shpat_local")
    stack.invoker.invoke("PollerFunction", {"store_id": "shop-1", "entity": "orders"})
    drain_ingest(stack)
    order_id = sorted(str(row["id"]) for row in fake.data.all("orders"))[3]
    fake.data.touch("orders", order_id, financial_status="refunded")  # Shopify's webhook for it is lost

    second = stack.invoker.invoke("PollerFunction", {"store_id": "shop-1", "entity": "orders"})
    drain_ingest(stack)

    assert second["complete"] and second["enqueued"] >= 1  # the edit, plus the overlap window re-read
    orders = stored(stack, "shop-1")
    assert len(orders) == 30 and orders[order_id]["payment_status"] == "refunded"


def test_woocommerce_store_is_polled_with_consumer_key(stack: AwsStack) -> None:
    fake = FakeWooCommerce()
    seed_woocommerce(fake.data, orders=120)
    with LoopbackServer(fake) as server:
        register(stack, "woo-1", "woocommerce", server.url, "ck_local", "cs_local")
        result = stack.invoker.invoke("PollerFunction", {"store_id": "woo-1", "entity": "orders"})
    drain_ingest(stack)

    assert result["complete"] and result["enqueued"] == 120 and result["requests"] == 2
    assert len(stored(stack, "woo-1")) == 120


BACKFILL_JOB = {"store_id": "shop-1", "entity": "orders", "mode": "backfill", "since": "2025-01-01T00:00:00Z"}


def test_a_finished_backfill_job_is_not_requeued(stack: AwsStack, shop: tuple[FakeShopify, str]) -> None:
    register(stack, "shop-1", "shopify", shop[1], "shpat_local")
    stack.client("sqs").send_message(QueueUrl=stack.ref("BackfillQueue"), MessageBody=json.dumps(BACKFILL_JOB))

    result = stack.invoker.invoke("BackfillWorkerFunction", receive_sqs_event(stack, "BackfillQueue"))
    drain_ingest(stack)

    assert result == {"batchItemFailures": []}
    assert len(stored(stack, "shop-1")) == 30
    assert receive_sqs_event(stack, "BackfillQueue")["Records"] == []  # complete: nothing put back


def test_deep_sweep_queues_one_job_per_store_and_entity(stack: AwsStack, shop: tuple[FakeShopify, str]) -> None:
    register(stack, "shop-1", "shopify", shop[1], "shpat_local")
    register(stack, "woo-1", "woocommerce", "http://127.0.0.1:9", "ck", "cs")

    result = stack.invoker.invoke("DeepSweepFunction", {"lookback_hours": 48})

    assert result == {"jobs": 4 + 3}  # inventory levels only for Shopify stores with location_ids
    jobs = [json.loads(r["body"]) for r in receive_sqs_event(stack, "BackfillQueue")["Records"]]
    assert {job["mode"] for job in jobs} == {"deep_sweep"}


def test_a_backfill_out_of_time_requeues_itself_and_resumes(stack: AwsStack, shop: tuple[FakeShopify, str]) -> None:
    register(stack, "shop-1", "shopify", shop[1], "shpat_local")
    stack.client("sqs").send_message(QueueUrl=stack.ref("BackfillQueue"), MessageBody=json.dumps(BACKFILL_JOB))
    hurried = stack.with_environment(POLL_RESERVE_MS=str(10**9))  # less time left than the reserve: stop at once

    hurried.invoker.invoke("BackfillWorkerFunction", receive_sqs_event(stack, "BackfillQueue"))

    requeued = receive_sqs_event(stack, "BackfillQueue")["Records"]
    assert [json.loads(record["body"]) for record in requeued] == [BACKFILL_JOB]
    stack.with_environment(POLL_RESERVE_MS="0").invoker.invoke("BackfillWorkerFunction", {"Records": requeued})
    drain_ingest(stack)
    assert len(stored(stack, "shop-1")) == 30


def test_demo_scenario_polling_recovers_a_refund_whose_webhook_was_dropped(stack: AwsStack) -> None:
    scenario = DroppedWebhook.start()
    try:
        order = json.loads((EVENTS / "payloads" / "shopify_orders_updated.json").read_text())
        scenario.adopt(order)
        register(stack, "demo-shop", "shopify", scenario.url, scenario.access_token)
        services.poll_runner(stack.runtime).sync_now("demo-shop", "orders")
        drain_ingest(stack)
        assert stored(stack, "demo-shop")[str(order["id"])]["payment_status"] == "paid"

        scenario.edit_without_webhook(str(order["id"]), financial_status="refunded")
        report = services.poll_runner(stack.runtime).sync_now("demo-shop", "orders")
        drain_ingest(stack)
    finally:
        scenario.close()

    assert report.enqueued == 1
    assert stored(stack, "demo-shop")[str(order["id"])]["payment_status"] == "refunded"
