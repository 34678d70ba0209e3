"""Amazon SP-API Orders v0 client for polling (docs/platforms.md#amazon-orders, #amazon-rate-limits).

- ``GET /orders/v0/orders`` with ``MarketplaceIds``, ``LastUpdatedAfter``, ``LastUpdatedBefore`` and
  ``MaxResultsPerPage`` (at most 100). ``LastUpdatedBefore`` must lie at least 2 minutes before Amazon's
  now; it is set ``SETTLE + CLOCK_MARGIN`` before ours, so a clock running a little ahead is no error.
- A ``NextToken`` continues the listing; Amazon ignores every other criterion then, so only
  ``MarketplaceIds`` (required on every call) and ``NextToken`` are sent. The window is fixed by the first
  call: an order edited during the walk moves past its ``LastUpdatedBefore`` and is read by the next run.
- The listing's order is not guaranteed, so pages are unordered (``ApiPage.ordered=False``): the sync
  service resumes by token and keeps the furthest (LastUpdateDate, AmazonOrderId) it saw as the cursor,
  and the next run starts an overlap before it; a repeat of an order version dies at ingest dedupe.
- The resume token is ours: ``<after>|<before>|<NextToken>``. Should Amazon refuse a stored NextToken
  (400), the listing restarts from the same ``after`` rather than wedging the checkpoint.
- Each order's line items come from ``getOrderItems`` (with its own NextToken) and are merged in as
  ``OrderItems``, the shape the adapter reads.
- Each operation has its own token bucket (Amazon limits per operation); ``x-amzn-RateLimit-Limit``
  (requests per second) sets that bucket's leak rate; 429 QuotaExceeded is retried by ApiTransport.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import httpx

from storeloom.domain.cursor import ApiPage, Cursor, PolledItem, Subscription
from storeloom.domain.types import format_utc, parse_utc
from storeloom.platforms.amazon_sp.auth import LwaAuth
from storeloom.platforms.amazon_sp.mapping import POLLED_TOPIC
from storeloom.platforms.http import ApiTransport, PollingClient
from storeloom.platforms.ratelimit import RateLimiter
from storeloom.services.platform_port import ApiError

log = logging.getLogger(__name__)

ORDERS_PATH = "/orders/v0/orders"
MAX_RESULTS = 100
MAX_ITEM_PAGES = 50  # a runaway NextToken on getOrderItems stops here
SETTLE = timedelta(minutes=2)
CLOCK_MARGIN = timedelta(seconds=30)
RESOURCES: dict[str, str] = {"orders": POLLED_TOPIC}


@dataclass(frozen=True)
class Operation:
    """An SP-API operation's default usage plan: ``rate`` requests per second, ``burst`` at once."""

    name: str
    rate: float
    burst: float


GET_ORDERS = Operation("getOrders", 0.0167, 20)
GET_ORDER = Operation("getOrder", 0.5, 30)
GET_ORDER_ITEMS = Operation("getOrderItems", 0.5, 30)
OPERATIONS = (GET_ORDERS, GET_ORDER, GET_ORDER_ITEMS)


def read_rate_limit(response: httpx.Response, limiter: RateLimiter) -> None:
    """``x-amzn-RateLimit-Limit: 0.0167``: the operation's current rate for this seller and app."""
    try:
        rate = float(response.headers.get("x-amzn-ratelimit-limit") or "nan")
    except ValueError:
        return
    if math.isfinite(rate) and rate > 0:
        limiter.leak_per_second = rate


@dataclass(frozen=True)
class Window:
    after: datetime
    before: datetime

    def token(self, next_token: str) -> str:
        return f"{_iso(self.after)}|{_iso(self.before)}|{next_token}"

    @classmethod
    def from_token(cls, token: str) -> tuple[Window, str]:
        after, before, next_token = token.split("|", 2)
        return cls(parse_utc(after), parse_utc(before)), next_token


def _iso(moment: datetime) -> str:
    return format_utc(moment, timespec="seconds")


def position_of(order: Mapping[str, Any]) -> Cursor:
    return Cursor(parse_utc(order["LastUpdateDate"]), str(order["AmazonOrderId"]))


class AmazonSpClient(PollingClient[str]):
    """``fetch`` is the poller's PlatformSource port. ``transports`` holds one per operation name."""

    platform = "amazon_sp"
    resources = RESOURCES

    def __init__(
        self,
        api_url: str,
        marketplace_ids: Sequence[str],
        auth: LwaAuth,
        transports: Mapping[str, ApiTransport],
        page_size: int = MAX_RESULTS,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._base = api_url.rstrip("/")
        self._marketplaces = ",".join(marketplace_ids)
        self.auth = auth
        self.transports = dict(transports)
        self._clock = clock
        super().__init__(self.transports[GET_ORDERS.name], page_size, MAX_RESULTS)

    @property
    def requests(self) -> int:
        return sum(transport.requests for transport in self.transports.values())

    def topic_for(self, entity: str) -> str:
        return self.resource(entity)

    def fetch(self, entity: str, since: datetime, after: Cursor | None, token: str | None) -> ApiPage:
        self.resource(entity)
        before = self.requests
        if token:
            window, payload = self._continue(*Window.from_token(token))
        else:
            first = self._window(since)
            if first is None:  # nothing has settled since ``since`` yet
                return ApiPage([], None, 0, ordered=False)
            window, payload = first, self._orders(self._first_params(first))
        items = [self._polled(order) for order in payload.get("Orders") or []]
        more = payload.get("NextToken")
        return ApiPage(items, window.token(more) if more else None, self.requests - before, ordered=False)

    def count(self, entity: str, since: datetime) -> int | None:
        """None: getOrders reports no total."""
        return None

    def read(self, entity: str, entity_id: str) -> dict[str, Any] | None:
        """One resource a thin payload names (AmazonSpAdapter.resource_refs), in the shape the adapter maps."""
        if entity != "order":
            raise ValueError(f"entity: amazon_sp reads orders only, not {entity!r}")
        return self.order(entity_id)

    def order(self, order_id: str) -> dict[str, Any] | None:
        """One order with its items (``getOrder`` + ``getOrderItems``), as polled; None when unknown (404)."""
        try:
            order = self._payload(GET_ORDER, f"{ORDERS_PATH}/{quote(order_id, safe='')}", None)
        except ApiError as error:
            if error.status_code == 404:
                return None
            raise
        return {**order, "OrderItems": self.order_items(order_id)}

    def order_items(self, order_id: str) -> list[dict[str, Any]]:
        path, token = f"{ORDERS_PATH}/{quote(order_id, safe='')}/orderItems", None
        items: list[dict[str, Any]] = []
        for _ in range(MAX_ITEM_PAGES):
            payload = self._payload(GET_ORDER_ITEMS, path, {"NextToken": token} if token else None)
            items.extend(payload.get("OrderItems") or [])
            token = payload.get("NextToken")
            if not token:
                break
        return items

    # Subscriptions: Amazon pushes ORDER_CHANGE to an SQS destination of the Notifications API, not to a
    # webhook URL, so there is nothing for webhook health to list or repair.
    def list_webhooks(self) -> list[Subscription]:
        return []

    def create_webhook(self, topic: str, address: str) -> Subscription:
        raise ApiError("amazon_sp: notifications go to an SQS destination (Notifications API), not a webhook")

    def reactivate_webhook(self, subscription: Subscription) -> Subscription:
        raise ApiError("amazon_sp: notifications go to an SQS destination (Notifications API), not a webhook")

    # Live re-checks. Amazon buyers are never messaged (Amazon's communication policy,
    # docs/platforms.md#amazon-pii), so no flow step needs them; and SP-API cannot serve them cheaply:
    def product(self, product_id: str) -> dict[str, Any] | None:
        """None: the catalog (Catalog Items / Listings APIs) is out of scope; orders carry ASIN and SKU."""
        return None

    def customer_orders(self, customer_id: str) -> list[dict[str, Any]]:
        """[]: SP-API has no buyer accounts to list by, and our customer ids are derived (a digest of the
        relay address, or the order id), so nothing maps back to a query."""
        return []

    def email_orders(self, email: str) -> list[dict[str, Any]]:
        """[]: getOrders' BuyerEmail filter needs the restricted buyer-data role and spends the getOrders
        quota (one call a minute) that polling lives on, for a person who may never be messaged."""
        return []

    def _window(self, since: datetime) -> Window | None:
        before = self._clock() - SETTLE - CLOCK_MARGIN
        return Window(since, before) if since <= before else None

    def _first_params(self, window: Window) -> dict[str, Any]:
        return {
            "MarketplaceIds": self._marketplace_ids(),
            "LastUpdatedAfter": _iso(window.after),
            "LastUpdatedBefore": _iso(window.before),
            "MaxResultsPerPage": self.page_size,
        }

    def _continue(self, window: Window, next_token: str) -> tuple[Window, dict[str, Any]]:
        try:
            return window, self._orders({"MarketplaceIds": self._marketplace_ids(), "NextToken": next_token})
        except ApiError as error:
            if error.status_code != 400:
                raise
            log.warning("getOrders refused a stored NextToken; listing from its start", extra={"error": str(error)})
            fresh = self._window(window.after) or window
            return fresh, self._orders(self._first_params(fresh))

    def _orders(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._payload(GET_ORDERS, ORDERS_PATH, params)

    def _polled(self, order: dict[str, Any]) -> PolledItem:
        row = {**order, "OrderItems": self.order_items(str(order["AmazonOrderId"]))}
        return PolledItem(position_of(order), json.dumps(row))

    def _marketplace_ids(self) -> str:
        if not self._marketplaces:
            raise ApiError("marketplace_ids: the store's settings name no Amazon marketplace id")
        return self._marketplaces

    def _payload(self, operation: Operation, path: str, params: dict[str, Any] | None) -> dict[str, Any]:
        response = self.transports[operation.name].request("GET", f"{self._base}{path}", params=params, auth=self.auth)
        try:
            payload = response.json().get("payload")
        except (ValueError, AttributeError) as error:
            raise ApiError(f"{operation.name}: the answer is not a JSON object") from error
        if not isinstance(payload, dict):
            raise ApiError(f"{operation.name}: the answer has no payload object")
        return payload
