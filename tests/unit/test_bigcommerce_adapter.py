"""The BigCommerce adapter: thin webhooks say what to fetch, V2 orders and V3 customers, products and carts map
into the canonical model, and the shared corpus maps file by file."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from storeloom.domain.model import Cart, Customer, Order, Product, idempotency_key
from storeloom.domain.types import loads
from storeloom.platforms.bigcommerce import DESCRIPTOR, BigCommerceAdapter
from storeloom.platforms.bigcommerce.adapter import ROUTES
from storeloom.platforms.bigcommerce.api_client import RESOURCES
from storeloom.services.platform_port import (
    NormalizationError,
    NormalizeContext,
    ResourceRef,
    ThinPayload,
    UnsupportedTopic,
)
from tests.unit.contract_checks import assert_contract

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus" / "bigcommerce"
RECEIVED = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
CONTEXT = NormalizeContext(store_id="bc-1", source="webhook", received_at=RECEIVED, platform_event_id="msg_7")
# Corpus files by name prefix: the canonical entity each one's API response holds.
CORPUS_KINDS = {"rest_v2_orders_list": "order", "rest_v2_product_single": "product"}

# Invented payloads in the documented shapes (orders.v2, customers.v3, products_catalog.v3, carts.v3).
ORDER: dict[str, Any] = {
    "id": 250,
    "customer_id": 32,
    "date_created": "Mon, 05 Jan 2026 09:30:00 +0100",
    "date_modified": "Mon, 05 Jan 2026 11:15:30 +0000",
    "status_id": 11,
    "status": "Awaiting Fulfillment",
    "subtotal_inc_tax": "42.5000",
    "total_inc_tax": "47.5000",
    "discount_amount": "1.0000",
    "coupon_discount": "2.5000",
    "refunded_amount": "0.0000",
    "items_total": 3,
    "items_shipped": 0,
    "payment_status": "captured",
    "currency_code": "EUR",
    "default_currency_code": "EUR",
    "cart_id": "d30016e2-23c0-4a90-884f-2e92ac135476",
    "billing_address": {"first_name": "Ines", "email": " Ines.Moreau@Example.ORG "},
    "products": {"url": "https://api.bigcommerce.com/stores/ab12cd/v2/orders/250/products", "resource": "/x"},
    "consignments": {
        "shipping": [
            {
                "id": 1,
                "line_items": [
                    {"id": 11, "product_id": 77, "variant_id": 177, "name": "Enamel mug", "sku": "MUG-BLUE"}
                    | {"quantity": 2, "base_price": "12.0000", "price_inc_tax": "12.5000"},
                ],
            }
        ],
        "pickups": [],
        "downloads": [{"id": 2, "line_items": [{"id": 12, "product_id": 0, "variant_id": 0, "name": "Gift note"}]}],
        "email": {"gift_certificates": []},
    },
}
ORDER["consignments"]["downloads"][0]["line_items"][0] |= {"quantity": 1, "price_inc_tax": "17.5000"}
CUSTOMER: dict[str, Any] = {
    "id": 32,
    "email": "Ines.Moreau@example.org",
    "first_name": "Ines",
    "last_name": "Moreau",
    "phone": "+33 6 12 34 56 78",
    "date_created": "2025-11-02T08:00:00Z",
    "date_modified": "2026-01-05T11:00:00Z",
    "accepts_product_review_abandoned_cart_emails": True,
}
PRODUCT: dict[str, Any] = {
    "id": 77,
    "name": "Enamel mug",
    "price": loads("12.50"),
    "inventory_tracking": "variant",
    "inventory_level": 4,
    "availability": "available",
    "categories": [23, 24],
    "custom_url": {"url": "/enamel-mug/", "is_customized": False},
    "date_modified": "2026-01-05T10:00:00+00:00",
    "images": [
        {"url_standard": "https://cdn.example/77-side.jpg", "is_thumbnail": False},
        {"url_standard": "https://cdn.example/77.jpg", "is_thumbnail": True},
    ],
    "variants": [
        {"id": 177, "sku": "MUG-BLUE", "price": None, "inventory_level": 4, "purchasing_disabled": False}
        | {"option_values": [{"label": "Blue", "option_display_name": "Colour"}]},
        {"id": 178, "sku": "MUG-RED", "price": loads("14.00"), "inventory_level": 0, "purchasing_disabled": False}
        | {"option_values": [{"label": "Red", "option_display_name": "Colour"}]},
    ],
}
CART: dict[str, Any] = {
    "id": "09346904-4175-44fd-be53-f7e598531b6c",
    "customer_id": 0,
    "email": "guest@example.org",
    "currency": {"code": "usd"},
    "base_amount": loads("37.5"),
    "cart_amount": loads("35.00"),
    "line_items": {
        "physical_items": [
            {"id": "a1", "product_id": 77, "variant_id": 177, "sku": "MUG-BLUE", "name": "Enamel mug", "quantity": 3}
            | {"list_price": loads("12.5"), "sale_price": loads("11.6667"), "image_url": "https://cdn.example/77.jpg"}
        ],
        "digital_items": [],
        "custom_items": [{"id": "c1", "sku": "NOTE", "name": "Card", "quantity": 1, "list_price": 0}],
    },
    "created_time": "2026-01-05T10:00:00+00:00",
    "updated_time": "2026-01-05T10:20:00+00:00",
}


def thin(topic: str, data: dict[str, Any], created_at: int | None = 1767610000) -> dict[str, Any]:
    body: dict[str, Any] = {"scope": topic, "store_id": "1025646", "data": data, "hash": "dd70c0976e06b67a"}
    body |= {"producer": "stores/ab12cd"} | ({"created_at": created_at} if created_at is not None else {})
    return body


@pytest.fixture
def adapter() -> BigCommerceAdapter:
    return BigCommerceAdapter(currency="USD")


def the(adapter: BigCommerceAdapter, topic: str, payload: Any) -> Any:
    [event] = adapter.normalize(topic, payload, CONTEXT)
    assert_contract(event)
    return event


# Thin webhooks


@pytest.mark.parametrize(
    ("topic", "data", "ref"),
    [
        ("store/order/created", {"type": "order", "id": 250}, ("order", "250")),
        ("store/order/statusUpdated", {"type": "order", "id": 250, "status": {"new_status_id": 11}}, ("order", "250")),
        ("store/cart/created", {"type": "cart", "id": CART["id"]}, ("cart", CART["id"])),
        ("store/cart/abandoned", {"type": "cart", "id": CART["id"]}, ("cart", CART["id"])),
        ("store/cart/lineItem/updated", {"type": "cart_line_item", "id": "743b", "cartId": "b038"}, ("cart", "b038")),
        ("store/customer/updated", {"type": "customer", "id": 32}, ("customer", "32")),
        (
            "store/customer/address/created",
            {"type": "customer", "id": 60, "address": {"customer_id": 32}},
            ("customer", "32"),
        ),
        ("store/product/updated", {"type": "product", "id": 205, "properties": ["warranty"]}, ("product", "205")),
        (
            "store/product/inventory/updated",
            {"type": "product", "id": 167, "inventory": {"value": 3}},
            ("product", "167"),
        ),
        (
            "store/sku/updated",
            {"type": "sku", "id": 461, "sku": {"product_id": 206, "variant_id": 509}},
            ("product", "206"),
        ),
        (
            "store/sku/inventory/updated",
            {"type": "sku", "id": 461, "inventory": {"product_id": 206}},
            ("product", "206"),
        ),
    ],
)
def test_a_thin_webhook_names_the_resource_to_fetch(
    adapter: BigCommerceAdapter, topic: str, data: dict[str, Any], ref: tuple[str, str]
) -> None:
    payload = thin(topic, data)

    assert adapter.resource_refs(topic, payload) == [ResourceRef(*ref)]  # type: ignore[arg-type]
    with pytest.raises(ThinPayload, match=f"{ref[0]} {ref[1]}") as raised:
        adapter.normalize(topic, payload, CONTEXT)
    assert raised.value.refs == [ResourceRef(*ref)]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("topic", "entity"),
    [
        ("store/product/deleted", "product"),
        ("store/customer/deleted", "customer"),
        ("store/cart/deleted", "cart"),
        ("store/order/archived", "order"),
    ],
)
def test_a_delete_needs_no_fetch_and_is_versioned_by_the_webhook_id(
    adapter: BigCommerceAdapter, topic: str, entity: str
) -> None:
    payload = thin(topic, {"type": entity, "id": 205})

    assert adapter.resource_refs(topic, payload) == []
    event = the(adapter, topic, payload)
    assert (event.action, event.entity_type, event.entity_id, event.entity) == ("deleted", entity, "205", None)
    assert event.idempotency_key == idempotency_key("bigcommerce", "bc-1", entity, "205", "msg_7")


def test_a_converted_cart_is_not_fetched_but_marked_completed_by_its_order(adapter: BigCommerceAdapter) -> None:
    payload = thin("store/cart/converted", {"type": "cart", "id": CART["id"], "orderId": 252}, created_at=1767610000)

    assert adapter.resource_refs("store/cart/converted", payload) == []
    event = the(adapter, "store/cart/converted", payload)
    cart = event.entity
    assert isinstance(cart, Cart) and cart.id == CART["id"] and cart.order_id == "252"
    assert cart.completed_at == cart.updated_at == datetime.fromtimestamp(1767610000, UTC)
    retried = the(adapter, "store/cart/converted", copy.deepcopy(payload))
    assert retried.idempotency_key == event.idempotency_key  # a retry is the same version


def test_a_converted_cart_without_its_event_time_takes_the_receipt_time(adapter: BigCommerceAdapter) -> None:
    payload = thin("store/cart/converted", {"type": "cart", "id": "c-1", "orderId": 9}, created_at=None)

    assert the(adapter, "store/cart/converted", payload).entity.updated_at == RECEIVED


@pytest.mark.parametrize(
    ("topic", "data", "field"),
    [
        ("store/order/updated", {"type": "order"}, "data.id"),
        ("store/order/updated", {"type": "order", "id": 2.5}, "data.id"),
        ("store/cart/lineItem/created", {"type": "cart_line_item", "id": "x"}, "data.cartId"),
        ("store/cart/converted", {"type": "cart", "id": "c-1"}, "data.orderId"),
        ("store/customer/address/deleted", {"id": 60, "address": 32}, "data.address.customer_id"),
    ],
)
def test_a_thin_payload_without_its_id_names_the_field(
    adapter: BigCommerceAdapter, topic: str, data: dict[str, Any], field: str
) -> None:
    with pytest.raises(NormalizationError, match=rf"^{field}\b"):
        adapter.normalize(topic, loads(json.dumps(thin(topic, data))), CONTEXT)


def test_an_unknown_topic_is_unsupported(adapter: BigCommerceAdapter) -> None:
    with pytest.raises(UnsupportedTopic, match="store/brand/metafield/created"):
        adapter.resource_refs("store/brand/metafield/created", thin("store/brand/metafield/created", {}))


def test_the_topic_is_not_in_the_headers_and_the_event_id_is_the_webhook_id(adapter: BigCommerceAdapter) -> None:
    headers = {"webhook-id": "msg_7", "webhook-timestamp": "1767610000"}

    assert adapter.topic_from_headers(headers) is None
    assert adapter.platform_event_id(headers) == "msg_7"
    assert set(DESCRIPTOR.webhook_topics) <= adapter.topics
    assert all(route.entity in ("order", "cart", "customer", "product") for route in ROUTES.values())


# Fetched and polled resources


def test_an_order_maps_with_exact_money_utc_times_and_its_consignment_lines(adapter: BigCommerceAdapter) -> None:
    event = the(adapter, "store/order/created", loads(json.dumps(ORDER)))
    data = assert_contract(event)
    order = event.entity
    assert isinstance(order, Order) and event.action == "created"
    assert (order.id, order.number, order.customer_id, order.is_guest) == ("250", "250", "32", False)
    assert order.email == "ines.moreau@example.org" and order.cart_id == ORDER["cart_id"]
    assert (order.payment_status, order.fulfillment_status, order.cancelled_at) == ("paid", "unfulfilled", None)
    assert (
        data["entity"]["placed_at"] == "2026-01-05T08:30:00Z" and data["entity"]["updated_at"] == "2026-01-05T11:15:30Z"
    )
    assert data["entity"]["total"] == {"amount": "47.5000", "currency": "EUR"}
    assert data["entity"]["subtotal"] == {"amount": "42.5000", "currency": "EUR"}
    assert data["entity"]["discount_total"] == {"amount": "3.5000", "currency": "EUR"}
    [mug, note] = order.line_items
    assert (mug.product_id, mug.variant_id, mug.sku, mug.quantity) == ("77", "177", "MUG-BLUE", 2)
    assert str(mug.unit_price.amount) == "12.5000"  # price_inc_tax, not base_price
    assert (note.product_id, note.variant_id, note.title) == (None, None, "Gift note")
    assert event.idempotency_key == idempotency_key("bigcommerce", "bc-1", "order", "250", order.updated_at)


@pytest.mark.parametrize(
    ("status_id", "payment", "fulfillment"),
    [
        (0, "pending", "unfulfilled"),
        (1, "pending", "unfulfilled"),
        (2, "paid", "fulfilled"),
        (3, "paid", "partial"),
        (4, "refunded", "unfulfilled"),
        (6, "failed", "unfulfilled"),
        (7, "pending", "unfulfilled"),
        (8, "paid", "unfulfilled"),
        (9, "paid", "unfulfilled"),
        (10, "paid", "fulfilled"),
        (12, "pending", "unfulfilled"),
        (13, "paid", "unfulfilled"),
        (14, "partially_refunded", "unfulfilled"),
    ],
)
def test_status_table(adapter: BigCommerceAdapter, status_id: int, payment: str, fulfillment: str) -> None:
    order = the(adapter, "store/order/updated", {**loads(json.dumps(ORDER)), "status_id": status_id}).entity

    assert (order.payment_status, order.fulfillment_status, order.cancelled_at) == (payment, fulfillment, None)


@pytest.mark.parametrize(("word", "payment"), [("captured", "paid"), ("void", "voided"), ("", "pending")])
def test_a_cancelled_order_keeps_the_payment_its_payment_status_names(
    adapter: BigCommerceAdapter, word: str, payment: str
) -> None:
    payload = {**loads(json.dumps(ORDER)), "status_id": 5, "status": "Cancelled", "payment_status": word}

    order = the(adapter, "store/order/updated", payload).entity

    assert order.payment_status == payment and order.cancelled_at == order.updated_at


def test_an_order_only_authorized_is_authorized_and_shipped_counts_say_partial(adapter: BigCommerceAdapter) -> None:
    disputed = {**loads(json.dumps(ORDER)), "status_id": 13, "items_shipped": 1}

    order = the(adapter, "store/order/updated", disputed).entity

    assert (order.payment_status, order.fulfillment_status) == ("paid", "partial")
    authorized = {**disputed, "status_id": 11, "payment_status": "authorized"}
    order = the(adapter, "store/order/updated", authorized).entity
    assert (order.payment_status, order.fulfillment_status) == ("authorized", "unfulfilled")


def test_a_guest_order_in_a_display_currency_uses_the_transactional_one(adapter: BigCommerceAdapter) -> None:
    payload = {**loads(json.dumps(ORDER)), "customer_id": 0, "currency_code": "GBP", "default_currency_code": "EUR"}
    payload |= {"products": [{"id": 1, "product_id": 5, "name": "Tea", "quantity": 1, "base_price": "3.0000"}]}
    del payload["consignments"]

    order = the(adapter, "store/order/updated", payload).entity

    assert order.is_guest and order.customer_id is None and order.total.currency == "EUR"
    assert [(line.title, str(line.unit_price.amount)) for line in order.line_items] == [("Tea", "3.0000")]


def test_a_customer_maps_with_its_abandoned_cart_consent(adapter: BigCommerceAdapter) -> None:
    customer = the(adapter, "store/customer/updated", {"data": [CUSTOMER]}).entity

    assert isinstance(customer, Customer) and customer.email == "ines.moreau@example.org"
    assert (customer.email_consent, customer.sms_consent, customer.is_guest) == ("subscribed", "unknown", False)
    assert customer.updated_at == datetime(2026, 1, 5, 11, tzinfo=UTC)
    refused = {**CUSTOMER, "accepts_product_review_abandoned_cart_emails": False}
    assert the(adapter, "store/customer/updated", refused).entity.email_consent == "not_subscribed"
    unstated = {name: value for name, value in CUSTOMER.items() if not name.startswith("accepts")}
    assert the(adapter, "store/customer/updated", unstated).entity.email_consent == "unknown"


def test_a_product_maps_its_variants_stock_and_inherited_prices(adapter: BigCommerceAdapter) -> None:
    product = the(adapter, "store/product/updated", {"data": PRODUCT, "meta": {}}).entity

    assert isinstance(product, Product) and (product.id, product.title, product.status) == (
        "77",
        "Enamel mug",
        "available",
    )
    assert product.image_url == "https://cdn.example/77.jpg" and product.categories == ["23", "24"]
    assert product.url is None  # custom_url is a path without the storefront's domain
    blue, red = product.variants
    assert blue.price is not None and red.price is not None
    assert (blue.title, str(blue.price.amount), blue.inventory_quantity, blue.in_stock) == ("Blue", "12.50", 4, True)
    assert (red.title, str(red.price.amount), red.inventory_quantity, red.in_stock) == ("Red", "14.00", 0, False)


@pytest.mark.parametrize(
    ("changes", "in_stock"),
    [
        ({"inventory_tracking": "none"}, [True, True]),
        ({"inventory_tracking": "product", "inventory_level": 0}, [False, False]),
        ({"inventory_tracking": "product", "inventory_level": 2}, [True, True]),
        ({"availability": "disabled", "inventory_tracking": "none"}, [False, False]),
    ],
)
def test_stock_follows_how_the_product_tracks_it(
    adapter: BigCommerceAdapter, changes: dict[str, Any], in_stock: list[bool]
) -> None:
    product = the(adapter, "store/product/updated", {**PRODUCT, **changes}).entity

    assert [variant.in_stock for variant in product.variants] == in_stock


def test_a_product_without_variants_is_its_own_and_without_a_store_currency_has_no_price() -> None:
    bare = {name: value for name, value in PRODUCT.items() if name not in ("variants", "images")}

    product = the(BigCommerceAdapter(), "store/product/updated", bare).entity

    [only] = product.variants
    assert (only.id, only.price, only.in_stock, product.image_url) == ("77", None, True, None)


def test_a_cart_maps_its_items_amounts_and_currency(adapter: BigCommerceAdapter) -> None:
    event = the(adapter, "store/cart/updated", {"data": CART, "meta": {}})
    data = assert_contract(event)
    cart = event.entity
    assert isinstance(cart, Cart) and cart.customer_id is None and cart.email == "guest@example.org"
    assert data["entity"]["subtotal"] == {"amount": "37.5", "currency": "USD"}
    assert data["entity"]["total"] == {"amount": "35.00", "currency": "USD"}
    assert [(line.title, line.quantity, str(line.unit_price.amount)) for line in cart.line_items] == [
        ("Enamel mug", 3, "12.5"),
        ("Card", 1, "0"),
    ]
    assert cart.created_at == datetime(2026, 1, 5, 10, tzinfo=UTC) and cart.completed_at is None


def test_polled_rows_are_updates_of_the_resource_type(adapter: BigCommerceAdapter) -> None:
    context = NormalizeContext(store_id="bc-1", source="poll", received_at=RECEIVED)

    events = adapter.normalize_resource("orders", loads(json.dumps([ORDER])), context)
    events += adapter.normalize_resource("products", {"data": [PRODUCT], "meta": {}}, context)

    assert [(event.entity_type, event.action) for event in events] == [("order", "updated"), ("product", "updated")]
    with pytest.raises(NormalizationError, match=r"^entity_type"):
        adapter.normalize_resource("brands", {}, context)


# Bad input names its field


@pytest.mark.parametrize(
    ("topic", "payload", "field"),
    [
        ("store/order/updated", {**ORDER, "status_id": 42}, "status_id"),
        ("store/order/updated", {**ORDER, "status_id": "11"}, "status_id"),
        ("store/order/updated", {**ORDER, "total_inc_tax": 47.5}, "total_inc_tax"),
        ("store/order/updated", {**ORDER, "date_modified": "Mon, 99 Foo 2026 25:00:00 +0000"}, "date_modified"),
        ("store/order/updated", {**ORDER, "date_modified": ""}, "date_modified"),
        ("store/order/updated", {**ORDER, "default_currency_code": "EURO"}, "currency"),
        ("store/order/updated", {**ORDER, "billing_address": 7}, "order"),
        ("store/customer/updated", {**CUSTOMER, "id": None}, "id"),
        ("store/customer/updated", {**CUSTOMER, "date_modified": "yesterday"}, "date_modified"),
        ("store/product/updated", {**PRODUCT, "variants": [{"sku": "X"}]}, "id"),
        ("store/cart/updated", {**CART, "updated_time": None}, "updated_time"),
        ("store/cart/updated", {**CART, "currency": {"code": "$"}}, "currency"),
    ],
)
def test_bad_input_is_refused_naming_the_field(
    adapter: BigCommerceAdapter, topic: str, payload: dict[str, Any], field: str
) -> None:
    with pytest.raises(NormalizationError, match=rf"^{field}\b"):
        adapter.normalize(topic, payload, CONTEXT)


def test_a_malformed_optional_time_is_dropped_not_fatal(adapter: BigCommerceAdapter) -> None:
    order = the(adapter, "store/order/updated", {**loads(json.dumps(ORDER)), "date_created": "not a date"}).entity

    assert order.placed_at is None and order.updated_at == datetime(2026, 1, 5, 11, 15, 30, tzinfo=UTC)


# The shared corpus


def _corpus_files() -> list[Path]:
    return sorted(CORPUS.glob("*.json")) if CORPUS.is_dir() else []


@pytest.mark.skipif(not _corpus_files(), reason=f"corpus not found at {CORPUS}")
@pytest.mark.parametrize("path", _corpus_files(), ids=lambda path: path.name)
def test_every_corpus_file_maps(adapter: BigCommerceAdapter, path: Path) -> None:
    kind = next((entity for prefix, entity in CORPUS_KINDS.items() if path.name.startswith(prefix)), None)
    assert kind is not None, f"{path.name}: no entity kind is known for it; add its prefix to CORPUS_KINDS"
    context = NormalizeContext(store_id="corpus", source="poll", received_at=RECEIVED)

    events = adapter.normalize_resource(kind, loads(path.read_bytes()), context)

    assert events and all(event.entity_type == kind for event in events)
    for event in events:
        assert_contract(event)


# Contact, country and related products


def test_an_order_has_the_billing_phone_and_country_else_an_inline_shipping_one(adapter: BigCommerceAdapter) -> None:
    billing = {**ORDER["billing_address"], "phone": "+33 1 55 55 55 55", "country_iso2": "fr"}
    billed = the(adapter, "store/order/updated", {**ORDER, "billing_address": billing}).entity
    shipped = the(adapter, "store/order/updated", {**ORDER, "shipping_addresses": [{"country_iso2": "BE"}]}).entity
    assert isinstance(billed, Order) and isinstance(shipped, Order)
    assert (billed.phone, billed.country, billed.email_consent) == ("+33 1 55 55 55 55", "FR", "unknown")
    assert (shipped.phone, shipped.country) == (None, "BE")
    assert the(adapter, "store/order/updated", ORDER).entity.country is None  # shipping_addresses is a link


def test_a_customer_country_is_its_first_addresses(adapter: BigCommerceAdapter) -> None:
    addresses = [{"id": 1, "country_code": "fr", "country": "France"}, {"id": 2, "country_code": "DE"}]
    customer = the(adapter, "store/customer/updated", {**CUSTOMER, "addresses": addresses}).entity
    assert isinstance(customer, Customer) and (customer.country, customer.timezone) == ("FR", None)
    assert the(adapter, "store/customer/updated", CUSTOMER).entity.country is None  # no include=addresses


@pytest.mark.parametrize(
    ("related", "ids"),
    [([80, 81, 80], ["80", "81"]), ([-1], []), ("-1", []), ("80,81", ["80", "81"]), (None, []), ([], [])],
)
def test_related_products_are_the_ids_named_and_automatic_is_none(
    adapter: BigCommerceAdapter, related: Any, ids: list[str]
) -> None:
    product = the(adapter, "store/product/updated", {**PRODUCT, "related_products": related}).entity
    assert isinstance(product, Product) and (product.related_product_ids, product.related_skus) == (ids, [])


def test_related_products_that_are_no_ids_are_refused(adapter: BigCommerceAdapter) -> None:
    with pytest.raises(NormalizationError, match=r"^related_products: not a list"):
        adapter.normalize("store/product/updated", {**PRODUCT, "related_products": {"id": 80}}, CONTEXT)
    with pytest.raises(NormalizationError, match=r"^related_products\[0\]"):
        adapter.normalize("store/product/updated", {**PRODUCT, "related_products": [8.5]}, CONTEXT)


def test_the_client_asks_for_customer_addresses() -> None:
    assert RESOURCES["customers"].params["include"] == "addresses"
