"""Shopify bulk exports: one grouped bulk query, polled to completion, its JSONL streamed a parent at a time
with the ``__parentId`` children attached, and a backfill source that resumes with a byte range."""

from __future__ import annotations

import json
import tracemalloc
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from itertools import islice
from typing import Any

import httpx
import pytest

from storeloom.domain.ingest_message import IngestMessage
from storeloom.domain.types import loads
from storeloom.platforms.descriptor import ClientContext
from storeloom.platforms.shopify.bulk import BulkFailed, BulkSource, ShopifyBulk, backfill_source, parents
from storeloom.platforms.shopify.graphql_client import ShopifyGraphqlClient, graphql_transport
from storeloom.platforms.shopify.graphql_queries import RUN_BULK
from storeloom.services.polling.sync import SyncRequest, SyncService
from storeloom_tools.fakes import FakeShopify, VirtualClock, seed_shopify
from storeloom_tools.fakes.shopify_graphql import FakeShopifyGraphql
from tests.fakes.polling import MemoryCheckpoints, MemorySink
from tests.unit.test_shopify_graphql_client import canonical

SINCE = datetime(2025, 1, 1, tzinfo=UTC)


Handler = Callable[[httpx.Request], httpx.Response]


def shop(
    orders: int = 0, spy: Callable[[Handler], Handler] | None = None, **options: Any
) -> tuple[FakeShopifyGraphql, ShopifyBulk, VirtualClock]:
    """A fake shop whose orders have 1 to 4 line items, and a bulk reader over it; ``spy`` wraps the fake."""
    clock = VirtualClock()
    rest = FakeShopify(clock=clock)
    seed_shopify(rest.data, orders, customers=5)
    for n, row in enumerate(rest.data.rows.get("orders", {}).values()):  # 1 to 4 line items each
        line = row["line_items"][0]
        row["line_items"] = [{**line, "id": line["id"] * 10 + i, "sku": f"SKU-{n}-{i}"} for i in range(1 + n % 4)]
    api = FakeShopifyGraphql(clock=clock, rest=rest, **options)
    http = httpx.Client(transport=httpx.MockTransport(spy(api) if spy else api))
    context = ClientContext(http, sleep=clock.sleep, monotonic=clock.monotonic)
    return (
        api,
        ShopifyBulk(ShopifyGraphqlClient("https://fake.example", "shpat_local", graphql_transport(context))),
        clock,
    )


def jsonl(*lines: Mapping[str, Any]) -> httpx.Response:
    return httpx.Response(200, content=b"".join(json.dumps(line).encode() + b"\n" for line in lines))


ORDER: dict[str, Any] = {
    "id": "gid://shopify/Order/1",
    "name": "#1",
    "currencyCode": "USD",
    "updatedAt": "2026-01-01T00:00:00Z",
}
LINE: dict[str, Any] = {
    "id": "gid://shopify/LineItem/11",
    "title": "Tee",
    "quantity": 1,
    "__parentId": "gid://shopify/Order/1",
}


def test_a_bulk_export_runs_one_grouped_query_filtered_on_updated_at_and_polls_it_by_id() -> None:
    api, bulk, clock = shop(orders=12, polls_to_complete=3)

    rows = list(bulk.rows("orders", SINCE))

    run, *polls = api.operations
    assert run["name"] == "RunBulk" and "groupObjects: true" in run["document"]
    assert "orders(query: \"updated_at:>='2025-01-01T00:00:00Z'\", sortKey: UPDATED_AT)" in run["variables"]["query"]
    assert "lineItems { edges { node {" in run["variables"]["query"] and "first" not in run["variables"]["query"]
    assert [p["variables"] for p in polls] == [{"id": "gid://shopify/BulkOperation/1"}] * 3 and bulk.polls == 3
    assert clock.elapsed == pytest.approx(2.0 + 3.0)  # waited between polls, growing by half
    assert len(rows) == 12 and api.jobs[1].group


def test_bulk_rows_carry_their_children_and_normalize_as_rest_does() -> None:
    api, bulk, _ = shop(orders=30)

    rows = {row["id"]: row for row in bulk.rows("orders", SINCE)}

    for order_id, rest in api.data.rows["orders"].items():
        assert [line["sku"] for line in rows[order_id]["line_items"]] == [line["sku"] for line in rest["line_items"]]
    rest_bodies = [_message(json.dumps(row)) for row in api.data.rows["orders"].values()]
    bulk_bodies = [_message(json.dumps(row)) for row in rows.values()]
    assert canonical(bulk_bodies) == canonical(rest_bodies)


def _message(body: str) -> str:
    return IngestMessage(
        platform="shopify", store_id="shop-1", topic="orders/updated", source="backfill", received_at=SINCE, body=body
    ).model_dump_json()


def test_the_shop_token_is_not_sent_to_the_result_url() -> None:
    sent: list[httpx.Request] = []

    def recording(api: Handler) -> Handler:
        def handle(request: httpx.Request) -> httpx.Response:
            sent.append(request)
            return api(request)

        return handle

    _, bulk, _ = shop(orders=2, spy=recording)

    list(bulk.rows("orders", SINCE))

    download = [r for r in sent if r.url.path.endswith(".jsonl")]
    assert len(download) == 1 and "x-shopify-access-token" not in download[0].headers
    assert all("x-shopify-access-token" in r.headers for r in sent if r.url.path.endswith("graphql.json"))


def test_a_child_line_after_another_parent_is_refused_not_attached_late() -> None:
    other = {**ORDER, "id": "gid://shopify/Order/2"}

    with pytest.raises(BulkFailed, match="groupObjects"):
        list(parents(jsonl(ORDER, other, LINE), "orders"))
    with pytest.raises(BulkFailed, match="groupObjects"):
        list(parents(jsonl(LINE, ORDER), "orders"))


def test_a_line_separator_inside_a_value_does_not_split_a_jsonl_line() -> None:
    title = "Tee\u2028Shirt\u0085"
    body = b"".join(json.dumps(line, ensure_ascii=False).encode() + b"\n" for line in (ORDER, {**LINE, "title": title}))

    [parent] = parents(httpx.Response(200, content=body), "orders")

    assert parent.row["line_items"][0]["title"] == title and parent.last and parent.end == len(body)


def test_parents_are_handed_on_one_at_a_time_with_the_offset_past_their_last_line() -> None:
    response = jsonl(ORDER, LINE, {**ORDER, "id": "gid://shopify/Order/2"})
    first_two = len(json.dumps(ORDER)) + len(json.dumps(LINE)) + 2

    one, two = parents(response, "orders")

    assert (one.row["id"], one.end, one.last) == ("1", first_two, False)
    assert (two.row["id"], two.row["line_items"], two.last) == ("2", [], True)


def test_memory_stays_bounded_by_a_parent_while_100000_orders_stream_past() -> None:
    api, bulk, _ = shop(synthetic_orders=100_000)
    stream = bulk.rows("orders", SINCE)

    # tracemalloc slows allocation-heavy code about sixfold, so the last 10,000 parents are traced: memory that
    # grew with the orders read would grow by 10,000 orders' worth (over 12 MB of JSONL) inside the window.
    read = sum(1 for _ in islice(stream, 90_000))
    served = api.served_bytes
    tracemalloc.start()
    try:
        read += sum(len(row["line_items"]) for row in stream)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    window = api.served_bytes - served
    assert read == 100_000 and window > 12_000_000
    assert peak < 4_000_000 < window / 3


def test_a_failed_operation_is_an_api_error_naming_its_error_code() -> None:
    api, bulk, _ = shop(orders=3)
    api.fail_next_bulk = True

    with pytest.raises(BulkFailed, match=r"FAILED \(INTERNAL_SERVER_ERROR\)"):
        list(bulk.rows("orders", SINCE))


def test_unexportable_entities_and_queries_past_the_bulk_limits_are_refused() -> None:
    _, bulk, _ = shop(orders=1)

    with pytest.raises(ValueError, match="inventory_levels"):
        bulk.start("inventory_levels", SINCE)
    deep = "{ orders { edges { node { lineItems { edges { node { a { edges { node { id } } } } } } } } } }"
    refused = bulk.client.execute(RUN_BULK, {"query": deep})["bulkOperationRunQuery"]
    assert refused["bulkOperation"] is None and "nesting depth" in refused["userErrors"][0]["message"]


def backfill(bulk: ShopifyBulk, clock: VirtualClock, **options: Any) -> tuple[SyncService, BulkSource, MemorySink]:
    sink = MemorySink()
    return SyncService(MemoryCheckpoints(), sink, clock.now), BulkSource(bulk, **options), sink


def test_a_bulk_backfill_pages_through_the_sync_service_and_resumes_from_its_byte_offset() -> None:
    api, bulk, clock = shop(orders=300)
    service, source, sink = backfill(bulk, clock, page_size=100)
    request = SyncRequest("shop-1", "orders", mode="backfill", since=SINCE)
    budget = iter([1 << 30, 1 << 30, 0])  # two pages, then out of time

    first = service.run(request, source, lambda: next(budget, 0))
    second = service.run(request, source)

    assert first.stopped == "time budget" and first.enqueued == 200 and second.complete
    ids = [loads(IngestMessage.model_validate_json(body).body or "")["id"] for body in sink.bodies]
    assert sorted(ids) == sorted(api.data.rows["orders"]) and len(ids) == len(set(ids)) == 300
    assert [r for r in api.ranges if r] and all(r.startswith("bytes=") for r in api.ranges if r)
    assert sum(1 for op in api.operations if op["name"] == "RunBulk") == 1  # the resumed run asked for no new export
    assert {IngestMessage.model_validate_json(b).source for b in sink.bodies} == {"backfill"}


def test_storage_that_ignores_the_range_is_skipped_to_the_offset_by_the_reader() -> None:
    def no_ranges(api: Handler) -> Handler:
        def handle(request: httpx.Request) -> httpx.Response:
            if not request.url.path.endswith(".jsonl"):
                return api(request)
            return api(httpx.Request(request.method, request.url, headers=_without_range(request)))

        return handle

    api, bulk, _ = shop(orders=20, spy=no_ranges)
    list(bulk.rows("orders", SINCE))
    url = next(u for u in api.requests if u.endswith(".jsonl"))
    everything = list(bulk.read(url, "orders"))

    rest = list(bulk.read(url, "orders", everything[4].end))

    assert [p.row["id"] for p in rest] == [p.row["id"] for p in everything[5:]]


def _without_range(request: httpx.Request) -> dict[str, str]:
    return {name: value for name, value in request.headers.items() if name.lower() != "range"}


def test_an_export_still_running_gives_an_empty_page_and_a_later_fetch_continues() -> None:
    _, bulk, clock = shop(orders=5, polls_to_complete=5)
    _, source, _ = backfill(bulk, clock, max_wait_seconds=5.0)

    waiting = source.fetch("orders", SINCE, None, None)
    done = source.fetch("orders", SINCE, None, waiting.next_token)

    assert waiting.items == [] and waiting.next_token is not None
    assert len(done.items) == 5 and done.next_token is None and not done.ordered


def test_a_token_from_a_paged_listing_starts_a_new_export() -> None:
    api, bulk, clock = shop(orders=5)
    _, source, _ = backfill(bulk, clock)
    paged = "eyJxIjoidXBkYXRlZF9hdDo-PScyMDI1LTAxLTAxVDAwOjAwOjAwWiciLCJhZnRlciI6bnVsbH0="

    page = source.fetch("orders", SINCE, None, paged)

    assert len(page.items) == 5 and api.operations[0]["name"] == "RunBulk"


def test_an_export_that_matched_nothing_ends_the_backfill_at_once() -> None:
    api, bulk, clock = shop(orders=5)
    _, source, _ = backfill(bulk, clock)

    page = source.fetch("orders", clock.now() + timedelta(days=1), None, None)

    assert page.items == [] and page.next_token is None
    assert not any(u.endswith(".jsonl") for u in api.requests)


def test_backfills_of_exportable_entities_on_graphql_read_bulk_exports_and_the_rest_page() -> None:
    _, bulk, _ = shop(orders=1)

    assert isinstance(backfill_source(bulk.client, "orders"), BulkSource)
    assert backfill_source(bulk.client, "inventory_levels") is None
    assert backfill_source(object(), "orders") is None  # a REST client pages as before
