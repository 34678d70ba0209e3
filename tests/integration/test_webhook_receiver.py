"""webhook_receiver against template.yaml's resources in moto: every acceptance and rejection path."""

from __future__ import annotations

import json

import pytest

from tests.support.aws import AwsStack
from tests.support.webhooks import payload, register_store, response_json, webhook_event

SECRET = "whsec-current"
OLD_SECRET = "whsec-rotated-out"


@pytest.fixture
def shop(aws_stack: AwsStack) -> AwsStack:
    register_store(aws_stack, "shop-1", "shopify", SECRET, OLD_SECRET)
    register_store(aws_stack, "woo-1", "woocommerce", SECRET)
    return aws_stack


def post(stack: AwsStack, event: dict[str, object]) -> dict[str, object]:
    response: dict[str, object] = stack.invoker.invoke("WebhookReceiverFunction", event)
    return response


def queued_messages(stack: AwsStack) -> list[dict[str, object]]:
    messages = stack.client("sqs").receive_message(QueueUrl=stack.ref("IngestQueue"), MaxNumberOfMessages=10)
    return [json.loads(m["Body"]) for m in messages.get("Messages", [])]


def archived_keys(stack: AwsStack, prefix: str) -> list[str]:
    listed = stack.client("s3").list_objects_v2(Bucket=stack.ref("ArchiveBucket"), Prefix=prefix)
    return [item["Key"] for item in listed.get("Contents", [])]


def test_signed_webhook_is_archived_then_enqueued_with_its_reference(shop: AwsStack) -> None:
    # Given a signed Shopify order webhook
    body = payload("shopify_orders_create.json")
    event = webhook_event("shopify", "shop-1", "orders/create", body, SECRET, **{"x-shopify-event-id": "e-1"})
    # When the receiver handles it
    response = post(shop, event)
    # Then it answers 200, the raw bytes are archived, and the queue holds a message pointing at them
    assert response["statusCode"] == 200
    raw_ref = response_json(response)["raw_ref"]
    archived = shop.client("s3").get_object(Bucket=shop.ref("ArchiveBucket"), Key=raw_ref)
    assert archived["Body"].read() == body
    assert archived["Metadata"]["x-shopify-topic"] == "orders/create"
    assert "x-shopify-hmac-sha256" not in archived["Metadata"]
    [message] = queued_messages(shop)
    assert message["raw_ref"] == raw_ref
    assert message["body"] == body.decode()
    assert message["platform_event_id"] == "e-1"
    assert message["source"] == "webhook"


def test_secret_from_before_a_rotation_is_still_accepted(shop: AwsStack) -> None:
    body = payload("shopify_orders_create.json")
    response = post(shop, webhook_event("shopify", "shop-1", "orders/create", body, OLD_SECRET))
    assert response["statusCode"] == 200


@pytest.mark.parametrize(
    ("platform", "store_id", "secret", "status", "code"),
    [
        ("shopify", "no-such-store", SECRET, 404, "unknown_store"),
        ("woocommerce", "shop-1", SECRET, 404, "unknown_store"),
        ("magento2", "shop-1", SECRET, 404, "unsupported_platform"),
        ("shopify", "shop-1", "wrong-secret", 401, "bad_signature"),
        ("shopify", "shop-1", None, 401, "bad_signature"),
    ],
)
def test_rejections_answer_with_a_json_reason_and_keep_a_sample(
    shop: AwsStack, platform: str, store_id: str, secret: str | None, status: int, code: str
) -> None:
    body = payload("shopify_orders_create.json")
    response = post(shop, webhook_event(platform, store_id, "orders/create", body, secret))
    assert response["statusCode"] == status
    assert response_json(response)["error"] == code
    assert queued_messages(shop) == []
    assert len(archived_keys(shop, "rejected/")) == 1


def test_body_that_is_not_json_gets_400_after_its_signature_is_verified(shop: AwsStack) -> None:
    body = b'{"id": 5120, "status": '
    response = post(shop, webhook_event("woocommerce", "woo-1", "order.updated", body, SECRET))
    assert response["statusCode"] == 400
    assert response_json(response)["error"] == "malformed_body"
    assert queued_messages(shop) == []


def test_missing_topic_header_gets_400(shop: AwsStack) -> None:
    body = payload("woocommerce_order_created.json")
    response = post(shop, webhook_event("woocommerce", "woo-1", None, body, SECRET))
    assert response["statusCode"] == 400
    assert response_json(response)["error"] == "missing_topic"


def test_oversized_body_gets_413_and_is_not_stored(shop: AwsStack) -> None:
    small = shop.with_environment(MAX_WEBHOOK_BYTES="1024")
    body = json.dumps({"padding": "x" * 2048}).encode()
    response = post(small, webhook_event("shopify", "shop-1", "orders/create", body, SECRET))
    assert response["statusCode"] == 413
    assert response_json(response)["error"] == "body_too_large"
    assert archived_keys(shop, "") == []
    assert queued_messages(shop) == []
