"""The sample events in events/ (also for `sam local invoke -e`) are current and run through the handlers."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from storeloom.adapters.entities import DynamoEntityStore
from storeloom_tools.local.sample_events import SAMPLE_SECRET, SAMPLE_STORE, write_samples
from tests.support.aws import EVENTS, AwsStack, load_event
from tests.support.webhooks import register_store


def test_committed_samples_match_their_payloads(tmp_path: Path) -> None:
    shutil.copytree(EVENTS / "payloads", tmp_path / "payloads")
    for regenerated in write_samples(tmp_path):
        assert regenerated.read_text() == (EVENTS / regenerated.name).read_text(), regenerated.name


def test_receiver_samples_are_accepted_by_a_store_with_the_sample_secret(aws_stack: AwsStack) -> None:
    register_store(aws_stack, SAMPLE_STORE, "shopify", SAMPLE_SECRET)
    shopify = aws_stack.invoker.invoke(
        "WebhookReceiverFunction", load_event("webhook_receiver_shopify_orders_create.json")
    )
    assert shopify["statusCode"] == 200
    register_store(aws_stack, SAMPLE_STORE, "woocommerce", SAMPLE_SECRET)
    woo = aws_stack.invoker.invoke(
        "WebhookReceiverFunction", load_event("webhook_receiver_woocommerce_order_updated.json")
    )
    assert woo["statusCode"] == 200


def test_worker_sample_stores_the_checkout_as_a_cart(aws_stack: AwsStack) -> None:
    response = aws_stack.invoker.invoke("IngestWorkerFunction", load_event("ingest_worker_checkout_update.json"))
    assert response == {"batchItemFailures": []}
    entities = DynamoEntityStore(aws_stack.env("ENTITIES_TABLE"), aws_stack.client("dynamodb"))
    cart = entities.get(SAMPLE_STORE, "cart", "demo-cart-token-0001")
    assert cart is not None
    assert json.dumps(cart["subtotal"]) == '{"amount": "90.00", "currency": "USD"}'
