"""The platform API clients and their HTTP plumbing: documented parameters, pagination, retries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from storeloom.domain.stores import StoreRecord
from storeloom.platforms.http import ApiTransport
from storeloom.platforms.ratelimit import RateLimiter
from storeloom.platforms.shopify.api_client import ShopifyClient, read_call_limit
from storeloom.platforms.sources import polled_entities
from storeloom.services.platform_port import ApiError
from storeloom_tools.fakes import FakeShopify, VirtualClock
from tests.fakes.harness import Harness


def params_of(url: str) -> dict[str, str]:
    return dict(httpx.URL(url).params)


def test_shopify_first_request_sets_the_filters_and_later_ones_only_page_info() -> None:
    harness = Harness("shopify", orders=600)

    harness.sync()

    first, *rest = (params_of(url) for url in harness.api.requests)
    assert first["status"] == "any" and first["limit"] == "250" and "updated_at_min" in first
    assert rest and all(set(params) == {"limit", "page_info"} for params in rest)
    assert len(harness.api.requests) == 3  # ceil(600 / 250): no trailing empty page


def test_shopify_lists_cancelled_and_closed_orders_only_with_status_any() -> None:
    harness = Harness("shopify", orders=10)
    cancelled = sorted(harness.truth(), key=int)[0]
    harness.api.data.touch("orders", cancelled, cancelled_at="2026-01-05T06:00:00-05:00")

    harness.sync()

    assert cancelled in harness.replica().latest
    default = harness.http.get(
        "https://x/admin/api/2024-10/orders.json", headers={"X-Shopify-Access-Token": "shpat_local"}
    )
    assert int(cancelled) not in [row["id"] for row in default.json()["orders"]]


def test_shopify_page_size_is_capped_at_250() -> None:
    harness = Harness("shopify", orders=10, page_size=1000)
    assert harness.source.page_size == 250


def test_woocommerce_asks_for_gmt_dates_100_per_page_with_basic_auth() -> None:
    harness = Harness("woocommerce", orders=150)

    report = harness.sync()

    first = params_of(harness.api.requests[0])
    assert first["per_page"] == "100" and first["dates_are_gmt"] == "true" and first["orderby"] == "modified"
    assert "modified_after" in first and first["status"] == "any"
    assert report.total == 150 and report.requests == 2


def test_woocommerce_fake_reads_dates_as_site_local_without_dates_are_gmt() -> None:
    harness = Harness("woocommerce", orders=50)
    since = (harness.clock.now() - timedelta(days=2)).replace(tzinfo=None).isoformat(timespec="seconds")
    auth = httpx.BasicAuth("ck_local", "cs_local")
    url = "https://w/wp-json/wc/v3/orders"

    gmt = harness.http.get(url, params={"modified_after": since, "dates_are_gmt": "true"}, auth=auth)
    local = harness.http.get(url, params={"modified_after": since}, auth=auth)

    assert gmt.headers["x-wp-total"] != local.headers["x-wp-total"]  # the site is UTC+2: a 2 h shift


def transport_for(handler: httpx.MockTransport, clock: VirtualClock, attempts: int = 8) -> ApiTransport:
    limiter = RateLimiter(monotonic=clock.monotonic, sleep=clock.sleep)
    return ApiTransport(httpx.Client(transport=handler), limiter, read_call_limit, attempts, sleep=clock.sleep)


def test_client_errors_are_not_retried() -> None:
    calls: list[httpx.Request] = []

    def forbidden(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(403, json={"errors": "no scope"})

    transport = transport_for(httpx.MockTransport(forbidden), VirtualClock())

    with pytest.raises(ApiError, match="403"):
        transport.request("GET", "https://x/admin/api/2024-10/orders.json")
    assert len(calls) == 1


def test_timeouts_are_retried_then_given_up_with_backoff() -> None:
    clock = VirtualClock()

    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    transport = transport_for(httpx.MockTransport(slow), clock, attempts=4)

    with pytest.raises(ApiError, match="timeout"):
        transport.request("GET", "https://x/admin/api/2024-10/orders.json")
    assert transport.requests == 4 and transport.retries == 3
    assert clock.elapsed > 0


def test_exhausted_5xx_retries_raise_an_api_error() -> None:
    transport = transport_for(httpx.MockTransport(lambda r: httpx.Response(502)), VirtualClock(), attempts=3)

    with pytest.raises(ApiError, match="502"):
        transport.request("GET", "https://x/y")
    assert transport.requests == 3


def test_the_limiter_follows_the_shop_header_and_keeps_under_the_bucket() -> None:
    clock = VirtualClock()
    shop = FakeShopify(clock=clock)
    client = ShopifyClient("https://x", "shpat_local", transport_for(httpx.MockTransport(shop), clock))
    since = datetime(2020, 1, 1, tzinfo=UTC)

    for _ in range(120):
        client.fetch("orders", since, None, None)

    assert shop.peak_bucket <= 40 and client.transport.retries == 0  # never throttled
    assert clock.elapsed >= (120 - 40) / 2.0 - 1  # paced at the leak rate once the bucket filled


def test_a_half_share_limiter_holds_off_at_half_the_bucket() -> None:
    clock = VirtualClock()
    limiter = RateLimiter(40, 2.0, share=0.5, monotonic=clock.monotonic, sleep=clock.sleep)
    limiter.observe(30, 40)

    limiter.acquire()

    assert limiter.waited_seconds == pytest.approx((30 - 19) / 2.0)


def test_shopify_inventory_levels_are_listed_for_the_store_locations_only() -> None:
    clock = VirtualClock()
    shop = FakeShopify(clock=clock)
    transport = transport_for(httpx.MockTransport(shop), clock)
    client = ShopifyClient("https://x", "shpat_local", transport, location_ids="655441491,655441492")
    record = StoreRecord("s", "shopify", "https://x", "arn", extra={"location_ids": "655441491"})

    client.fetch("inventory_levels", datetime(2025, 1, 1, tzinfo=UTC), None, None)

    assert params_of(shop.requests[0])["location_ids"] == "655441491,655441492"
    assert "inventory_levels" in polled_entities(record)
    assert "inventory_levels" not in polled_entities(StoreRecord("s", "shopify", "https://x", "arn"))
