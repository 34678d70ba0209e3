"""WooCommerce REST v3 client for polling: incremental lists and webhook subscriptions (docs/platforms.md#woocommerce).

- ``per_page`` up to 100, ``page``, and ``X-WP-TotalPages`` to know when to stop;
- ``modified_after`` with ``dates_are_gmt=true`` (without it the date is read as site-local time),
  ``orderby=modified&order=asc``, ``status=any``; consumer key and secret as HTTP basic auth.

Page numbers shift when an entity is modified mid-run (it moves to the end of the list and everything
after it moves up one place, so a page boundary skips an item). Each request is therefore re-anchored on
the cursor: ``modified_after`` = the cursor's second minus one (``modified_after`` is exclusive and has
second precision), page 1, and ``exclude`` = the ids already seen in that second, so equal timestamps
across the boundary are neither lost nor re-read. Only in a tie storm longer than ``MAX_EXCLUDE`` does
the page number advance instead. The caller still drops anything at or before its cursor.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import httpx

from storeloom.domain.cursor import ApiPage, Cursor, PolledItem, Subscription
from storeloom.domain.types import format_utc, loads, parse_utc
from storeloom.platforms.http import ApiTransport, PollingClient
from storeloom.services.platform_port import ApiError

MAX_PER_PAGE = 100
MAX_EXCLUDE = 100  # ids per request, to keep the URL short
RECHECK_LIMIT = 50  # a workflow re-check reads one page of a person's latest orders
RESOURCES: dict[str, tuple[str, str]] = {
    "orders": ("orders", "order.updated"),
    "products": ("products", "product.updated"),
    "customers": ("customers", "customer.updated"),
}
# /customers has no modified_after (woocommerce/woocommerce#41371): it is scanned in id order, every
# page filtered here, as an unordered listing. Too costly for every tick: deep sweeps and `sync` only.
SCANNED = frozenset({"customers"})
WEBHOOK_TOPICS = (
    "order.created",
    "order.updated",
    "order.deleted",
    "product.updated",
    "customer.created",
    "customer.updated",
)


def position_of(item: dict[str, Any]) -> Cursor:
    return Cursor(parse_utc(item["date_modified_gmt"]), str(item["id"]))


def _gmt(moment: datetime) -> str:
    # The *_gmt form WooCommerce reads with dates_are_gmt=true: UTC to the second, with no zone suffix.
    return format_utc(moment, timespec="seconds").removesuffix("Z")


class WooCommerceClient(PollingClient[tuple[str, str]]):
    """``fetch`` is the poller's PlatformSource port; ``transport`` carries the store's limiter."""

    platform = "woocommerce"
    resources = RESOURCES

    def __init__(
        self, api_url: str, key: str, secret: str, transport: ApiTransport, page_size: int = MAX_PER_PAGE
    ) -> None:
        self._base = f"{api_url.rstrip('/')}/wp-json/wc/v3"
        self._auth = httpx.BasicAuth(key, secret)
        super().__init__(transport, page_size, MAX_PER_PAGE)

    def topic_for(self, entity: str) -> str:
        return self.resource(entity)[1]

    def fetch(self, entity: str, since: datetime, after: Cursor | None, token: str | None) -> ApiPage:
        if entity in SCANNED:
            return self._scan(entity, since, token)
        path, _ = self.resource(entity)
        anchor = after.updated_at if after else since
        page, exclude = _read_token(token)
        params: dict[str, Any] = {
            "per_page": self.page_size,
            "page": page,
            "modified_after": _gmt(anchor - timedelta(seconds=1)),
            "dates_are_gmt": "true",
            "orderby": "modified",
            "order": "asc",
            "status": "any",
        }
        if exclude:
            params["exclude"] = ",".join(exclude)
        before = self.requests
        response = self._request("GET", path, params=params)
        items = [PolledItem(position_of(row), json.dumps(row)) for row in response.json()]
        total = int(response.headers.get("x-wp-total", "0") or 0)
        next_token = None
        if items and page < int(response.headers.get("x-wp-totalpages", "1") or 1):
            next_token = _next_token(items, page, exclude, anchor)
        return ApiPage(items, next_token, self.requests - before, total=total)

    def _scan(self, entity: str, since: datetime, token: str | None) -> ApiPage:
        """One page of a full listing in id order, keeping what changed since ``since``. The token holds
        the page and the scan's ``since``, so a resumed scan filters as it began."""
        page_text, _, since_text = (token or f"1|{_gmt(since)}").partition("|")
        page, floor = int(page_text), parse_utc(since_text)
        params = {"per_page": self.page_size, "page": page, "orderby": "id", "order": "asc", "role": "all"}
        before = self.requests
        response = self._request("GET", self.resource(entity)[0], params=params)
        rows = [PolledItem(position_of(row), json.dumps(row)) for row in response.json()]
        items = [item for item in rows if item.position.updated_at >= floor]
        more = page < int(response.headers.get("x-wp-totalpages", "1") or 1)
        next_token = f"{page + 1}|{since_text}" if more else None
        return ApiPage(items, next_token, self.requests - before, ordered=False)

    def count(self, entity: str, since: datetime) -> int | None:
        if entity in SCANNED:
            return None
        path, _ = self.resource(entity)
        params = {"per_page": 1, "modified_after": _gmt(since - timedelta(seconds=1))}
        response = self._request("GET", path, params={**params, "dates_are_gmt": "true", "status": "any"})
        return int(response.headers.get("x-wp-total", "0") or 0)

    def list_webhooks(self) -> list[Subscription]:
        rows = self._request("GET", "webhooks", params={"per_page": MAX_PER_PAGE}).json()
        return [Subscription(str(r["id"]), r["topic"], r["delivery_url"], r.get("status") == "active") for r in rows]

    def create_webhook(self, topic: str, address: str) -> Subscription:
        body = {"name": f"storeloom {topic}", "topic": topic, "delivery_url": address, "status": "active"}
        row = self._request("POST", "webhooks", json=body).json()
        return Subscription(str(row["id"]), row["topic"], row["delivery_url"], row.get("status") == "active")

    def reactivate_webhook(self, subscription: Subscription) -> Subscription:
        """A hook disabled after 5 failed deliveries (docs/platforms.md#woocommerce) is switched back on in place."""
        row = self._request("PUT", f"webhooks/{subscription.id}", json={"status": "active"}).json()
        return Subscription(str(row["id"]), row["topic"], row["delivery_url"], row.get("status") == "active")

    def product(self, product_id: str) -> dict[str, Any] | None:
        """One product as the site has it now; None when it does not exist (404)."""
        if not product_id.isdigit():
            return None
        try:
            row: dict[str, Any] = loads(self._request("GET", f"products/{product_id}").content)
        except ApiError as error:
            if error.status_code == 404:
                return None
            raise
        return row

    def customer_orders(self, customer_id: str, limit: int = RECHECK_LIMIT) -> list[dict[str, Any]]:
        """A customer's latest orders, any status (``GET orders?customer={id}``)."""
        if not customer_id.isdigit():
            return []
        params = {"customer": customer_id, "per_page": limit, "status": "any"}
        rows: list[dict[str, Any]] = loads(self._request("GET", "orders", params=params).content)
        return rows

    def email_orders(self, email: str, limit: int = RECHECK_LIMIT) -> list[dict[str, Any]]:
        """Orders whose fields contain ``email`` (``search`` is a substring match, guests included): the
        caller keeps only those whose billing email is the same address."""
        params = {"search": email, "per_page": limit, "status": "any"}
        rows: list[dict[str, Any]] = loads(self._request("GET", "orders", params=params).content)
        return rows

    def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return self.transport.request(method, f"{self._base}/{path}", auth=self._auth, **kwargs)


def _read_token(token: str | None) -> tuple[int, list[str]]:
    page, _, ids = (token or "1|").partition("|")
    return int(page), [entity_id for entity_id in ids.split(",") if entity_id]


def _next_token(items: list[PolledItem], page: int, exclude: list[str], anchor: datetime) -> str:
    """Re-anchor on the page's last second, excluding the ids already seen in that second. Within one
    second (a tie storm) the exclude list grows while it is short and brings new ids; past that, or if the
    site ignores ``exclude``, the pages of the same query are walked instead."""
    last_second = items[-1].position.updated_at.replace(microsecond=0)
    tied = [item.position.id for item in items if item.position.updated_at.replace(microsecond=0) == last_second]
    if last_second != anchor.replace(microsecond=0):
        return f"1|{','.join(tied)}"
    grown = list(dict.fromkeys(exclude + tied))
    if page == 1 and len(exclude) < len(grown) <= MAX_EXCLUDE:
        return f"1|{','.join(grown)}"
    return f"{page + 1}|{','.join(exclude)}"
