"""A fake Shopify Admin REST API (docs/platforms.md#shopify):
list/count endpoints with updated_at_min and status filters,
Link/page_info cursor pagination (limit <= 250), the shop's leaky bucket (40, 2/s) reported in
X-Shopify-Shop-Api-Call-Limit with 429 + Retry-After when full, webhook subscriptions, and faults.
Also one resource by id (``products/{id}.json``) and a customer's orders (``customers/{id}/orders.json``,
or ``orders.json?customer_id=`` / ``?email=``), which the workflow re-checks read.

It is an httpx handler (``httpx.MockTransport(app)``) and also runs behind ``LoopbackServer``.
"""

from __future__ import annotations

import base64
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx

from storeloom.domain.cursor import id_order, parse_time
from storeloom_tools.fakes.catalog import FakeStoreData, Row
from storeloom_tools.fakes.clock import VirtualClock
from storeloom_tools.fakes.faults import Faults
from storeloom_tools.fakes.shopify_data import stamp

_PATH = re.compile(r"^/admin/api/[\w-]+/(?P<resource>\w+)(?P<count>/count)?(?:/(?P<id>\d+))?\.json$")
_CUSTOMER_ORDERS = re.compile(r"^/admin/api/[\w-]+/customers/(?P<id>\d+)/orders\.json$")
_LISTABLE = ("orders", "customers", "products", "checkouts", "inventory_levels")
_SINGLE = {"orders": "order", "customers": "customer", "products": "product"}


def _row_id(row: Row) -> str:
    return str(row.get("id") or f"{row.get('inventory_item_id')}:{row.get('location_id')}")


def _by_update(row: Row) -> tuple[Any, ...]:
    return (parse_time(row["updated_at"]), id_order(_row_id(row)))


def _by_id(row: Row) -> tuple[Any, ...]:
    return (id_order(_row_id(row)),)


def _order_key(filters: dict[str, str]) -> Callable[[Row], tuple[Any, ...]]:
    """``order=updated_at asc`` sorts by update time (ties by id); without it, lists come in id order."""
    return _by_update if filters.get("order") == "updated_at asc" else _by_id


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, json={"errors": message}, headers=headers)


@dataclass
class FakeShopify:
    clock: VirtualClock | None = None
    access_token: str = "shpat_local"
    bucket_size: int = 40
    leak_per_second: float = 2.0
    faults: Faults = field(default_factory=Faults)
    data: FakeStoreData = field(init=False)
    webhooks: dict[str, Row] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)
    peak_bucket: float = 0.0
    _level: float = 0.0
    _at: float = 0.0
    # The same shop's GraphQL Admin API, when one is attached (storeloom_tools.fakes.shopify_graphql).
    graphql_app: Callable[[httpx.Request], httpx.Response] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        clock = self.clock
        self.data = FakeStoreData(stamp, clock.now if clock else _utcnow)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if self.graphql_app is not None and (
            request.url.path.endswith("/graphql.json") or request.url.path.startswith("/bulk-results/")
        ):
            return self.graphql_app(request)
        self.requests.append(str(request.url))
        if request.headers.get("x-shopify-access-token") != self.access_token:
            return _error(401, "[API] Invalid API key or access token")
        injected = self.faults.next_status()
        if injected:
            return _error(injected, "injected fault", {"Retry-After": str(self.faults.retry_after)})
        if not self._admit():
            return _error(429, "Exceeded 2 calls per second for api client.", {"Retry-After": "2.0"})
        response = self._route(request)
        response.headers["X-Shopify-Shop-Api-Call-Limit"] = f"{int(-(-self._level // 1))}/{self.bucket_size}"
        return response

    def _admit(self) -> bool:
        now = self.clock.monotonic() if self.clock else time.monotonic()
        self._level = max(0.0, self._level - (now - self._at) * self.leak_per_second)
        self._at = now
        if self._level + 1 > self.bucket_size:
            return False
        self._level += 1
        self.peak_bucket = max(self.peak_bucket, self._level)
        return True

    def _route(self, request: httpx.Request) -> httpx.Response:
        nested = _CUSTOMER_ORDERS.match(request.url.path)
        if nested and request.method == "GET":
            return self._list("orders", {**request.url.params, "customer_id": nested["id"]}, False)
        match = _PATH.match(request.url.path)
        if not match:
            return _error(404, "Not Found")
        resource = match["resource"]
        if resource == "webhooks":
            return self._webhooks(request, match["id"])
        if resource not in _LISTABLE or request.method != "GET":
            return _error(404, "Not Found")
        if match["id"]:
            return self._one(resource, match["id"])
        return self._list(resource, dict(request.url.params), bool(match["count"]))

    def _one(self, resource: str, entity_id: str) -> httpx.Response:
        row = self.data.rows.get(resource, {}).get(entity_id)
        if row is None or resource not in _SINGLE:
            return _error(404, "Not Found")
        return httpx.Response(200, json={_SINGLE[resource]: row})

    def _list(self, resource: str, params: dict[str, str], count: bool) -> httpx.Response:
        if "page_info" in params:
            if set(params) - {"page_info", "limit", "fields"}:
                return _error(400, "page_info cannot be combined with other parameters than limit and fields")
            state = json.loads(base64.urlsafe_b64decode(params["page_info"]))
            filters, after = state["filters"], state["after"]
        else:
            filters, after = {k: v for k, v in params.items() if k != "limit"}, None
        limit = int(params.get("limit", "50"))
        if not 1 <= limit <= 250:
            return _error(400, "limit must be between 1 and 250")
        key = _order_key(filters)
        rows = sorted(_matching(self.data.all(resource), resource, filters), key=key)
        if count:
            return httpx.Response(200, json={"count": len(rows)})
        if after:
            position = key({"updated_at": after[0], "id": after[1]})
            rows = [row for row in rows if key(row) > position]
        page, more = rows[:limit], len(rows) > limit
        headers = {"Link": self._link(resource, filters, page[-1], limit)} if more else {}
        return httpx.Response(200, json={resource: page}, headers=headers)

    def _link(self, resource: str, filters: dict[str, str], last: Row, limit: int) -> str:
        state = {"filters": filters, "after": [last["updated_at"], _row_id(last)]}
        token = base64.urlsafe_b64encode(json.dumps(state).encode()).decode()
        url = f"https://fake.myshopify.com/admin/api/2024-10/{resource}.json?limit={limit}&page_info={token}"
        return f'<{url}>; rel="next"'

    def _webhooks(self, request: httpx.Request, hook_id: str | None) -> httpx.Response:
        if request.method == "GET":
            return httpx.Response(200, json={"webhooks": list(self.webhooks.values())})
        if request.method == "DELETE" and hook_id:
            return httpx.Response(200 if self.webhooks.pop(hook_id, None) else 404, json={})
        if request.method == "POST":
            body = json.loads(request.content)["webhook"]
            if any(h["topic"] == body["topic"] and h["address"] == body["address"] for h in self.webhooks.values()):
                return _error(422, "address for this topic has already been taken")
            hook = {"id": 1_000_000 + len(self.requests), "format": "json", **body}
            self.webhooks[str(hook["id"])] = hook
            return httpx.Response(201, json={"webhook": hook})
        return _error(405, "Method Not Allowed")


def _matching(rows: Any, resource: str, filters: dict[str, str]) -> list[Row]:
    low = parse_time(filters["updated_at_min"]) if "updated_at_min" in filters else None
    high = parse_time(filters["updated_at_max"]) if "updated_at_max" in filters else None
    status = filters.get("status", "open")
    found = []
    for row in rows:
        moment = parse_time(row["updated_at"])
        if (low and moment < low) or (high and moment > high):
            continue
        if resource == "orders" and status != "any" and (row.get("cancelled_at") or row.get("closed_at")):
            continue
        if resource == "orders" and not _orders_match(row, filters):
            continue
        found.append(row)
    return found


def _orders_match(row: Row, filters: dict[str, str]) -> bool:
    """``customer_id`` (also the ``customers/{id}/orders.json`` path), ``email`` and ``created_at_min``."""
    customer = row.get("customer") or {}
    if "customer_id" in filters and str(customer.get("id")) != filters["customer_id"]:
        return False
    if "email" in filters and str(row.get("email") or "").strip().lower() != filters["email"].strip().lower():
        return False
    return "created_at_min" not in filters or parse_time(row["created_at"]) >= parse_time(filters["created_at_min"])


def _utcnow() -> datetime:
    return datetime.now(UTC)
