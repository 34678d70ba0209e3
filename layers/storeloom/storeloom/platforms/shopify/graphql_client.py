"""Shopify GraphQL Admin API client for polling, with the REST client's surface (docs/platforms.md#shopify).

- every document is a POST to ``{api_url}/admin/api/{version}/graphql.json``;
- incremental lists ask ``query: "updated_at:>='<since>'"`` (inclusive, like REST's updated_at_min) with
  ``sortKey: UPDATED_AT`` and page on ``after: endCursor``. Shopify's cursors are keyset positions, so equal
  timestamps across a page boundary are neither skipped nor repeated; the next-page token carries the
  search with the cursor, so a resumed listing continues the very query it began;
- the rate limit is a bucket of points: each document's requested cost (graphql_queries) is waited for
  before it is sent, ``extensions.cost.throttleStatus`` corrects the bucket after every answer, and a
  ``THROTTLED`` answer (HTTP 200, no data) is sent again once its cost has been restored;
- ``first`` is as large as the 1,000-point single-query ceiling allows (24 orders, not 250), and a parent
  with more nested children than a page carries (line items, variants) has the rest read by id.

Rows come back in the REST shape (graphql_mapping), so topics, adapters and ingest are those of REST.
"""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Any

from storeloom.domain.cursor import ApiPage, Cursor, PolledItem, Subscription
from storeloom.domain.stores import StoreRecord, StoreSecrets
from storeloom.domain.types import format_utc, loads, parse_utc
from storeloom.platforms.descriptor import ClientContext
from storeloom.platforms.http import ApiTransport, PollingClient
from storeloom.platforms.ratelimit import RateLimiter
from storeloom.platforms.shopify import graphql_mapping as rows
from storeloom.platforms.shopify import graphql_queries as q
from storeloom.platforms.shopify.api_client import (
    RECHECK_LIMIT,
    WEBHOOK_TOPICS,
    ShopifyClient,
    position_of,
    read_call_limit,
)
from storeloom.platforms.shopify.api_client import RESOURCES as REST_RESOURCES
from storeloom.services.platform_port import ApiError

# 2026-07 is the first version whose Order carries cartToken and checkoutToken, which REST's cart ids are.
API_VERSION = "2026-07"
# Until the first throttleStatus arrives: the older documented bucket (1,000 points) at today's Standard
# restore rate (100 points/s, docs/platforms.md#shopify). Every answer's throttleStatus then replaces both.
BUCKET = (1000.0, 100.0)
THROTTLE_ATTEMPTS = 8
# A listing pages through at most 25,000 objects (shopify.dev api/usage/limits); one sorted by update time
# starts a new search at its last node's second before it gets there.
WALK_LIMIT = 25_000
# Abandoned checkouts are listed but not polled by default: GraphQL has no cart token, so a polled cart
# would get another id (its checkout token) than the webhook's copy of it (graphql_mapping).
POLLED_ENTITIES = ("orders", "customers", "products", "inventory_levels")
_COMPLIANCE_TOPICS = ("customers/data_request", "customers/redact", "shop/redact", "app/uninstalled")
_TOPICS = {rows.topic_enum(topic): topic for topic in (*WEBHOOK_TOPICS, *_COMPLIANCE_TOPICS)}
log = logging.getLogger(__name__)


class UserErrors(ApiError):
    """A mutation's ``userErrors``: Shopify refused the input (a subscription that does not exist, ...)."""


@dataclass
class CostLimiter(RateLimiter):
    """The store's GraphQL points bucket. ``cost`` is the requested cost of the next document: ``acquire``
    waits until that many points fit in this caller's share of the bucket, then takes them."""

    cost: float = 1.0

    def acquire(self) -> None:
        level = self._current()
        allowed = max(self.cost, self.capacity * self.share) - self.cost
        if level > allowed:
            delay = (level - allowed) / self.leak_per_second
            self.sleep(delay)
            self.waited_seconds += delay
            level = self._current()
        self._set(level + self.cost)

    def observe_status(self, status: Mapping[str, Any]) -> None:
        """``throttleStatus``: the points in use are what is not currently available."""
        maximum = float(status["maximumAvailable"])
        self.leak_per_second = float(status.get("restoreRate") or self.leak_per_second)
        self.observe(maximum - float(status["currentlyAvailable"]), maximum)


@dataclass(frozen=True)
class Listing:
    """One pollable entity: its root connection, node selection, REST-shaped row and webhook topic."""

    root: str
    fields: tuple[q.Selection | str, ...]
    parent_type: str
    row: Callable[[rows.Node], rows.Row]
    topic: str
    sort: str | None = "UPDATED_AT"
    count_root: str | None = None
    ordered: bool = True

    @cached_property
    def operation(self) -> q.Operation:
        return q.inventory_levels() if self.root == "inventoryLevels" else q.listing(self.root, self.fields, self.sort)

    @cached_property
    def followups(self) -> dict[str, q.Operation]:
        nested = [f for f in self.fields if isinstance(f, q.Selection) and f.kind == "connection"]
        return {connection.name: q.children(self.parent_type, connection) for connection in nested}


LISTINGS: dict[str, Listing] = {
    "orders": Listing(
        "orders", q.ORDER, "Order", rows.order_row, REST_RESOURCES["orders"].topic, count_root="ordersCount"
    ),
    "customers": Listing(
        "customers",
        q.CUSTOMER,
        "Customer",
        rows.customer_row,
        REST_RESOURCES["customers"].topic,
        count_root="customersCount",
    ),
    "products": Listing(
        "products", q.PRODUCT, "Product", rows.product_row, REST_RESOURCES["products"].topic, count_root="productsCount"
    ),
    # abandonedCheckouts has no UPDATED_AT sort (it takes the updated_at filter): listed in its own order.
    "checkouts": Listing(
        "abandonedCheckouts",
        q.CHECKOUT,
        "AbandonedCheckout",
        rows.checkout_row,
        REST_RESOURCES["checkouts"].topic,
        sort=None,
        count_root="abandonedCheckoutsCount",
        ordered=False,
    ),
    "inventory_levels": Listing(
        "inventoryLevels",
        q.INVENTORY_LEVEL,
        "InventoryLevel",
        rows.inventory_level_row,
        REST_RESOURCES["inventory_levels"].topic,
        sort=None,
        ordered=False,
    ),
}
RECENT_ORDERS = q.listing("orders", q.ORDER, "CREATED_AT", reverse=True)
PRODUCT = q.one("product", q.PRODUCT)


def updated_since(since: datetime) -> str:
    """Whole seconds, rounded down, so the inclusive filter never starts after ``since``."""
    return f"updated_at:>='{format_utc(since.replace(microsecond=0), timespec='seconds')}'"


def _quoted(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def _encode(state: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(state, separators=(",", ":")).encode()).decode()


def _start(since: datetime) -> dict[str, Any]:
    return {"q": updated_since(since), "after": None, "loc": 0, "walked": 0}


def _decode(token: str, since: datetime) -> dict[str, Any]:
    """The page state a token carries. One this client did not write (a REST page_info saved before the store
    moved to GraphQL) restarts the listing at ``since``: what is read twice dies at ingest dedupe."""
    try:
        state = json.loads(base64.urlsafe_b64decode(token.encode()))
    except ValueError:
        state = None
    if isinstance(state, dict) and isinstance(state.get("q"), str):
        return state
    log.info("restarting a listing from a page token that is not this client's", extra={"since": str(since)})
    return _start(since)


def _throttled(body: Mapping[str, Any]) -> bool:
    return any((e.get("extensions") or {}).get("code") == "THROTTLED" for e in body.get("errors") or [])


def _data(body: Mapping[str, Any], name: str) -> dict[str, Any]:
    errors = body.get("errors") or []
    if errors:
        first = errors[0]
        code = (first.get("extensions") or {}).get("code") or "ERROR"
        raise ApiError(f"GraphQL {name}: {code}: {str(first.get('message'))[:200]}")
    data = body.get("data")
    if not isinstance(data, dict):
        raise ApiError(f"GraphQL {name}: the answer has no data")
    return data


def _payload(data: Mapping[str, Any], mutation: str) -> Mapping[str, Any]:
    payload: Mapping[str, Any] = data.get(mutation) or {}
    problems = payload.get("userErrors") or []
    if problems:
        raise UserErrors(f"GraphQL {mutation}: {'; '.join(str(p.get('message'))[:120] for p in problems)}")
    return payload


def _subscription(node: Mapping[str, Any]) -> Subscription:
    topic = str(node["topic"])
    rest_topic = _TOPICS.get(topic) or topic.lower().replace("_", "/", 1)
    return Subscription(rows.legacy_id(node["id"]) or "", rest_topic, str(node.get("uri") or ""))


class ShopifyGraphqlClient(PollingClient[Listing]):
    """A drop-in for ShopifyClient (the poller's PlatformClient and the live re-checks' reads). Its
    transport must carry a CostLimiter: build both with ``graphql_transport``."""

    platform = "shopify"
    resources = LISTINGS

    def __init__(
        self,
        api_url: str,
        access_token: str,
        transport: ApiTransport,
        page_size: int = q.MAX_FIRST,
        location_ids: str = "",
        api_version: str = API_VERSION,
    ) -> None:
        if not isinstance(transport.limiter, CostLimiter):
            raise TypeError("ShopifyGraphqlClient needs a transport whose limiter is a CostLimiter")
        self.limiter: CostLimiter = transport.limiter
        self._url = f"{api_url.rstrip('/')}/admin/api/{api_version}/graphql.json"
        self._headers = {"X-Shopify-Access-Token": access_token, "Content-Type": "application/json"}
        self._locations = tuple(part.strip() for part in location_ids.split(",") if part.strip())
        self.throttles = 0
        super().__init__(transport, page_size, q.MAX_FIRST)

    def execute(self, operation: q.Operation, variables: dict[str, Any], first: int = 0) -> dict[str, Any]:
        """Send one document once its requested cost is free; a THROTTLED answer is sent again."""
        payload = {"query": operation.text, "variables": variables}
        for _ in range(THROTTLE_ATTEMPTS):
            self.limiter.cost = operation.cost(first)
            response = self.transport.request("POST", self._url, json=payload, headers=self._headers)
            try:
                body = loads(response.content)
            except ValueError as error:
                raise ApiError(f"GraphQL {operation.name}: the answer is not JSON") from error
            self._observe(body)
            if not _throttled(body):
                return _data(body, operation.name)
            self.throttles += 1
        raise ApiError(f"GraphQL {operation.name}: still THROTTLED after {THROTTLE_ATTEMPTS} attempts")

    def topic_for(self, entity: str) -> str:
        return self.resource(entity).topic

    def fetch(self, entity: str, since: datetime, after: Cursor | None, token: str | None) -> ApiPage:
        listing = self.resource(entity)
        state = _decode(token, since) if token else _start(since)
        before = self.requests
        if listing.root == "inventoryLevels":
            nodes, following = self._levels(listing, state)
        else:
            nodes, following = self._page(listing.operation, listing.root, state, {"query": state["q"]})
            following = self._within_walk_limit(listing, state, nodes, following)
        found = [listing.row(self._complete(listing, node)) for node in nodes]
        items = [PolledItem(position_of(row, entity), json.dumps(row)) for row in found]
        next_token = _encode(following) if following else None
        return ApiPage(items, next_token, self.requests - before, ordered=listing.ordered)

    def count(self, entity: str, since: datetime) -> int | None:
        root = self.resource(entity).count_root
        if root is None:
            return None
        data = self.execute(q.count(root), {"query": updated_since(since)})
        return int(data[root]["count"])

    def list_webhooks(self) -> list[Subscription]:
        found: list[Subscription] = []
        after: str | None = None
        while True:
            data = self.execute(q.SUBSCRIPTIONS, {"first": q.MAX_FIRST, "after": after}, q.MAX_FIRST)
            connection = data["webhookSubscriptions"]
            found += [_subscription(node) for node in connection["nodes"]]
            if not connection["pageInfo"]["hasNextPage"]:
                return found
            after = connection["pageInfo"]["endCursor"]

    def create_webhook(self, topic: str, address: str) -> Subscription:
        data = self.execute(q.CREATE_SUBSCRIPTION, {"topic": rows.topic_enum(topic), "uri": address})
        return _subscription(_payload(data, "webhookSubscriptionCreate")["webhookSubscription"])

    def reactivate_webhook(self, subscription: Subscription) -> Subscription:
        """Point the subscription at its address again; Shopify deletes failing subscriptions, so one that
        is gone (the update names it in userErrors) is created anew."""
        variables = {"id": rows.gid("WebhookSubscription", subscription.id), "uri": subscription.address}
        try:
            data = self.execute(q.UPDATE_SUBSCRIPTION, variables)
            return _subscription(_payload(data, "webhookSubscriptionUpdate")["webhookSubscription"])
        except UserErrors:
            return self.create_webhook(subscription.topic, subscription.address)

    def product(self, product_id: str) -> dict[str, Any] | None:
        """One product as the platform has it now, REST-shaped; None when it does not exist."""
        if not product_id.isdigit():
            return None
        node = self.execute(PRODUCT, {"id": rows.gid("Product", product_id)}).get("product")
        return rows.product_row(self._complete(LISTINGS["products"], node)) if node else None

    def customer_orders(self, customer_id: str, limit: int = RECHECK_LIMIT) -> list[dict[str, Any]]:
        """A customer's latest orders, any status, newest first."""
        return self._latest(f"customer_id:{customer_id}", limit) if customer_id.isdigit() else []

    def email_orders(self, email: str, limit: int = RECHECK_LIMIT) -> list[dict[str, Any]]:
        """The latest orders placed with ``email`` (guests included). The caller still matches the email."""
        return self._latest(f"email:{_quoted(email)}", limit)

    def _latest(self, search: str, limit: int) -> list[dict[str, Any]]:
        listing, state = LISTINGS["orders"], {"q": search, "after": None}
        found: list[dict[str, Any]] = []
        while len(found) < limit:
            nodes, following = self._page(RECENT_ORDERS, "orders", state, {"query": search}, limit - len(found))
            found += [rows.order_row(self._complete(listing, node)) for node in nodes]
            if following is None:
                break
            state = following
        return found[:limit]

    def _page(
        self,
        operation: q.Operation,
        root: str,
        state: dict[str, Any],
        variables: dict[str, Any],
        wanted: int | None = None,
    ) -> tuple[list[rows.Node], dict[str, Any] | None]:
        """One page of ``root``; the state to continue from, or None at its end."""
        first = operation.fit(wanted or self.page_size)
        data = self.execute(operation, {"first": first, "after": state["after"], **variables}, first)
        holder = (data.get("location") or {}) if "location" in data else data
        connection = holder.get(root)
        if not connection:
            return [], None
        info = connection["pageInfo"]
        return connection["nodes"], ({**state, "after": info["endCursor"]} if info["hasNextPage"] else None)

    def _within_walk_limit(
        self, listing: Listing, state: dict[str, Any], nodes: list[rows.Node], following: dict[str, Any] | None
    ) -> dict[str, Any] | None:
        """The next state, as a new search from the last node's second when the next page would pass the
        walk limit. Nodes of that second are read again (ingest dedupe drops them); none is skipped."""
        if following is None or listing.sort != "UPDATED_AT" or not nodes:
            return following
        walked = int(state.get("walked", 0)) + len(nodes)
        fresh = updated_since(parse_utc(nodes[-1]["updatedAt"]))
        # A whole limit's worth in one second cannot be searched past: page on, and Shopify will say so.
        if walked + listing.operation.fit(self.page_size) <= WALK_LIMIT or fresh == state["q"]:
            return {**following, "walked": walked}
        return {**_start(parse_utc(nodes[-1]["updatedAt"])), "loc": state.get("loc", 0)}

    def _levels(self, listing: Listing, state: dict[str, Any]) -> tuple[list[rows.Node], dict[str, Any] | None]:
        """Location after location, each its own listing; the token says which location and where in it."""
        if state["loc"] >= len(self._locations):
            return [], None
        location = rows.gid("Location", self._locations[state["loc"]])
        variables = {"query": state["q"], "location": location}
        nodes, following = self._page(listing.operation, listing.root, state, variables)
        if following is None and state["loc"] + 1 < len(self._locations):
            following = {**state, "loc": state["loc"] + 1, "after": None}
        return nodes, following

    def _complete(self, listing: Listing, node: rows.Node) -> rows.Node:
        """The node with every nested connection read to its end."""
        completed = dict(node)
        for name, operation in listing.followups.items():
            connection = node.get(name) or {}
            children = list(connection.get("nodes") or [])
            info = connection.get("pageInfo") or {}
            while info.get("hasNextPage"):
                first = operation.fit(q.MAX_FIRST)
                variables = {"id": node["id"], "first": first, "after": info.get("endCursor")}
                rest = (self.execute(operation, variables, first).get("node") or {}).get(name) or {}
                children += rest.get("nodes") or []
                info = rest.get("pageInfo") or {}
            completed[name] = {"nodes": children}
        return completed

    def _observe(self, body: Mapping[str, Any]) -> None:
        status = ((body.get("extensions") or {}).get("cost") or {}).get("throttleStatus")
        if status:
            self.limiter.observe_status(status)
        elif _throttled(body):
            self.limiter.throttled(None)


def graphql_transport(context: ClientContext) -> ApiTransport:
    limiter = CostLimiter(*BUCKET, context.share, monotonic=context.monotonic, sleep=context.sleep)
    return ApiTransport(context.http, limiter, attempts=context.attempts, sleep=context.sleep)


def client_for(
    store: StoreRecord, secrets: StoreSecrets, context: ClientContext
) -> ShopifyGraphqlClient | ShopifyClient:
    """The descriptor's client factory: GraphQL, unless the store's extra says ``shopify_api=rest``.
    ``shopify_api_version`` in the extra pins another GraphQL version."""
    token, locations = secrets.api_key or "", store.extra.get("location_ids", "")
    if store.extra.get("shopify_api", "graphql").strip().lower() == "rest":
        transport = context.transport(40.0, 2.0, read_call_limit)
        return ShopifyClient(store.api_url, token, transport, context.page_size or 250, locations)
    version = store.extra.get("shopify_api_version") or API_VERSION
    page_size = context.page_size or q.MAX_FIRST
    return ShopifyGraphqlClient(store.api_url, token, graphql_transport(context), page_size, locations, version)
