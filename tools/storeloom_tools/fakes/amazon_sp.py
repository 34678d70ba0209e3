"""A fake Amazon SP-API (Orders v0) with its Login with Amazon token endpoint (docs/platforms.md#amazon-sp-api).

- ``POST /auth/o2/token``: grant_type=refresh_token with the app's client id and secret; issues access
  tokens that expire after ``token_ttl`` seconds; a revoked or unknown refresh token is 400 invalid_grant.
- Every SP-API call needs a live ``x-amz-access-token``, else ``expired_status`` (Amazon documents 403)
  with code Unauthorized.
- ``GET /orders/v0/orders``: MarketplaceIds (required), LastUpdatedAfter (required), LastUpdatedBefore
  (refused when later than now minus 2 minutes), MaxResultsPerPage 1-100 (default 100), inclusive bounds,
  in no date order (a stable hash of the id); NextToken continues the first call's query, and all other
  criteria are then ignored. An order edited after that first call has left its window.
- ``GET /orders/v0/orders/{id}`` and ``.../orderItems`` (``items_page_size`` items a page, NextToken).
- One token bucket per operation at Amazon's default rates (``rates``); ``x-amzn-RateLimit-Limit`` on every
  answer; an empty bucket is 429 QuotaExceeded. ``faults`` script answers too: an injected 429 names the
  rate ``1 / faults.retry_after`` in the same header, as Amazon names its rate rather than a wait.

An httpx handler (``httpx.MockTransport(api)``) that also runs behind ``LoopbackServer``.
"""

from __future__ import annotations

import base64
import json
import re
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl

import httpx

from storeloom.domain.types import format_utc, parse_utc
from storeloom_tools.fakes.amazon_sp_data import MARKETPLACE_ID, PRIVATE_KEYS, stamp
from storeloom_tools.fakes.catalog import FakeStoreData, Row
from storeloom_tools.fakes.clock import VirtualClock
from storeloom_tools.fakes.faults import Faults

CLIENT_ID = "amzn1.application-oa2-client.fake"
CLIENT_SECRET = "fake-lwa-client-secret"
REFRESH_TOKEN = "Atzr|fake-refresh-token"
RATES = {"getOrders": (0.0167, 20.0), "getOrder": (0.5, 30.0), "getOrderItems": (0.5, 30.0)}
_PATH = re.compile(r"^/orders/v0/orders(?:/(?P<id>[^/]+)(?P<items>/orderItems)?)?$")
_SETTLE = timedelta(minutes=2)


def _errors(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, json={"errors": [{"code": code, "message": message, "details": ""}]}, headers=headers)


def _served(row: Row) -> Row:
    return {key: value for key, value in row.items() if key not in PRIVATE_KEYS}


def _sort_key(row: Row) -> list[Any]:
    return [zlib.crc32(row["AmazonOrderId"].encode()), row["AmazonOrderId"]]


@dataclass
class FakeAmazonSp:
    clock: VirtualClock | None = None
    client_id: str = CLIENT_ID
    client_secret: str = CLIENT_SECRET
    refresh_token: str = REFRESH_TOKEN
    token_ttl: int = 3600
    expired_status: int = 403
    items_page_size: int = 100
    rates: dict[str, tuple[float, float]] = field(default_factory=lambda: dict(RATES))
    faults: Faults = field(default_factory=Faults)
    data: FakeStoreData = field(init=False)
    requests: list[str] = field(default_factory=list)
    token_requests: int = 0
    quota_exceeded: int = 0  # 429s the buckets answered (injected ones not counted)
    revoked: bool = False
    _tokens: dict[str, float] = field(default_factory=dict)
    _buckets: dict[str, tuple[float, float]] = field(default_factory=dict)
    _generation: int = 0

    def __post_init__(self) -> None:
        self.data = FakeStoreData(stamp, self._now)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(str(request.url))
        if request.url.path == "/auth/o2/token" and request.method == "POST":
            return self._token(request)
        match = _PATH.match(request.url.path)
        if not match or request.method != "GET":
            return _errors(404, "NotFound", "Resource not found")
        if not self._authorized(request):
            detail = "The access token you provided has expired or is invalid."
            return _errors(self.expired_status, "Unauthorized", f"Access to requested resource is denied. {detail}")
        operation = "getOrderItems" if match["items"] else "getOrder" if match["id"] else "getOrders"
        return self._limited(operation, lambda: self._route(operation, match["id"], dict(request.url.params)))

    def revoke_access_tokens(self) -> None:
        """Every access token issued so far is refused from now on, as if it had expired early."""
        self._tokens.clear()

    def expire_next_tokens(self) -> None:
        """Every NextToken handed out so far is refused from now on (400), as a stale token would be."""
        self._generation += 1

    def _now(self) -> datetime:
        return self.clock.now() if self.clock else datetime.now(UTC)

    def _monotonic(self) -> float:
        return self.clock.monotonic() if self.clock else time.monotonic()

    def _token(self, request: httpx.Request) -> httpx.Response:
        self.token_requests += 1
        form = dict(parse_qsl(request.content.decode()))
        if form.get("grant_type") != "refresh_token":
            return httpx.Response(400, json={"error": "unsupported_grant_type", "error_description": "grant_type"})
        if (form.get("client_id"), form.get("client_secret")) != (self.client_id, self.client_secret):
            return httpx.Response(401, json={"error": "invalid_client", "error_description": "Client auth failed"})
        if self.revoked or form.get("refresh_token") != self.refresh_token:
            description = "The request has an invalid grant parameter : refresh_token"
            return httpx.Response(400, json={"error": "invalid_grant", "error_description": description})
        token = f"Atza|fake-access-{self.token_requests}"
        self._tokens[token] = self._monotonic() + self.token_ttl
        body = {"access_token": token, "refresh_token": self.refresh_token, "token_type": "bearer"}
        return httpx.Response(200, json={**body, "expires_in": self.token_ttl})

    def _authorized(self, request: httpx.Request) -> bool:
        expires = self._tokens.get(request.headers.get("x-amz-access-token", ""))
        return expires is not None and self._monotonic() < expires

    def _limited(self, operation: str, answer: Callable[[], httpx.Response]) -> httpx.Response:
        rate, burst = self.rates[operation]
        injected = self.faults.next_status()
        if injected == 429:
            quoted = {"x-amzn-RateLimit-Limit": f"{1 / max(self.faults.retry_after, 1e-3):g}"}
            return _errors(429, "QuotaExceeded", "You exceeded your quota for the requested resource.", quoted)
        if injected:
            return _errors(injected, "InternalFailure", "We encountered an internal error. Please try again.")
        headers = {"x-amzn-RateLimit-Limit": f"{rate:g}"}
        if not self._take(operation, rate, burst):
            self.quota_exceeded += 1
            return _errors(429, "QuotaExceeded", "You exceeded your quota for the requested resource.", headers)
        response = answer()
        response.headers.update(headers)
        return response

    def _take(self, operation: str, rate: float, burst: float) -> bool:
        now = self._monotonic()
        tokens, at = self._buckets.get(operation, (burst, now))
        tokens = min(burst, tokens + (now - at) * rate)
        if tokens < 1 - 1e-6:
            self._buckets[operation] = (tokens, now)
            return False
        self._buckets[operation] = (tokens - 1, now)
        return True

    def _route(self, operation: str, order_id: str | None, params: dict[str, str]) -> httpx.Response:
        if operation == "getOrders":
            return self._list(params)
        row = self.data.rows.get("orders", {}).get(order_id or "")
        if row is None:
            return _errors(404, "InvalidInput", f"Invalid AmazonOrderId: {order_id}")
        if operation == "getOrder":
            return httpx.Response(200, json={"payload": _served(row)})
        return self._items(row, params)

    def _list(self, params: dict[str, str]) -> httpx.Response:
        if not params.get("MarketplaceIds"):
            return _errors(400, "InvalidInput", "MarketplaceIds is required.")
        query = self._read_next_token(params["NextToken"]) if "NextToken" in params else self._new_query(params)
        if isinstance(query, httpx.Response):
            return query
        rows = sorted(self._matching(query), key=_sort_key)
        rows = [row for row in rows if query["k"] is None or _sort_key(row) > query["k"]]
        page = rows[: query["n"]]
        payload: dict[str, Any] = {"Orders": [_served(row) for row in page], "LastUpdatedBefore": query["b"]}
        if len(rows) > len(page):
            payload["NextToken"] = self._next_token({**query, "k": _sort_key(page[-1])})
        return httpx.Response(200, json={"payload": payload})

    def _new_query(self, params: dict[str, str]) -> dict[str, Any] | httpx.Response:
        if "CreatedAfter" in params or "LastUpdatedAfter" not in params:
            return _errors(400, "InvalidInput", "LastUpdatedAfter is required (this fake lists by update time).")
        latest = self._now() - _SETTLE
        try:
            after = parse_utc(params["LastUpdatedAfter"])
            before = parse_utc(params["LastUpdatedBefore"]) if "LastUpdatedBefore" in params else latest
            size = int(params.get("MaxResultsPerPage", "100"))
        except ValueError as error:
            return _errors(400, "InvalidInput", f"Invalid input: {error}")
        if before > latest:
            return _errors(400, "InvalidInput", "LastUpdatedBefore must be at least 2 minutes before the request.")
        if before < after:
            return _errors(400, "InvalidInput", "LastUpdatedBefore must be on or after LastUpdatedAfter.")
        if not 1 <= size <= 100:
            return _errors(400, "InvalidInput", "MaxResultsPerPage must be between 1 and 100.")
        markets = sorted(params["MarketplaceIds"].split(","))
        return {
            "g": self._generation,
            "a": format_utc(after),
            "b": format_utc(before),
            "m": markets,
            "n": size,
            "k": None,
        }

    def _matching(self, query: dict[str, Any]) -> list[Row]:
        after, before = parse_utc(query["a"]), parse_utc(query["b"])
        markets = set(query["m"])
        return [
            row
            for row in self.data.all("orders")
            if row.get("MarketplaceId", MARKETPLACE_ID) in markets
            and after <= parse_utc(row["LastUpdateDate"]) <= before
        ]

    def _next_token(self, query: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(query).encode()).decode()

    def _read_next_token(self, token: str) -> dict[str, Any] | httpx.Response:
        try:
            query: dict[str, Any] = json.loads(base64.urlsafe_b64decode(token.encode()))
        except ValueError:
            query = {}
        if query.get("g") != self._generation:
            return _errors(400, "InvalidInput", "Invalid NextToken.")
        return query

    def _items(self, row: Row, params: dict[str, str]) -> httpx.Response:
        items = row.get("_items", [])
        token = params.get("NextToken", "0")
        if not token.isdigit():
            return _errors(400, "InvalidInput", "Invalid NextToken.")
        start = int(token)
        page = items[start : start + self.items_page_size]
        payload: dict[str, Any] = {"AmazonOrderId": row["AmazonOrderId"], "OrderItems": page}
        if start + self.items_page_size < len(items):
            payload["NextToken"] = str(start + self.items_page_size)
        return httpx.Response(200, json={"payload": payload})
