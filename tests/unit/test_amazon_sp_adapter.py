"""The Amazon SP-API adapter: Orders v0 and 2026 orders, their marketplace buyers, ORDER_CHANGE notifications.

The corpus (``../shared/corpus/amazon_sp_api``, Amazon's own model examples) is read in place; the other
fixtures are this file's own invented orders in the documented shape.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from storeloom.domain import eligibility
from storeloom.domain.eligibility import MARKETPLACE_BUYER
from storeloom.domain.model import CommerceEvent, Customer, Order, idempotency_key
from storeloom.domain.types import loads
from storeloom.platforms.amazon_sp import DESCRIPTOR, AmazonSpAdapter
from storeloom.platforms.amazon_sp.mapping import customer_id_for
from storeloom.platforms.amazon_sp.notification import order_change
from storeloom.services.platform_port import (
    NormalizationError,
    NormalizeContext,
    ResourceRef,
    ThinPayload,
    UnsupportedTopic,
)
from tests.unit.contract_checks import assert_contract

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus" / "amazon_sp_api"
CONTEXT = NormalizeContext(store_id="amazon-1", source="poll", received_at=datetime(2026, 1, 5, 12, tzinfo=UTC))

# Corpus files by how they are read: orders (topic), the ORDER_CHANGE signal, and kinds that are no entity.
ORDERS = {
    "orders_v0_getOrders_example.json": "getOrders",
    "orders_v0_getOrders_sandbox_multi.json": "getOrders",
    "orders_v0_getOrders_sandbox_next_token.json": "getOrders",
    "orders_v0_getOrder_example.json": "getOrders",
    "orders_v0_getOrder_sandbox_iba.json": "getOrders",
    "orders_2026_searchOrders_example.json": "searchOrders",
    "orders_2026_getOrder_example.json": "searchOrders",
}
SIGNALS = {"notification_order_change_buyer_cancel.json"}
SKIPPED = {
    "orders_v0_getOrderItems_example.json": "line items alone: the poller merges them into their order",
    "orders_v0_getOrderAddress_example.json": "a shipping address (restricted data): not kept",
    "orders_v0_getOrderBuyerInfo_example.json": "buyer details with no version time: the order's BuyerInfo is read",
}


def order_row(**changes: Any) -> dict[str, Any]:
    """An invented Orders v0 order as the poller enqueues it (getOrderItems merged in as OrderItems)."""
    row: dict[str, Any] = {
        "AmazonOrderId": "113-5550001-0000042",
        "PurchaseDate": "2025-11-02T08:15:30.250Z",
        "LastUpdateDate": "2025-11-03T10:00:00Z",
        "OrderStatus": "Shipped",
        "MarketplaceId": "ATVPDKIKX0DER",
        "OrderTotal": {"CurrencyCode": "USD", "Amount": "41.97"},
        "BuyerInfo": {"BuyerEmail": "  Q9x7kq2lm8v0f1@Marketplace.Amazon.com "},
        "OrderItems": [
            {"ASIN": "B0TEST0001", "SellerSKU": "MUG-BLUE", "Title": "Blue mug", "QuantityOrdered": 3}
            | {"ItemPrice": {"CurrencyCode": "USD", "Amount": "29.97"}},
            {"ASIN": "B0TEST0002", "SellerSKU": "TEA-50", "Title": "Tea, 50 bags", "QuantityOrdered": 1}
            | {"ItemPrice": {"CurrencyCode": "USD", "Amount": "12.00"}},
        ],
    }
    return {**row, **changes}


@pytest.fixture
def adapter() -> AmazonSpAdapter:
    return AmazonSpAdapter(currency="USD")


def entities_of(events: list[CommerceEvent]) -> tuple[Customer, Order]:
    customer, order = (event.entity for event in events)
    assert isinstance(customer, Customer) and isinstance(order, Order)
    return customer, order


def test_descriptor_names_the_platform_and_its_adapter() -> None:
    assert DESCRIPTOR.name == "amazon_sp" and DESCRIPTOR.webhook_topics == ()
    assert isinstance(DESCRIPTOR.adapter(currency="EUR"), AmazonSpAdapter)
    assert DESCRIPTOR.polled_entities == ("orders",) and DESCRIPTOR.needs_extra == {"orders": "marketplace_ids"}


def test_polled_order_maps_exact_money_utc_times_and_lines(adapter: AmazonSpAdapter) -> None:
    events = adapter.normalize("getOrders", order_row(), CONTEXT)
    data = [assert_contract(event) for event in events]
    customer, order = entities_of(events)
    assert [event.entity_type for event in events] == ["customer", "order"]
    assert data[1]["entity"]["total"] == {"amount": "41.97", "currency": "USD"}
    assert data[1]["entity"]["subtotal"] == {"amount": "41.97", "currency": "USD"}
    assert data[1]["entity"]["placed_at"] == "2025-11-02T08:15:30.250000Z"
    assert data[1]["entity"]["updated_at"] == "2025-11-03T10:00:00Z"
    assert [(line.sku, line.quantity, line.unit_price.amount) for line in order.line_items] == [
        ("MUG-BLUE", 3, Decimal("9.99")),
        ("TEA-50", 1, Decimal("12.00")),
    ]
    assert order.line_items[0].product_id == "B0TEST0001"
    assert (order.payment_status, order.fulfillment_status, order.cancelled_at) == ("paid", "fulfilled", None)
    assert order.email == customer.email == "q9x7kq2lm8v0f1@marketplace.amazon.com"
    assert order.customer_id == customer.id and order.is_guest
    version = datetime(2025, 11, 3, 10, tzinfo=UTC)
    assert events[1].idempotency_key == idempotency_key("amazon_sp", "amazon-1", "order", order.id, version)


@pytest.mark.parametrize(
    ("status", "payment", "fulfillment", "cancelled"),
    [
        ("PendingAvailability", "pending", "unfulfilled", False),
        ("Pending", "pending", "unfulfilled", False),
        ("Unshipped", "authorized", "unfulfilled", False),
        ("PartiallyShipped", "partially_paid", "partial", False),
        ("Shipped", "paid", "fulfilled", False),
        ("InvoiceUnconfirmed", "paid", "fulfilled", False),
        ("Canceled", "voided", None, True),
        ("Unfulfillable", "voided", "unfulfilled", False),
    ],
)
def test_status_table(
    adapter: AmazonSpAdapter, status: str, payment: str, fulfillment: str | None, cancelled: bool
) -> None:
    _, order = entities_of(adapter.normalize("getOrders", order_row(OrderStatus=status), CONTEXT))
    assert (order.payment_status, order.fulfillment_status) == (payment, fulfillment)
    assert order.cancelled_at == (order.updated_at if cancelled else None)


def test_a_pending_order_without_a_total_sums_its_lines_or_is_zero(adapter: AmazonSpAdapter) -> None:
    pending = order_row(OrderStatus="Pending", OrderTotal=None)
    _, order = entities_of(adapter.normalize("getOrders", pending, CONTEXT))
    assert order.total.amount == Decimal("41.97") and order.payment_status == "pending"

    unpriced = {**pending, "OrderItems": [{"SellerSKU": "MUG-BLUE", "QuantityOrdered": 2}]}
    _, order = entities_of(adapter.normalize("getOrders", unpriced, CONTEXT))
    assert (order.total.amount, order.total.currency) == (Decimal("0.00"), "USD")
    assert order.subtotal is None and order.line_items[0].title == "MUG-BLUE"

    with pytest.raises(NormalizationError, match=r"^OrderTotal: missing"):
        AmazonSpAdapter().normalize("getOrders", {**unpriced}, CONTEXT)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"OrderStatus": "Lost"}, "OrderStatus"),
        ({"OrderStatus": None}, "OrderStatus"),
        ({"LastUpdateDate": None}, "LastUpdateDate"),
        ({"LastUpdateDate": "2025-13-03T10:00:00Z"}, "LastUpdateDate"),
        ({"AmazonOrderId": None}, "AmazonOrderId"),
        ({"AmazonOrderId": 1.5}, "AmazonOrderId"),
        ({"OrderTotal": {"CurrencyCode": "USD", "Amount": 41.97}}, r"OrderTotal\.Amount"),
        ({"OrderTotal": {"CurrencyCode": "DOLLARS", "Amount": "41.97"}}, r"OrderTotal\.CurrencyCode"),
        ({"OrderTotal": "41.97"}, "OrderTotal"),
        ({"OrderItems": [{"Title": "x", "QuantityOrdered": "two"}]}, r"OrderItems\[0\]\.QuantityOrdered"),
        ({"OrderItems": [{"QuantityOrdered": 1, "ItemPrice": {"CurrencyCode": "EUR", "Amount": "1"}}]}, "line_items"),
        ({"OrderItems": "none"}, "order"),
    ],
)
def test_bad_input_names_the_field(adapter: AmazonSpAdapter, changes: dict[str, Any], field: str) -> None:
    with pytest.raises(NormalizationError, match=rf"^{field}\b"):
        adapter.normalize("getOrders", order_row(**changes), CONTEXT)


def test_a_malformed_purchase_date_is_dropped_alone(adapter: AmazonSpAdapter) -> None:
    _, order = entities_of(adapter.normalize("getOrders", order_row(PurchaseDate="yesterday"), CONTEXT))
    assert order.placed_at is None and order.updated_at == datetime(2025, 11, 3, 10, tzinfo=UTC)


def test_the_marketplace_buyer_is_never_marketable(adapter: AmazonSpAdapter) -> None:
    customer, _ = entities_of(adapter.normalize("getOrders", order_row(), CONTEXT))
    assert customer.tags == [MARKETPLACE_BUYER] and customer.is_guest
    assert (customer.email_consent, customer.sms_consent) == ("unsubscribed", "unsubscribed")
    for medium in ("email", "sms"):
        consent = eligibility.consent_of([customer], medium)
        # Even a flow that allows one reminder to non-subscribers stops here.
        assert eligibility.consent_exit(consent, allow_single_reminder=True, sent_in_run=0) == "unsubscribed"


def test_customer_ids_follow_the_relay_address_else_the_order(adapter: AmazonSpAdapter) -> None:
    first, _ = entities_of(adapter.normalize("getOrders", order_row(), CONTEXT))
    again = order_row(
        AmazonOrderId="113-5550001-0000043", BuyerInfo={"BuyerEmail": "Q9X7KQ2LM8V0F1@marketplace.amazon.com"}
    )
    second, _ = entities_of(adapter.normalize("getOrders", again, CONTEXT))
    anonymous, order = entities_of(adapter.normalize("getOrders", order_row(BuyerInfo=None), CONTEXT))
    assert first.id == second.id == customer_id_for("q9x7kq2lm8v0f1@marketplace.amazon.com", "ignored")
    assert first.id.startswith("buyer-") and "marketplace" not in first.id  # no address in the key
    assert anonymous.id == order.customer_id == "order-113-5550001-0000042" and anonymous.email is None


def test_envelopes_and_resources(adapter: AmazonSpAdapter) -> None:
    rows = [order_row(), order_row(AmazonOrderId="113-5550001-0000043")]
    listed = adapter.normalize_resource("orders", {"payload": {"Orders": rows}}, CONTEXT)
    single = adapter.normalize_resource("order", {"payload": rows[0]}, CONTEXT)
    assert [e.entity_id for e in listed if e.entity_type == "order"] == ["113-5550001-0000042", "113-5550001-0000043"]
    assert [e.entity_type for e in single] == ["customer", "order"]
    with pytest.raises(NormalizationError, match=r"^entity_type"):
        adapter.normalize_resource("customers", rows[0], CONTEXT)
    with pytest.raises(UnsupportedTopic, match=r"^topic"):
        adapter.normalize("orders/create", rows[0], CONTEXT)


def test_a_polled_body_round_trips_through_json(adapter: AmazonSpAdapter) -> None:
    """The poller enqueues ``json.dumps(row)``; ingest reads it back with ``loads``."""
    body = json.dumps(order_row())
    _, order = entities_of(adapter.normalize("getOrders", loads(body), CONTEXT))
    assert order.total.amount == Decimal("41.97")


def test_2026_orders_map_like_v0(adapter: AmazonSpAdapter) -> None:
    row = {
        "orderId": "113-5550001-0000077",
        "createdTime": "2025-12-01T09:00:00Z",
        "lastUpdatedTime": "2025-12-01T10:30:00+01:00",
        "buyer": {"buyerEmail": "zz81@marketplace.amazon.de"},
        "proceeds": {"grandTotal": {"amount": "30.00", "currencyCode": "EUR"}},
        "fulfillment": {"fulfillmentStatus": "PARTIALLY_SHIPPED"},
        "orderItems": [
            {"quantityOrdered": 2, "product": {"asin": "B0X", "sellerSku": "S-1", "title": "Socks"}}
            | {"product": {"sellerSku": "S-1", "price": {"unitPrice": {"amount": "15.00", "currencyCode": "EUR"}}}}
        ],
    }
    customer, order = entities_of(adapter.normalize("searchOrders", {"orders": [row]}, CONTEXT))
    assert order.updated_at == datetime(2025, 12, 1, 9, 30, tzinfo=UTC)
    assert (order.payment_status, order.fulfillment_status) == ("partially_paid", "partial")
    assert order.line_items[0].unit_price.amount == Decimal("15.00") and order.subtotal is not None
    assert order.subtotal.amount == Decimal("30.00") and customer.tags == [MARKETPLACE_BUYER]
    with pytest.raises(NormalizationError, match=r"^fulfillment\.fulfillmentStatus"):
        adapter.normalize("searchOrders", {**row, "fulfillment": {"fulfillmentStatus": "LOST"}}, CONTEXT)


def notification(**change: Any) -> dict[str, Any]:
    body = {
        "AmazonOrderId": "113-5550001-0000042",
        "SellerId": "AFAKESELLER01",
        "OrderChangeType": "OrderStatusChange",
        "OrderChangeTrigger": {"TimeOfOrderChange": "2025-11-04T07:00:00.500Z", "ChangeReason": "Order Canceled"},
        "Summary": {"OrderStatus": "Canceled", "MarketplaceId": "ATVPDKIKX0DER", "OrderItems": []},
    }
    envelope = {"NotificationType": "ORDER_CHANGE", "EventTime": "2025-11-04T07:00:02Z"}
    return {**envelope, "Payload": {"OrderChangeNotification": {**body, **change}}}


def test_order_change_names_the_order_to_fetch_and_builds_no_version_itself(adapter: AmazonSpAdapter) -> None:
    assert adapter.resource_refs("ORDER_CHANGE", notification()) == [ResourceRef("order", "113-5550001-0000042")]
    with pytest.raises(ThinPayload, match=r"^Payload: ORDER_CHANGE is a thin payload naming order 113-") as raised:
        adapter.normalize("ORDER_CHANGE", notification(), CONTEXT)
    assert raised.value.refs == [ResourceRef("order", "113-5550001-0000042")]
    fetched = order_row(OrderStatus="Canceled")  # what read("order", id) brings back
    assert adapter.resource_refs("ORDER_CHANGE", fetched) == []
    _, order = entities_of(adapter.normalize("ORDER_CHANGE", fetched, CONTEXT))
    assert order.cancelled_at == order.updated_at and order.total.amount == Decimal("41.97")
    assert adapter.resource_refs("getOrders", notification()) == []
    change = order_change(notification())
    assert (change.order_id, change.status, change.reason) == ("113-5550001-0000042", "Canceled", "Order Canceled")
    assert change.changed_at == datetime(2025, 11, 4, 7, 0, 0, 500000, tzinfo=UTC)
    untimed = order_change(notification(OrderChangeTrigger={"TimeOfOrderChange": None, "ChangeReason": "x"}))
    assert untimed.changed_at == datetime(2025, 11, 4, 7, 0, 2, tzinfo=UTC)  # EventTime instead


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        (notification(AmazonOrderId=None), "AmazonOrderId"),
        ({"NotificationType": "ANY_OFFER_CHANGED", "Payload": {}}, "NotificationType"),
        ({"NotificationType": "ORDER_CHANGE", "Payload": {}}, "OrderChangeNotification"),
        ([], "Payload"),
    ],
)
def test_bad_order_change_names_the_field(adapter: AmazonSpAdapter, payload: Any, field: str) -> None:
    with pytest.raises(NormalizationError, match=rf"^{field}\b") as raised:
        adapter.normalize("ORDER_CHANGE", payload, CONTEXT)
    assert not isinstance(raised.value, ThinPayload)


def test_corpus_order_items_merge_into_their_order(adapter: AmazonSpAdapter) -> None:
    path = CORPUS / "orders_v0_getOrderItems_example.json"
    if not path.is_file():
        pytest.skip(f"corpus not found at {CORPUS}")
    items = loads(path.read_bytes())["payload"]["OrderItems"]
    row = order_row(OrderTotal={"CurrencyCode": "JPY", "Amount": "43.94"}, OrderItems=items)
    _, order = entities_of(adapter.normalize("getOrders", row, CONTEXT))
    assert [(line.sku, line.quantity, line.unit_price.amount) for line in order.line_items] == [
        ("CBA_OTF_1", 1, Decimal("25.99")),
        ("CBA_OTF_5", 2, Decimal("8.975")),
    ]
    assert order.total.currency == "JPY"


def corpus_files() -> list[str]:
    return sorted(path.name for path in CORPUS.glob("*.json")) if CORPUS.is_dir() else []


@pytest.mark.skipif(not corpus_files(), reason=f"corpus not found at {CORPUS}")
@pytest.mark.parametrize("name", corpus_files() or ["none"])
def test_corpus_file(adapter: AmazonSpAdapter, name: str) -> None:
    if name in SKIPPED:
        pytest.skip(f"not an order: {SKIPPED[name]}")
    payload = loads((CORPUS / name).read_bytes())
    if name in SIGNALS:  # a thin payload: it names the order to fetch
        assert adapter.resource_refs("ORDER_CHANGE", payload) == [ResourceRef("order", "903-8868176-2219830")]
        change = order_change(payload)
        assert (change.status, change.reason) == ("Unshipped", "Buyer Requested Cancel")
        assert change.changed_at == datetime(2022, 11, 29, 19, 42, 4, 284000, tzinfo=UTC)
        with pytest.raises(ThinPayload):
            adapter.normalize("ORDER_CHANGE", payload, CONTEXT)
        return
    assert name in ORDERS, f"{name}: not classified: add it to ORDERS, SIGNALS or SKIPPED"
    events = adapter.normalize(ORDERS[name], payload, CONTEXT)
    assert events and len(events) % 2 == 0
    for event in events:
        assert_contract(event)
        if isinstance(event.entity, Customer):
            assert event.entity.email_consent == event.entity.sms_consent == "unsubscribed"


def test_an_order_keeps_only_the_buyers_shipping_country_and_never_a_consent(adapter: AmazonSpAdapter) -> None:
    address = {"Name": "Ann Buyer", "City": "Canton", "CountryCode": "us", "Phone": "+1 734 555 0100"}
    seller = {"Name": "Warehouse", "CountryCode": "DE"}
    row = order_row(ShippingAddress=address, DefaultShipFromLocationAddress=seller)
    customer, order = entities_of(adapter.normalize("getOrders", row, CONTEXT))
    assert (order.country, order.phone, order.email_consent) == ("US", None, "unknown")
    assert (customer.country, customer.phone, customer.email_consent) == (None, None, "unsubscribed")
    _, unknown = entities_of(adapter.normalize("getOrders", order_row(DefaultShipFromLocationAddress=seller), CONTEXT))
    assert unknown.country is None  # without the restricted role there is no shipping address; the seller's is not it
    recipient = {"deliveryAddress": {"countryCode": "GB", "phone": "+44 161 555 0100"}}
    row_2026 = {
        "orderId": "113-5550001-0000078",
        "lastUpdatedTime": "2025-12-01T10:30:00Z",
        "fulfillment": {"fulfillmentStatus": "SHIPPED"},
        "proceeds": {"grandTotal": {"amount": "30.00", "currencyCode": "GBP"}},
        "recipient": recipient,
    }
    _, newer = entities_of(adapter.normalize("searchOrders", {"orders": [row_2026]}, CONTEXT))
    assert (newer.country, newer.phone) == ("GB", None)
