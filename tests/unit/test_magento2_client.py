"""The Magento 2 REST client against the fake Magento API: documented parameters, keyset pages, retries,
live reads and OAuth 1.0a signing; full syncs through the SyncService with in-memory ports."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from urllib.parse import quote, unquote

import httpx
import pytest
from oauthlib.common import Request as OAuthRequest  # type: ignore[import-untyped]
from oauthlib.oauth1.rfc5849 import signature  # type: ignore[import-untyped]

from storeloom.domain.stores import StoreRecord, StoreSecrets
from storeloom.domain.types import parse_utc
from storeloom.platforms.descriptor import ClientContext
from storeloom.platforms.magento2 import DESCRIPTOR, Magento2Adapter
from storeloom.platforms.magento2.api_client import Magento2Client
from storeloom.platforms.magento2.auth import OAuth1Signature, OAuthCredentials
from storeloom.platforms.registry import get_adapter
from storeloom.services.platform_port import ApiError, PlatformAdapter
from storeloom.services.polling.sync import SyncReport, SyncRequest, SyncService
from storeloom_tools.fakes.clock import VirtualClock
from storeloom_tools.fakes.magento2 import FakeMagento2, oauth_base_string
from storeloom_tools.fakes.magento2_data import seed_magento2
from tests.fakes.polling import IngestReplica, MemoryCheckpoints, MemorySink

API_URL = "https://shop.example/rest/default"


@dataclass(frozen=True)
class OAuthSecrets(StoreSecrets):
    """StoreSecrets with the consumer pair an OAuth store keeps in its secret (fields StoreSecrets lacks yet)."""

    consumer_key: str | None = None
    consumer_secret: str | None = None


@dataclass
class M2:
    """One fake Magento store and a client built by the DESCRIPTOR, on a virtual clock."""

    orders: int = 0
    customers: int = 3
    carts: int = 0
    page_size: int | None = None
    span: timedelta = timedelta(days=30)
    extra: dict[str, str] = field(default_factory=dict)
    bearer_enabled: bool = True
    clock: VirtualClock = field(default_factory=VirtualClock)
    checkpoints: MemoryCheckpoints = field(default_factory=MemoryCheckpoints)
    sink: MemorySink = field(default_factory=MemorySink)

    def __post_init__(self) -> None:
        self.api = FakeMagento2(clock=self.clock, bearer_enabled=self.bearer_enabled)
        seed_magento2(self.api.data, self.orders, self.customers, carts=self.carts, span=self.span, products=7)
        self.http = httpx.Client(transport=httpx.MockTransport(self.api))
        secrets = OAuthSecrets(
            api_key=self.api.access_token,
            api_secret=self.api.access_token_secret,
            consumer_key=self.api.consumer_key,
            consumer_secret=self.api.consumer_secret,
        )
        record = StoreRecord("m2-1", "magento2", API_URL, "arn:fake", extra=self.extra)
        context = ClientContext(
            self.http, sleep=self.clock.sleep, monotonic=self.clock.monotonic, page_size=self.page_size
        )
        self.client: Magento2Client = DESCRIPTOR.client(record, secrets, context)
        self.service = SyncService(self.checkpoints, self.sink, self.clock.now, first_lookback=timedelta(days=60))

    def sync(self, entity: str = "orders", on_page: Callable[[SyncReport], None] | None = None) -> SyncReport:
        return self.service.run(SyncRequest("m2-1", entity), self.client, on_page=on_page)

    def truth(self, entity: str = "orders") -> dict[str, str]:
        key = "entity_id" if entity == "orders" else "id"
        return {str(row[key]): parse_utc(row["updated_at"]).isoformat() for row in self.api.data.all(entity)}

    def params(self, index: int) -> dict[str, str]:
        return dict(httpx.URL(self.api.requests[index]).params)


@pytest.fixture(autouse=True)
def magento_in_the_replica(monkeypatch: pytest.MonkeyPatch) -> None:
    """The replica looks adapters up in the registry, which the Magento folder is not wired into yet."""

    def adapter_for(platform: str, currency: str | None = None) -> PlatformAdapter:
        return Magento2Adapter(currency) if platform == "magento2" else get_adapter(platform, currency)

    monkeypatch.setattr("tests.fakes.polling.get_adapter", adapter_for)


def replica(store: M2) -> IngestReplica:
    found = IngestReplica()
    found.consume(store.sink.bodies)
    return found


def assert_complete_and_single(store: M2, entity: str = "orders") -> None:
    found = replica(store)
    assert found.latest == store.truth(entity)
    assert found.duplicates == 0 and all(count == 1 for count in found.applied.values())


FILTER = "searchCriteria[filter_groups][{g}][filters][{f}][{part}]"


def test_first_request_filters_on_updated_at_and_sorts_with_the_id_as_tie_break() -> None:
    store = M2(orders=250)

    report = store.sync()

    first = store.params(0)
    assert first[FILTER.format(g=0, f=0, part="field")] == "updated_at"
    assert first[FILTER.format(g=0, f=0, part="condition_type")] == "gteq"
    assert first[FILTER.format(g=0, f=0, part="value")] == "2025-11-06 12:00:00"  # 60 days back, UTC, no zone
    assert first["searchCriteria[sortOrders][0][field]"] == "updated_at"
    assert first["searchCriteria[sortOrders][0][direction]"] == "ASC"
    assert first["searchCriteria[sortOrders][1][field]"] == "entity_id"
    assert first["searchCriteria[pageSize]"] == "100" and first["searchCriteria[currentPage]"] == "1"
    assert report.complete and report.total == 250 and report.requests == 3  # no trailing empty page
    assert httpx.URL(store.api.requests[0]).path == "/rest/default/V1/orders"


def test_later_pages_are_keyset_pages_after_the_last_item_seen() -> None:
    store = M2(orders=250)

    store.sync()

    second = store.params(1)
    last_of_first = sorted(store.truth().items(), key=lambda kv: (kv[1], int(kv[0])))[99]
    moment = parse_utc(last_of_first[1]).strftime("%Y-%m-%d %H:%M:%S")
    assert second[FILTER.format(g=0, f=0, part="value")] == moment
    assert second[FILTER.format(g=0, f=0, part="condition_type")] == "gteq"
    assert (second[FILTER.format(g=1, f=0, part="field")], second[FILTER.format(g=1, f=0, part="condition_type")]) == (
        "updated_at",
        "gt",
    )
    assert second[FILTER.format(g=1, f=1, part="field")] == "entity_id"
    assert second[FILTER.format(g=1, f=1, part="value")] == last_of_first[0]
    assert second["searchCriteria[currentPage]"] == "1"  # the page number never moves


def test_page_size_defaults_to_100_and_is_capped_at_300() -> None:
    assert M2().client.page_size == 100
    assert M2(page_size=1000).client.page_size == 300


def test_the_bearer_token_is_the_integration_access_token() -> None:
    store = M2(orders=3)
    requests = captured(store)

    store.sync()

    assert [request.headers["authorization"] for request in requests] == [f"Bearer {store.api.access_token}"]


def test_first_sync_enqueues_every_order_once_and_saves_the_cursor() -> None:
    store = M2(orders=420, customers=20)

    report = store.sync()

    assert report.complete and report.enqueued == 420
    assert_complete_and_single(store)
    checkpoint = store.checkpoints.get("m2-1", "orders")
    assert checkpoint is not None and checkpoint.resume is None and checkpoint.cursor is not None
    assert checkpoint.cursor.updated_at.isoformat() == max(store.truth().values())


def test_equal_updated_at_across_page_boundaries_neither_missed_nor_doubled() -> None:
    store = M2(orders=40, page_size=10)
    moment = store.clock.now() - timedelta(hours=1)
    for order_id in sorted(store.truth(), key=int)[5:30]:  # 25 orders share one second: over two pages
        store.api.data.touch("orders", order_id, moment)

    report = store.sync()

    assert report.complete and report.enqueued == 40 and report.pages == 4
    assert_complete_and_single(store)


def test_a_short_span_puts_ties_on_every_boundary_and_loses_nothing() -> None:
    store = M2(orders=300, page_size=25, span=timedelta(seconds=60))

    assert store.sync().complete
    assert_complete_and_single(store)


def test_an_order_edited_during_the_walk_arrives_in_both_versions() -> None:
    store = M2(orders=200, page_size=25)
    oldest = min(store.truth().items(), key=lambda kv: (kv[1], int(kv[0])))[0]

    def edit_after_second_page(report: SyncReport) -> None:
        if report.pages == 2:
            store.clock.advance(1)
            store.api.data.touch("orders", oldest, state="closed", status="closed", total_refunded=5)

    store.sync(on_page=edit_after_second_page)

    found = replica(store)
    assert found.latest == store.truth()
    assert len(found.applied) == 201 and found.duplicates == 0  # both versions of the edited order


def test_a_429_storm_honours_retry_after_and_loses_nothing() -> None:
    store = M2(orders=300, page_size=50)
    store.api.faults.retry_after = 3.0
    for number in range(2, 7):  # after the first page, five 429s in a row
        store.api.faults.at_request(number, 429)

    report = store.sync()

    assert report.complete and report.requests == len(store.api.requests) == report.pages + 5
    assert store.clock.elapsed >= 5 * 3.0
    assert_complete_and_single(store)


def test_5xx_in_the_middle_of_the_walk_is_retried_and_loses_nothing() -> None:
    store = M2(orders=300, page_size=50)
    store.api.faults.at_request(3, 500)
    store.api.faults.at_request(4, 503)

    report = store.sync()

    assert report.complete and report.pages == len(store.api.requests) - 2
    assert_complete_and_single(store)


def test_a_poller_killed_between_pages_resumes_after_its_last_item() -> None:
    store = M2(orders=300, page_size=50, span=timedelta(seconds=90))

    def die_after_third_page(report: SyncReport) -> None:
        if report.pages == 3:
            raise SystemExit("killed")

    with pytest.raises(SystemExit):
        store.sync(on_page=die_after_third_page)
    saved = store.checkpoints.get("m2-1", "orders")
    assert saved is not None and saved.resume is not None

    assert store.sync().complete
    assert_complete_and_single(store)


def test_the_fake_answers_the_last_page_again_past_the_end_and_the_client_never_asks_for_it() -> None:
    store = M2(orders=30)
    params = {"searchCriteria[pageSize]": "20", "searchCriteria[currentPage]": "9"}
    headers = {"Authorization": f"Bearer {store.api.access_token}"}

    beyond = store.http.get(f"{API_URL}/V1/orders", params=params, headers=headers).json()

    assert len(beyond["items"]) == 10 and beyond["total_count"] == 30  # page 2 again, as Magento does
    store.sync()
    assert [store.params(i)["searchCriteria[currentPage]"] for i in range(1, len(store.api.requests))] == ["1"]


def test_a_store_that_ignores_the_keyset_tie_break_fails_in_a_tie_instead_of_looping() -> None:
    store = M2(orders=30, page_size=10, span=timedelta(seconds=1))  # every order in one second
    original = store.api.__call__

    def drop_the_second_group(request: httpx.Request) -> httpx.Response:
        kept = [(k, v) for k, v in request.url.params.multi_items() if "[filter_groups][1]" not in k]
        return original(httpx.Request("GET", request.url.copy_with(params=kept), headers=request.headers))

    store.client.transport.http = httpx.Client(transport=httpx.MockTransport(drop_the_second_group))
    with pytest.raises(ApiError, match="ignored the keyset filter"):
        store.sync()
    assert len(store.api.requests) == 2


def test_active_quotes_with_items_are_the_carts() -> None:
    store = M2(carts=30, page_size=10)

    report = store.sync("carts")

    active = {k: v for k, v in store.truth("carts").items() if store.api.data.rows["carts"][k]["is_active"]}
    assert report.complete and report.enqueued == len(active) == 24  # every fifth quote became an order
    assert replica(store).latest == active
    first = store.params(0)
    assert (first[FILTER.format(g=0, f=0, part="field")], first[FILTER.format(g=0, f=0, part="value")]) == (
        "is_active",
        "1",
    )
    assert (first[FILTER.format(g=1, f=0, part="field")], first[FILTER.format(g=1, f=0, part="condition_type")]) == (
        "items_count",
        "gt",
    )
    assert httpx.URL(store.api.requests[0]).path.endswith("/V1/carts/search")


def test_customers_and_products_sync_through_their_search_routes() -> None:
    store = M2(customers=45, page_size=20)

    customers, products = store.sync("customers"), store.sync("products")

    assert (customers.enqueued, products.enqueued) == (45, 7) and customers.complete and products.complete
    assert len(replica(store).applied) == 52
    paths = {httpx.URL(url).path for url in store.api.requests}
    assert paths == {"/rest/default/V1/customers/search", "/rest/default/V1/products"}


def test_inventory_is_scanned_by_page_and_stops_by_total_count() -> None:
    store = M2(page_size=5)  # seven products at two sources: 14 source items

    report = store.sync("inventory_levels")

    assert report.complete and report.enqueued == 14 and report.requests == 3
    assert [store.params(i)["searchCriteria[currentPage]"] for i in range(3)] == ["1", "2", "3"]
    assert store.params(0)["searchCriteria[sortOrders][0][field]"] == "sku"
    assert len(replica(store).latest) == 14
    assert (
        "inventory_levels" in DESCRIPTOR.scanned and store.client.count("inventory_levels", store.clock.now()) is None
    )


def test_count_reads_total_count_with_a_page_of_one() -> None:
    store = M2(orders=80)
    since = store.clock.now() - timedelta(days=10)

    counted = store.client.count("orders", since)

    assert counted == sum(1 for moment in store.truth().values() if moment >= since.isoformat())
    assert store.params(0)["searchCriteria[pageSize]"] == "1" and len(store.api.requests) == 1


def test_live_product_read_by_entity_id_keeps_decimal_money() -> None:
    store = M2()

    row = store.client.product("3")

    assert row is not None and row["id"] == 3 and isinstance(row["price"], Decimal)
    assert store.params(0)[FILTER.format(g=0, f=0, part="field")] == "entity_id"
    assert store.client.product("999") is None
    requests = len(store.api.requests)
    assert store.client.product("M2-003") is None and len(store.api.requests) == requests  # a SKU is no id


def test_live_orders_of_a_customer_and_of_an_email() -> None:
    store = M2(orders=60, customers=4)
    customer_rows = [row for row in store.api.data.all("orders") if row.get("customer_id") == 2]
    guest = next(row for row in store.api.data.all("orders") if row["customer_is_guest"])

    mine = store.client.customer_orders("2")
    by_email = store.client.email_orders(guest["customer_email"].upper())

    assert sorted(row["entity_id"] for row in mine) == sorted(row["entity_id"] for row in customer_rows)
    assert [row["created_at"] for row in mine] == sorted((row["created_at"] for row in mine), reverse=True)
    assert [row["entity_id"] for row in by_email] == [guest["entity_id"]]
    assert store.params(-1)[FILTER.format(g=0, f=0, part="field")] == "customer_email"
    assert store.client.customer_orders("not-a-number") == []


def test_there_are_no_webhooks_to_list_or_repair() -> None:
    store = M2()
    assert store.client.list_webhooks() == [] and store.api.requests == []
    with pytest.raises(ApiError):
        store.client.create_webhook("orders", "https://hooks.example")


def oauth_store(**kwargs: object) -> M2:
    return M2(extra={"auth": "oauth1"}, bearer_enabled=False, **kwargs)  # type: ignore[arg-type]


def captured(store: M2) -> list[httpx.Request]:
    requests: list[httpx.Request] = []

    def keep(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        return store.api(request)

    store.client.transport.http = httpx.Client(transport=httpx.MockTransport(keep))
    return requests


def test_oauth1_stores_sign_every_request_and_a_full_sync_passes_the_fakes_check() -> None:
    store = oauth_store(orders=120, page_size=50)
    store.api.faults.at_request(2, 503)  # the retry is signed anew: a nonce is accepted once

    report = store.sync()

    assert report.complete and report.enqueued == 120
    assert_complete_and_single(store)
    assert len(store.api.nonces) == len(store.api.requests)  # each attempt, the retried one too, had a new nonce


def test_oauth1_header_carries_the_oauth_parameters_and_an_hmac_sha256_signature() -> None:
    store = oauth_store(orders=5)
    requests = captured(store)

    store.client.email_orders("a+b@example.org")

    [request] = requests
    header = request.headers["authorization"]
    assert header.startswith("OAuth ")
    params = {key: unquote(value) for key, value in re.findall(r'(\w+)="([^"]*)"', header)}
    assert params["oauth_signature_method"] == "HMAC-SHA256" and params["oauth_version"] == "1.0"
    assert params["oauth_consumer_key"] == store.api.consumer_key and params["oauth_token"] == store.api.access_token
    assert params["oauth_nonce"] and params["oauth_timestamp"].isdigit()
    # Recomputed here from RFC 5849: the base string of method, URL and every parameter, keyed by both secrets.
    base = oauth_base_string(request.method, request.url, params)
    assert base.startswith("GET&https%3A%2F%2Fshop.example%2Frest%2Fdefault%2FV1%2Forders&")
    assert "a%252Bb%2540example.org" in base  # the plus in the address, encoded twice as the spec says
    key = f"{quote(store.api.consumer_secret, safe='~')}&{quote(store.api.access_token_secret, safe='~')}"
    expected = base64.b64encode(hmac.new(key.encode(), base.encode(), hashlib.sha256).digest()).decode()
    assert params["oauth_signature"] == expected


def test_oauth1_signature_verifies_with_oauthlibs_server_side_check() -> None:
    store = oauth_store(orders=5)
    requests = captured(store)

    store.client.fetch("orders", store.clock.now() - timedelta(days=40), None, None)

    [request] = requests
    headers = dict(request.headers)
    server_view = OAuthRequest(str(request.url), request.method, headers=headers)
    server_view.params = signature.collect_parameters(uri_query=request.url.query.decode(), headers=headers)
    server_view.signature = dict(signature.collect_parameters(headers=headers, exclude_oauth_signature=False))[
        "oauth_signature"
    ]
    assert signature.verify_hmac_sha256(server_view, store.api.consumer_secret, store.api.access_token_secret)
    assert not signature.verify_hmac_sha256(server_view, store.api.consumer_secret, "not-the-secret")


def test_spaces_go_as_percent_20_because_magento_reads_a_plus_as_a_plus_when_checking_signatures() -> None:
    store = oauth_store(orders=5)
    credentials = OAuthCredentials(
        store.api.consumer_key, store.api.consumer_secret, store.api.access_token, store.api.access_token_secret
    )
    with_plus = httpx.Client(transport=httpx.MockTransport(store.api), auth=OAuth1Signature(credentials))
    criteria = {
        FILTER.format(g=0, f=0, part="field"): "updated_at",
        FILTER.format(g=0, f=0, part="value"): "2026-01-01 00:00:00",
    }

    refused = with_plus.get(f"{API_URL}/V1/orders", params=criteria)  # httpx writes the space as "+"
    store.sync()

    assert refused.status_code == 401 and "signature is invalid" in refused.json()["message"]
    query = store.api.requests[-1].split("?", 1)[1]
    assert "%20" in query and "+" not in query


def test_a_bearer_token_refused_by_a_2_4_4_store_is_not_retried() -> None:
    store = M2(orders=5, bearer_enabled=False)

    with pytest.raises(ApiError) as refused:
        store.sync()

    assert refused.value.status_code == 401 and len(store.api.requests) == 1


def test_an_oauth1_store_without_its_consumer_pair_is_refused_naming_the_first_missing_value() -> None:
    record = StoreRecord("m2-1", "magento2", API_URL, "arn:fake", extra={"auth": "OAuth1"})
    context = ClientContext(httpx.Client(transport=httpx.MockTransport(FakeMagento2())))
    with pytest.raises(ValueError, match=r"^consumer_key: a Magento store with auth=oauth1 needs"):
        DESCRIPTOR.client(record, StoreSecrets(api_key="t", api_secret="s"), context)


def test_descriptor_polls_every_entity_with_a_low_bucket_and_pushes_nothing() -> None:
    assert DESCRIPTOR.name == "magento2" and DESCRIPTOR.bucket == (4.0, 2.0)
    assert DESCRIPTOR.polled_entities == ("orders", "customers", "products", "carts", "inventory_levels")
    assert DESCRIPTOR.webhook_topics == () and DESCRIPTOR.required_secrets == ("api_key",)
    client = M2().client
    assert {client.topic_for(e) for e in DESCRIPTOR.polled_entities} == Magento2Adapter.topics
