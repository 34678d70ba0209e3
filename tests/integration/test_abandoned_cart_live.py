"""The flow step function wired to a store's live platform API: a fake Shopify served on loopback, the store
in the Stores table and its token in Secrets Manager, as ``storeloom stores add`` registers them."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from storeloom.adapters.entities import DynamoEntityStore
from storeloom.adapters.stores import DynamoStoreRegistry, SecretsManagerVault
from storeloom.bootstrap import services
from storeloom.domain.decisions import Decision
from storeloom.domain.flow_config import FlowConfig
from storeloom.domain.model import CommerceEvent
from storeloom.domain.run import RunState, Subject
from storeloom.domain.stores import StoreRecord, StoreSecrets
from storeloom_tools.fakes import FakeShopify, LoopbackServer, seed_shopify
from storeloom_tools.fakes.shopify_graphql import shop_with_graphql
from tests.support.aws import AwsStack

STORE = "shop-live"
PRODUCT, VARIANT, CUSTOMER = "5300000200001", "5300000300001", "5300000100001"


@pytest.fixture
def shop() -> Iterator[tuple[FakeShopify, str]]:
    api = shop_with_graphql()
    seed_shopify(api.data, orders=0, customers=1)
    with LoopbackServer(api) as server:
        yield api, server.url


@pytest.fixture
def stack(aws_stack: AwsStack) -> AwsStack:
    return aws_stack


def register(stack: AwsStack, api_url: str) -> None:
    arn = SecretsManagerVault(stack.client("secretsmanager")).create_or_update(
        f"storeloom/{STORE}", StoreSecrets(("whsec",), api_key="shpat_local")
    )
    registry = DynamoStoreRegistry(stack.env("STORES_TABLE"), stack.client("dynamodb"))
    registry.put(StoreRecord(STORE, "shopify", api_url, arn, extra={"currency": "USD"}))


def seed_entity_store(stack: AwsStack, product_age: timedelta = timedelta(hours=1)) -> RunState:
    now = datetime.now(UTC)
    entities = DynamoEntityStore(stack.env("ENTITIES_TABLE"), stack.client("dynamodb"))
    customer = {"id": CUSTOMER, "email": "ann@example.com", "email_consent": "subscribed", "updated_at": now}
    variant = {"id": VARIANT, "in_stock": True, "price": {"amount": "20.00", "currency": "USD"}}
    product = {"id": PRODUCT, "title": "Mug (stored)", "variants": [variant], "updated_at": now - product_age}
    item = {"product_id": PRODUCT, "variant_id": VARIANT, "title": "Mug", "quantity": 1}
    cart = {
        "id": "cart-live",
        "customer_id": CUSTOMER,
        "email": "ann@example.com",
        "line_items": [{**item, "unit_price": {"amount": "20.00", "currency": "USD"}}],
        "created_at": now - timedelta(hours=2),
        "updated_at": now - timedelta(hours=1),
    }
    for kind, entity in (("customer", customer), ("product", product), ("cart", cart)):
        entities.put_if_newer(_event(kind, entity))
    contact = {"customer_id": CUSTOMER, "email": "ann@example.com"}
    subject = Subject(store_id=STORE, cart_id="cart-live", active_since=cart["created_at"], **contact)
    config = FlowConfig(store_id=STORE, version=1, frequency_cap_seconds={"email": 0, "sms": 0})
    return RunState(run_id="run-live", subject=subject, config=config, entered_at=now, anchor=cart["updated_at"])


def step(stack: AwsStack, state: RunState) -> list[Decision]:
    stack.invoker.invoke("FlowStepFunction", state.model_dump(mode="json"))
    return services.run_log(stack.runtime).list(STORE)


def test_an_order_only_the_platform_knows_of_exits_the_step_converted(
    stack: AwsStack, shop: tuple[FakeShopify, str]
) -> None:
    api, url = shop
    register(stack, url)
    state = seed_entity_store(stack)
    buyer = next(api.data.all("customers"))
    api.data.put("orders", _order(buyer), datetime.now(UTC) - timedelta(minutes=5))  # its webhook was lost
    [decision] = step(stack, state)
    assert (decision.kind, decision.reason, decision.detail["orders"]) == ("exited", "converted", "live")


def test_live_recheck_off_reads_the_entity_store_only(stack: AwsStack, shop: tuple[FakeShopify, str]) -> None:
    api, url = shop
    stack = stack.with_environment(LIVE_RECHECK="false")
    register(stack, url)
    state = seed_entity_store(stack)
    buyer = next(api.data.all("customers"))
    api.data.put("orders", _order(buyer), datetime.now(UTC) - timedelta(minutes=5))
    [decision] = step(stack, state)
    assert (decision.kind, decision.detail["enrichment"], decision.detail["orders"]) == ("sent", "store", "store")
    assert api.requests == []


def test_live_product_prices_the_message(stack: AwsStack, shop: tuple[FakeShopify, str]) -> None:
    api, url = shop
    register(stack, url)
    state = seed_entity_store(stack)
    variant = {"id": int(VARIANT), "price": "17.50", "inventory_management": "shopify", "inventory_quantity": 3}
    api.data.touch("products", PRODUCT, title="Glazed mug", variants=[variant])
    [decision] = step(stack, state)
    assert (decision.kind, decision.detail["enrichment"], decision.detail["orders"]) == ("sent", "live", "live")
    [message] = services.outbox(stack.runtime).list(STORE)
    assert [(i.title, str(i.unit_price.amount)) for i in message.items] == [("Glazed mug", "17.50")]


@pytest.mark.parametrize(("product_age", "expected"), [(timedelta(hours=1), "sent"), (timedelta(days=3), "waited")])
def test_an_unreachable_platform_falls_back_or_defers(stack: AwsStack, product_age: timedelta, expected: str) -> None:
    register(stack, f"http://127.0.0.1:{_closed_port()}")
    state = seed_entity_store(stack, product_age)
    [decision] = step(stack, state)
    assert (decision.kind, decision.detail["orders"]) == (expected, "store_only")
    if expected == "sent":
        assert decision.detail["enrichment"] == "fallback"
    else:
        assert decision.reason == "enrichment_unavailable"


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def _order(buyer: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": 5300000000999,
        "email": "ann@example.com",
        "currency": "USD",
        "financial_status": "paid",
        "total_price": "20.00",
        "customer": {"id": buyer["id"], "email": "ann@example.com"},
        "line_items": [],
        "cancelled_at": None,
        "closed_at": None,
    }


def _event(kind: str, entity: dict[str, Any]) -> CommerceEvent:
    return CommerceEvent.model_validate(
        {
            "event_id": f"{kind}-{entity['id']}",
            "idempotency_key": f"{kind}:{entity['id']}",
            "store_id": STORE,
            "platform": "shopify",
            "entity_type": kind,
            "entity_id": entity["id"],
            "action": "updated",
            "source": "webhook",
            "occurred_at": entity["updated_at"],
            "received_at": datetime.now(UTC),
            "entity": entity,
        }
    )
