"""The Amazon SP-API client against the fake SP-API: LWA tokens, the getOrders window and paging, the
per-operation rate limits, and whole sync runs through the real SyncService with in-memory ports.

Clients are built as the registry will build them, through ``DESCRIPTOR.client(record, secrets, context)``.
Everything runs on a VirtualClock: nothing sleeps and nothing leaves the process (MockTransport).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from storeloom.domain.cursor import Cursor
from storeloom.domain.ingest_message import IngestMessage
from storeloom.domain.model import Order
from storeloom.domain.stores import StoreSecrets
from storeloom.domain.types import format_utc, loads, parse_utc
from storeloom.platforms.amazon_sp import DESCRIPTOR, AmazonSpAdapter
from storeloom.platforms.amazon_sp.api_client import ORDERS_PATH, AmazonSpClient
from storeloom.platforms.amazon_sp.auth import REFRESH_MARGIN
from storeloom.platforms.descriptor import ClientContext
from storeloom.services.platform_port import ApiError, NormalizeContext
from storeloom.services.polling.sync import ProgressHook, SyncReport, SyncRequest, SyncService
from storeloom_tools.fakes.amazon_sp import CLIENT_ID, CLIENT_SECRET, REFRESH_TOKEN, FakeAmazonSp
from storeloom_tools.fakes.amazon_sp_data import seed_amazon_sp
from storeloom_tools.fakes.clock import VirtualClock
from tests.conformance.kits.amazon_sp import KIT
from tests.fakes.polling import MemoryCheckpoints, MemorySink

BASE = "http://127.0.0.1:9"  # never dialled: MockTransport answers every request
SINCE = datetime(2025, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class ClockedContext(ClientContext):
    """A ClientContext with the wall clock the client reads when the context has one (see the kit)."""

    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))


@dataclass
class Store:
    """One fake seller account, its client and a sync service with in-memory ports."""

    orders: int = 0
    page_size: int | None = None
    secrets: StoreSecrets = KIT.secrets
    clock: VirtualClock = field(default_factory=VirtualClock)
    checkpoints: MemoryCheckpoints = field(default_factory=MemoryCheckpoints)
    sink: MemorySink = field(default_factory=MemorySink)

    def __post_init__(self) -> None:
        self.api = FakeAmazonSp(clock=self.clock)
        seed_amazon_sp(self.api.data, self.orders, customers=4)
        self.client = self.build(httpx.MockTransport(self.api), BASE)
        self.service = SyncService(self.checkpoints, self.sink, self.clock.now, first_lookback=timedelta(days=60))

    def build(self, transport: httpx.BaseTransport, base: str) -> AmazonSpClient:
        clock, http = self.clock, httpx.Client(transport=transport)
        context = ClockedContext(
            http, sleep=clock.sleep, monotonic=clock.monotonic, page_size=self.page_size, clock=clock.now
        )
        client: AmazonSpClient = DESCRIPTOR.client(KIT.record(base), self.secrets, context)
        return client

    def sync(
        self, on_page: ProgressHook | None = None, remaining_ms: Callable[[], int] = lambda: 1 << 30
    ) -> SyncReport:
        return self.service.run(SyncRequest("amazon-1", "orders"), self.client, remaining_ms, on_page)

    def enqueued_ids(self) -> list[str]:
        return [
            str(loads(IngestMessage.model_validate_json(body).body or "")["AmazonOrderId"]) for body in self.sink.bodies
        ]

    def truth(self) -> dict[str, datetime]:
        return {row["AmazonOrderId"]: parse_utc(row["LastUpdateDate"]) for row in self.api.data.all("orders")}

    def sp_api_calls(self, items: bool = False) -> list[dict[str, str]]:
        """The query of each getOrders call (each getOrderItems call with ``items``)."""
        urls = [httpx.URL(url) for url in self.api.requests]
        chosen = [url for url in urls if (url.path.endswith("/orderItems") if items else url.path == ORDERS_PATH)]
        return [dict(url.params) for url in chosen]


@dataclass
class Replica:
    """What ingest would keep: events deduped on their idempotency key, the newest version per entity."""

    applied: set[str] = field(default_factory=set)
    duplicates: int = 0
    latest: dict[str, datetime] = field(default_factory=dict)

    def consume(self, bodies: list[str]) -> Replica:
        adapter = AmazonSpAdapter(currency="USD")
        for body in bodies:
            message = IngestMessage.model_validate_json(body)
            context = NormalizeContext(message.store_id, message.source, message.received_at)
            for event in adapter.normalize(message.topic, loads(message.body or ""), context):
                if event.idempotency_key in self.applied:
                    self.duplicates += 1
                    continue
                self.applied.add(event.idempotency_key)
                if event.entity_type == "order":
                    self.latest[event.entity_id] = max(event.occurred_at, self.latest.get(event.entity_id, SINCE))
        return self


# --- Login with Amazon ------------------------------------------------------------------------------------


def test_one_token_serves_every_call_until_shortly_before_it_expires() -> None:
    store = Store(orders=30, page_size=10)

    store.sync()

    assert store.api.token_requests == 1 and store.client.requests == 3 + 30  # 3 pages, 30 getOrderItems
    store.clock.advance(store.api.token_ttl - REFRESH_MARGIN - 1)
    store.client.fetch("orders", SINCE, None, None)
    assert store.api.token_requests == 1
    store.clock.advance(2)  # inside the margin: refreshed before Amazon would refuse it
    store.client.fetch("orders", SINCE, None, None)
    assert store.api.token_requests == 2 and store.client.auth.refreshes == 2


@pytest.mark.parametrize("status", [401, 403])
def test_a_refused_access_token_is_refreshed_once_and_the_call_repeated(status: int) -> None:
    store = Store(orders=3)
    store.api.expired_status = status
    store.client.fetch("orders", SINCE, None, None)
    store.api.revoke_access_tokens()

    page = store.client.fetch("orders", SINCE, None, None)

    assert len(page.items) == 3 and store.api.token_requests == 2


def test_a_second_refusal_is_returned_not_looped() -> None:
    calls: Counter[str] = Counter()

    def always_refused(request: httpx.Request) -> httpx.Response:
        calls[request.url.path] += 1
        if request.url.path == "/auth/o2/token":
            return httpx.Response(200, json={"access_token": "Atza|x", "expires_in": 3600})
        return httpx.Response(403, json={"errors": [{"code": "Unauthorized", "message": "Access denied"}]})

    store = Store()
    client = store.build(httpx.MockTransport(always_refused), BASE)

    with pytest.raises(ApiError, match="403") as raised:
        client.fetch("orders", SINCE, None, None)
    assert raised.value.status_code == 403
    assert calls == Counter({"/orders/v0/orders": 2, "/auth/o2/token": 2})


def test_a_revoked_refresh_token_is_a_clear_error_that_repeats_no_secret() -> None:
    store = Store(orders=1)
    store.api.revoked = True

    with pytest.raises(ApiError) as raised:
        store.client.fetch("orders", SINCE, None, None)

    message = str(raised.value)
    assert "invalid_grant" in message and "authorize the app again" in message
    assert raised.value.status_code == 400
    for secret in (REFRESH_TOKEN, CLIENT_SECRET, "invalid grant parameter"):
        assert secret not in message and secret not in repr(store.client.auth.__dict__)


def test_wrong_client_credentials_are_named_without_the_secret() -> None:
    store = Store(secrets=StoreSecrets(refresh_token=REFRESH_TOKEN, api_key=CLIENT_ID, api_secret="wrong-secret"))

    with pytest.raises(ApiError, match="invalid_client") as raised:
        store.client.fetch("orders", SINCE, None, None)
    assert "wrong-secret" not in str(raised.value)


def test_an_lwa_outage_is_retried_with_backoff() -> None:
    store = Store(orders=2)
    answers = iter([httpx.Response(503, json={"error": "ServerError"})])

    def flaky_token_endpoint(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/auth/o2/token":
            return next(answers, None) or store.api(request)
        return store.api(request)

    client = store.build(httpx.MockTransport(flaky_token_endpoint), BASE)

    page = client.fetch("orders", SINCE, None, None)

    assert len(page.items) == 2 and client.transports["getOrders"].retries == 1


# --- getOrders: the window, paging and the 2-minute rule ---------------------------------------------------


def test_the_window_ends_more_than_two_minutes_before_now() -> None:
    store = Store(orders=5)

    store.client.fetch("orders", SINCE, None, None)

    [first] = store.sp_api_calls()
    now = store.clock.now()
    assert parse_utc(first["LastUpdatedBefore"]) <= now - timedelta(minutes=2)
    assert parse_utc(first["LastUpdatedBefore"]) == now - timedelta(minutes=2, seconds=30)
    assert first["LastUpdatedAfter"] == "2025-01-01T00:00:00Z" and first["MaxResultsPerPage"] == "100"
    assert first["MarketplaceIds"] == "ATVPDKIKX0DER"


def test_without_a_context_clock_the_client_reads_the_real_utc_clock() -> None:
    clock = VirtualClock(start=datetime.now(UTC))
    api = FakeAmazonSp(clock=clock)
    seed_amazon_sp(api.data, 3)
    context = ClientContext(
        httpx.Client(transport=httpx.MockTransport(api)), sleep=clock.sleep, monotonic=clock.monotonic
    )
    client: AmazonSpClient = DESCRIPTOR.client(KIT.record(BASE), KIT.secrets, context)

    page = client.fetch("orders", SINCE, None, None)

    [listing] = [httpx.URL(url) for url in api.requests if httpx.URL(url).path == ORDERS_PATH]
    before = parse_utc(listing.params["LastUpdatedBefore"])
    assert len(page.items) == 3
    assert abs(before - (datetime.now(UTC) - timedelta(minutes=2, seconds=30))) < timedelta(seconds=5)


def test_the_fake_refuses_a_window_ending_less_than_two_minutes_ago_as_amazon_does() -> None:
    store = Store(orders=1)
    store.client.fetch("orders", SINCE, None, None)  # a token to ask with
    late = format_utc(store.clock.now() - timedelta(seconds=90), timespec="seconds")
    params = {"MarketplaceIds": "ATVPDKIKX0DER", "LastUpdatedAfter": "2025-01-01T00:00:00Z", "LastUpdatedBefore": late}

    answer = store.client.transports["getOrders"].http.get(
        f"{BASE}/orders/v0/orders", params=params, auth=store.client.auth
    )

    assert answer.status_code == 400
    [error] = answer.json()["errors"]
    assert error["code"] == "InvalidInput" and "2 minutes" in error["message"]


def test_nothing_is_asked_before_anything_has_settled() -> None:
    store = Store(orders=3)

    page = store.client.fetch("orders", store.clock.now() - timedelta(minutes=1), None, None)

    assert (page.items, page.next_token, store.api.requests) == ([], None, [])


def test_next_token_calls_send_only_the_marketplaces_and_the_token() -> None:
    store = Store(orders=25, page_size=10)

    report = store.sync()

    first, *rest = store.sp_api_calls()
    assert {"LastUpdatedAfter", "LastUpdatedBefore", "MaxResultsPerPage"} <= set(first)
    assert len(rest) == 2 and all(set(params) == {"MarketplaceIds", "NextToken"} for params in rest)
    assert report.complete and report.pages == 3 and report.fetched == 25


def test_the_page_size_is_capped_at_100_which_the_fake_enforces() -> None:
    store = Store(orders=1, page_size=500)
    assert store.client.page_size == 100
    store.client.fetch("orders", SINCE, None, None)
    params = {"MarketplaceIds": "ATVPDKIKX0DER", "LastUpdatedAfter": "2025-01-01T00:00:00Z", "MaxResultsPerPage": "101"}

    answer = store.client.transports["getOrders"].http.get(
        f"{BASE}/orders/v0/orders", params=params, auth=store.client.auth
    )

    assert answer.status_code == 400 and answer.json()["errors"][0]["code"] == "InvalidInput"


def test_order_items_follow_their_own_next_token() -> None:
    store = Store(orders=4)
    store.api.items_page_size = 1

    page = store.client.fetch("orders", SINCE, None, None)

    lines = {item.position.id: len(loads(item.body)["OrderItems"]) for item in page.items}
    assert sorted(lines.values()) == [1, 1, 2, 2]  # odd-numbered orders have two lines
    assert any("NextToken" in params for params in store.sp_api_calls(items=True))


# --- Whole runs: ties, faults, edits, resumes ---------------------------------------------------------------


def test_ties_across_page_boundaries_are_neither_missed_nor_doubled() -> None:
    store = Store(orders=24, page_size=4)
    pages: list[list[str]] = []
    store.sync(on_page=lambda report: pages.append(store.enqueued_ids()[sum(map(len, pages)) :]))

    by_second: dict[datetime, set[int]] = {}
    truth = store.truth()
    for number, page in enumerate(pages):
        for order_id in page:
            by_second.setdefault(truth[order_id], set()).add(number)
    assert any(len(seen_on) > 1 for seen_on in by_second.values())  # some tie really spans a boundary
    assert sorted(store.enqueued_ids()) == sorted(truth)  # each order exactly once
    checkpoint = store.checkpoints.get("amazon-1", "orders")
    assert checkpoint is not None and checkpoint.resume is None
    assert checkpoint.cursor == max((Cursor(moment, order_id) for order_id, moment in truth.items()), key=Cursor.key)

    store.clock.advance(60)
    store.sync()  # the next run's overlap reads some again: ingest drops them, nothing is lost
    replica = Replica().consume(store.sink.bodies)
    assert replica.latest == truth and replica.duplicates > 0


def test_a_429_is_honoured_by_waiting_out_the_named_rate() -> None:
    store = Store(orders=3)
    store.client.fetch("orders", SINCE, None, None)
    KIT.throttle(store.api, 2, 5.0)  # QuotaExceeded, x-amzn-RateLimit-Limit: 0.2 (one call per 5 s)
    before = store.clock.elapsed

    page = store.client.fetch("orders", SINCE, None, None)

    transport = store.client.transports["getOrders"]
    assert len(page.items) == 3 and transport.retries == 2
    assert store.clock.elapsed - before >= 2 * 5.0 - 1e-6
    assert transport.limiter.leak_per_second == pytest.approx(0.0167)  # the next answer named the real rate
    assert store.api.quota_exceeded == 0


def test_a_5xx_mid_walk_is_retried_and_the_walk_completes() -> None:
    store = Store(orders=30, page_size=10)
    store.api.faults.at_request(12, 503)  # getOrders page 2: request 1 is page 1, then its 10 item calls

    report = store.sync()

    assert report.complete and sorted(store.enqueued_ids()) == sorted(store.truth())
    assert store.client.transports["getOrders"].retries == 1
    assert [params.get("NextToken") is not None for params in store.sp_api_calls()] == [False, True, True, True]


def test_an_edit_during_the_walk_is_read_by_the_next_run() -> None:
    store = Store(orders=30, page_size=10)
    edited: list[str] = []

    def edit_after_first_page(report: SyncReport) -> None:
        if report.pages == 1:
            seen = store.enqueued_ids()
            unseen = sorted(set(store.truth()) - set(seen))
            for order_id in (seen[0], unseen[0]):
                store.api.data.touch("orders", order_id, OrderStatus="Canceled")
                edited.append(order_id)

    store.sync(on_page=edit_after_first_page)
    store.clock.advance(180)  # the edits settle (2-minute rule)
    store.sync()

    replica = Replica().consume(store.sink.bodies)
    truth = store.truth()
    assert replica.latest == truth
    assert all(truth[order_id] > SINCE and replica.latest[order_id] == truth[order_id] for order_id in edited)


def test_a_stopped_run_resumes_by_its_token_without_repeats() -> None:
    store = Store(orders=25, page_size=10)
    budget = iter([1 << 30, 0])

    first = store.sync(remaining_ms=lambda: next(budget, 0))
    saved = store.checkpoints.get("amazon-1", "orders")
    second = store.sync()

    assert first.stopped == "time budget" and first.pages == 1
    assert saved is not None and saved.resume_token and saved.resume_token.count("|") >= 2
    assert second.complete and Counter(store.enqueued_ids()) == Counter(dict.fromkeys(store.truth(), 1))


def test_a_refused_next_token_restarts_the_listing_instead_of_wedging() -> None:
    store = Store(orders=30, page_size=10)

    report = store.sync(on_page=lambda r: store.api.expire_next_tokens() if r.pages == 1 else None)

    assert report.complete and set(store.enqueued_ids()) == set(store.truth())
    assert len(store.enqueued_ids()) == 40  # the first page twice; ingest drops the repeats
    assert Replica().consume(store.sink.bodies).latest == store.truth()


# --- Rate limits per operation ----------------------------------------------------------------------------


def test_each_operation_has_its_own_bucket_at_amazons_default_rates() -> None:
    store = Store(orders=25, page_size=1)

    report = store.sync()

    orders_bucket = store.client.transports["getOrders"].limiter
    items_bucket = store.client.transports["getOrderItems"].limiter
    assert report.complete and store.api.quota_exceeded == 0
    assert len(store.sp_api_calls()) == 25
    assert orders_bucket.waited_seconds == pytest.approx(5 / 0.0167, rel=0.01)  # 25 calls, burst 20, 1 a minute
    assert items_bucket.waited_seconds == 0  # 25 item calls fit their own burst of 30


def test_the_rate_header_sets_the_bucket_leak() -> None:
    store = Store(orders=25, page_size=1)
    store.api.rates["getOrders"] = (0.5, 20.0)  # a seller on a larger dynamic usage plan

    store.sync()

    limiter = store.client.transports["getOrders"].limiter
    assert limiter.leak_per_second == 0.5
    assert limiter.waited_seconds == pytest.approx(5 / 0.5, rel=0.05)
    assert store.api.quota_exceeded == 0


# --- Live reads, single orders, subscriptions, settings -------------------------------------------------------


def test_live_reads_are_empty_by_design() -> None:
    store = Store(orders=3)

    assert store.client.customer_orders("buyer-0123456789abcdef") == []
    assert store.client.email_orders("q9x7@marketplace.amazon.com") == []
    assert store.client.product("B0FAKE0001") is None
    assert store.client.list_webhooks() == [] and store.client.count("orders", SINCE) is None
    with pytest.raises(ApiError, match="SQS"):
        store.client.create_webhook("ORDER_CHANGE", "https://example.invalid/hook")
    assert store.api.requests == []  # none of them asked Amazon anything


def test_an_order_change_is_followed_by_reading_the_order_it_names() -> None:
    store = Store(orders=3)
    order_id = sorted(store.truth())[0]
    store.clock.advance(600)
    store.api.data.touch("orders", order_id, OrderStatus="Canceled")
    notice = {
        "NotificationType": "ORDER_CHANGE",
        "EventTime": format_utc(store.clock.now()),
        "Payload": {"OrderChangeNotification": {"AmazonOrderId": order_id, "OrderChangeType": "OrderStatusChange"}},
    }
    adapter = AmazonSpAdapter(currency="USD")
    context = NormalizeContext("amazon-1", "webhook", store.clock.now())

    [ref] = adapter.resource_refs("ORDER_CHANGE", notice)
    row = store.client.read(ref.entity, ref.id)
    assert row is not None and "_items" not in row and "id" not in row  # the fake's own keys stay inside it
    _, order = (event.entity for event in adapter.normalize("ORDER_CHANGE", row, context))

    assert isinstance(order, Order) and order.id == order_id and order.cancelled_at is not None
    assert order.line_items and order.updated_at == store.truth()[order_id]
    assert any(url.endswith(f"/orders/v0/orders/{order_id}") for url in store.api.requests)  # getOrder
    assert store.client.read("order", "999-0000000-0000000") is None
    with pytest.raises(ValueError, match=r"^entity"):
        store.client.read("customer", "buyer-1")


def test_a_store_without_marketplaces_is_an_error_naming_the_setting() -> None:
    store = Store()
    record = KIT.record(BASE)
    context = ClockedContext(httpx.Client(transport=httpx.MockTransport(store.api)), clock=store.clock.now)
    client: Any = DESCRIPTOR.client(type(record)(**{**record.__dict__, "extra": {}}), KIT.secrets, context)

    with pytest.raises(ApiError, match=r"^marketplace_ids"):
        client.fetch("orders", SINCE, None, None)
