"""Magento 2 REST client for polling and live re-checks (docs/platforms.md#magento2).

Magento pushes nothing, so every entity is polled on ``updated_at``. Pages are keyset pages: each request
asks for the first ``pageSize`` items after the last one seen, in (updated_at, entity_id) order::

    updated_at gteq T  AND  (updated_at gt T  OR  entity_id gt ID)      sorted updated_at ASC, entity_id ASC

with ``currentPage`` always 1. Walking ``currentPage`` instead would skip an item whenever one edited
mid-walk moves to the end of the list, and Magento answers a page past the end with the last page again
(magento/magento2#3787, #26986); here ``total_count`` says whether anything is left after the page.
Timestamps are UTC to the second with no zone (docs/platforms.md#magento2-timestamps).

MSI source items have no modification time, so inventory levels are scanned in (sku, source_code) order by
``currentPage``, stopping by ``total_count``: deep sweeps only.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

from storeloom.domain.cursor import ApiPage, Cursor, PolledItem, Subscription
from storeloom.domain.types import loads, parse_utc
from storeloom.platforms.http import ApiTransport, PollingClient
from storeloom.platforms.magento2.search import Filter, magento_time, query_string, search_params
from storeloom.services.platform_port import ApiError

DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 300  # Magento sets no cap by default; this keeps one answer small enough for a Lambda
RECHECK_LIMIT = 50  # a workflow re-check reads one page of a person's latest orders
INVENTORY = "inventory_levels"


@dataclass(frozen=True)
class Resource:
    """``path`` under /V1; ``topic`` names the listing its items come from (ingest's topic for them);
    ``id_key`` is the item's id in the JSON and ``id_field`` the same id as a search field."""

    path: str
    id_key: str = "id"
    id_field: str = "entity_id"
    # Always ANDed in: carts are the active quotes that hold items (an ordered quote is made inactive).
    fixed: tuple[Filter, ...] = ()

    @property
    def topic(self) -> str:
        return f"V1/{self.path}"


RESOURCES: dict[str, Resource] = {
    "orders": Resource("orders", id_key="entity_id"),
    "customers": Resource("customers/search"),
    "products": Resource("products"),
    "carts": Resource("carts/search", fixed=(("is_active", "1", "eq"), ("items_count", "0", "gt"))),
    INVENTORY: Resource("inventory/source-items", id_key="sku", id_field="sku"),
}
SCANNED = frozenset({INVENTORY})
SOURCE_ITEM_ORDER = (("sku", "ASC"), ("source_code", "ASC"))


def source_item_id(row: dict[str, Any]) -> str:
    return f"{row['sku']}@{row['source_code']}"


def _after(position: Cursor | None, since: datetime, id_field: str) -> list[list[Filter]]:
    if position is None:
        return [[("updated_at", magento_time(since), "gteq")]]
    moment = magento_time(position.updated_at)
    return [[("updated_at", moment, "gteq")], [("updated_at", moment, "gt"), (id_field, position.id, "gt")]]


class Magento2Client(PollingClient[Resource]):
    """``fetch`` is the poller's PlatformSource port; ``transport`` carries the store's limiter and ``auth``
    the bearer token or OAuth 1.0a signature (storeloom.platforms.magento2.auth)."""

    platform = "magento2"
    resources = RESOURCES

    def __init__(
        self,
        api_url: str,
        auth: httpx.Auth,
        transport: ApiTransport,
        page_size: int = DEFAULT_PAGE_SIZE,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._base = f"{api_url.rstrip('/')}/V1"
        self._auth = auth
        self._clock = clock
        super().__init__(transport, page_size, MAX_PAGE_SIZE)

    def topic_for(self, entity: str) -> str:
        return self.resource(entity).topic

    def fetch(self, entity: str, since: datetime, after: Cursor | None, token: str | None) -> ApiPage:
        resource = self.resource(entity)
        if entity in SCANNED:
            return self._scan(resource, token)
        position = Cursor.from_text(token) if token else after
        groups = [*([f] for f in resource.fixed), *_after(position, since, resource.id_field)]
        order = [("updated_at", "ASC"), (resource.id_field, "ASC")]
        before = self.requests
        body = self._search(resource, groups, order, self.page_size, 1)
        rows = body.get("items") or []
        items = [PolledItem(Cursor(parse_utc(r["updated_at"]), str(r[resource.id_key])), json.dumps(r)) for r in rows]
        total = int(body.get("total_count") or 0)
        if position is not None and items and items[-1].position <= position:
            raise ApiError(f"{resource.topic}: the store ignored the keyset filter (its page did not advance)")
        next_token = items[-1].position.to_text() if items and total > len(items) else None
        return ApiPage(items, next_token, self.requests - before, total=total)

    def _scan(self, resource: Resource, token: str | None) -> ApiPage:
        """One page of every source item; each one's position is the time it was read."""
        page = int(token or "1")
        before = self.requests
        body = self._search(resource, [], SOURCE_ITEM_ORDER, self.page_size, page)
        read_at = self._clock()
        items = [PolledItem(Cursor(read_at, source_item_id(r)), json.dumps(r)) for r in body.get("items") or []]
        total = int(body.get("total_count") or 0)
        next_token = str(page + 1) if items and page * self.page_size < total else None
        return ApiPage(items, next_token, self.requests - before, total=total, ordered=False)

    def count(self, entity: str, since: datetime) -> int | None:
        resource = self.resource(entity)
        if entity in SCANNED:
            return None
        groups = [*([f] for f in resource.fixed), *_after(None, since, resource.id_field)]
        return int(self._search(resource, groups, (), 1, 1).get("total_count") or 0)

    def list_webhooks(self) -> list[Subscription]:
        """Magento sends no webhooks (docs/platforms.md#magento2-events): nothing to list or repair."""
        return []

    def create_webhook(self, topic: str, address: str) -> Subscription:
        raise ApiError("magento2 has no webhook subscriptions; its stores are polled")

    def reactivate_webhook(self, subscription: Subscription) -> Subscription:
        raise ApiError("magento2 has no webhook subscriptions; its stores are polled")

    def product(self, product_id: str) -> dict[str, Any] | None:
        """One product by its entity id (``GET /V1/products/{sku}`` needs the SKU, so search by id)."""
        if not product_id.isdigit():
            return None
        rows = self._rows("products", [[("entity_id", product_id, "eq")]], (), 1)
        return rows[0] if rows else None

    def customer_orders(self, customer_id: str, limit: int = RECHECK_LIMIT) -> list[dict[str, Any]]:
        """A customer's latest orders, any state."""
        if not customer_id.isdigit():
            return []
        return self._rows("orders", [[("customer_id", customer_id, "eq")]], [("created_at", "DESC")], limit)

    def email_orders(self, email: str, limit: int = RECHECK_LIMIT) -> list[dict[str, Any]]:
        """The latest orders placed with ``email``, guests' included."""
        return self._rows("orders", [[("customer_email", email, "eq")]], [("created_at", "DESC")], limit)

    def _rows(
        self, entity: str, groups: list[list[Filter]], order: Sequence[tuple[str, str]], limit: int
    ) -> list[dict[str, Any]]:
        """Rows for the adapter, read with ``loads`` (money as Decimal, never float)."""
        params = search_params(groups, order, limit, 1)
        response = self._get(self.resource(entity), params)
        rows: list[dict[str, Any]] = loads(response.content).get("items") or []
        return rows

    def _search(
        self, resource: Resource, groups: list[list[Filter]], order: Sequence[tuple[str, str]], size: int, page: int
    ) -> dict[str, Any]:
        body: dict[str, Any] = self._get(resource, search_params(groups, order, size, page)).json()
        return body

    def _get(self, resource: Resource, params: list[tuple[str, str]]) -> httpx.Response:
        url = f"{self._base}/{resource.path}?{query_string(params)}"
        return self.transport.request("GET", url, auth=self._auth, headers={"Accept": "application/json"})
