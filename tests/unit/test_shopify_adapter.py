"""The Shopify adapter maps webhook payloads and REST resources into the canonical model."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from storeloom.domain.model import Cart, Customer, InventoryLevel, Order, Product, event_id_for, idempotency_key
from storeloom.domain.types import loads
from storeloom.platforms.registry import SUPPORTED_PLATFORMS, UnknownPlatform, get_adapter
from storeloom.platforms.shopify import ShopifyAdapter
from storeloom.platforms.shopify.api_client import WEBHOOK_TOPICS
from storeloom.services.platform_port import NormalizationError, NormalizeContext, PlatformAdapter, UnsupportedTopic
from tests.unit.contract_checks import assert_contract

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "shopify"
RECEIVED = datetime(2025, 3, 1, 16, 0, tzinfo=UTC)
CONTEXT = NormalizeContext(store_id="shop-1", source="webhook", received_at=RECEIVED, platform_event_id="ev-1")


def fixture(name: str) -> Any:
    return loads((FIXTURES / name).read_bytes())


@pytest.fixture
def adapter() -> ShopifyAdapter:
    return ShopifyAdapter(currency="USD")


def test_is_a_platform_adapter_from_the_registry() -> None:
    found: PlatformAdapter = get_adapter("shopify")
    assert isinstance(found, ShopifyAdapter)
    assert set(SUPPORTED_PLATFORMS) == {"shopify", "woocommerce", "magento2", "bigcommerce", "amazon_sp"}
    with pytest.raises(UnknownPlatform, match="platform: 'etsy'"):
        get_adapter("etsy")


def test_headers(adapter: ShopifyAdapter) -> None:
    headers = {
        "x-shopify-topic": "orders/create",
        "x-shopify-webhook-id": "wh-1",
        "x-shopify-event-id": "ev-9",
    }
    assert adapter.topic_from_headers(headers) == "orders/create"
    assert adapter.platform_event_id(headers) == "ev-9"
    assert adapter.platform_event_id({"x-shopify-webhook-id": "wh-1"}) == "wh-1"
    assert adapter.platform_event_id({}) is None


def test_order_create(adapter: ShopifyAdapter) -> None:
    [event] = adapter.normalize("orders/create", fixture("orders_create.json"), CONTEXT)
    data = assert_contract(event)
    order = event.entity
    assert isinstance(order, Order)
    assert event.action == "created" and event.entity_type == "order"
    assert order.id == "9007199254740993123" and data["entity_id"] == "9007199254740993123"
    assert order.email == "ada.lovelace@example.com"
    assert order.customer_id == "9007199254740995555" and not order.is_guest
    assert order.cart_id == "cart-tok-1"
    assert (order.payment_status, order.fulfillment_status) == ("paid", "unfulfilled")
    assert data["entity"]["total"] == {"amount": "22.50", "currency": "USD"}
    assert data["entity"]["refunded_total"] == {"amount": "0", "currency": "USD"}
    assert data["entity"]["line_items"][0]["unit_price"] == {"amount": "12.50", "currency": "USD"}
    assert data["entity"]["updated_at"] == "2025-03-01T15:00:05Z"
    assert data["occurred_at"] == "2025-03-01T15:00:05Z"
    key = idempotency_key("shopify", "shop-1", "order", order.id, order.updated_at)
    assert event.idempotency_key == key and event.event_id == event_id_for(key)


def test_webhook_and_poll_of_one_version_share_the_key(adapter: ShopifyAdapter) -> None:
    payload = fixture("orders_create.json")
    [webhook] = adapter.normalize("orders/updated", payload, CONTEXT)
    poll_context = NormalizeContext(store_id="shop-1", source="poll", received_at=datetime.now(UTC))
    [polled] = adapter.normalize_resource("order", {"order": payload}, poll_context)
    [listed] = adapter.normalize_resource("orders", {"orders": [payload]}, poll_context)
    assert webhook.event_id == polled.event_id == listed.event_id
    assert polled.action == "updated" and polled.source == "poll"


def test_cancelled_order_keeps_payment_status(adapter: ShopifyAdapter) -> None:
    payload = {**fixture("orders_create.json"), "cancelled_at": "2025-03-02T10:00:00-05:00"}
    payload["financial_status"] = "refunded"
    payload["refunds"] = [{"transactions": [{"kind": "refund", "status": "success", "amount": "22.50"}]}]
    [event] = adapter.normalize("orders/cancelled", payload, CONTEXT)
    order = event.entity
    assert isinstance(order, Order)
    assert order.payment_status == "refunded"
    assert order.cancelled_at == datetime(2025, 3, 2, 15, tzinfo=UTC)
    assert order.refunded_total is not None and str(order.refunded_total.amount) == "22.50"


@pytest.mark.parametrize(
    ("changes", "topic", "expected"),
    [
        ({"financial_status": None}, "orders/paid", "paid"),
        ({"financial_status": None, "total_outstanding": "0.00"}, "orders/updated", "paid"),
        ({"financial_status": None, "total_outstanding": "10.00"}, "orders/updated", "partially_paid"),
        ({"financial_status": None, "total_outstanding": "22.50"}, "orders/updated", "pending"),
        ({"financial_status": "partially_refunded"}, "orders/updated", "partially_refunded"),
    ],
)
def test_payment_status(adapter: ShopifyAdapter, changes: dict[str, Any], topic: str, expected: str) -> None:
    [event] = adapter.normalize(topic, {**fixture("orders_create.json"), **changes}, CONTEXT)
    assert isinstance(event.entity, Order) and event.entity.payment_status == expected


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"financial_status": None}, "financial_status"),
        ({"financial_status": "mystery"}, "financial_status"),
        ({"fulfillment_status": "lost"}, "fulfillment_status"),
        ({"updated_at": "yesterday"}, "updated_at"),
        ({"id": None}, "id"),
        ({"total_price": "12,50"}, "total_price"),
    ],
)
def test_bad_required_fields_name_the_field(adapter: ShopifyAdapter, changes: dict[str, Any], field: str) -> None:
    with pytest.raises(NormalizationError, match=rf"^{field}\b"):
        adapter.normalize("orders/updated", {**fixture("orders_create.json"), **changes}, CONTEXT)


def test_checkout_becomes_cart_matching_its_order(adapter: ShopifyAdapter) -> None:
    [event] = adapter.normalize("checkouts/update", fixture("checkouts_update.json"), CONTEXT)
    data = assert_contract(event)
    cart = event.entity
    assert isinstance(cart, Cart)
    assert cart.id == "cart-tok-1" == event.entity_id
    assert cart.email == "ada.lovelace@example.com"
    assert cart.recovery_url == "https://shop.example/checkouts/ac/cart-tok-1/recover?key=abc"
    assert cart.created_at is None  # malformed optional field dropped alone
    assert data["entity"]["updated_at"] == "2025-03-01T14:58:00Z"
    [order_event] = adapter.normalize("orders/create", fixture("orders_create.json"), CONTEXT)
    assert isinstance(order_event.entity, Order) and order_event.entity.cart_id == cart.id


def test_checkout_without_cart_token_uses_its_token(adapter: ShopifyAdapter) -> None:
    payload = {**fixture("checkouts_update.json"), "cart_token": None}
    [event] = adapter.normalize("checkouts/create", payload, CONTEXT)
    assert event.entity_id == "chk-tok-1" and event.action == "created"


def test_customer_consent_and_tags(adapter: ShopifyAdapter) -> None:
    [event] = adapter.normalize("customers/update", fixture("customers_update.json"), CONTEXT)
    assert_contract(event)
    customer = event.entity
    assert isinstance(customer, Customer)
    assert customer.email == "ada.lovelace@example.com"
    assert (customer.email_consent, customer.sms_consent) == ("subscribed", "unsubscribed")
    assert customer.tags == ["vip", "newsletter"]


def test_legacy_accepts_marketing(adapter: ShopifyAdapter) -> None:
    payload = {**fixture("customers_update.json"), "email_marketing_consent": None, "accepts_marketing": True}
    [event] = adapter.normalize("customers/create", payload, CONTEXT)
    assert isinstance(event.entity, Customer) and event.entity.email_consent == "subscribed"


def test_product_variants_and_stock(adapter: ShopifyAdapter) -> None:
    [event] = adapter.normalize("products/update", fixture("products_update.json"), CONTEXT)
    data = assert_contract(event)
    product = event.entity
    assert isinstance(product, Product)
    assert product.categories == ["Kitchen"] and product.tags == ["ceramic", "gift"]
    assert [v.in_stock for v in product.variants] == [False, True]
    assert data["entity"]["variants"][0]["price"] == {"amount": "12.50", "currency": "USD"}
    assert data["entity"]["updated_at"] == "2025-03-01T11:00:00Z"


def test_product_price_needs_a_currency() -> None:
    [event] = ShopifyAdapter().normalize("products/create", fixture("products_update.json"), CONTEXT)
    assert isinstance(event.entity, Product) and event.entity.variants[0].price is None


def test_inventory_level(adapter: ShopifyAdapter) -> None:
    [event] = adapter.normalize("inventory_levels/update", fixture("inventory_levels_update.json"), CONTEXT)
    assert_contract(event)
    assert isinstance(event.entity, InventoryLevel)
    assert event.entity_id == "808950810@655441491" and event.entity.available == 7


def test_delete_has_no_entity_and_uses_the_event_id(adapter: ShopifyAdapter) -> None:
    [event] = adapter.normalize("products/delete", {"id": 632910001}, CONTEXT)
    assert event.action == "deleted" and event.entity is None and event.entity_id == "632910001"
    assert event.idempotency_key == idempotency_key("shopify", "shop-1", "product", "632910001", "ev-1")
    assert event.occurred_at == RECEIVED


def test_refund_emits_nothing(adapter: ShopifyAdapter) -> None:
    # orders/updated carries the refunded order's new version; the refund alone cannot build one.
    assert adapter.normalize("refunds/create", fixture("refunds_create.json"), CONTEXT) == []


def test_unknown_topic_and_resource(adapter: ShopifyAdapter) -> None:
    with pytest.raises(UnsupportedTopic, match=r"^topic"):
        adapter.normalize("shop/update", {}, CONTEXT)
    with pytest.raises(NormalizationError, match=r"^entity_type"):
        adapter.normalize_resource("transactions", {}, CONTEXT)
    with pytest.raises(NormalizationError, match=r"^order"):
        adapter.normalize("orders/create", "not an object", CONTEXT)


# --- consent at checkout, contact and country, merges ----------------------------------------------------


def _order(adapter: ShopifyAdapter, **changes: Any) -> Order:
    [event] = adapter.normalize("orders/updated", {**fixture("orders_create.json"), **changes}, CONTEXT)
    assert_contract(event)
    assert isinstance(event.entity, Order)
    return event.entity


@pytest.mark.parametrize(("accepts", "consent"), [(True, "subscribed"), (False, "not_subscribed"), (None, "unknown")])
def test_an_order_carries_the_box_its_buyer_ticked(adapter: ShopifyAdapter, accepts: Any, consent: str) -> None:
    changes = {} if accepts is None else {"buyer_accepts_marketing": accepts}
    assert _order(adapter, **changes).email_consent == consent


def test_an_order_phone_is_its_own_else_the_billing_addresses_and_the_country_billing_first(
    adapter: ShopifyAdapter,
) -> None:
    billing = {"phone": "555-555-BILL", "country_code": "ca"}
    shipping = {"phone": "555-555-SHIP", "country_code": "US"}
    both = _order(adapter, phone="+1 (613) 555-0100", billing_address=billing, shipping_address=shipping)
    assert (both.phone, both.country) == ("+1 (613) 555-0100", "CA")  # as typed; the code upper-cased
    only_billing = _order(adapter, billing_address=billing, shipping_address=shipping)
    assert only_billing.phone == "555-555-BILL"
    shipped = _order(adapter, billing_address={"country_code": "Canada"}, shipping_address=shipping)
    assert (shipped.phone, shipped.country) == (None, "US")  # a name is no code: the shipping country
    assert (_order(adapter).phone, _order(adapter).country) == (None, None)


def test_a_checkout_carries_the_box_its_buyer_ticked(adapter: ShopifyAdapter) -> None:
    payload = {**fixture("checkouts_update.json"), "buyer_accepts_marketing": True}
    [event] = adapter.normalize("checkouts/update", payload, CONTEXT)
    assert isinstance(event.entity, Cart) and event.entity.email_consent == "subscribed"
    [unstated] = adapter.normalize("checkouts/update", fixture("checkouts_update.json"), CONTEXT)
    assert isinstance(unstated.entity, Cart) and unstated.entity.email_consent == "unknown"


def test_a_customer_country_is_the_default_addresses_else_the_first(adapter: ShopifyAdapter) -> None:
    addresses = [{"country_code": "GB"}, {"country_code": "FR"}]
    cases: list[tuple[dict[str, Any], str | None]] = [
        ({"default_address": {"country_code": "de"}, "addresses": addresses}, "DE"),
        ({"addresses": addresses}, "GB"),
        ({"default_address": {"country_code": None}}, None),
        ({}, None),
    ]
    for changes, country in cases:
        [event] = adapter.normalize("customers/update", {**fixture("customers_update.json"), **changes}, CONTEXT)
        assert isinstance(event.entity, Customer)
        assert (event.entity.country, event.entity.timezone) == (country, None)


MERGE = {
    "admin_graphql_api_customer_kept_id": "gid://shopify/Customer/9007199254740995555",
    "admin_graphql_api_customer_deleted_id": "gid://shopify/Customer/9007199254740996666",
    "admin_graphql_api_job_id": "gid://shopify/Job/8f4d",
    "status": "completed",
    "errors": [],
}


def test_a_completed_merge_deletes_the_merged_customer_naming_the_kept_one(adapter: ShopifyAdapter) -> None:
    [event] = adapter.normalize("customers/merge", MERGE, CONTEXT)
    data = assert_contract(event)
    assert (event.action, event.entity_type, event.entity_id) == ("deleted", "customer", "9007199254740996666")
    assert isinstance(event.entity, Customer)
    assert event.entity.merged_into == "9007199254740995555" and event.entity.id == event.entity_id
    assert data["entity"]["updated_at"] == "2025-03-01T16:00:00Z"  # the payload has no time: received
    later = NormalizeContext(store_id="shop-1", source="replay", received_at=datetime(2025, 3, 2, tzinfo=UTC))
    [again] = adapter.normalize("customers/merge", MERGE, later)
    assert again.idempotency_key == event.idempotency_key  # a replay or retry is the same fact


@pytest.mark.parametrize("status", ["failed", "in_progress", "requested", None])
def test_a_merge_that_did_not_complete_changes_nothing(adapter: ShopifyAdapter, status: Any) -> None:
    assert adapter.normalize("customers/merge", {**MERGE, "status": status}, CONTEXT) == []


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"admin_graphql_api_customer_deleted_id": None}, "admin_graphql_api_customer_deleted_id"),
        ({"admin_graphql_api_customer_kept_id": "gid://shopify/Order/1"}, "admin_graphql_api_customer_kept_id"),
        ({"admin_graphql_api_customer_kept_id": MERGE["admin_graphql_api_customer_deleted_id"]}, "admin_graphql"),
    ],
)
def test_a_bad_merge_names_the_field(adapter: ShopifyAdapter, changes: dict[str, Any], field: str) -> None:
    with pytest.raises(NormalizationError, match=rf"^{field}"):
        adapter.normalize("customers/merge", {**MERGE, **changes}, CONTEXT)
    with pytest.raises(NormalizationError, match=r"^customers/merge"):
        adapter.normalize("customers/merge", [MERGE], CONTEXT)


def test_merges_are_subscribed_to_last(adapter: ShopifyAdapter) -> None:
    assert "customers/merge" in adapter.topics and WEBHOOK_TOPICS[-1] == "customers/merge"
