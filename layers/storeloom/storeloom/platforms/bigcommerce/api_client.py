"""BigCommerce API client for polling, thin-webhook fetches, live re-checks and webhook subscriptions
(docs/platforms.md#bigcommerce).

The store's ``api_url`` is its API base, ``https://api.bigcommerce.com/stores/{store_hash}``; the access token
goes in ``X-Auth-Token``. Listings, in modified-time order, ``limit`` up to 250 and ``page``:

- V2 orders: ``min_date_modified`` (RFC 2822 or ISO 8601: sent in RFC 2822, the form V2 itself writes),
  ``sort=date_modified:asc``, a bare list, and 204 with an empty body when nothing matches;
  ``include=consignments.line_items`` brings the line items;
- V3 customers: ``date_modified:min`` (ISO 8601 with its offset, as V3 writes it), ``sort=date_modified:asc``,
  pages in ``meta.pagination``;
- V3 catalog products: ``date_modified:min``, ``sort=date_modified&direction=asc``, ``include=variants,images``.

Pages are walked by storeloom.platforms.bigcommerce.walk; rate limits by .limits.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

import httpx

from storeloom.domain.cursor import ApiPage, Cursor, PolledItem, Subscription
from storeloom.domain.types import loads
from storeloom.platforms.bigcommerce.values import bc_time
from storeloom.platforms.bigcommerce.walk import Walk
from storeloom.platforms.http import ApiTransport, PollingClient
from storeloom.services.platform_port import ApiError

MAX_LIMIT = 250
RECHECK_LIMIT = 50  # a workflow re-check reads one page of a person's latest orders
ORDER_INCLUDE = {"include": "consignments.line_items"}
PRODUCT_INCLUDE = {"include": "variants,images"}
CUSTOMER_INCLUDE = {"include": "addresses"}  # a customer's country is read from its addresses
_CART_ID = re.compile(r"^[A-Za-z0-9-]{1,64}$")


@dataclass(frozen=True)
class Listing:
    """``v3``: pages carry ``meta.pagination``; V2 answers a bare list and says nothing of what follows."""

    path: str
    topic: str
    since: str
    params: dict[str, str] = field(default_factory=dict)
    v3: bool = True


RESOURCES: dict[str, Listing] = {
    "orders": Listing(
        "v2/orders", "store/order/updated", "min_date_modified", {"sort": "date_modified:asc", **ORDER_INCLUDE}, False
    ),
    "customers": Listing(
        "v3/customers", "store/customer/updated", "date_modified:min", {"sort": "date_modified:asc", **CUSTOMER_INCLUDE}
    ),
    "products": Listing(
        "v3/catalog/products",
        "store/product/updated",
        "date_modified:min",
        {"sort": "date_modified", "direction": "asc", **PRODUCT_INCLUDE},
    ),
}
WEBHOOK_TOPICS = (
    "store/order/created",
    "store/order/updated",
    "store/order/archived",
    "store/cart/created",
    "store/cart/updated",
    "store/cart/abandoned",
    "store/cart/converted",
    "store/cart/deleted",
    "store/customer/created",
    "store/customer/updated",
    "store/customer/deleted",
    "store/product/created",
    "store/product/updated",
    "store/product/deleted",
    "store/product/inventory/updated",
    "store/sku/inventory/updated",
)


def since_text(listing: Listing, moment: datetime) -> str:
    """A whole-second UTC moment as the listing's API writes its own dates."""
    utc = moment.astimezone(UTC).replace(microsecond=0)
    return utc.isoformat() if listing.v3 else format_datetime(utc)


def position_of(row: dict[str, Any]) -> Cursor:
    return Cursor(bc_time(row["date_modified"], "date_modified"), str(row["id"]))


def _subscription(row: dict[str, Any]) -> Subscription:
    return Subscription(str(row["id"]), row["scope"], row["destination"], bool(row.get("is_active")))


class BigCommerceClient(PollingClient[Listing]):
    """``fetch`` is the poller's PlatformSource port, ``read`` the thin-webhook fetch; ``transport`` carries
    the store's limiter."""

    platform = "bigcommerce"
    resources = RESOURCES

    def __init__(self, api_url: str, access_token: str, transport: ApiTransport, page_size: int = MAX_LIMIT) -> None:
        self._base = api_url.rstrip("/")
        self._headers = {"X-Auth-Token": access_token, "Accept": "application/json"}
        super().__init__(transport, page_size, MAX_LIMIT)

    def topic_for(self, entity: str) -> str:
        return self.resource(entity).topic

    def fetch(self, entity: str, since: datetime, after: Cursor | None, token: str | None) -> ApiPage:
        listing = self.resource(entity)
        walk = Walk.from_token(token) if token else Walk.start(since, after)
        before = self.requests
        rows, more, total = self._page(listing, walk)
        positions = [position_of(row) for row in rows]
        items = [PolledItem(p, json.dumps(row)) for p, row in zip(positions, rows, strict=True) if walk.unseen(p)]
        following = walk.after(positions).token() if more and positions else None
        return ApiPage(items, following, self.requests - before, total=total)

    def count(self, entity: str, since: datetime) -> int | None:
        listing = self.resource(entity)
        params = {listing.since: since_text(listing, since)}
        if not listing.v3:
            count: int = self._get(f"{listing.path}/count", params).json()["count"]
            return count
        total: int = self._get(listing.path, {**params, "limit": 1}).json()["meta"]["pagination"]["total"]
        return total

    def read(self, entity: str, entity_id: str) -> dict[str, Any] | None:
        """One resource as the store has it now, in the shape the adapter maps; None when it is gone (404)."""
        if entity == "cart":
            return self._one(f"v3/carts/{entity_id}", {}) if _CART_ID.match(entity_id) else None
        if not entity_id.isdigit():
            return None
        if entity == "order":
            return self._order(entity_id)
        if entity == "product":
            return self._one(f"v3/catalog/products/{entity_id}", PRODUCT_INCLUDE)
        if entity == "customer":
            rows = loads(self._get("v3/customers", {"id:in": entity_id, **CUSTOMER_INCLUDE}).content)["data"]
            return rows[0] if rows else None
        raise ValueError(f"entity: bigcommerce reads order, cart, customer or product, not {entity!r}")

    def product(self, product_id: str) -> dict[str, Any] | None:
        return self.read("product", product_id)

    def customer_orders(self, customer_id: str, limit: int = RECHECK_LIMIT) -> list[dict[str, Any]]:
        """A customer's latest orders, any status (``GET /v2/orders?customer_id=``)."""
        return self._orders({"customer_id": customer_id}, limit) if customer_id.isdigit() else []

    def email_orders(self, email: str, limit: int = RECHECK_LIMIT) -> list[dict[str, Any]]:
        """The latest orders placed with ``email``, guests included (``GET /v2/orders?email=``)."""
        return self._orders({"email": email}, limit)

    def list_webhooks(self) -> list[Subscription]:
        found, page, pages = [], 1, 1
        while page <= pages:
            body = self._get("v3/hooks", {"page": page, "limit": MAX_LIMIT}).json()
            found += [_subscription(row) for row in body["data"]]
            pages, page = int(body.get("meta", {}).get("pagination", {}).get("total_pages", 1)), page + 1
        return found

    def create_webhook(self, topic: str, address: str) -> Subscription:
        body = {"scope": topic, "destination": address, "is_active": True}
        return _subscription(self._send("POST", "v3/hooks", body).json()["data"])

    def reactivate_webhook(self, subscription: Subscription) -> Subscription:
        """A hook deactivated after 48 h of failed retries is switched back on with ``is_active: true``
        (docs/platforms.md#bigcommerce-retries)."""
        return _subscription(self._send("PUT", f"v3/hooks/{subscription.id}", {"is_active": True}).json()["data"])

    def _page(self, listing: Listing, walk: Walk) -> tuple[list[dict[str, Any]], bool, int | None]:
        since = since_text(listing, walk.query_from())
        params = {**listing.params, listing.since: since, "limit": self.page_size, "page": walk.page}
        response = self._get(listing.path, params)
        if not listing.v3:
            rows = response.json() if response.status_code != 204 and response.content else []
            return rows, len(rows) >= self.page_size, None
        body = response.json()
        pagination = body.get("meta", {}).get("pagination", {})
        more = int(pagination.get("current_page", 1)) < int(pagination.get("total_pages", 1))
        return body["data"], more, pagination.get("total")

    def _order(self, order_id: str) -> dict[str, Any] | None:
        """The order with its line items: from the include, else from its products sub-resource."""
        row = self._one(f"v2/orders/{order_id}", ORDER_INCLUDE)
        if row is not None and "consignments" not in row and not isinstance(row.get("products"), list):
            response = self._get(f"v2/orders/{order_id}/products", {"limit": MAX_LIMIT})
            row["products"] = loads(response.content) if response.status_code != 204 and response.content else []
        return row

    def _orders(self, filters: dict[str, str], limit: int) -> list[dict[str, Any]]:
        params = {**filters, "sort": "date_created:desc", "limit": min(limit, MAX_LIMIT), **ORDER_INCLUDE}
        response = self._get("v2/orders", params)
        rows: list[dict[str, Any]] = loads(response.content) if response.status_code != 204 and response.content else []
        return rows

    def _one(self, path: str, params: dict[str, Any]) -> dict[str, Any] | None:
        try:
            body: dict[str, Any] = loads(self._get(path, params).content)
        except ApiError as error:
            if error.status_code == 404:
                return None
            raise
        return body["data"] if path.startswith("v3/") else body

    def _get(self, path: str, params: dict[str, Any]) -> httpx.Response:
        return self.transport.request("GET", f"{self._base}/{path}", params=params, headers=self._headers)

    def _send(self, method: str, path: str, body: dict[str, Any]) -> httpx.Response:
        return self.transport.request(method, f"{self._base}/{path}", json=body, headers=self._headers)
