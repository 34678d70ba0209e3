"""The Magento 2 adapter maps REST V1 items (what the poller reads) into the canonical model.

The corpus (../shared/corpus/magento2) is read in place; the other payloads here are invented, in the
shapes Magento documents.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from storeloom.domain.model import Cart, Customer, InventoryLevel, Order, Product
from storeloom.domain.types import loads
from storeloom.platforms.magento2 import DESCRIPTOR, Magento2Adapter
from storeloom.platforms.magento2.mapping import cart_line_item
from storeloom.services.platform_port import NormalizationError, NormalizeContext, UnsupportedTopic
from tests.unit.contract_checks import assert_contract

CORPUS = Path(__file__).resolve().parents[2] / "../shared/corpus/magento2"
RECEIVED = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
CONTEXT = NormalizeContext(store_id="m2-1", source="poll", received_at=RECEIVED)

# Corpus files by name prefix: the --resource they are, or why they are not mapped.
CORPUS_KINDS = {
    "rest_v1_order_get": "orders",
    "rest_v1_customer_created": "customers",
    "rest_v1_customers_search": "customers",
    "rest_v1_inventory_source_items_search": "inventory",
    "rest_v1_cart_item_added": "cart item",
}
CORPUS_SKIPPED = {
    "rest_v1_cart_estimate_shipping_methods": "shipping estimates are no canonical entity",
    "rest_v1_cart_shipping_information_totals": "checkout totals: no quote id or updated_at, and carts/search has none",
    "rest_v1_invoice_get": "invoices are read through their order (total_paid)",
}


def corpus_files() -> list[str]:
    return sorted(path.name for path in CORPUS.glob("*.json")) if CORPUS.is_dir() else []


def kind_of(name: str, table: dict[str, str]) -> str | None:
    return next((kind for prefix, kind in table.items() if name.startswith(prefix)), None)


def corpus(name: str) -> Any:
    return loads((CORPUS / name).read_bytes())


def convert(value: Any) -> Any:
    """An invented payload as ``loads`` reads Magento's JSON: numbers become Decimal, never float."""
    return loads(json.dumps(value))


@pytest.fixture
def adapter() -> Magento2Adapter:
    return Magento2Adapter(currency="USD")


def one(adapter: Magento2Adapter, resource: str, payload: Any) -> Any:
    [event] = adapter.normalize_resource(resource, convert(payload), CONTEXT)
    assert_contract(event)
    return event.entity


@pytest.mark.skipif(not corpus_files(), reason=f"corpus not found at {CORPUS}")
@pytest.mark.parametrize("name", corpus_files() or ["none"])
def test_every_corpus_file_of_a_supported_kind_maps(adapter: Magento2Adapter, name: str) -> None:
    skipped = kind_of(name, CORPUS_SKIPPED)
    if skipped:
        pytest.skip(f"unsupported kind: {skipped}")
    kind = kind_of(name, CORPUS_KINDS)
    assert kind is not None, f"{name}: not classified: add it to CORPUS_KINDS or CORPUS_SKIPPED"
    payload = corpus(name)
    if kind == "cart item":
        line = cart_line_item(payload, "USD", "items[0]")
        assert line.sku == payload["sku"] and line.quantity == payload["qty"] and line.title == payload["name"]
        assert line.unit_price.amount == Decimal(str(payload["price"]))
        return
    events = adapter.normalize_resource(kind, payload, CONTEXT)
    assert events, f"{name}: no events"
    for event in events:
        assert_contract(event)


@pytest.mark.skipif(not corpus_files(), reason=f"corpus not found at {CORPUS}")
def test_corpus_registered_order_with_bundle_and_configurable(adapter: Magento2Adapter) -> None:
    [event] = adapter.normalize_resource("orders", corpus("rest_v1_order_get_registered_bundle.json"), CONTEXT)
    data = assert_contract(event)
    order = event.entity
    assert isinstance(order, Order)
    assert (order.id, order.number, order.customer_id, order.cart_id) == ("3", "000000003", "3", "4")
    assert order.email == "jdoe@example.com" and not order.is_guest
    assert (order.payment_status, order.fulfillment_status, order.cancelled_at) == ("pending", "unfulfilled", None)
    assert data["entity"]["total"] == {"amount": "165", "currency": "USD"}
    assert (
        data["entity"]["updated_at"] == "2017-08-21T22:22:20Z" and data["entity"]["placed_at"] == "2017-08-21T22:22:19Z"
    )
    # Nine rows: the bundle's four parts and the configurable's child are not counted again.
    assert [line.sku for line in order.line_items] == [
        "WS12-M-Orange",
        "240-LV08",
        "24-WG080-24-WG084-24-WG088-24-WG082-blue-24-WG086",
        "MH01-S-Gray",
    ]
    assert sum(line.unit_price.amount * line.quantity for line in order.line_items) == Decimal(160)
    hoodie = order.line_items[-1]
    assert (hoodie.product_id, hoodie.variant_id) == ("67", "56")  # the configurable and its child


@pytest.mark.skipif(not corpus_files(), reason=f"corpus not found at {CORPUS}")
def test_corpus_customers_and_source_items(adapter: Magento2Adapter) -> None:
    [searched] = adapter.normalize_resource("customers", corpus("rest_v1_customers_search.json"), CONTEXT)
    assert isinstance(searched.entity, Customer)
    assert (searched.entity.id, searched.entity.phone) == ("1", "(555) 229-3326")  # the default billing address
    [tutorial] = adapter.normalize_resource(
        "customers", corpus("rest_v1_customer_created_inventory_tutorial.json"), CONTEXT
    )
    assert isinstance(tutorial.entity, Customer) and tutorial.entity.email_consent == "not_subscribed"
    levels = adapter.normalize_resource("inventory", corpus("rest_v1_inventory_source_items_search.json"), CONTEXT)
    assert [event.entity_id for event in levels] == ["new_product2@central", "new_product2@east"]
    assert all(isinstance(e.entity, InventoryLevel) and e.entity.updated_at == RECEIVED for e in levels)


def order_row(**changes: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "entity_id": 41,
        "increment_id": "000000041",
        "state": "processing",
        "status": "processing",
        "quote_id": 4041,
        "customer_id": 7,
        "customer_is_guest": 0,
        "customer_email": " Ann@Example.ORG ",
        "order_currency_code": "eur",
        "base_currency_code": "USD",
        "subtotal": 40,
        "discount_amount": -4.5,
        "grand_total": 40.5,
        "base_grand_total": 44.1,
        "total_paid": 40.5,
        "created_at": "2026-01-04 09:00:00",
        "updated_at": "2026-01-04 09:30:15",
        "items": [
            {"item_id": 1, "product_id": 11, "product_type": "simple", "sku": "MUG", "name": "Mug"}
            | {"price": 20, "qty_ordered": 2, "qty_shipped": 0, "is_virtual": 0},
        ],
        "payment": {"method": "checkmo"},
    }
    return row | changes


def test_a_paid_order_in_its_own_currency(adapter: Magento2Adapter) -> None:
    order = one(adapter, "orders", order_row())
    assert (order.payment_status, order.fulfillment_status) == ("paid", "unfulfilled")
    assert order.total.currency == "EUR" and order.total.amount == Decimal("40.5")  # never the base amount
    assert order.discount_total.amount == Decimal("4.5")  # Magento's discount_amount is negative
    assert order.email == "ann@example.org" and order.customer_id == "7"
    assert order.updated_at == datetime(2026, 1, 4, 9, 30, 15, tzinfo=UTC)  # zone-less text is UTC


@pytest.mark.parametrize(
    ("changes", "payment", "fulfillment"),
    [
        ({"state": "new", "status": "pending", "total_paid": None}, "pending", "unfulfilled"),
        ({"state": "complete", "status": "complete"}, "paid", "fulfilled"),
        ({"state": "closed", "status": "closed", "total_refunded": 40.5}, "refunded", "unfulfilled"),
        ({"total_refunded": 10}, "partially_refunded", "unfulfilled"),
        ({"total_paid": 20}, "partially_paid", "unfulfilled"),
        (
            {"state": "payment_review", "total_paid": None, "payment": {"amount_authorized": 40.5}},
            "authorized",
            "unfulfilled",
        ),
        ({"state": "holded", "status": "fraud_hold"}, "paid", "unfulfilled"),
    ],
)
def test_state_and_amounts_give_the_canonical_statuses(
    adapter: Magento2Adapter, changes: dict[str, Any], payment: str, fulfillment: str
) -> None:
    order = one(adapter, "orders", order_row(**changes))
    assert (order.payment_status, order.fulfillment_status) == (payment, fulfillment)


def test_partly_shipped_order_is_partial(adapter: Magento2Adapter) -> None:
    second = {
        "item_id": 2,
        "product_id": 12,
        "sku": "CUP",
        "name": "Cup",
        "price": 0.5,
        "qty_ordered": 1,
        "qty_shipped": 0,
    }
    items = [{**order_row()["items"][0], "qty_shipped": 2}, second]
    assert one(adapter, "orders", order_row(items=items)).fulfillment_status == "partial"
    virtual = [{**order_row()["items"][0], "is_virtual": 1}]
    assert one(adapter, "orders", order_row(items=virtual)).fulfillment_status == "unfulfilled"


def test_a_cancelled_order_keeps_its_payment_status_and_is_dated(adapter: Magento2Adapter) -> None:
    unpaid = one(adapter, "orders", order_row(state="canceled", status="canceled", total_paid=None))
    assert unpaid.payment_status == "pending" and unpaid.cancelled_at == unpaid.updated_at
    authorized = order_row(state="canceled", total_paid=None, payment={"amount_authorized": 40.5})
    assert one(adapter, "orders", authorized).payment_status == "voided"


def test_a_guest_order_has_no_customer_id(adapter: Magento2Adapter) -> None:
    guest = order_row(customer_is_guest=1, customer_email=None, billing_address={"email": "Guest@Example.net"})
    del guest["customer_id"]
    order = one(adapter, "orders", guest)
    assert order.is_guest and order.customer_id is None and order.email == "guest@example.net"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"state": "shipped"}, "state"),
        ({"state": None}, "state"),
        ({"grand_total": None}, "grand_total"),
        ({"grand_total": "forty"}, "grand_total"),
        ({"updated_at": None}, "updated_at"),
        ({"updated_at": "yesterday"}, "updated_at"),
        ({"order_currency_code": "EURO"}, "currency"),
        ({"entity_id": None}, "entity_id"),
        ({"items": [{"name": "Mug", "price": 1}]}, r"items\[0\]\.qty_ordered"),
        ({"items": "Mug"}, "order"),
    ],
)
def test_bad_orders_are_refused_naming_the_field(adapter: Magento2Adapter, changes: dict[str, Any], field: str) -> None:
    with pytest.raises(NormalizationError, match=rf"^{field}\b"):
        adapter.normalize_resource("orders", convert(order_row(**changes)), CONTEXT)


def test_a_float_amount_is_refused(adapter: Magento2Adapter) -> None:
    row = convert(order_row()) | {"grand_total": 40.5}  # a plain json.loads would have given this float
    with pytest.raises(NormalizationError, match=r"^grand_total: money must not be a float"):
        adapter.normalize_resource("orders", row, CONTEXT)


def quote_row(**changes: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": 3005,
        "created_at": "2026-01-05 08:00:00",
        "updated_at": "2026-01-05 08:20:00",
        "is_active": True,
        "items": [
            {"item_id": 71, "sku": "MUG", "qty": 2, "name": "Mug", "price": 19.99, "product_type": "simple"}
            | {"quote_id": "3005"}
        ],
        "items_count": 1,
        "customer": {"id": 7, "email": "Ann@Example.org", "firstname": "Ann"},
        "currency": {"base_currency_code": "USD", "quote_currency_code": "GBP"},
        "customer_is_guest": False,
    }
    return row | changes


def test_an_active_quote_is_a_cart(adapter: Magento2Adapter) -> None:
    cart = one(adapter, "carts", quote_row())
    assert isinstance(cart, Cart)
    assert (cart.id, cart.customer_id, cart.email) == ("3005", "7", "ann@example.org")
    assert cart.subtotal is not None and (cart.subtotal.amount, cart.subtotal.currency) == (Decimal("39.98"), "GBP")
    assert cart.total is None and cart.completed_at is None and cart.order_id is None
    assert [(line.sku, line.quantity, line.product_id) for line in cart.line_items] == [("MUG", 2, None)]


def test_a_guest_quote_takes_the_billing_email(adapter: Magento2Adapter) -> None:
    guest = quote_row(
        customer_is_guest=True, customer={"id": None, "email": None}, billing_address={"email": "g@x.org"}
    )
    cart = one(adapter, "carts", guest)
    assert cart.customer_id is None and cart.email == "g@x.org"


def test_an_order_and_the_quote_it_came_from_share_the_cart_id(adapter: Magento2Adapter) -> None:
    order = one(adapter, "orders", order_row(quote_id=3005))
    assert order.cart_id == one(adapter, "carts", quote_row()).id


def test_a_quote_without_a_currency_anywhere_is_refused() -> None:
    with pytest.raises(NormalizationError, match=r"^currency: missing, needed for items\[0\]\.price"):
        Magento2Adapter().normalize_resource("carts", convert(quote_row(currency=None)), CONTEXT)


def product_row(**changes: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": 12,
        "sku": "MUG-BLUE",
        "name": "Blue mug",
        "price": 19.5,
        "status": 1,
        "type_id": "simple",
        "updated_at": "2026-01-03 10:00:00",
        "extension_attributes": {
            "category_links": [{"position": 0, "category_id": "3"}],
            "stock_item": {"qty": 0, "is_in_stock": False},
        },
    }
    return row | changes


def test_a_simple_product_is_its_own_variant_with_the_sku(adapter: Magento2Adapter) -> None:
    product = one(adapter, "products", product_row())
    assert isinstance(product, Product)
    assert (product.id, product.title, product.status, product.categories) == ("12", "Blue mug", "enabled", ["3"])
    [variant] = product.variants
    assert (variant.id, variant.sku, variant.inventory_quantity, variant.in_stock) == ("12", "MUG-BLUE", 0, False)
    assert variant.price is not None and variant.price.amount == Decimal("19.5")


def test_product_price_needs_the_store_currency_and_stock_defaults_to_the_status() -> None:
    bare = Magento2Adapter()
    [event] = bare.normalize_resource("products", convert(product_row(status=2, extension_attributes={})), CONTEXT)
    assert isinstance(event.entity, Product)
    [variant] = event.entity.variants
    assert variant.price is None and not variant.in_stock and event.entity.status == "disabled"


def test_a_configurable_product_has_no_variant_of_its_own(adapter: Magento2Adapter) -> None:
    assert one(adapter, "products", product_row(type_id="configurable")).variants == []


def test_a_product_without_an_id_is_refused(adapter: Magento2Adapter) -> None:
    with pytest.raises(NormalizationError, match=r"^id: missing id"):
        adapter.normalize_resource("products", convert(product_row(id=None)), CONTEXT)


def test_customer_consent_follows_is_subscribed(adapter: Magento2Adapter) -> None:
    row = {"id": 5, "email": "Bo@Example.org", "updated_at": "2026-01-02 01:02:03"}
    assert one(adapter, "customers", row).email_consent == "unknown"
    subscribed = one(adapter, "customers", row | {"extension_attributes": {"is_subscribed": True}})
    assert subscribed.email_consent == "subscribed" and subscribed.email == "bo@example.org"


def test_an_out_of_stock_source_item_has_nothing_available(adapter: Magento2Adapter) -> None:
    level = one(adapter, "inventory", {"sku": "MUG", "source_code": "east", "quantity": 4, "status": 0})
    assert (level.item_id, level.location_id, level.available) == ("MUG", "east", 0)


def test_polled_topics_are_the_listings_and_there_are_no_webhooks(adapter: Magento2Adapter) -> None:
    [event] = adapter.normalize("V1/orders", convert(order_row()), CONTEXT)
    assert event.entity_type == "order" and event.action == "updated"
    assert adapter.topics == {
        "V1/orders",
        "V1/customers/search",
        "V1/products",
        "V1/carts/search",
        "V1/inventory/source-items",
    }
    assert DESCRIPTOR.webhook_topics == () and adapter.topic_from_headers({"x-topic": "orders"}) is None
    with pytest.raises(UnsupportedTopic):
        adapter.normalize("sales_order_save_after", convert(order_row()), CONTEXT)


def test_a_search_answer_gives_its_items_and_an_order_is_not_its_own_items(adapter: Magento2Adapter) -> None:
    answer = {"items": [order_row(), order_row(entity_id=42)], "search_criteria": {}, "total_count": 2}
    assert [e.entity_id for e in adapter.normalize_resource("orders", convert(answer), CONTEXT)] == ["41", "42"]
    assert [e.entity_id for e in adapter.normalize("V1/orders", convert(order_row()), CONTEXT)] == ["41"]


# --- contact, country and related products ---------------------------------------------------------------


def test_an_order_has_the_billing_telephone_and_country_else_the_shipping_country(adapter: Magento2Adapter) -> None:
    shipping = {"shipping_assignments": [{"shipping": {"address": {"country_id": "AT", "telephone": "+43 1 555"}}}]}
    billed = one(adapter, "orders", order_row(billing_address={"telephone": "030 555 01", "country_id": "de"}))
    shipped = one(adapter, "orders", order_row(billing_address={}, extension_attributes=shipping))
    assert (billed.phone, billed.country, billed.email_consent) == ("030 555 01", "DE", "unknown")
    assert (shipped.phone, shipped.country) == (None, "AT")  # the telephone of a shipping address is not kept
    assert one(adapter, "orders", order_row()).country is None


def test_a_customer_country_is_the_default_billing_addresses(adapter: Magento2Adapter) -> None:
    addresses = [{"id": 8, "country_id": "GB"}, {"id": 9, "country_id": "IE", "telephone": "+353 1 555"}]
    row = {"id": 5, "email": "bo@example.org", "updated_at": "2026-01-02 01:02:03", "addresses": addresses}
    assert one(adapter, "customers", row | {"default_billing": "9"}).country == "IE"
    assert one(adapter, "customers", row).country == "GB"  # no default: the first address
    assert one(adapter, "customers", row | {"addresses": []}).country is None


def test_product_links_give_the_related_upsell_and_cross_sell_skus_each_once(adapter: Magento2Adapter) -> None:
    links = [
        {"sku": "MUG-BLUE", "link_type": "upsell", "linked_product_sku": "MUG-XL", "position": 1},
        {"sku": "MUG-BLUE", "link_type": "related", "linked_product_sku": "SAUCER", "position": 1},
        {"sku": "MUG-BLUE", "link_type": "crosssell", "linked_product_sku": "MUG-XL", "position": 2},
        {"sku": "MUG-BLUE", "link_type": "associated", "linked_product_sku": "MUG-PART", "position": 3},
    ]
    product = one(adapter, "products", product_row(product_links=links))
    # Magento names the linked products by SKU only, so there are no ids to give.
    assert (product.related_skus, product.related_product_ids) == (["MUG-XL", "SAUCER"], [])
    assert one(adapter, "products", product_row()).related_skus == []
