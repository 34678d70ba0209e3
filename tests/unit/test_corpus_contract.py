"""Every payload in the shared corpus either normalizes under the contract or is listed with a reason.

The corpus (``/work/shared/corpus``) holds real payloads copied from public repositories; it is read in
place and never copied into the project. Each file is its own test id.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from storeloom.domain.model import CommerceEvent
from storeloom.domain.types import loads
from storeloom.platforms.registry import get_adapter
from storeloom.platforms.shopify import ShopifyAdapter
from storeloom.services.platform_port import NormalizationError, NormalizeContext
from tests.unit.contract_checks import assert_contract

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
PLATFORMS = ("shopify", "woocommerce")
CONTEXT = NormalizeContext(store_id="corpus", source="poll", received_at=datetime(2025, 1, 1, tzinfo=UTC))

# Webhook bodies: normalized through their topic.
TOPICS = {
    "shopify/webhook_orders_create.json": "orders/create",
    "shopify/webhook_orders_paid.json": "orders/paid",
    "shopify/webhook_orders_updated.json": "orders/updated",
    "shopify/webhook_orders_partially_fulfilled_docs_sample.json": "orders/partially_fulfilled",
    "shopify/webhook_orders_cancelled_partial_fields.json": "orders/cancelled",
    "shopify/webhook_checkouts_create_guest_no_email.json": "checkouts/create",
    "shopify/webhook_checkouts_update_registered_customer.json": "checkouts/update",
    "shopify/webhook_customers_create_inr.json": "customers/create",
}
# REST bodies: normalized as a polled resource of this entity type (prefix match on the file name).
RESOURCES = {
    "shopify/rest_2025_07_abandoned_checkouts": "cart",
    "shopify/rest_checkouts_list": "cart",
    "shopify/rest_2025_07_customer": "customer",
    "shopify/rest_customer": "customer",
    "shopify/rest_2025_07_inventory_level": "inventory_level",
    "shopify/rest_inventory_levels": "inventory_level",
    "shopify/rest_2025_07_order": "order",
    "shopify/rest_order": "order",
    "shopify/rest_2025_07_product": "product",
    "shopify/rest_product": "product",
    "woocommerce/legacy_v3_order": "order",
    "woocommerce/legacy_v3_customers": "customer",
    "woocommerce/rest_v3_customer": "customer",
    "woocommerce/rest_v3_order_single": "order",
    "woocommerce/rest_v3_order_updated": "order",
    "woocommerce/rest_v3_orders_list": "order",
    "woocommerce/rest_v3_orders_batch": "order",
    "woocommerce/rest_v3_product_created": "product",
    "woocommerce/rest_v3_product_single": "product",
    "woocommerce/rest_v3_products_list": "product",
}
# Shopify refunds/create bodies: no event by design (see ShopifyAdapter), but the order id must be found.
REFUNDS = {
    "shopify/rest_2025_07_refund_created_return_restock.json",
    "shopify/rest_2025_07_refund_created_shipping_only.json",
    "shopify/rest_refund_single_restock_legacy.json",
}
# Payloads that must be rejected, and the field the error must name.
REJECTED = {
    "shopify/webhook_orders_cancelled_partial_fields.json": "id",
    "shopify/webhook_orders_updated.json": "financial_status",
    "woocommerce/legacy_v3_customers_list.json": "date_modified_gmt",
}
STORE_API = "Store API (storefront session), not an admin resource"
WOO_REFUND = "refunds show in the order's refunds; order.updated follows"
SKIPPED = {
    "shopify/rest_2025_07_refunds_list.json": "refund list (REST): refunds are read through their order",
    "shopify/rest_2025_07_transactions_list.json": "transactions are not a canonical entity",
    "shopify/rest_carts_list_legacy.json": "carts/* payloads name no currency; checkouts carry the cart",
    "shopify/webhook_carts_update_empty_cart.json": "carts/* topics unsupported; checkouts carry the cart",
    "shopify/rest_draft_order_cad_discount.json": "draft orders are not orders until completed",
    "woocommerce/legacy_v3_webhook_delivery_action_add_to_cart.json": "a delivery log, not a resource",
    "woocommerce/rest_v3_coupons_list.json": "coupons are not a canonical entity",
    "woocommerce/rest_v3_order_notes_list.json": "order notes are not a canonical entity",
    "woocommerce/rest_v3_order_refund_single.json": WOO_REFUND,
    "woocommerce/rest_v3_order_refunds_list.json": WOO_REFUND,
    "woocommerce/rest_v3_product_variations_list.json": "variations are not mapped yet (variable products)",
    "woocommerce/store_api_cart_items_list.json": STORE_API,
    "woocommerce/store_api_cart_with_coupon.json": STORE_API,
    "woocommerce/store_api_checkout_draft.json": STORE_API,
    "woocommerce/store_api_checkout_processed_on_hold.json": STORE_API,
}


def _corpus_files() -> list[str]:
    if not CORPUS.is_dir():
        return []
    return sorted(f"{p}/{f.name}" for p in PLATFORMS for f in (CORPUS / p).glob("*.json"))


FILES = _corpus_files()


def _resource_type(name: str) -> str | None:
    matches = [prefix for prefix in RESOURCES if name.startswith(prefix)]
    return RESOURCES[max(matches, key=len)] if matches else None


def _normalize(name: str, payload: Any) -> list[CommerceEvent]:
    platform = name.split("/", 1)[0]
    adapter = get_adapter(platform, currency="USD")
    if name in TOPICS:
        return adapter.normalize(TOPICS[name], payload, CONTEXT)
    entity_type = _resource_type(name)
    assert entity_type is not None, f"{name}: not classified: add it to TOPICS, RESOURCES or SKIPPED"
    normalize_resource = adapter.normalize_resource  # type: ignore[attr-defined]
    if isinstance(payload, Mapping) and {"create", "update", "delete"} & set(payload):
        items = [item for key in ("create", "update", "delete") for item in payload.get(key, [])]
        return [event for item in items for event in normalize_resource(entity_type, item, CONTEXT)]
    events: list[CommerceEvent] = normalize_resource(entity_type, payload, CONTEXT)
    return events


@pytest.mark.skipif(not FILES, reason=f"corpus not found at {CORPUS}")
@pytest.mark.parametrize("name", FILES or ["none"])
def test_corpus_file_meets_the_contract(name: str) -> None:
    if name in SKIPPED:
        pytest.skip(f"unsupported kind: {SKIPPED[name]}")
    payload = loads((CORPUS / name).read_bytes())
    if name in REFUNDS:
        adapter = ShopifyAdapter()
        assert adapter.normalize("refunds/create", payload, CONTEXT) == []
        return
    if name in REJECTED:
        with pytest.raises(NormalizationError, match=rf"^{REJECTED[name]}\b"):
            _normalize(name, payload)
        return
    events = _normalize(name, payload)
    assert events, f"{name}: no events"
    for event in events:
        assert_contract(event)


@pytest.mark.skipif(not FILES, reason=f"corpus not found at {CORPUS}")
def test_every_corpus_file_is_classified() -> None:
    known = set(TOPICS) | set(REFUNDS) | set(REJECTED) | set(SKIPPED)
    unclassified = [name for name in FILES if name not in known and _resource_type(name) is None]
    assert unclassified == []


@pytest.mark.skipif(not FILES, reason=f"corpus not found at {CORPUS}")
def test_ids_above_two_to_the_53_stay_exact() -> None:
    name = "shopify/webhook_orders_partially_fulfilled_docs_sample.json"
    payload = loads((CORPUS / name).read_bytes())
    [event] = _normalize(name, payload)
    data = assert_contract(event)
    assert int(data["entity_id"]) > 2**53
    assert data["entity_id"] == "820982911946154508"
    assert data["entity"]["customer_id"] == "115310627314723954"


@pytest.mark.skipif(not FILES, reason=f"corpus not found at {CORPUS}")
def test_checkout_and_its_order_share_the_cart_id() -> None:
    checkout = loads((CORPUS / "shopify/webhook_checkouts_create_guest_no_email.json").read_bytes())
    order = loads((CORPUS / "shopify/webhook_orders_paid.json").read_bytes())
    [cart_event] = _normalize("shopify/webhook_checkouts_create_guest_no_email.json", checkout)
    [order_event] = _normalize("shopify/webhook_orders_paid.json", order)
    assert order_event.entity is not None and cart_event.entity is not None
    assert order_event.entity.cart_id == cart_event.entity_id  # type: ignore[union-attr]


@pytest.mark.skipif(not FILES, reason=f"corpus not found at {CORPUS}")
def test_malformed_optional_timestamp_is_dropped_alone() -> None:
    name = "shopify/webhook_checkouts_update_registered_customer.json"
    [event] = _normalize(name, loads((CORPUS / name).read_bytes()))
    data = assert_contract(event)
    assert data["entity"]["created_at"] is None  # "2024-09-16T03:50:1500:00" in the payload
    assert data["entity"]["updated_at"] == "2024-09-17T07:29:02Z"
    assert data["entity"]["email"] == "testuser101@gmail.com"
    assert data["entity"]["total"] == {"amount": "736.85", "currency": "USD"}
