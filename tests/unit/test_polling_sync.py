"""The sync service against the fake platform APIs: in every scenario nothing is missed and nothing is
stored twice. "Stored" is what the ingest path keeps: the IngestReplica normalizes each enqueued message
with the real adapter and dedupes on the idempotency key, as the ingest worker does."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from storeloom.domain.checkpoint import checkpoint_key
from storeloom.domain.stores import StoreRecord
from storeloom.platforms.sources import polled_entities
from storeloom.services.platform_port import ApiError
from storeloom.services.polling.sync import SyncReport
from tests.fakes.harness import Harness

PLATFORMS = ["shopify", "woocommerce"]


def assert_complete_and_single(harness: Harness) -> None:
    replica = harness.replica()
    assert replica.latest == harness.truth()
    assert all(count == 1 for count in replica.applied.values())


@pytest.mark.parametrize("platform", PLATFORMS)
def test_first_sync_enqueues_every_order_once_and_saves_the_cursor(platform: str) -> None:
    harness = Harness(platform, orders=620, customers=40)

    report = harness.sync()

    assert report.complete and report.fetched >= 620 and report.enqueued == 620
    assert_complete_and_single(harness)
    assert harness.replica().duplicates == 0
    checkpoint = harness.checkpoints.get("shop-1", "orders")
    assert checkpoint is not None and checkpoint.resume is None
    newest = max(harness.truth().values())
    assert checkpoint.cursor is not None and checkpoint.cursor.updated_at.isoformat() == newest


@pytest.mark.parametrize("platform", PLATFORMS)
def test_a_429_storm_is_retried_with_backoff_and_loses_nothing(platform: str) -> None:
    harness = Harness(platform, orders=300, page_size=50)
    for number in range(2, 9):  # after the first page, seven 429s in a row
        harness.api.faults.at_request(number, 429)

    report = harness.sync()

    assert report.complete
    assert report.requests == len(harness.api.requests) and report.requests > report.pages
    assert harness.clock.elapsed >= 7 * harness.api.faults.retry_after  # Retry-After honoured
    assert_complete_and_single(harness)
    assert harness.replica().duplicates == 0


@pytest.mark.parametrize("platform", PLATFORMS)
def test_a_500_in_the_middle_of_pagination_is_retried_and_loses_nothing(platform: str) -> None:
    harness = Harness(platform, orders=300, page_size=50)
    harness.api.faults.at_request(3, 500)
    harness.api.faults.at_request(4, 503)

    report = harness.sync()

    assert report.complete and report.pages == len(harness.api.requests) - 2
    assert_complete_and_single(harness)
    assert harness.replica().duplicates == 0


@pytest.mark.parametrize("platform", PLATFORMS)
def test_equal_updated_at_across_a_page_boundary(platform: str) -> None:
    harness = Harness(platform, orders=40, page_size=10)
    moment = harness.clock.now() - timedelta(hours=1)
    for order_id in sorted(harness.truth(), key=int)[5:30]:  # 25 orders share one second: > 2 pages
        harness.api.data.touch("orders", order_id, moment)

    report = harness.sync()

    assert report.complete and report.enqueued == 40
    assert_complete_and_single(harness)
    assert harness.replica().duplicates == 0


@pytest.mark.parametrize("platform", PLATFORMS)
def test_an_order_updated_while_the_run_is_in_progress(platform: str) -> None:
    harness = Harness(platform, orders=200, page_size=25)
    oldest = sorted(harness.truth().items(), key=lambda kv: kv[1])[0][0]

    def edit_after_second_page(report: SyncReport) -> None:
        if report.pages == 2:
            harness.clock.advance(1)
            harness.api.data.touch("orders", oldest, financial_status="refunded", status="refunded")

    harness.sync(on_page=edit_after_second_page)

    # Both versions of the edited order are real facts; every other order arrives exactly once.
    replica = harness.replica()
    assert replica.latest == harness.truth()
    assert len(replica.applied) == 201 and replica.duplicates == 0


@pytest.mark.parametrize("platform", PLATFORMS)
def test_poller_killed_between_pages_resumes_with_no_gap(platform: str) -> None:
    harness = Harness(platform, orders=300, page_size=50)

    def die_after_third_page(report: SyncReport) -> None:
        if report.pages == 3:
            raise SystemExit("killed")

    with pytest.raises(SystemExit):
        harness.sync(on_page=die_after_third_page)
    saved = harness.checkpoints.get("shop-1", "orders")
    assert saved is not None and saved.resume is not None

    second = harness.sync()

    assert second.complete
    assert_complete_and_single(harness)
    assert harness.replica().duplicates == 0


@pytest.mark.parametrize("platform", PLATFORMS)
def test_killed_after_enqueue_before_checkpoint_rereads_one_page_and_dedupe_absorbs_it(platform: str) -> None:
    harness = Harness(platform, orders=300, page_size=50)
    real_save = harness.checkpoints.save

    def crash_on_third_save(checkpoint: object) -> None:
        if harness.checkpoints.saves == 2:
            harness.checkpoints.saves += 1
            raise SystemExit("killed before the checkpoint write")
        real_save(checkpoint)  # type: ignore[arg-type]

    harness.checkpoints.save = crash_on_third_save  # type: ignore[method-assign]
    with pytest.raises(SystemExit):
        harness.sync()
    harness.checkpoints.save = real_save  # type: ignore[method-assign]

    harness.sync()

    replica = harness.replica()
    assert replica.latest == harness.truth()
    assert all(count == 1 for count in replica.applied.values())
    assert 0 < replica.duplicates <= 50  # the one page re-read; dedupe drops it


@pytest.mark.parametrize("platform", PLATFORMS)
def test_time_budget_stops_early_saves_and_the_next_tick_continues(platform: str) -> None:
    harness = Harness(platform, orders=300, page_size=50)
    budget = iter([60_000, 60_000, 5_000])

    first = harness.sync(remaining_ms=lambda: next(budget, 5_000))

    assert not first.complete and first.stopped == "time budget" and first.pages == 2
    second = harness.sync()
    assert second.complete
    assert_complete_and_single(harness)
    assert harness.replica().duplicates == 0


@pytest.mark.parametrize("platform", PLATFORMS)
def test_next_run_overlaps_the_cursor_and_catches_a_late_commit(platform: str) -> None:
    harness = Harness(platform, orders=100)
    harness.sync()
    cursor = harness.checkpoints.get("shop-1", checkpoint_key("orders", "live"))
    assert cursor is not None and cursor.cursor is not None
    # An order committed late, stamped 5 minutes before the cursor (clock skew / long transaction).
    late_id = sorted(harness.truth(), key=int)[0]
    harness.api.data.touch("orders", late_id, cursor.cursor.updated_at - timedelta(minutes=5))

    second = harness.sync()

    assert second.complete
    replica = harness.replica()
    assert replica.latest == harness.truth()
    assert replica.latest[late_id] == (cursor.cursor.updated_at - timedelta(minutes=5)).isoformat()


def test_woocommerce_tie_storm_longer_than_the_exclude_list_walks_pages_of_one_query() -> None:
    harness = Harness("woocommerce", orders=300, page_size=20)
    moment = harness.clock.now() - timedelta(hours=2)
    for order_id in sorted(harness.truth(), key=int)[10:260]:  # 250 orders in one second
        harness.api.data.touch("orders", order_id, moment)

    report = harness.sync()

    assert report.complete and report.enqueued == 300
    assert any("page=2" in url for url in harness.api.requests)  # the fallback was used
    assert_complete_and_single(harness)
    assert harness.replica().duplicates == 0


def test_woocommerce_killed_inside_a_tie_storm_resumes_without_loss() -> None:
    # WooCommerce returns equal modified times in no id order, so "ids below the cursor" are not "seen".
    harness = Harness("woocommerce", orders=80, page_size=10)
    moment = harness.clock.now() - timedelta(hours=2)
    for order_id in sorted(harness.truth(), key=int)[5:65]:
        harness.api.data.touch("orders", order_id, moment)

    def die_after_third_page(report: SyncReport) -> None:
        if report.pages == 3:
            raise SystemExit("killed")

    with pytest.raises(SystemExit):
        harness.sync(on_page=die_after_third_page)
    harness.sync()

    replica = harness.replica()
    assert replica.latest == harness.truth()
    assert all(count == 1 for count in replica.applied.values())


@pytest.mark.parametrize("platform", PLATFORMS)
def test_a_storm_longer_than_the_retries_fails_the_run_and_the_next_tick_resumes(platform: str) -> None:
    harness = Harness(platform, orders=300, page_size=50)
    for number in range(3, 3 + 8):  # the third page meets eight 429s: all attempts used
        harness.api.faults.at_request(number, 429)

    with pytest.raises(ApiError, match="429"):
        harness.sync()
    saved = harness.checkpoints.get("shop-1", "orders")
    assert saved is not None and saved.resume is not None

    assert harness.sync().complete
    assert_complete_and_single(harness)
    assert harness.replica().duplicates == 0


def test_an_unordered_listing_killed_midway_resumes_by_token_and_advances_the_cursor_only_at_the_end() -> None:
    # Shopify lists abandoned checkouts in its own (id) order, not by updated_at.
    harness = Harness("shopify", checkouts=120, page_size=25)

    def die_after_second_page(report: SyncReport) -> None:
        if report.pages == 2:
            raise SystemExit("killed")

    with pytest.raises(SystemExit):
        harness.sync("checkouts", on_page=die_after_second_page)
    saved = harness.checkpoints.get("shop-1", "checkouts")
    assert saved is not None and saved.cursor is None and saved.resume_token is not None

    assert harness.sync("checkouts").complete

    replica = harness.replica()
    assert replica.latest == harness.truth("checkouts")
    assert replica.duplicates == 0
    done = harness.checkpoints.get("shop-1", "checkouts")
    assert (
        done is not None
        and done.cursor is not None
        and done.cursor.updated_at.isoformat() == max(harness.truth("checkouts").values())
    )


def test_an_unordered_listing_drops_nothing_that_sorts_before_the_run_position() -> None:
    harness = Harness("shopify", checkouts=80, page_size=20)

    report = harness.sync("checkouts")

    assert report.complete and report.enqueued == 80  # id order mixes old and new on every page
    assert harness.replica().latest == harness.truth("checkouts")


def test_woocommerce_customers_are_scanned_in_id_order_and_a_resumed_scan_keeps_its_since() -> None:
    harness = Harness("woocommerce", customers=150, page_size=20)
    harness.service.first_lookback = timedelta(days=15)
    since = (harness.clock.now() - timedelta(days=15)).isoformat()
    recent = {k: v for k, v in harness.truth("customers").items() if v >= since}

    def die_after_third_page(report: SyncReport) -> None:
        if report.pages == 3:
            raise SystemExit("killed")

    with pytest.raises(SystemExit):
        harness.sync("customers", on_page=die_after_third_page)
    assert harness.sync("customers").complete

    params = [dict(httpx.URL(url).params) for url in harness.api.requests]
    assert all(p["orderby"] == "id" and "modified_after" not in p for p in params)
    replica = harness.replica()
    assert replica.latest == recent and 0 < len(recent) < 150
    assert replica.duplicates == 0


def test_woocommerce_customers_are_not_on_the_live_schedule_but_are_swept() -> None:
    store = StoreRecord("woo-1", "woocommerce", "https://w", "arn")

    assert "customers" not in polled_entities(store, live=True)
    assert "customers" in polled_entities(store)
