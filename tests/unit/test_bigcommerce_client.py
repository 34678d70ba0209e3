"""The BigCommerce API client against the fake API, built as the poller builds it (DESCRIPTOR.client) and
driven through the sync service with in-memory ports: documented parameters, ties across page boundaries,
edits during the walk, BigCommerce's own 429 headers, 5xx, live reads, thin-webhook fetches and hooks."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from storeloom.domain.cursor import Subscription
from storeloom.domain.ingest_message import IngestMessage
from storeloom.domain.stores import StoreRecord, StoreSecrets
from storeloom.domain.types import loads
from storeloom.platforms.bigcommerce import DESCRIPTOR, BigCommerceAdapter
from storeloom.platforms.bigcommerce.api_client import BigCommerceClient
from storeloom.platforms.bigcommerce.limits import read_rate_limit
from storeloom.platforms.bigcommerce.values import bc_time
from storeloom.platforms.descriptor import ClientContext
from storeloom.platforms.ratelimit import RateLimiter
from storeloom.services.platform_port import ApiError, NormalizeContext
from storeloom.services.polling.health import SubscriptionHealth
from storeloom.services.polling.sync import SyncReport, SyncRequest, SyncService
from storeloom_tools.fakes.bigcommerce import FakeBigCommerce
from storeloom_tools.fakes.bigcommerce_data import ACCESS_TOKEN, STORE_HASH, seed_bigcommerce
from storeloom_tools.fakes.clock import VirtualClock
from tests.fakes.polling import MemoryCheckpoints, MemorySink

API_URL = f"https://api.bigcommerce.com/stores/{STORE_HASH}"
SINCE = datetime(2020, 1, 1, tzinfo=UTC)


@dataclass
class Store:
    """One fake BigCommerce store, its client as the poller builds it, and a sync service over memory."""

    orders: int = 0
    customers: int = 1
    products: int = 3
    carts: int = 0
    tie: int = 1
    page_size: int | None = None
    quota: int = 150
    token: str = ACCESS_TOKEN
    clock: VirtualClock = field(default_factory=VirtualClock)
    checkpoints: MemoryCheckpoints = field(default_factory=MemoryCheckpoints)
    sink: MemorySink = field(default_factory=MemorySink)

    def __post_init__(self) -> None:
        self.api = FakeBigCommerce(clock=self.clock, quota=self.quota)
        seed_bigcommerce(self.api.data, self.orders, self.customers, self.products, self.carts, self.tie)
        self.http = httpx.Client(transport=httpx.MockTransport(self.api))
        self.client = self.build(self.http)
        self.service = SyncService(self.checkpoints, self.sink, self.clock.now, first_lookback=timedelta(days=60))

    def build(self, http: httpx.Client) -> BigCommerceClient:
        record = StoreRecord("bc-1", "bigcommerce", API_URL, "arn:fake", extra={"currency": "USD"})
        context = ClientContext(http, sleep=self.clock.sleep, monotonic=self.clock.monotonic, page_size=self.page_size)
        client: BigCommerceClient = DESCRIPTOR.client(record, StoreSecrets(api_key=self.token), context)
        return client

    def sync(self, entity: str = "orders", **options: Any) -> SyncReport:
        return self.service.run(SyncRequest("bc-1", entity), self.client, **options)

    def stored(self) -> tuple[Counter[str], dict[str, datetime]]:
        """What ingest would keep: each idempotency key's count and the newest version of each entity."""
        adapter, keys = BigCommerceAdapter(currency="USD"), Counter[str]()
        latest: dict[str, datetime] = {}
        for body in self.sink.bodies:
            message = IngestMessage.model_validate_json(body)
            context = NormalizeContext("bc-1", message.source, message.received_at)
            for event in adapter.normalize(message.topic, loads(message.body or ""), context):
                keys[event.idempotency_key] += 1
                latest[event.entity_id] = max(latest.get(event.entity_id, event.occurred_at), event.occurred_at)
        return keys, latest

    def truth(self, entity: str = "orders") -> dict[str, datetime]:
        return {str(row["id"]): bc_time(row["date_modified"], "date_modified") for row in self.api.data.all(entity)}

    def assert_complete_and_single(self, entity: str = "orders") -> None:
        keys, latest = self.stored()
        assert {i: t for i, t in latest.items() if i in self.truth(entity)} == self.truth(entity)
        assert set(keys.values()) == {1}


def params_of(url: str) -> dict[str, str]:
    return dict(httpx.URL(url).params)


# Polling through the sync service


@pytest.mark.parametrize("entity", ["orders", "customers", "products"])
def test_a_full_sync_stores_every_version_once_despite_ties_across_pages(entity: str) -> None:
    store = Store(orders=620, customers=90, products=70, tie=7, page_size=20)

    report = store.sync(entity)

    assert report.complete and report.enqueued == len(store.truth(entity))
    store.assert_complete_and_single(entity)
    checkpoint = store.checkpoints.get("bc-1", entity)
    assert checkpoint is not None and checkpoint.resume is None and checkpoint.cursor is not None
    assert checkpoint.cursor.updated_at == max(store.truth(entity).values())


def test_a_tie_storm_longer_than_a_page_is_walked_page_by_page() -> None:
    store = Store(orders=40, page_size=10)
    moment = store.clock.now() - timedelta(hours=1)
    for order_id in sorted(store.truth(), key=int)[5:30]:  # 25 orders in one second: more than 2 pages
        store.api.data.touch("orders", order_id, moment)

    report = store.sync()

    assert report.complete and report.enqueued == 40
    store.assert_complete_and_single()
    pages = [params_of(url)["page"] for url in store.api.requests]
    assert "2" in pages  # the storm advanced the page of one anchored query


def test_an_edit_during_the_walk_shifts_no_page_and_loses_nothing() -> None:
    store = Store(orders=100, page_size=10)
    read_so_far: list[str] = []

    def edit_read_orders(report: SyncReport) -> None:
        # Each page, the admin edits two orders already read: page numbers of the listing shift by two.
        if report.pages <= 5:
            for order_id in sorted(store.truth(), key=int)[report.pages * 2 : report.pages * 2 + 2]:
                store.clock.advance(1)
                store.api.data.touch("orders", order_id)
                read_so_far.append(order_id)

    report = store.sync(on_page=edit_read_orders)

    assert report.complete and len(read_so_far) == 10
    store.assert_complete_and_single()  # the edited versions arrive too, as versions of their own
    keys, _ = store.stored()
    assert len(keys) == 100 + sum(1 for order_id in read_so_far if order_id)


def test_a_run_stopped_by_its_time_budget_resumes_where_it_stopped() -> None:
    store = Store(orders=120, page_size=25, tie=10)
    budget = iter([1 << 30, 1 << 30, 0])

    first = store.sync(remaining_ms=lambda: next(budget, 0))
    resume = store.checkpoints.get("bc-1", "orders")
    second = store.sync()

    assert not first.complete and first.stopped == "time budget" and second.complete
    assert resume is not None and resume.resume is not None
    keys, latest = store.stored()
    assert latest == store.truth()
    # Only the resume point's own second may be read again (it dies at ingest dedupe: same key).
    again = [moment for moment in latest.values() if moment == resume.resume.updated_at]
    assert sum(count - 1 for count in keys.values()) <= len(again)


def test_a_429_waits_the_reset_bigcommerce_names_in_its_own_headers() -> None:
    store = Store(orders=300, page_size=50)

    def throttle_after_the_first_page(report: SyncReport) -> None:
        if report.pages == 1:
            store.api.throttle(3, 7.5)

    report = store.sync(on_page=throttle_after_the_first_page)

    assert report.complete and store.client.transport.retries == 3
    assert store.clock.elapsed >= 3 * 7.5  # no Retry-After: X-Rate-Limit-Time-Reset-Ms is the wait
    store.assert_complete_and_single()


def test_the_limiter_holds_off_until_the_window_resets_and_is_never_refused() -> None:
    store = Store(orders=300, page_size=10, quota=10)

    report = store.sync()

    assert report.complete and report.requests >= 30
    assert store.client.transport.retries == 0 and store.api.peak_used <= 10  # never answered 429
    assert store.clock.elapsed >= 2 * 30  # three windows of ten requests
    store.assert_complete_and_single()


def test_a_5xx_in_the_middle_of_the_walk_is_retried_and_loses_nothing() -> None:
    store = Store(orders=300, page_size=50)
    store.api.faults.at_request(3, 500)
    store.api.faults.at_request(4, 503)

    report = store.sync()

    assert report.complete and store.client.transport.retries == 2
    assert report.requests == len(store.api.requests)
    store.assert_complete_and_single()


def test_no_orders_is_a_204_with_no_body_and_ends_the_listing() -> None:
    store = Store(orders=0)

    page = store.client.fetch("orders", SINCE, None, None)

    assert (page.items, page.next_token, page.requests) == ([], None, 1)
    answer = store.http.get(f"{API_URL}/v2/orders", headers={"X-Auth-Token": ACCESS_TOKEN})
    assert answer.status_code == 204 and answer.content == b""


# Documented parameters


def test_each_listing_asks_with_its_documented_parameters() -> None:
    store = Store(orders=5, customers=5, products=5)

    for entity in ("orders", "customers", "products"):
        store.client.fetch(entity, SINCE, None, None)

    orders, customers, products = (params_of(url) for url in store.api.requests)
    assert orders["sort"] == "date_modified:asc" and orders["include"] == "consignments.line_items"
    assert orders["limit"] == "250" and orders["page"] == "1"
    assert orders["min_date_modified"] == "Tue, 31 Dec 2019 23:59:59 +0000"  # RFC 2822, one second early
    assert customers["sort"] == "date_modified:asc" and customers["date_modified:min"] == "2019-12-31T23:59:59+00:00"
    assert (products["sort"], products["direction"], products["include"]) == ("date_modified", "asc", "variants,images")
    assert all(url.startswith(f"{API_URL}/") for url in store.api.requests)


def test_the_page_size_is_capped_at_250() -> None:
    assert Store(page_size=1000).client.page_size == 250


def test_a_wrong_access_token_is_a_401_and_is_not_retried() -> None:
    store = Store(orders=5, token="not-the-token")

    with pytest.raises(ApiError, match="401") as raised:
        store.client.fetch("orders", SINCE, None, None)
    assert raised.value.status_code == 401 and len(store.api.requests) == 1


def test_counts_come_from_the_count_endpoint_and_the_v3_pagination_total() -> None:
    store = Store(orders=30, customers=12)
    since = sorted(store.truth().values())[10]

    assert store.client.count("orders", since) == sum(1 for moment in store.truth().values() if moment >= since)
    assert store.client.count("customers", SINCE) == 12


def test_the_rate_headers_set_the_bucket_and_a_spent_window_holds_off_until_its_reset() -> None:
    clock = VirtualClock()
    limiter = RateLimiter(150, 5.0, monotonic=clock.monotonic, sleep=clock.sleep)
    headers = {"X-Rate-Limit-Requests-Quota": "450", "X-Rate-Limit-Time-Window-Ms": "30000"}
    request = httpx.Request("GET", f"{API_URL}/v2/orders")

    read_rate_limit(
        httpx.Response(200, headers=headers | {"X-Rate-Limit-Requests-Left": "440"}, request=request), limiter
    )
    assert (limiter.capacity, limiter.leak_per_second, limiter.level) == (450, 15.0, 10)
    spent = headers | {"X-Rate-Limit-Requests-Left": "0", "X-Rate-Limit-Time-Reset-Ms": "12000"}
    read_rate_limit(httpx.Response(200, headers=spent, request=request), limiter)
    limiter.acquire()
    assert limiter.waited_seconds == pytest.approx(12.0)
    throttled = httpx.Response(429, headers=spent, request=request)
    read_rate_limit(throttled, limiter)
    assert throttled.headers["retry-after"] == "12"


# Live reads and thin-webhook fetches


def test_live_reads_return_the_resource_or_none() -> None:
    store = Store(orders=20, customers=4, products=3)
    product_id = next(iter(store.truth("products")))

    product = store.client.product(product_id)

    assert product is not None and str(product["id"]) == product_id and len(product["variants"]) == 2
    assert store.client.product("99999") is None
    before = len(store.api.requests)
    assert store.client.product("1 OR 1=1") is None and store.client.read("cart", "../hooks") is None
    assert len(store.api.requests) == before  # a malformed id is never sent


def test_a_persons_orders_by_customer_id_and_by_email() -> None:
    store = Store(orders=20, customers=4)

    mine = store.client.customer_orders("2")
    guests = store.client.email_orders("guest@example.net")

    assert mine and {row["customer_id"] for row in mine} == {2}
    assert all(row["consignments"]["shipping"][0]["line_items"] for row in mine)
    assert guests and {row["customer_id"] for row in guests} == {0}
    assert store.client.customer_orders("nobody") == [] and store.client.email_orders("none@example.net") == []


def test_a_thin_order_webhook_fetched_gives_the_version_polling_gives() -> None:
    store = Store(orders=10)
    adapter = BigCommerceAdapter(currency="USD")
    context = NormalizeContext("bc-1", "webhook", store.clock.now(), platform_event_id="msg_1")
    order_id = next(iter(store.truth()))
    payload = {"scope": "store/order/updated", "data": {"type": "order", "id": int(order_id)}, "producer": "stores/x"}

    [ref] = adapter.resource_refs("store/order/updated", payload)
    [event] = adapter.normalize("store/order/updated", store.client.read(ref.entity, ref.id), context)
    store.sync()

    keys, _ = store.stored()
    assert event.idempotency_key in keys and event.entity is not None and event.entity.line_items  # type: ignore[union-attr]


def test_an_order_read_falls_back_to_its_products_when_the_include_is_not_honoured() -> None:
    store = Store(orders=3)

    def without_include(request: httpx.Request) -> httpx.Response:
        params = {name: value for name, value in request.url.params.items() if name != "include"}
        return store.api(httpx.Request(request.method, request.url.copy_with(params=params), headers=request.headers))

    client = store.build(httpx.Client(transport=httpx.MockTransport(without_include)))
    order_id = next(iter(store.truth()))

    row = client.read("order", order_id)

    assert row is not None and "consignments" not in row and row["products"][0]["sku"] == "MUG-BLUE"
    assert store.api.requests[-1].endswith(f"/v2/orders/{order_id}/products?limit=250")


def test_carts_and_customers_are_read_by_id_and_a_gone_cart_is_none() -> None:
    store = Store(customers=3, carts=2)
    adapter = BigCommerceAdapter(currency="USD")
    cart_id = next(iter(store.api.data.rows["carts"]))
    context = NormalizeContext("bc-1", "webhook", store.clock.now())
    payload = {"scope": "store/cart/abandoned", "data": {"type": "cart", "id": cart_id}}

    [ref] = adapter.resource_refs("store/cart/abandoned", payload)
    [event] = adapter.normalize("store/cart/abandoned", store.client.read(ref.entity, ref.id), context)
    customer = store.client.read("customer", "2")

    assert event.entity is not None and event.entity.id == cart_id and event.entity.line_items  # type: ignore[union-attr]
    assert customer is not None and customer["email"] == "shopper2@example.net"
    assert store.client.read("cart", "0b2e8c3c-0000-4000-8000-000000000000") is None
    assert store.client.read("customer", "999") is None
    with pytest.raises(ValueError, match=r"^entity"):
        store.client.read("brand", "1")


# Webhook subscriptions


def test_hooks_are_created_listed_and_a_deactivated_one_switched_back_on() -> None:
    store = Store()
    address = "https://hooks.example/webhooks/bigcommerce/bc-1"
    created = [store.client.create_webhook(topic, address) for topic in DESCRIPTOR.webhook_topics[:2]]
    store.api.deactivate(created[1].id)

    listed = store.client.list_webhooks()
    revived = store.client.reactivate_webhook(listed[1])

    assert [(hook.topic, hook.active) for hook in listed] == [
        ("store/order/created", True),
        ("store/order/updated", False),
    ]
    assert revived == Subscription(created[1].id, "store/order/updated", address, True)
    assert store.api.hooks[created[1].id]["is_active"] is True
    assert store.api.requests[-1].endswith(f"/v3/hooks/{created[1].id}")


@dataclass
class RepairLog:
    repairs: list[str] = field(default_factory=list)

    def record_repairs(self, store_id: str, topics: list[str], now: datetime) -> None:
        self.repairs += topics


def test_subscription_health_creates_the_missing_hooks_and_revives_a_deactivated_one() -> None:
    store = Store()
    address = "https://hooks.example/webhooks/bigcommerce/bc-1"
    health = SubscriptionHealth(RepairLog(), store.clock.now)
    health.repair("bc-1", store.client, address, DESCRIPTOR.webhook_topics)
    abandoned = next(hook_id for hook_id, hook in store.api.hooks.items() if hook["scope"] == "store/cart/abandoned")
    store.api.deactivate(abandoned)  # 48 hours of failed retries later

    report = health.repair("bc-1", store.client, address, DESCRIPTOR.webhook_topics)

    assert report.reactivated == ["store/cart/abandoned"] and report.created == []
    assert len(store.api.hooks) == len(DESCRIPTOR.webhook_topics)
    assert all(hook["is_active"] and hook["destination"] == address for hook in store.api.hooks.values())
