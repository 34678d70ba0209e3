"""A step re-checked against the platform's live API (FakeShopify / FakeWooCommerce over httpx.MockTransport).

The entity store may lag the platform (a lost webhook, a poll not yet run); the live re-read wins when it
answers, and when it does not the step falls back to fresh stored data or defers, and records which.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx

from storeloom.domain.model import LineItem
from storeloom.domain.stores import StoreRecord, StoreSecrets
from storeloom.platforms.live import PlatformLive
from storeloom.platforms.sources import PlatformCatalog
from storeloom_tools.fakes import FakeShopify, FakeWooCommerce, VirtualClock, seed_shopify, seed_woocommerce
from storeloom_tools.fakes.catalog import Row
from tests.unit.flows_builders import NOW, STORE, World, customer, product, state, world

SHOP_PRODUCT, SHOP_VARIANT, SHOP_CUSTOMER = "5300000200001", "5300000300001", "5300000100001"


class Stores:
    def __init__(self, *records: StoreRecord) -> None:
        self.records = {r.store_id: r for r in records}
        self.lookups = 0

    def get(self, store_id: str) -> StoreRecord | None:
        self.lookups += 1
        return self.records.get(store_id)

    def all(self) -> list[StoreRecord]:
        return list(self.records.values())


class Vault:
    def read(self, secret_arn: str) -> StoreSecrets:
        return StoreSecrets(api_key="shpat_local" if "shopify" in secret_arn else "ck_local", api_secret="cs_local")


def live_over(app: Any, platform: str, **extra: str) -> PlatformLive:
    # These tests count the REST fake's requests; the GraphQL client's re-reads are in tests/conformance.
    settings = {"shopify_api": "rest", **extra} if platform == "shopify" else extra
    record = StoreRecord(STORE, platform, "https://fake.example", f"arn:{platform}", extra=settings)
    http = httpx.Client(transport=httpx.MockTransport(app))
    return PlatformLive(Stores(record), Vault(), PlatformCatalog(http, sleep=lambda _s: None, attempts=2))


def shop() -> FakeShopify:
    api = FakeShopify(clock=VirtualClock(NOW))
    seed_shopify(api.data, orders=0, customers=1)
    return api


def shop_world(**cart: Any) -> World:
    """A cart for the fake shop's first product and customer, known to the entity store."""
    item = LineItem(product_id=SHOP_PRODUCT, variant_id=SHOP_VARIANT, title="Mug", quantity=1, unit_price=_usd("20"))
    w = world(customer_id=SHOP_CUSTOMER, line_items=[item], **cart)
    w.commerce.customers = {SHOP_CUSTOMER: customer(id=SHOP_CUSTOMER)}
    w.commerce.products = {SHOP_PRODUCT: product(id=SHOP_PRODUCT, variants=[{"id": SHOP_VARIANT, "in_stock": True}])}
    return w


def run(w: World, live: PlatformLive) -> Any:
    subject = state().subject.model_copy(update={"customer_id": SHOP_CUSTOMER})
    return w.runner(live=live).run(state(subject=subject))


def _usd(amount: str) -> dict[str, str]:
    return {"amount": amount, "currency": "USD"}


def shopify_order(customer_row: Row, cart_token: str | None = None) -> Row:
    return {
        "id": 5300000000999,
        "email": "ann@example.com",
        "currency": "USD",
        "financial_status": "paid",
        "total_price": "20.00",
        "subtotal_price": "20.00",
        "customer": {"id": customer_row["id"], "email": "ann@example.com"},
        "cart_token": cart_token,
        "line_items": [],
        "refunds": [],
        "cancelled_at": None,
        "closed_at": None,
    }


def test_live_product_re_read_takes_the_current_title_price_and_stock() -> None:
    api = shop()
    api.data.touch("products", SHOP_PRODUCT, title="Glazed mug", variants=[_shopify_variant("17.50", 4)])
    w = shop_world()
    run(w, live_over(api, "shopify", currency="USD"))
    sent = w.decisions.list(STORE)[0]
    assert (sent.kind, sent.detail["enrichment"], sent.detail["orders"]) == ("sent", "live", "live")
    [item] = w.channel.delivered[0].items
    assert (item.title, str(item.unit_price.amount)) == ("Glazed mug", "17.50")
    assert any(f"/products/{SHOP_PRODUCT}.json" in url for url in api.requests)


def test_sold_out_on_the_platform_exits_out_of_stock_though_the_store_says_in_stock() -> None:
    api = shop()
    api.data.touch("products", SHOP_PRODUCT, variants=[_shopify_variant("17.50", 0)])
    w = shop_world()
    run(w, live_over(api, "shopify"))
    assert w.reasons() == [(0, "exited", "out_of_stock")] and w.channel.delivered == []


def test_an_order_the_entity_store_missed_exits_converted() -> None:
    api = shop()
    buyer = next(api.data.all("customers"))
    api.data.put("orders", shopify_order(buyer), NOW - timedelta(minutes=20))  # its webhook was lost
    w = shop_world()
    w.runner().run(state(subject=state().subject.model_copy(update={"customer_id": SHOP_CUSTOMER})))
    assert [d.kind for d in w.decisions.list(STORE)] == ["sent"]  # the entity store alone would send

    w = shop_world()
    after = run(w, live_over(api, "shopify"))
    [decision] = w.decisions.list(STORE)
    assert (decision.kind, decision.reason, decision.detail["orders"]) == ("exited", "converted", "live")
    assert after.done and w.channel.delivered == []
    assert any(f"/customers/{SHOP_CUSTOMER}/orders.json" in url for url in api.requests)


def test_a_guest_order_found_by_email_exits_converted() -> None:
    api = shop()
    guest = {**shopify_order({"id": None}), "customer": None}
    api.data.put("orders", guest, NOW - timedelta(minutes=20))
    w = shop_world()
    run(w, live_over(api, "shopify"))
    assert w.reasons() == [(0, "exited", "converted")]
    assert any("email=ann%40example.com" in url for url in api.requests)


def test_an_order_older_than_the_cart_does_not_count_as_converted() -> None:
    api = shop()
    buyer = next(api.data.all("customers"))
    api.data.put("orders", shopify_order(buyer), NOW - timedelta(days=5))
    w = shop_world()
    run(w, live_over(api, "shopify"))
    assert [d.kind for d in w.decisions.list(STORE)] == ["sent"]


def test_platform_down_falls_back_to_fresh_store_data_and_records_it() -> None:
    api = shop()
    api.faults.storm(500, 1000)
    w = shop_world()
    live = live_over(api, "shopify")
    run(w, live)
    sent = w.decisions.list(STORE)[0]
    assert (sent.kind, sent.detail["enrichment"], sent.detail["orders"]) == ("sent", "fallback", "store_only")
    # orders (1 customer + 1 email query stops at the first failure) then 3 product attempts, 2 requests each
    assert live.requests(STORE) == 2 + 3 * 2


def test_platform_down_with_stale_store_data_defers_the_step_and_records_it() -> None:
    api = shop()
    api.faults.storm(503, 1000)
    w = shop_world()
    w.commerce.products[SHOP_PRODUCT] = product(id=SHOP_PRODUCT, updated_at=NOW - timedelta(days=3))
    after = run(w, live_over(api, "shopify"))
    [waited] = w.decisions.list(STORE)
    assert (waited.kind, waited.reason) == ("waited", "enrichment_unavailable")
    assert (waited.detail["enrichment"], waited.detail["orders"]) == ("deferred", "store_only")
    assert (after.step, after.attempt, after.wait_seconds, after.done) == (0, 1, 15 * 60, False)
    assert w.channel.delivered == []


def test_a_platform_that_cannot_be_reached_fails_fast_and_falls_back() -> None:
    calls: list[str] = []

    def refuse(request: httpx.Request) -> httpx.Response:
        calls.append(str(request.url))
        raise httpx.ConnectError("connection refused", request=request)

    w = shop_world()
    run(w, live_over(refuse, "shopify"))
    sent = w.decisions.list(STORE)[0]
    assert (sent.detail["enrichment"], sent.detail["orders"]) == ("fallback", "store_only")
    assert len(calls) == 1 + 3  # a refused connection is not retried by the transport


def test_a_missing_product_is_none_not_a_failure() -> None:
    live = live_over(shop(), "shopify")
    assert live.product(STORE, "5300000299999") is None
    assert live.requests(STORE) == 1


def test_stores_without_a_live_client_use_the_entity_store_without_any_request() -> None:
    api = shop()
    live = live_over(api, "shopify")
    live.stores = Stores()  # the store is not registered, so it has no platform API
    w = shop_world()
    run(w, live)
    sent = w.decisions.list(STORE)[0]
    assert (sent.detail["enrichment"], sent.detail["orders"]) == ("store", "store")
    assert api.requests == []


def test_the_store_lookup_and_client_are_cached_per_store() -> None:
    live = live_over(shop(), "shopify")
    stores = live.stores
    assert isinstance(stores, Stores)
    for _ in range(3):
        live.product(STORE, SHOP_PRODUCT)
    assert stores.lookups == 1 and live.requests(STORE) == 3


def test_woocommerce_live_product_and_orders_by_customer_and_email() -> None:
    api = FakeWooCommerce(clock=VirtualClock(NOW))
    seed_woocommerce(api.data, orders=0, customers=2, products=1)
    api.data.touch("products", "11", name="Blue mug", price="8.00", stock_quantity=3, stock_status="instock")
    api.data.put("orders", _woo_order(801, 1, "buyer1@example.org"), NOW - timedelta(minutes=10))
    api.data.put("orders", _woo_order(802, 0, "buyer1@example.org"), NOW - timedelta(minutes=5))  # a guest
    api.data.put("orders", _woo_order(803, 0, "jobuyer1@example.org"), NOW - timedelta(minutes=5))  # search hit
    live = live_over(api, "woocommerce", currency="EUR")

    fresh = live.product(STORE, "11")
    assert fresh is not None and fresh.title == "Blue mug" and fresh.variants[0].in_stock
    assert live.product(STORE, "99") is None
    orders = live.orders_for(STORE, ["1"], "Buyer1@Example.org")
    assert sorted(o.id for o in orders) == ["801", "802"]


def _shopify_variant(price: str, stock: int) -> dict[str, Any]:
    tracked = {"inventory_management": "shopify", "inventory_policy": "deny", "inventory_quantity": stock}
    return {"id": int(SHOP_VARIANT), "sku": "SKU-1", "title": "Default", "price": price, **tracked}


def _woo_order(order_id: int, customer_id: int, email: str) -> Row:
    return {
        "id": order_id,
        "number": str(order_id),
        "status": "processing",
        "currency": "EUR",
        "customer_id": customer_id,
        "billing": {"email": email, "first_name": "Buy", "last_name": "Er"},
        "discount_total": "0.00",
        "total": "8.00",
        "line_items": [],
        "refunds": [],
    }
