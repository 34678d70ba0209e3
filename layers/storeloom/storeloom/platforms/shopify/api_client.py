"""Shopify Admin REST client for polling: incremental lists, counts and webhook subscriptions
(docs/platforms.md#shopify).

- ``updated_at_min`` (inclusive) and, for orders, ``status=any`` (the default lists open orders only);
- ``limit`` up to 250 and cursor pagination through the ``Link: <...page_info=...>; rel="next"`` header
  (once page_info is set only ``limit`` may accompany it: the filters are fixed by the first request);
- ``X-Shopify-Shop-Api-Call-Limit: used/size`` feeds the store's rate limiter; 429 + Retry-After retried.

Workflow re-checks also read one product by id and a person's latest orders (by customer, or by email).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx

from storeloom.domain.cursor import ApiPage, Cursor, PolledItem, Subscription
from storeloom.domain.types import format_utc, loads, parse_utc
from storeloom.platforms.http import ApiTransport, PollingClient
from storeloom.platforms.ratelimit import RateLimiter
from storeloom.services.platform_port import ApiError

API_VERSION = "2024-10"
MAX_LIMIT = 250
RECHECK_LIMIT = 50  # a workflow re-check reads one page of a person's latest orders


@dataclass(frozen=True)
class Resource:
    """``ordered``: the list can be sorted ``updated_at asc`` (orders, customers, products); the others
    are listed in the platform's own order and polled as unordered listings."""

    path: str
    key: str
    topic: str
    params: dict[str, str] = field(default_factory=dict)
    ordered: bool = True


SORTED = {"order": "updated_at asc"}
RESOURCES: dict[str, Resource] = {
    "orders": Resource("orders.json", "orders", "orders/updated", {"status": "any", **SORTED}),
    "customers": Resource("customers.json", "customers", "customers/update", SORTED),
    "products": Resource("products.json", "products", "products/update", SORTED),
    "checkouts": Resource("checkouts.json", "checkouts", "checkouts/update", ordered=False),
    "inventory_levels": Resource("inventory_levels.json", "inventory_levels", "inventory_levels/update", ordered=False),
}
WEBHOOK_TOPICS = (
    "orders/create",
    "orders/updated",
    "customers/create",
    "customers/update",
    "products/update",
    "checkouts/create",
    "checkouts/update",
    "inventory_levels/update",
    # Needs the read_customer_merge scope; last, so a store without it still gets every topic above.
    "customers/merge",
)


def read_call_limit(response: httpx.Response, limiter: RateLimiter) -> None:
    used, _, size = response.headers.get("x-shopify-shop-api-call-limit", "").partition("/")
    if used.strip().isdigit() and size.strip().isdigit():
        limiter.observe(int(used), int(size))


def position_of(item: dict[str, Any], entity: str) -> Cursor:
    if entity == "inventory_levels":
        return Cursor(parse_utc(item["updated_at"]), f"{item['inventory_item_id']}:{item['location_id']}")
    return Cursor(parse_utc(item["updated_at"]), str(item["id"]))


class ShopifyClient(PollingClient[Resource]):
    """``fetch`` is the poller's PlatformSource port; ``transport`` carries the store's limiter."""

    platform = "shopify"
    resources = RESOURCES

    def __init__(
        self, api_url: str, access_token: str, transport: ApiTransport, page_size: int = 250, location_ids: str = ""
    ) -> None:
        self._base = f"{api_url.rstrip('/')}/admin/api/{API_VERSION}"
        self._locations = {"location_ids": location_ids} if location_ids else {}
        self._headers = {"X-Shopify-Access-Token": access_token, "Accept": "application/json"}
        super().__init__(transport, page_size, MAX_LIMIT)

    def topic_for(self, entity: str) -> str:
        return self.resource(entity).topic

    def fetch(self, entity: str, since: datetime, after: Cursor | None, token: str | None) -> ApiPage:
        resource = self.resource(entity)
        params: dict[str, Any] = {"limit": self.page_size}
        if token:
            params["page_info"] = token
        else:
            params |= {"updated_at_min": format_utc(since, timespec="microseconds"), **resource.params}
            if entity == "inventory_levels":
                params |= self._locations
        before = self.requests
        response = self._get(resource.path, params)
        rows = response.json()[resource.key]
        items = [PolledItem(position_of(row, entity), json.dumps(row)) for row in rows]
        return ApiPage(items, _next_page_info(response), self.requests - before, ordered=resource.ordered)

    def count(self, entity: str, since: datetime) -> int | None:
        resource = self.resource(entity)
        if entity in ("inventory_levels",):
            return None
        params = {"updated_at_min": format_utc(since, timespec="microseconds"), **resource.params}
        params.pop("order", None)
        count: int = self._get(resource.path.replace(".json", "/count.json"), params).json()["count"]
        return count

    def list_webhooks(self) -> list[Subscription]:
        rows = self._get("webhooks.json", {"limit": MAX_LIMIT}).json()["webhooks"]
        return [Subscription(str(row["id"]), row["topic"], row["address"]) for row in rows]

    def create_webhook(self, topic: str, address: str) -> Subscription:
        body = {"webhook": {"topic": topic, "address": address, "format": "json"}}
        url = f"{self._base}/webhooks.json"
        row = self.transport.request("POST", url, json=body, headers=self._headers).json()["webhook"]
        return Subscription(str(row["id"]), row["topic"], row["address"])

    def reactivate_webhook(self, subscription: Subscription) -> Subscription:
        """Shopify deletes failing subscriptions rather than disabling them, so re-create instead."""
        return self.create_webhook(subscription.topic, subscription.address)

    def product(self, product_id: str) -> dict[str, Any] | None:
        """One product as the platform has it now; None when it does not exist (404)."""
        if not product_id.isdigit():
            return None
        try:
            row: dict[str, Any] = loads(self._get(f"products/{product_id}.json", {}).content)["product"]
        except ApiError as error:
            if error.status_code == 404:
                return None
            raise
        return row

    def customer_orders(self, customer_id: str, limit: int = RECHECK_LIMIT) -> list[dict[str, Any]]:
        """A customer's latest orders, any status (``GET customers/{id}/orders.json``)."""
        if not customer_id.isdigit():
            return []
        response = self._get(f"customers/{customer_id}/orders.json", {"status": "any", "limit": limit})
        rows: list[dict[str, Any]] = loads(response.content)["orders"]
        return rows

    def email_orders(self, email: str, limit: int = RECHECK_LIMIT) -> list[dict[str, Any]]:
        """The latest orders placed with ``email`` (guests included), any status. The caller still matches
        the email, in case the filter is not applied."""
        params = {"status": "any", "email": email, "limit": limit}
        rows: list[dict[str, Any]] = loads(self._get("orders.json", params).content)["orders"]
        return rows

    def _get(self, path: str, params: dict[str, Any]) -> httpx.Response:
        return self.transport.request("GET", f"{self._base}/{path}", params=params, headers=self._headers)


def _next_page_info(response: httpx.Response) -> str | None:
    url = response.links.get("next", {}).get("url")
    return httpx.URL(url).params.get("page_info") if url else None
