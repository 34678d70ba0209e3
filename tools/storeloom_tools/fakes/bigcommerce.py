"""A fake BigCommerce API (docs/platforms.md#bigcommerce), under ``/stores/{store_hash}``:

- ``GET /v2/orders`` (``min_date_modified``/``max_date_modified`` in RFC 2822 or ISO 8601, inclusive;
  ``customer_id``, ``email``, ``sort=date_modified:asc`` or ``date_created:desc``, ``limit`` <= 250, ``page``,
  ``include=consignments.line_items``; 204 with an empty body when a page is empty), ``/v2/orders/count``,
  ``/v2/orders/{id}`` and ``/v2/orders/{id}/products``;
- ``GET /v3/customers`` (``date_modified:min``/``:max``, ``id:in``, ``email:in``, ``sort=date_modified:asc``,
  ``include=addresses``)
  and ``GET /v3/catalog/products[/{id}]`` (``date_modified:min``/``:max``, ``id:in``, ``sort``, ``direction``,
  ``include=variants,images``), pages in ``meta.pagination``; ``GET /v3/carts/{id}``;
- ``/v3/hooks``: list, create, read and update (``is_active``);
- ``X-Auth-Token`` (401 without it); a fixed window of ``quota`` requests per ``window_ms`` reported in the
  X-Rate-Limit-* headers on every answer, and 429 with ``X-Rate-Limit-Time-Reset-Ms`` once it is spent;
- faults (an injected 429 names ``faults.retry_after`` as its reset) and ``throttle(count, wait_seconds)``.

Equal modified times are listed in an order unrelated to the id (a stable hash of it), the same on every
request. An httpx handler (``httpx.MockTransport(app)``) that also runs behind ``LoopbackServer``.
"""

from __future__ import annotations

import json
import math
import re
import time
import zlib
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx

from storeloom.platforms.bigcommerce.values import bc_time
from storeloom_tools.fakes.bigcommerce_data import ACCESS_TOKEN, STORE_HASH, stamp
from storeloom_tools.fakes.catalog import FakeStoreData, Row
from storeloom_tools.fakes.clock import VirtualClock
from storeloom_tools.fakes.faults import Faults

_PATH = re.compile(r"^/stores/(?P<hash>[^/]+)/(?P<version>v2|v3)/(?P<route>[\w/:.-]+?)/?$")
MAX_LIMIT = 250


class _Refused(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _modified(row: Row) -> datetime:
    return bc_time(row.get("date_modified") or row.get("updated_time"), "date_modified")


def _by_modified(row: Row) -> tuple[datetime, int]:
    return (_modified(row), zlib.crc32(str(row["id"]).encode()))


def _moment(params: dict[str, str], name: str) -> datetime | None:
    if name not in params:
        return None
    try:
        return bc_time(params[name], name)
    except ValueError as error:
        raise _Refused(400, f"{name}: {error}") from error


@dataclass
class FakeBigCommerce:
    clock: VirtualClock | None = None
    store_hash: str = STORE_HASH
    access_token: str = ACCESS_TOKEN
    quota: int = 150
    window_ms: int = 30_000
    faults: Faults = field(default_factory=Faults)
    data: FakeStoreData = field(init=False)
    hooks: dict[str, Row] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)
    throttled: deque[float] = field(default_factory=deque)
    peak_used: int = 0
    _window: tuple[float, int] = (-math.inf, 0)

    def __post_init__(self) -> None:
        self.data = FakeStoreData(stamp, self.clock.now if self.clock else lambda: datetime.now(UTC))

    def throttle(self, count: int, wait_seconds: float) -> None:
        """The next ``count`` requests are refused with 429, naming ``wait_seconds`` as the reset."""
        self.throttled.extend([wait_seconds] * count)

    def deactivate(self, hook_id: str) -> None:
        """What BigCommerce does after 48 hours of failed retries."""
        self.hooks[hook_id]["is_active"] = False

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(str(request.url))
        if request.headers.get("x-auth-token") != self.access_token:
            return _v3_error(401, "Unauthorized", {})
        limits, allowed = self._count()
        refusal = self._refusal(limits, allowed)
        if refusal is not None:
            return refusal
        match = _PATH.match(request.url.path)
        if not match or match["hash"] != self.store_hash:
            return _v3_error(404, "The requested resource was not found.", limits)
        try:
            response = self._route(request, match["version"], match["route"], dict(request.url.params))
        except _Refused as refused:
            response = _v3_error(refused.status, str(refused), {})
        response.headers.update(limits)
        return response

    def _count(self) -> tuple[dict[str, str], bool]:
        """The store's fixed window: this request counts if any is left."""
        now = self.clock.monotonic() if self.clock else time.monotonic()
        started, used = self._window
        if now - started >= self.window_ms / 1000:
            started, used = now, 0
        allowed = used < self.quota
        used += 1 if allowed else 0
        self._window, self.peak_used = (started, used), max(self.peak_used, used)
        reset_ms = max(0, round((started + self.window_ms / 1000 - now) * 1000))
        return _limit_headers(self.quota - used, self.quota, self.window_ms, reset_ms), allowed

    def _refusal(self, limits: dict[str, str], allowed: bool) -> httpx.Response | None:
        if self.throttled:
            return _throttled(self.quota, self.window_ms, self.throttled.popleft())
        if not allowed:
            return httpx.Response(429, json={"status": 429, "title": "Too many requests"}, headers=limits)
        injected = self.faults.next_status()
        if injected == 429:
            return _throttled(self.quota, self.window_ms, self.faults.retry_after)
        if injected:
            return _v3_error(injected, "injected fault", limits)
        return None

    def _route(self, request: httpx.Request, version: str, route: str, params: dict[str, str]) -> httpx.Response:
        parts = route.split("/")
        if parts[0] == "hooks" and version == "v3":
            return self._hooks(request, parts[1] if len(parts) > 1 else None)
        if request.method != "GET":
            raise _Refused(405, "method not allowed")
        if version == "v2" and parts[0] == "orders":
            return self._orders(parts[1:], params)
        if route == "customers":
            rows = [_customer_view(row, params) for row in self._listed("customers", params, _customer_filter)]
            return _v3_page(rows, params)
        if parts[:2] == ["catalog", "products"]:
            return self._products(parts[2:], params)
        if parts[0] == "carts" and len(parts) == 2:
            return _v3_one(self.data.rows.get("carts", {}).get(parts[1]))
        raise _Refused(404, "The requested resource was not found.")

    def _orders(self, rest: list[str], params: dict[str, str]) -> httpx.Response:
        if rest == ["count"]:
            count = len(self._listed("orders", params, _order_filter))
            return httpx.Response(200, json={"statuses": [], "count": count})
        if not rest:
            rows = [_with_includes(row, params) for row in self._listed("orders", params, _order_filter)]
            body = _page_of(rows, params)
            return httpx.Response(200, json=body) if body else httpx.Response(204)
        row = self.data.rows.get("orders", {}).get(rest[0])
        if row is None:
            return httpx.Response(404, json=[{"status": 404, "message": "The requested resource was not found."}])
        if rest[1:] == ["products"]:
            return httpx.Response(200, json=_order_products(row))
        return httpx.Response(200, json=_with_includes(row, params))

    def _products(self, rest: list[str], params: dict[str, str]) -> httpx.Response:
        if rest:
            row = self.data.rows.get("products", {}).get(rest[0])
            return _v3_one(_product_view(row, params) if row else None)
        rows = [_product_view(row, params) for row in self._listed("products", params, _product_filter)]
        return _v3_page(rows, params)

    def _listed(self, entity: str, params: dict[str, str], extra: Callable[[Row, dict[str, str]], bool]) -> list[Row]:
        low, high = self._bounds(entity, params)
        rows = [
            row
            for row in self.data.all(entity)
            if (low is None or _modified(row) >= low)
            and (high is None or _modified(row) <= high)
            and extra(row, params)
        ]
        return _sorted(rows, params)

    def _bounds(self, entity: str, params: dict[str, str]) -> tuple[datetime | None, datetime | None]:
        if entity == "orders":
            return _moment(params, "min_date_modified"), _moment(params, "max_date_modified")
        return _moment(params, "date_modified:min"), _moment(params, "date_modified:max")

    def _hooks(self, request: httpx.Request, hook_id: str | None) -> httpx.Response:
        if request.method == "GET" and hook_id is None:
            return _v3_page(list(self.hooks.values()), dict(request.url.params))
        if request.method == "POST" and hook_id is None:
            body = json.loads(request.content or b"{}")
            hook = _new_hook(len(self.hooks) + 1, self.store_hash, self._epoch(), body)
            self.hooks[str(hook["id"])] = hook
            return httpx.Response(200, json={"data": hook, "meta": {}})
        if hook_id not in self.hooks:
            raise _Refused(404, "The requested resource was not found.")
        if request.method == "PUT":
            self.hooks[hook_id] |= json.loads(request.content or b"{}") | {"updated_at": self._epoch()}
        return httpx.Response(200, json={"data": self.hooks[hook_id], "meta": {}})

    def _epoch(self) -> int:
        return int(self.data.clock().timestamp())


def _limit_headers(left: int, quota: int, window_ms: int, reset_ms: int) -> dict[str, str]:
    return {
        "X-Rate-Limit-Requests-Left": str(max(0, left)),
        "X-Rate-Limit-Requests-Quota": str(quota),
        "X-Rate-Limit-Time-Window-Ms": str(window_ms),
        "X-Rate-Limit-Time-Reset-Ms": str(reset_ms),
    }


def _throttled(quota: int, window_ms: int, wait_seconds: float) -> httpx.Response:
    headers = _limit_headers(0, quota, window_ms, round(wait_seconds * 1000))
    return httpx.Response(429, json={"status": 429, "title": "Too many requests"}, headers=headers)


def _v3_error(status: int, title: str, headers: dict[str, str]) -> httpx.Response:
    body = {
        "status": status,
        "title": title,
        "type": "https://developer.bigcommerce.com/api-docs/getting-started/api-status-codes",
    }
    return httpx.Response(status, json=body, headers=headers)


def _limit(params: dict[str, str], default: int) -> int:
    limit = int(params.get("limit", str(default)))
    if not 1 <= limit <= MAX_LIMIT:
        raise _Refused(400, f"limit: must be between 1 and {MAX_LIMIT}")
    return limit


def _page_of(rows: list[Row], params: dict[str, str]) -> list[Row]:
    limit, page = _limit(params, 50), int(params.get("page", "1"))
    return rows[(page - 1) * limit : page * limit]


def _v3_page(rows: list[Row], params: dict[str, str]) -> httpx.Response:
    limit, page = _limit(params, 50), int(params.get("page", "1"))
    pages = max(1, math.ceil(len(rows) / limit))
    body = rows[(page - 1) * limit : page * limit]
    links = {"current": f"?page={page}&limit={limit}"} | (
        {"next": f"?page={page + 1}&limit={limit}"} if page < pages else {}
    )
    pagination = {"total": len(rows), "count": len(body), "per_page": limit, "current_page": page}
    return httpx.Response(
        200, json={"data": body, "meta": {"pagination": pagination | {"total_pages": pages, "links": links}}}
    )


def _v3_one(row: Row | None) -> httpx.Response:
    if row is None:
        return _v3_error(404, "The requested resource was not found.", {})
    return httpx.Response(200, json={"data": row, "meta": {}})


def _sorted(rows: list[Row], params: dict[str, str]) -> list[Row]:
    sort, direction = params.get("sort", "id"), params.get("direction", "asc")
    field_name, _, order = sort.partition(":")
    descending = (order or direction) == "desc"
    if field_name == "date_modified":
        return sorted(rows, key=_by_modified, reverse=descending)
    if field_name == "date_created":
        return sorted(
            rows, key=lambda row: (bc_time(row["date_created"], "date_created"), row["id"]), reverse=descending
        )
    return sorted(rows, key=lambda row: str(row["id"]).zfill(20), reverse=descending)


def _ids(params: dict[str, str], name: str) -> set[str] | None:
    return {value for value in params[name].split(",") if value} if name in params else None


def _order_filter(row: Row, params: dict[str, str]) -> bool:
    email = params.get("email", "").strip().lower()
    if "customer_id" in params and str(row.get("customer_id")) != params["customer_id"]:
        return False
    return not email or str(row.get("billing_address", {}).get("email", "")).lower() == email


def _customer_filter(row: Row, params: dict[str, str]) -> bool:
    ids, emails = _ids(params, "id:in"), _ids(params, "email:in")
    return (ids is None or str(row["id"]) in ids) and (emails is None or str(row["email"]).lower() in emails)


def _product_filter(row: Row, params: dict[str, str]) -> bool:
    ids = _ids(params, "id:in")
    return ids is None or str(row["id"]) in ids


def _includes(params: dict[str, str]) -> set[str]:
    return {value.strip() for value in params.get("include", "").split(",") if value.strip()}


def _with_includes(row: Row, params: dict[str, str]) -> Row:
    """V2 orders carry their consignments only when asked; ``consignments`` alone links the line items."""
    included = _includes(params)
    view = {name: value for name, value in row.items() if name != "consignments"}
    if "consignments.line_items" in included:
        view["consignments"] = row.get("consignments", {})
    elif "consignments" in included:
        view["consignments"] = _linked(row)
    return view


def _linked(row: Row) -> dict[str, Any]:
    resource = row["products"]["resource"]
    shipping = [{**c, "line_items": [{"resource": resource}]} for c in row.get("consignments", {}).get("shipping", [])]
    return {**row.get("consignments", {}), "shipping": shipping}


def _order_products(row: Row) -> list[Row]:
    shipping: Iterable[Row] = row.get("consignments", {}).get("shipping", [])
    return [line for consignment in shipping for line in consignment.get("line_items", [])]


def _customer_view(row: Row, params: dict[str, str]) -> Row:
    return {name: value for name, value in row.items() if name != "addresses" or "addresses" in _includes(params)}


def _product_view(row: Row, params: dict[str, str]) -> Row:
    included = _includes(params)
    return {name: value for name, value in row.items() if name not in ("variants", "images") or name in included}


def _new_hook(number: int, store_hash: str, now: int, body: Row) -> Row:
    hook = {"id": 20_000 + number, "client_id": "fake-client", "store_hash": store_hash, "headers": None}
    return hook | {"created_at": now, "updated_at": now, "is_active": True} | body
