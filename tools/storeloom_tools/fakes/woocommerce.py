"""A fake WooCommerce REST v3 API (docs/platforms.md#woocommerce): ``per_page`` <= 100 and ``page`` with X-WP-Total and
X-WP-TotalPages, ``modified_after``/``modified_before`` (exclusive, read as site-local time unless
``dates_are_gmt=true``), ``orderby=modified``, consumer key/secret basic auth, webhooks, and faults.
Also one resource by id (``products/{id}``) and orders by ``customer`` or ``search`` (a substring match),
which the workflow re-checks read.

An httpx handler (``httpx.MockTransport(app)``) that also runs behind ``LoopbackServer``.
"""

from __future__ import annotations

import base64
import json
import math
import re
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx

from storeloom.domain.cursor import parse_time
from storeloom_tools.fakes.catalog import FakeStoreData, Row
from storeloom_tools.fakes.clock import VirtualClock
from storeloom_tools.fakes.faults import Faults
from storeloom_tools.fakes.woocommerce_data import SITE_TZ, stamp

_PATH = re.compile(r"^/wp-json/wc/v3/(?P<resource>[a-z]+)(?:/(?P<id>\d+))?$")


def _error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, json={"code": code, "message": message, "data": {"status": status}}, headers=headers)


def _when(value: str, gmt: bool) -> datetime:
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC if gmt else SITE_TZ)
    return moment.astimezone(UTC)


@dataclass
class FakeWooCommerce:
    clock: VirtualClock | None = None
    consumer_key: str = "ck_local"
    consumer_secret: str = "cs_local"
    faults: Faults = field(default_factory=Faults)
    data: FakeStoreData = field(init=False)
    webhooks: dict[str, Row] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.data = FakeStoreData(stamp, self.clock.now if self.clock else lambda: datetime.now(UTC))

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(str(request.url))
        if request.headers.get("authorization") != _basic(self.consumer_key, self.consumer_secret):
            return _error(401, "woocommerce_rest_cannot_view", "Sorry, you cannot list resources.")
        injected = self.faults.next_status()
        if injected:
            return _error(injected, "injected", "injected fault", {"Retry-After": str(self.faults.retry_after)})
        match = _PATH.match(request.url.path)
        if not match:
            return _error(404, "rest_no_route", "No route was found matching the URL and request method.")
        if match["resource"] == "webhooks":
            return self._webhooks(request, match["id"])
        if match["resource"] not in ("orders", "products", "customers") or request.method != "GET":
            return _error(404, "rest_no_route", "No route was found matching the URL and request method.")
        if match["id"]:
            return self._one(match["resource"], match["id"])
        return self._list(match["resource"], dict(request.url.params))

    def _one(self, resource: str, entity_id: str) -> httpx.Response:
        row = self.data.rows.get(resource, {}).get(entity_id)
        if row is None:
            code = f"woocommerce_rest_{resource.rstrip('s')}_invalid_id"
            return _error(404, code, "Invalid ID.")
        return httpx.Response(200, json=row)

    def _list(self, resource: str, params: dict[str, str]) -> httpx.Response:
        per_page, page = int(params.get("per_page", "10")), int(params.get("page", "1"))
        if not 1 <= per_page <= 100:
            return _error(400, "rest_invalid_param", "Invalid parameter(s): per_page")
        key = _id_key if params.get("orderby") == "id" else _row_key
        rows = sorted(_matching(self.data.all(resource), params), key=key)
        if params.get("order", "desc") == "desc":
            rows.reverse()
        pages = math.ceil(len(rows) / per_page)
        body = rows[(page - 1) * per_page : page * per_page]
        headers = {"X-WP-Total": str(len(rows)), "X-WP-TotalPages": str(pages)}
        if page < pages:
            headers["Link"] = f'<https://woo.example/wp-json/wc/v3/{resource}?page={page + 1}>; rel="next"'
        return httpx.Response(200, json=body, headers=headers)

    def _webhooks(self, request: httpx.Request, hook_id: str | None) -> httpx.Response:
        if request.method == "GET":
            return httpx.Response(200, json=list(self.webhooks.values()))
        body = json.loads(request.content or b"{}")
        if request.method == "POST":
            hook = {"id": 100 + len(self.webhooks) + 1, "status": "active", **body}
            self.webhooks[str(hook["id"])] = hook
            return httpx.Response(201, json=hook)
        if request.method == "PUT" and hook_id in self.webhooks:
            self.webhooks[hook_id] |= body
            return httpx.Response(200, json=self.webhooks[hook_id])
        return _error(404, "woocommerce_rest_webhook_invalid_id", "Invalid ID.")


def _basic(key: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode()


def _row_key(row: Row) -> tuple[datetime, int]:
    """``orderby=modified`` has no tie-breaker in WooCommerce (``date`` gets ``date ID``; ``modified`` gets
    nothing), so equal times come back in an order unrelated to the id: here a stable hash of it."""
    return (parse_time(row["date_modified_gmt"]), zlib.crc32(str(row["id"]).encode()))


def _id_key(row: Row) -> tuple[int, int]:
    return (int(row["id"]), 0)


def _matching(rows: Any, params: dict[str, str]) -> list[Row]:
    gmt = params.get("dates_are_gmt") == "true"
    after = _when(params["modified_after"], gmt) if "modified_after" in params else None
    before = _when(params["modified_before"], gmt) if "modified_before" in params else None
    excluded = {entity_id for entity_id in params.get("exclude", "").split(",") if entity_id}
    found = []
    for row in rows:
        if str(row["id"]) in excluded:
            continue
        moment = parse_time(row["date_modified_gmt"])
        if (after and moment <= after) or (before and moment >= before):
            continue
        if row.get("status") == "trash" and params.get("status") != "trash":
            continue
        if not _order_filters_match(row, params):
            continue
        found.append(row)
    return found


def _order_filters_match(row: Row, params: dict[str, str]) -> bool:
    """``customer`` (the customer id) and ``search``, a case-insensitive substring of the billing fields."""
    if "customer" in params and str(row.get("customer_id")) != params["customer"]:
        return False
    if "search" in params:
        billing = row.get("billing") or {}
        haystack = " ".join(str(value) for value in billing.values()).lower()
        return params["search"].strip().lower() in haystack
    return True
