"""BigCommerce's thin webhooks end to end: the receiver reads the topic and the store from the signed body
(Standard Webhooks), and the ingest worker reads the order the body names from the store's API (the
loopback fake) before it normalizes, so the stored order is the full resource."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

from storeloom.adapters.stores import DynamoStoreRegistry, SecretsManagerVault
from storeloom.bootstrap import services
from storeloom.domain.stores import StoreRecord, StoreSecrets
from storeloom.platforms.bigcommerce.signature import signed_headers
from storeloom.services.ingest.sqs_batch import process_sqs_batch
from storeloom_tools.fakes.bigcommerce import FakeBigCommerce
from storeloom_tools.fakes.bigcommerce_data import ACCESS_TOKEN, STORE_HASH, seed_bigcommerce
from storeloom_tools.fakes.server import LoopbackServer
from storeloom_tools.local.url_server import function_url_event
from tests.integration.test_webhook_receiver import post
from tests.support.aws import AwsStack
from tests.support.webhooks import receive_sqs_event, response_json

STORE, SECRET = "bc-1", "bc-client-secret"


@pytest.fixture
def fake() -> Iterator[tuple[FakeBigCommerce, str]]:
    api = FakeBigCommerce()
    seed_bigcommerce(api.data, orders=3)
    with LoopbackServer(api) as server:
        yield api, f"{server.url}/stores/{STORE_HASH}"


@pytest.fixture
def store(aws_stack: AwsStack, fake: tuple[FakeBigCommerce, str]) -> AwsStack:
    vault = SecretsManagerVault(aws_stack.client("secretsmanager"))
    arn = vault.create_or_update(f"storeloom/{STORE}", StoreSecrets((SECRET,), api_key=ACCESS_TOKEN))
    record = StoreRecord(STORE, "bigcommerce", fake[1], arn, extra={"currency": "USD"})
    DynamoStoreRegistry(aws_stack.env("STORES_TABLE"), aws_stack.client("dynamodb")).put(record)
    return aws_stack


def delivery(
    scope: str, data: dict[str, Any], producer: str = f"stores/{STORE_HASH}", hook: str = "h1"
) -> dict[str, Any]:
    body = {"scope": scope, "store_id": "1001", "data": data, "hash": "x", "created_at": int(time.time())}
    raw = json.dumps({**body, "producer": producer}).encode()
    headers = signed_headers(raw, SECRET, f"msg_{hook}", int(time.time()))
    return function_url_event("POST", f"/webhooks/bigcommerce/{STORE}", headers, raw)


def ingest(stack: AwsStack) -> dict[str, Any]:
    response, result = process_sqs_batch(receive_sqs_event(stack, "IngestQueue"), services.ingest_worker(stack.runtime))
    assert response == {"batchItemFailures": []}, result.errors
    return {r.event.entity_id: r.event for r in result.results}


def test_a_thin_order_webhook_stores_the_order_read_from_the_api(
    store: AwsStack, fake: tuple[FakeBigCommerce, str]
) -> None:
    api, _url = fake
    order_id = sorted(api.data.rows["orders"], key=int)[0]

    answer = post(store, delivery("store/order/updated", {"type": "order", "id": int(order_id)}))

    assert answer["statusCode"] == 200
    [event] = ingest(store).values()
    assert event.entity_type == "order" and event.entity_id == order_id
    assert event.entity is not None and event.entity.total is not None  # money came from the API, not the hook
    assert any(f"/v2/orders/{order_id}" in url for url in api.requests)


def test_a_delivery_naming_another_store_is_refused_as_the_wrong_tenant(store: AwsStack) -> None:
    answer = post(store, delivery("store/order/updated", {"type": "order", "id": 1}, producer="stores/otherhash"))
    assert answer["statusCode"] == 401 and response_json(answer)["error"] == "wrong_tenant"


def test_an_order_gone_from_the_api_becomes_no_event(store: AwsStack) -> None:
    assert post(store, delivery("store/order/updated", {"type": "order", "id": 999999}))["statusCode"] == 200
    assert ingest(store) == {}


def test_a_delivery_without_its_scope_is_refused_400(store: AwsStack) -> None:
    raw = json.dumps({"data": {"type": "order", "id": 1}, "producer": f"stores/{STORE_HASH}"}).encode()
    event = function_url_event(
        "POST", f"/webhooks/bigcommerce/{STORE}", signed_headers(raw, SECRET, "msg_x", int(time.time())), raw
    )
    answer = post(store, event)
    assert answer["statusCode"] == 400 and response_json(answer)["error"] == "missing_topic"
