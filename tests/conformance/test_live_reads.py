"""What a workflow's live re-check calls on a client (storeloom.platforms.live): one product read again by id,
and one person's orders. Rows come back in the shape the adapter normalizes."""

from __future__ import annotations

import pytest

from storeloom.domain.model import Order, Product
from storeloom.services.platform_port import NormalizeContext
from tests.conformance.conftest import Store


def context(store: Store) -> NormalizeContext:
    return NormalizeContext(store.record.store_id, "poll", store.clock.now())


def by_design(store: Store, what: str) -> str:
    said = (store.kit.extra or {}).get("live_reads")
    return f"{store.kit.platform} {what}" + (f" by design: {said}" if said else "")


def test_a_product_read_again_by_id_normalizes_into_that_product(store: Store) -> None:
    row = next(store.api.data.all("products"), None)
    if row is None:
        pytest.skip(by_design(store, "has no products to read"))
    product_id = store.kit.canonical_id("products", row)

    live = store.client.product(product_id)

    assert live is not None, f"client.product({product_id!r}) found nothing"
    [event] = store.adapter.normalize_resource("products", live, context(store))
    assert isinstance(event.entity, Product) and event.entity.id == product_id


def test_a_persons_orders_are_that_customers_orders_only(store: Store) -> None:
    if store.kit.customer_with_orders is None:
        pytest.skip(by_design(store, "reads no person's orders"))
    customer_id = store.kit.customer_with_orders(store.api)

    rows = store.client.customer_orders(customer_id)

    events = [event for row in rows for event in store.adapter.normalize_resource("orders", row, context(store))]
    orders = [event.entity for event in events if isinstance(event.entity, Order)]
    assert orders and {order.customer_id for order in orders} == {customer_id}
    seeded = {
        e.entity_id
        for e in store.seeded_orders()
        if isinstance(e.entity, Order) and e.entity.customer_id == customer_id
    }
    assert {order.id for order in orders} == seeded
