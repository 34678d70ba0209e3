"""The WooCommerce adapter maps webhook bodies (= REST v3 resources) into the canonical model."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from storeloom.domain.model import Customer, Order, Product, idempotency_key
from storeloom.domain.types import loads
from storeloom.platforms.registry import get_adapter
from storeloom.platforms.woocommerce import WooCommerceAdapter
from storeloom.services.platform_port import NormalizationError, NormalizeContext, UnsupportedTopic
from tests.unit.contract_checks import assert_contract

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "woocommerce"
RECEIVED = datetime(2025, 3, 1, 16, 0, tzinfo=UTC)
CONTEXT = NormalizeContext(store_id="woo-1", source="webhook", received_at=RECEIVED)


def fixture(name: str) -> Any:
    return loads((FIXTURES / name).read_bytes())


@pytest.fixture
def adapter() -> WooCommerceAdapter:
    return WooCommerceAdapter(currency="EUR")


def test_registry_and_headers(adapter: WooCommerceAdapter) -> None:
    assert isinstance(get_adapter("WooCommerce"), WooCommerceAdapter)
    headers = {"x-wc-webhook-topic": "order.updated", "x-wc-webhook-delivery-id": "changes-every-time"}
    assert adapter.topic_from_headers(headers) == "order.updated"
    assert adapter.platform_event_id(headers) is None


def test_processing_order_uses_gmt_times_and_exact_money(adapter: WooCommerceAdapter) -> None:
    [event] = adapter.normalize("order.created", fixture("order_processing.json"), CONTEXT)
    data = assert_contract(event)
    order = event.entity
    assert isinstance(order, Order)
    assert event.action == "created"
    assert (order.payment_status, order.fulfillment_status) == ("paid", "unfulfilled")
    assert order.is_guest and order.customer_id is None and order.email == "guest@example.org"
    assert data["entity"]["updated_at"] == "2025-03-01T11:05:00Z"  # date_modified_gmt, not site-local
    assert data["entity"]["placed_at"] == "2025-03-01T11:00:00Z"
    assert data["entity"]["line_items"][0]["unit_price"] == {"amount": "3", "currency": "EUR"}
    assert [line.variant_id for line in order.line_items] == ["93", "23"]
    assert data["entity"]["subtotal"] == {"amount": "16.00", "currency": "EUR"}
    assert data["entity"]["refunded_total"] == {"amount": "1.50", "currency": "EUR"}
    key = idempotency_key("woocommerce", "woo-1", "order", "727", order.updated_at)
    assert event.idempotency_key == key


@pytest.mark.parametrize(
    ("status", "payment", "fulfillment"),
    [
        ("completed", "paid", "fulfilled"),
        ("on-hold", "pending", None),
        ("pending", "pending", None),
        ("refunded", "refunded", None),
        ("failed", "failed", None),
    ],
)
def test_status_table(adapter: WooCommerceAdapter, status: str, payment: str, fulfillment: str | None) -> None:
    [event] = adapter.normalize("order.updated", {**fixture("order_processing.json"), "status": status}, CONTEXT)
    order = event.entity
    assert isinstance(order, Order)
    assert (order.payment_status, order.fulfillment_status, order.cancelled_at) == (
        payment,
        fulfillment,
        None,
    )


def test_cancelled_sets_cancelled_at_to_the_modified_time(adapter: WooCommerceAdapter) -> None:
    payload = {**fixture("order_processing.json"), "status": "cancelled"}
    [event] = adapter.normalize("order.updated", payload, CONTEXT)
    order = event.entity
    assert isinstance(order, Order)
    assert order.cancelled_at == order.updated_at == datetime(2025, 3, 1, 11, 5, tzinfo=UTC)
    assert order.payment_status == "paid"  # it had been paid (date_paid_gmt)
    [unpaid] = adapter.normalize("order.updated", {**payload, "date_paid_gmt": None}, CONTEXT)
    assert isinstance(unpaid.entity, Order) and unpaid.entity.payment_status == "pending"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"status": "shipped-by-plugin"}, "status"),
        ({"date_modified_gmt": None}, "date_modified_gmt"),
        ({"date_modified_gmt": "2025-13-01T00:00:00"}, "date_modified_gmt"),
        ({"total": None}, "total"),
        ({"id": None}, "id"),
    ],
)
def test_bad_required_fields(adapter: WooCommerceAdapter, changes: dict[str, Any], field: str) -> None:
    with pytest.raises(NormalizationError, match=rf"^{field}\b"):
        adapter.normalize("order.updated", {**fixture("order_processing.json"), **changes}, CONTEXT)


def test_malformed_created_time_is_dropped_alone(adapter: WooCommerceAdapter) -> None:
    payload = {**fixture("order_processing.json"), "date_created_gmt": "not a date"}
    [event] = adapter.normalize("order.updated", payload, CONTEXT)
    assert isinstance(event.entity, Order) and event.entity.placed_at is None


def test_customer(adapter: WooCommerceAdapter) -> None:
    [event] = adapter.normalize("customer.updated", fixture("customer.json"), CONTEXT)
    data = assert_contract(event)
    customer = event.entity
    assert isinstance(customer, Customer)
    assert customer.email == "john.doe@example.com" and customer.phone == "(555) 555-5555"
    assert (customer.email_consent, customer.sms_consent) == ("unknown", "unknown")
    assert data["entity"]["updated_at"] == "2025-03-01T11:30:00Z"


def test_simple_product_is_its_own_variant(adapter: WooCommerceAdapter) -> None:
    [event] = adapter.normalize("product.updated", fixture("product_simple.json"), CONTEXT)
    data = assert_contract(event)
    product = event.entity
    assert isinstance(product, Product)
    assert product.categories == ["Clothing"] and product.tags == ["sale"]
    assert product.url == "https://shop.example/product/premium-quality/"
    assert data["entity"]["variants"] == [
        {
            "id": "794",
            "sku": "PQ-1",
            "title": "Premium Quality",
            "price": {"amount": "21.99", "currency": "EUR"},
            "inventory_quantity": 3,
            "in_stock": True,
        }
    ]


@pytest.mark.parametrize("topic", ["order.deleted", "customer.deleted", "product.deleted"])
def test_deleted_payload_is_just_an_id(adapter: WooCommerceAdapter, topic: str) -> None:
    [event] = adapter.normalize(topic, {"id": 723}, CONTEXT)
    assert event.action == "deleted" and event.entity is None and event.entity_id == "723"
    assert event.occurred_at == RECEIVED
    version = "2025-03-01T16:00:00Z"
    assert event.idempotency_key == idempotency_key("woocommerce", "woo-1", event.entity_type, "723", version)


def test_restored_is_an_update_and_resources_normalize(adapter: WooCommerceAdapter) -> None:
    [event] = adapter.normalize("product.restored", fixture("product_simple.json"), CONTEXT)
    assert event.action == "updated"
    events = adapter.normalize_resource("orders", {"orders": [fixture("order_processing.json")] * 2}, CONTEXT)
    assert len(events) == 2 and events[0].event_id == events[1].event_id


def test_unsupported(adapter: WooCommerceAdapter) -> None:
    with pytest.raises(UnsupportedTopic, match=r"^topic"):
        adapter.normalize("coupon.created", {}, CONTEXT)
    with pytest.raises(NormalizationError, match=r"^id"):
        adapter.normalize("order.deleted", {}, CONTEXT)
    with pytest.raises(NormalizationError, match=r"^entity_type"):
        adapter.normalize_resource("cart", {}, CONTEXT)


# --- contact, country and related products ---------------------------------------------------------------


def test_an_order_has_the_billing_phone_and_the_billing_country_else_the_shipping(adapter: WooCommerceAdapter) -> None:
    base = fixture("order_processing.json")
    cases = [
        ({"billing": {**base["billing"], "country": "de"}, "shipping": {"country": "FR"}}, "DE"),
        ({"shipping": {"country": "FR"}}, "FR"),
        ({}, None),
    ]
    for changes, country in cases:
        [event] = adapter.normalize("order.updated", {**base, **changes}, CONTEXT)
        assert_contract(event)
        assert isinstance(event.entity, Order)
        assert (event.entity.phone, event.entity.country) == ("555", country)
        assert event.entity.email_consent == "unknown"  # core WooCommerce asks none at checkout


def test_a_customer_country_is_the_billing_one_else_the_shipping(adapter: WooCommerceAdapter) -> None:
    base = fixture("customer.json")
    [billed] = adapter.normalize("customer.updated", {**base, "billing": {**base["billing"], "country": "BR"}}, CONTEXT)
    [shipped] = adapter.normalize("customer.updated", {**base, "shipping": {"country": "PT"}}, CONTEXT)
    assert isinstance(billed.entity, Customer) and isinstance(shipped.entity, Customer)
    assert (billed.entity.country, shipped.entity.country, shipped.entity.timezone) == ("BR", "PT", None)


def test_related_products_are_upsells_then_cross_sells_each_once(adapter: WooCommerceAdapter) -> None:
    payload = {**fixture("product_simple.json"), "upsell_ids": [31, 30], "cross_sell_ids": [30, 32]}
    payload["related_ids"] = [99, 98]  # WooCommerce's own guess from shared categories: not a link
    [event] = adapter.normalize("product.updated", payload, CONTEXT)
    assert_contract(event)
    assert isinstance(event.entity, Product)
    assert (event.entity.related_product_ids, event.entity.related_skus) == (["31", "30", "32"], [])
    with pytest.raises(NormalizationError, match=r"^cross_sell_ids: not a list"):
        adapter.normalize("product.updated", {**payload, "cross_sell_ids": "30,32"}, CONTEXT)
    with pytest.raises(NormalizationError, match=r"^upsell_ids\[0\]"):
        adapter.normalize("product.updated", {**payload, "upsell_ids": [3.0]}, CONTEXT)
