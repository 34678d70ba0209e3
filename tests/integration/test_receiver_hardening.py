"""The receiver under hostile and odd input: every answer is JSON, nothing from a header or path breaks the
archive write, unauthenticated noise costs a bounded sample, and one shop cannot post as another."""

from __future__ import annotations

import json
from typing import Any

import pytest

from storeloom.adapters.stores import DynamoStoreRegistry
from storeloom.domain.stores import StoreRecord
from storeloom.services.ingest.receiver import SAMPLE_PREFIX_BYTES, SAMPLES_PER_STORE_MINUTE
from storeloom_tools.local.url_server import function_url_event
from tests.integration.test_webhook_receiver import archived_keys, post, queued_messages
from tests.support.aws import AwsStack
from tests.support.webhooks import payload, register_store, response_json, webhook_event

SECRET = "app-secret-shared-by-two-shops"


@pytest.fixture
def shops(aws_stack: AwsStack) -> AwsStack:
    # A public app's shops share its client secret; each is registered by its own myshopify.com URL.
    for store_id in ("maple", "birch"):
        record = register_store(aws_stack, store_id, "shopify", SECRET)
        registry = DynamoStoreRegistry(aws_stack.env("STORES_TABLE"), aws_stack.client("dynamodb"))
        registry.put(StoreRecord(store_id, "shopify", f"https://{store_id}.myshopify.com", record.secret_arn))
    register_store(aws_stack, "woo-1", "woocommerce", SECRET)
    return aws_stack


def _archived(stack: AwsStack, key: str) -> dict[str, Any]:
    got: dict[str, Any] = stack.client("s3").get_object(Bucket=stack.ref("ArchiveBucket"), Key=key)
    return got


def test_a_shop_cannot_post_as_another_that_shares_its_app_secret(shops: AwsStack) -> None:
    body = payload("shopify_orders_create.json")
    own = webhook_event(
        "shopify", "maple", "orders/create", body, SECRET, **{"x-shopify-shop-domain": "maple.myshopify.com"}
    )
    other = webhook_event(
        "shopify", "maple", "orders/create", body, SECRET, **{"x-shopify-shop-domain": "birch.myshopify.com"}
    )

    assert post(shops, own)["statusCode"] == 200
    refused = post(shops, other)

    assert refused["statusCode"] == 401 and response_json(refused)["error"] == "wrong_tenant"
    assert len(queued_messages(shops)) == 1


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ('{"id": 1}'.encode("utf-16"), "not UTF-8"),
        (b'"just a string"', "JSON object or array"),
        (b"42", "JSON object or array"),
        (b"[" * 5000 + b"]" * 5000, "nested too deeply"),
    ],
)
def test_a_signed_body_that_is_not_a_utf8_json_document_is_refused_400(
    shops: AwsStack, body: bytes, reason: str
) -> None:
    response = post(shops, webhook_event("woocommerce", "woo-1", "order.updated", body, SECRET))

    assert response["statusCode"] == 400
    assert response_json(response)["error"] == "malformed_body" and reason in response_json(response)["message"]
    [kept] = archived_keys(shops, "rejected/")
    assert _archived(shops, kept)["Body"].read() == body  # authenticated: the whole body is kept
    assert queued_messages(shops) == []


def test_header_values_that_are_not_ascii_are_archived_encoded(shops: AwsStack) -> None:
    body = payload("shopify_orders_create.json")
    headers = {"x-shopify-api-version": "2025-07 ☃", "x-shopify-shop-domain": "maple.myshopify.com"}
    response = post(shops, webhook_event("shopify", "maple", "orders/create", body, SECRET, **headers))

    assert response["statusCode"] == 200
    metadata = _archived(shops, response_json(response)["raw_ref"])["Metadata"]
    assert metadata["x-shopify-api-version"] == "2025-07 %E2%98%83"


@pytest.mark.parametrize("store_id", ["..%2F..%2Fetc", "shop%20one", "x" * 300, "caf%C3%A9"])
def test_a_path_that_names_no_store_is_404_with_a_safe_archive_key(shops: AwsStack, store_id: str) -> None:
    response = post(shops, webhook_event("shopify", store_id, "orders/create", b"{}", SECRET))

    assert response["statusCode"] == 404 and response_json(response)["error"] == "unknown_store"
    [key] = archived_keys(shops, "rejected/")
    assert "/shopify/invalid/" in key and len(key) < 200


def test_unauthenticated_rejections_keep_a_bounded_sample_per_store_and_minute(shops: AwsStack) -> None:
    body = b'{"padding": "' + b"x" * 10_000 + b'"}'
    for _ in range(SAMPLES_PER_STORE_MINUTE + 5):
        assert post(shops, webhook_event("shopify", "maple", "orders/create", body, "forged"))["statusCode"] == 401

    kept = archived_keys(shops, "rejected/")
    assert len(kept) == SAMPLES_PER_STORE_MINUTE
    sample = _archived(shops, kept[0])
    assert sample["Body"].read() == body[:SAMPLE_PREFIX_BYTES]
    assert sample["Metadata"]["size"] == str(len(body)) and sample["Metadata"]["sampled"] == "prefix"
    assert len(sample["Metadata"]["sha256"]) == 64


def test_archived_rejection_labels_say_why(shops: AwsStack) -> None:
    post(shops, webhook_event("shopify", "nobody", "orders/create", b"{}", SECRET))
    [key] = archived_keys(shops, "rejected/")
    assert json.loads(json.dumps(_archived(shops, key)["Metadata"]))["reason"] == "unknown_store"


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        ("GET", "/webhooks/shopify/maple", 405, "method_not_allowed"),
        ("PUT", "/webhooks/shopify/maple", 405, "method_not_allowed"),
        ("DELETE", "/webhooks/shopify/maple", 405, "method_not_allowed"),
        ("POST", "/", 404, "not_found"),
        ("GET", "/webhooks/shopify", 404, "not_found"),
        ("POST", "/webhooks/shopify/maple/extra", 404, "not_found"),
    ],
)
def test_every_other_method_and_path_gets_a_json_error(
    shops: AwsStack, method: str, path: str, status: int, code: str
) -> None:
    response = post(shops, function_url_event(method, path, {}, b""))

    assert response["statusCode"] == status
    assert response_json(response)["error"] == code and response_json(response)["message"]
