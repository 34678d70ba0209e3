"""A fake Shopify GraphQL Admin API over the REST fake's store (docs/platforms.md#shopify).

gql = FakeShopifyGraphql(clock=clock, rest=FakeShopify(clock=clock))   # one store, read both ways
httpx.Client(transport=httpx.MockTransport(gql))                          # or LoopbackServer(gql)

``POST /admin/api/<version>/graphql.json`` is parsed with graphql-core and answered from ``data`` (the REST
rows, turned into GraphQL nodes when served), so a store seeded with ``seed_shopify`` reads the same through
either API; every other path goes to the REST fake. What it honours:

- ``orders``, ``customers``, ``products``, ``abandonedCheckouts`` with ``first``/``after`` (keyset cursors on
  the sort key and id), ``sortKey`` (UPDATED_AT, CREATED_AT, ID), ``reverse`` and ``query`` terms on
  updated_at / created_at (``>=`` ``>`` ``<=`` ``<``; an unquoted date loses its time, as Shopify's does),
  customer_id, email and id; ``location(id).inventoryLevels``; ``node``/``product``/``order``/``customer``;
  the ``*Count`` queries; nested connections paged the same way; no listing pages past ``walk_limit``
  (25,000) objects;
- cost: requested cost by the documented rules (scalar 0, object 1, connection 2 + first x node, mutation
  10), more than 1,000 refused (MAX_COST_EXCEEDED), a leaky bucket of points (``maximum_available``,
  ``restore_rate``) charged the requested cost and refunded down to the actual one, reported in
  ``extensions.cost``; a query that does not fit is answered THROTTLED (HTTP 200, no data);
- bulk queries: ``bulkOperationRunQuery`` (connections <= 5, nesting <= 2), ``bulkOperation(id)`` moving
  CREATED -> RUNNING -> COMPLETED over ``polls_to_complete`` polls, and the JSONL at its ``url`` generated
  while it streams (``Range: bytes=N-`` honoured); children follow their parent only with groupObjects;
  ``synthetic_orders`` streams that many generated orders without storing them;
- ``webhookSubscriptions`` / ``webhookSubscriptionCreate`` / ``webhookSubscriptionUpdate`` /
  ``webhookSubscriptionDelete``, over the REST fake's subscriptions when there is one;
- ``faults`` (HTTP statuses), ``throttle(count, wait_seconds)`` and a wrong token (401).
"""

from __future__ import annotations

import base64
import json
import random
import re
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import cached_property
from typing import Any

import httpx
from graphql import (
    FieldNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    parse,
    value_from_ast_untyped,
)

from storeloom.domain.cursor import id_order, parse_time
from storeloom.domain.types import format_utc
from storeloom.platforms.shopify.api_client import WEBHOOK_TOPICS
from storeloom_tools.fakes.catalog import FakeStoreData, Row
from storeloom_tools.fakes.clock import VirtualClock
from storeloom_tools.fakes.faults import Faults
from storeloom_tools.fakes.shopify import FakeShopify
from storeloom_tools.fakes.shopify_data import FIRST_ID, stamp
from storeloom_tools.fakes.shopify_data import customer as seed_customer
from storeloom_tools.fakes.shopify_data import order as seed_order

MAX_COST = 1000
MUTATION_COST = 10
_GRAPHQL_PATH = re.compile(r"^/admin/api/[\w-]+/graphql\.json$")
_BULK_PATH = re.compile(r"^/bulk-results/(?P<job>\d+)\.jsonl$")
_TERM = re.compile(
    r"(?P<field>\w+):(?P<op><=|>=|<|>)?(?:'(?P<single>[^']*)'|\"(?P<double>(?:[^\"\\]|\\.)*)\"|(?P<bare>[^\s)]+))"
)
_ROOTS = {"orders": "orders", "customers": "customers", "products": "products", "abandonedCheckouts": "checkouts"}
_COUNTS = {f"{root}Count": entity for root, entity in _ROOTS.items()}
_SINGLE = {"order": "orders", "customer": "customers", "product": "products"}
_TYPES = {"orders": "Order", "customers": "Customer", "products": "Product", "checkouts": "AbandonedCheckout"}
_ENTITY_OF_TYPE = {kind: entity for entity, kind in _TYPES.items()}
_FULFILLMENT = {"partial": "PARTIALLY_FULFILLED", "fulfilled": "FULFILLED", "restocked": "RESTOCKED"}
_TOPICS = {topic.upper().replace("/", "_"): topic for topic in WEBHOOK_TOPICS}


class QueryError(Exception):
    def __init__(self, message: str, code: str = "BAD_REQUEST") -> None:
        super().__init__(message)
        self.code = code


def gid(kind: str, legacy: Any) -> str:
    return f"gid://shopify/{kind}/{legacy}"


def legacy(global_id: Any) -> str:
    return str(global_id).split("?", 1)[0].rsplit("/", 1)[-1]


def graphql_decimal(amount: Any) -> str | None:
    """Shopify's Decimal scalar drops trailing zeros but keeps one decimal: ``"10.00"`` -> ``"10.0"``."""
    if amount in (None, ""):
        return None
    text = format(Decimal(str(amount)), "f")
    if "." not in text:
        return f"{text}.0"
    text = text.rstrip("0")
    return f"{text}0" if text.endswith(".") else text


def graphql_time(value: Any) -> str | None:
    return format_utc(parse_time(value), timespec="seconds") if value else None


def _bag(amount: Any, currency: str | None) -> dict[str, Any] | None:
    value = graphql_decimal(amount)
    return {"shopMoney": {"amount": value, "currencyCode": currency}} if value is not None else None


def _refunded(row: Row) -> Decimal:
    return sum(
        (
            Decimal(str(t.get("amount") or 0))
            for refund in row.get("refunds") or []
            for t in refund.get("transactions") or []
            if t.get("kind") == "refund" and t.get("status") in (None, "success")
        ),
        Decimal(0),
    )


def _line_node(line: Row, currency: str | None, kind: str = "LineItem") -> dict[str, Any]:
    price = ((line.get("price_set") or {}).get("shop_money") or {}).get("amount", line.get("price"))
    return {
        "__typename": kind,
        "id": gid(kind, line.get("id") or f"{line.get('variant_id')}-{line.get('sku')}"),
        "name": line.get("name") or line.get("title"),
        "title": line.get("title"),
        "quantity": line.get("quantity"),
        "sku": line.get("sku"),
        "variant": {"id": gid("ProductVariant", line["variant_id"])} if line.get("variant_id") else None,
        "product": {"id": gid("Product", line["product_id"])} if line.get("product_id") else None,
        "originalUnitPriceSet": _bag(price, currency),
    }


def _customer_ref(row: Row) -> dict[str, Any] | None:
    customer = row.get("customer")
    if not customer:
        return None
    email = customer.get("email")
    return {
        "__typename": "Customer",
        "id": gid("Customer", customer["id"]),
        "defaultEmailAddress": {"emailAddress": email} if email else None,
    }


def _address_node(address: Any) -> dict[str, Any] | None:
    if not isinstance(address, Mapping):
        return None
    return {"__typename": "MailingAddress", "countryCodeV2": address.get("country_code"), "phone": address.get("phone")}


def order_node(row: Row) -> dict[str, Any]:
    currency = row.get("currency")
    status = row.get("financial_status")
    return {
        "__typename": "Order",
        "id": gid("Order", row["id"]),
        "name": row.get("name"),
        "email": row.get("email") or None,
        "phone": row.get("phone") or None,
        "customerAcceptsMarketing": bool(row.get("buyer_accepts_marketing")),
        "billingAddress": _address_node(row.get("billing_address")),
        "shippingAddress": _address_node(row.get("shipping_address")),
        "createdAt": graphql_time(row.get("created_at")),
        "updatedAt": graphql_time(row["updated_at"]),
        "processedAt": graphql_time(row.get("processed_at") or row.get("created_at")),
        "cancelledAt": graphql_time(row.get("cancelled_at")),
        "closedAt": graphql_time(row.get("closed_at")),
        "currencyCode": currency,
        "presentmentCurrencyCode": row.get("presentment_currency") or currency,
        "displayFinancialStatus": status.upper() if status else None,
        "displayFulfillmentStatus": _FULFILLMENT.get(str(row.get("fulfillment_status")), "UNFULFILLED"),
        "cartToken": row.get("cart_token"),
        "checkoutToken": row.get("checkout_token"),
        "subtotalPriceSet": _bag(row.get("subtotal_price"), currency),
        "totalDiscountsSet": _bag(row.get("total_discounts"), currency),
        "totalPriceSet": _bag(row.get("total_price"), currency),
        "totalOutstandingSet": _bag(row.get("total_outstanding", "0.00"), currency),
        "totalRefundedSet": _bag(_refunded(row), currency),
        "customer": _customer_ref(row),
        "lineItems": [_line_node(line, currency) for line in row.get("line_items") or []],
    }


def _contact(value: Any, consent: Any, key: str) -> dict[str, Any] | None:
    if not value:
        return None
    state = (consent or {}).get("state")
    return {key: value, "marketingState": state.upper() if state else "NOT_SUBSCRIBED"}


def customer_node(row: Row) -> dict[str, Any]:
    tags = row.get("tags") or ""
    return {
        "__typename": "Customer",
        "id": gid("Customer", row["id"]),
        "firstName": row.get("first_name"),
        "lastName": row.get("last_name"),
        "state": str(row.get("state") or "disabled").upper(),
        "tags": [tag.strip() for tag in tags.split(",") if tag.strip()] if isinstance(tags, str) else tags,
        "createdAt": graphql_time(row.get("created_at")),
        "updatedAt": graphql_time(row["updated_at"]),
        "defaultEmailAddress": _contact(row.get("email"), row.get("email_marketing_consent"), "emailAddress"),
        "defaultPhoneNumber": _contact(row.get("phone"), row.get("sms_marketing_consent"), "phoneNumber"),
        "defaultAddress": _address_node(row.get("default_address") or next(iter(row.get("addresses") or []), None)),
    }


def _variant_node(variant: Row) -> dict[str, Any]:
    item = variant.get("inventory_item_id")
    return {
        "__typename": "ProductVariant",
        "id": gid("ProductVariant", variant["id"]),
        "sku": variant.get("sku"),
        "title": variant.get("title"),
        "price": graphql_decimal(variant.get("price")),
        "inventoryQuantity": variant.get("inventory_quantity"),
        "inventoryPolicy": str(variant.get("inventory_policy") or "deny").upper(),
        "inventoryItem": {"id": gid("InventoryItem", item), "tracked": bool(variant.get("inventory_management"))},
    }


def product_node(row: Row) -> dict[str, Any]:
    image = (row.get("image") or (row.get("images") or [{}])[0] or {}).get("src")
    tags = row.get("tags") or ""
    return {
        "__typename": "Product",
        "id": gid("Product", row["id"]),
        "title": row.get("title"),
        "status": str(row.get("status") or "active").upper(),
        "handle": row.get("handle"),
        "productType": row.get("product_type") or "",
        "tags": [tag.strip() for tag in tags.split(",") if tag.strip()],
        "createdAt": graphql_time(row.get("created_at")),
        "updatedAt": graphql_time(row["updated_at"]),
        "featuredMedia": {"preview": {"image": {"url": image}}} if image else None,
        "variants": [_variant_node(variant) for variant in row.get("variants") or []],
    }


def checkout_node(row: Row) -> dict[str, Any]:
    currency = row.get("currency") or row.get("presentment_currency")
    return {
        "__typename": "AbandonedCheckout",
        "id": gid("AbandonedCheckout", row["id"]),
        "abandonedCheckoutUrl": row.get("abandoned_checkout_url"),
        "createdAt": graphql_time(row.get("created_at")),
        "updatedAt": graphql_time(row["updated_at"]),
        "completedAt": graphql_time(row.get("completed_at")),
        "customer": _customer_ref(row),
        "subtotalPriceSet": _bag(row.get("subtotal_price"), currency),
        "totalPriceSet": _bag(row.get("total_price"), currency),
        "lineItems": [_line_node(line, currency, "AbandonedCheckoutLineItem") for line in row.get("line_items") or []],
    }


def inventory_level_node(row: Row) -> dict[str, Any]:
    item, location = row["inventory_item_id"], row["location_id"]
    return {
        "__typename": "InventoryLevel",
        "id": f"{gid('InventoryLevel', location)}?inventory_item_id={item}",
        "updatedAt": graphql_time(row["updated_at"]),
        "item": {"id": gid("InventoryItem", item)},
        "location": {"id": gid("Location", location)},
        "quantities": [{"name": "available", "quantity": row.get("available")}],
    }


NODES: dict[str, Callable[[Row], dict[str, Any]]] = {
    "orders": order_node,
    "customers": customer_node,
    "products": product_node,
    "checkouts": checkout_node,
    "inventory_levels": inventory_level_node,
}


def _arguments(node: FieldNode, variables: Mapping[str, Any]) -> dict[str, Any]:
    return {a.name.value: value_from_ast_untyped(a.value, dict(variables)) for a in node.arguments or ()}


def _key(node: FieldNode) -> str:
    return (node.alias or node.name).value


def _fields(selection: SelectionSetNode | None) -> list[FieldNode]:
    return [s for s in (selection.selections if selection else ()) if isinstance(s, FieldNode)]


def _node_selection(node: FieldNode) -> SelectionSetNode | None:
    """A connection's node selection (``nodes { }`` or ``edges { node { } }``); None when it is no connection."""
    for child in _fields(node.selection_set):
        if child.name.value == "nodes":
            return child.selection_set
        if child.name.value == "edges":
            inner = next((f for f in _fields(child.selection_set) if f.name.value == "node"), None)
            return inner.selection_set if inner else None
    return None


def requested_cost(selection: SelectionSetNode | None, variables: Mapping[str, Any]) -> int:
    total = 0
    for item in selection.selections if selection else ():
        if isinstance(item, InlineFragmentNode):
            total += requested_cost(item.selection_set, variables)
            continue
        if not isinstance(item, FieldNode) or item.selection_set is None or item.name.value == "pageInfo":
            continue
        nodes = _node_selection(item)
        if nodes is None:
            total += 1 + requested_cost(item.selection_set, variables)
            continue
        arguments = _arguments(item, variables)
        size = int(arguments.get("first") or arguments.get("last") or 0)
        total += 2 + size * (1 + requested_cost(nodes, variables))
    return total


def actual_cost(selection: SelectionSetNode | None, value: Any) -> int:
    """What was returned: a null object costs nothing and a connection only the nodes it holds."""
    total = 0
    for item in _fields(selection):
        found = value.get(_key(item)) if isinstance(value, Mapping) else None
        if item.selection_set is None or item.name.value == "pageInfo" or found is None:
            continue
        nodes = _node_selection(item)
        if nodes is not None:
            listed = found.get("nodes") or [edge["node"] for edge in found.get("edges") or []]
            total += 2 + sum(1 + actual_cost(nodes, node) for node in listed)
        elif isinstance(found, list):
            total += 1 + (actual_cost(item.selection_set, found[0]) if found else 0)
        else:
            total += 1 + actual_cost(item.selection_set, found)
    return total


def _term_value(match: re.Match[str]) -> tuple[str, bool]:
    if match["single"] is not None:
        return match["single"], True
    if match["double"] is not None:
        return re.sub(r"\\(.)", r"\1", match["double"]), True
    return match["bare"], False


def _moment(value: str, quoted: bool) -> datetime:
    # Shopify reads an unquoted date-time's date only (docs/platforms.md#shopify): mimic it.
    return parse_time(value if quoted or "T" not in value else value.split("T", 1)[0] + "T00:00:00Z")


_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    ">=": lambda a, b: a >= b,
    ">": lambda a, b: a > b,
    "<=": lambda a, b: a <= b,
    "<": lambda a, b: a < b,
}


@dataclass(frozen=True)
class _Term:
    name: str
    op: str
    value: str
    quoted: bool

    @cached_property
    def moment(self) -> datetime:
        return _moment(self.value, self.quoted)

    def holds(self, row: Row) -> bool:
        if self.name in ("updated_at", "created_at"):
            return bool(row.get(self.name)) and _COMPARE[self.op](parse_time(row[self.name]), self.moment)
        if self.name == "customer_id":
            return str((row.get("customer") or {}).get("id")) == self.value
        if self.name == "email":
            return str(row.get("email") or "").strip().lower() == self.value.lower()
        return str(row.get("id")) == self.value


def matcher(search: str | None) -> Callable[[Row], bool]:
    """A REST row filter for a search string's terms, all of which must hold (OR is not supported)."""
    terms = []
    for match in _TERM.finditer(search or ""):
        if match["field"] not in ("updated_at", "created_at", "customer_id", "email", "id"):
            raise QueryError(f"search field {match['field']!r} is not supported by the fake")
        terms.append(_Term(match["field"], match["op"] or ">=", *_term_value(match)))
    return lambda row: all(term.holds(row) for term in terms)


def _sort_key(sort: str | None) -> Callable[[Row], tuple[Any, ...]]:
    if sort in ("UPDATED_AT", "CREATED_AT"):
        name = "updated_at" if sort == "UPDATED_AT" else "created_at"
        return lambda row: (format_utc(parse_time(row[name]), timespec="microseconds"), *id_order(str(row["id"])))
    return lambda row: ("", *id_order(_row_id(row)))


def _row_id(row: Row) -> str:
    return str(row.get("id") or f"{row.get('location_id')}:{row.get('inventory_item_id')}")


def _cursor(key: tuple[Any, ...], depth: int) -> str:
    """A keyset position (the sort key and id of the last node) and how deep into the listing it is."""
    return base64.urlsafe_b64encode(json.dumps({"key": list(key), "depth": depth}).encode()).decode()


def _after(cursor: str) -> tuple[tuple[Any, ...], int]:
    try:
        state = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        return tuple(state["key"]), int(state["depth"])
    except (ValueError, KeyError, TypeError) as error:
        raise QueryError(f"Invalid cursor for current pagination sort: {cursor!r}") from error


@dataclass
class BulkJob:
    number: int
    root: FieldNode
    group: bool
    status: str = "CREATED"
    polls: int = 0
    fail: bool = False

    @property
    def id(self) -> str:
        return gid("BulkOperation", self.number)


@dataclass
class FakeShopifyGraphql:
    clock: VirtualClock | None = None
    rest: FakeShopify | None = None
    access_token: str = "shpat_local"
    maximum_available: float = 2000.0
    restore_rate: float = 100.0
    polls_to_complete: int = 2
    synthetic_orders: int = 0
    walk_limit: int = 25_000  # a listing pages through at most this many objects (shopify.dev api/usage/limits)
    faults: Faults = field(default_factory=Faults)
    data: FakeStoreData = field(init=False)
    webhooks: dict[str, Row] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)
    operations: list[dict[str, Any]] = field(default_factory=list)
    jobs: dict[int, BulkJob] = field(default_factory=dict)
    ranges: list[str] = field(default_factory=list)
    served_bytes: int = 0
    throttled: int = 0
    peak_used: float = 0.0
    fail_next_bulk: bool = False
    _available: float = field(default=-1.0, repr=False)
    _at: float = field(default=0.0, repr=False)
    _forced: list[float] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        if self.rest is not None:
            self.clock = self.clock or self.rest.clock
            self.data, self.webhooks = self.rest.data, self.rest.webhooks
            self.rest.graphql_app = self.rest.graphql_app or self
        else:
            self.data = FakeStoreData(stamp, self.clock.now if self.clock else _utcnow)
        self._available = self.maximum_available

    def throttle(self, count: int, wait_seconds: float) -> None:
        """The next ``count`` queries are answered THROTTLED, short of ``wait_seconds`` of restored points."""
        self._forced.extend([wait_seconds] * count)

    def drop_subscription(self, subscription_id: str) -> None:
        """What Shopify does to a subscription whose deliveries keep failing."""
        self.webhooks.pop(legacy(subscription_id), None)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(str(request.url))
        bulk = _BULK_PATH.match(request.url.path)
        if bulk and request.method == "GET":
            return self._jsonl(int(bulk["job"]), request.headers.get("range"))
        if not _GRAPHQL_PATH.match(request.url.path):
            return self.rest(request) if self.rest else httpx.Response(404, json={"errors": "Not Found"})
        if request.headers.get("x-shopify-access-token") != self.access_token:
            return httpx.Response(401, json={"errors": "[API] Invalid API key or access token"})
        injected = self.faults.next_status()
        if injected:
            return httpx.Response(injected, json={"errors": "injected fault"}, headers={"Retry-After": "1"})
        if request.method != "POST":
            return httpx.Response(405, json={"errors": "POST a GraphQL document"})
        return self._graphql(request)

    def _graphql(self, request: httpx.Request) -> httpx.Response:
        try:
            body = json.loads(request.content)
            document = parse(body["query"])
            operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
        except (ValueError, KeyError, StopIteration, GraphQLError) as error:
            return _errors(f"could not parse the document: {error}", "PARSE_ERROR")
        variables = body.get("variables") or {}
        mutation = operation.operation == OperationType.MUTATION
        requested = MUTATION_COST if mutation else requested_cost(operation.selection_set, variables)
        name = operation.name.value if operation.name else ""
        self.operations.append(
            {"name": name, "variables": variables, "requested": requested, "document": body["query"]}
        )
        if requested > MAX_COST:
            message = f"Query cost is {requested}, which exceeds the single query max cost limit ({MAX_COST})."
            return _errors(message, "MAX_COST_EXCEEDED")
        if not self._admit(requested):
            self.throttled += 1
            return httpx.Response(200, json={"errors": _throttle_errors(), "extensions": self._cost(requested, None)})
        try:
            data = self._execute(operation, variables, request)
        except QueryError as error:
            self._refund(requested)
            return _errors(str(error), error.code)
        actual = min(requested, MUTATION_COST if mutation else actual_cost(operation.selection_set, data))
        self._refund(requested - actual)
        self.operations[-1]["actual"] = actual
        return httpx.Response(200, json={"data": data, "extensions": self._cost(requested, actual)})

    def _restore(self) -> None:
        now = self.clock.monotonic() if self.clock else time.monotonic()
        self._available = min(self.maximum_available, self._available + (now - self._at) * self.restore_rate)
        self._at = now

    def _admit(self, requested: int) -> bool:
        self._restore()
        if self._forced:
            self._available = max(0.0, min(self._available, requested - self._forced.pop(0) * self.restore_rate))
            return False
        if requested > self._available + 1e-6:
            return False
        self._available = max(0.0, self._available - requested)
        self.peak_used = max(self.peak_used, self.maximum_available - self._available)
        return True

    def _refund(self, points: float) -> None:
        self._available = min(self.maximum_available, self._available + points)

    def _cost(self, requested: int, actual: int | None) -> dict[str, Any]:
        status = {
            "maximumAvailable": self.maximum_available,
            "currentlyAvailable": float(int(self._available)),
            "restoreRate": self.restore_rate,
        }
        return {"cost": {"requestedQueryCost": requested, "actualQueryCost": actual, "throttleStatus": status}}

    def _execute(
        self, operation: OperationDefinitionNode, variables: Mapping[str, Any], request: httpx.Request
    ) -> dict[str, Any]:
        run = _Run(self, variables, request)
        return {_key(f): run.root(f) for f in _fields(operation.selection_set)}

    # --- bulk results -------------------------------------------------------------------------------------

    def bulk_parents(self, job: BulkJob) -> Iterator[Row]:
        """The REST rows a bulk job's root connection lists, in its sort order."""
        arguments = _arguments(job.root, {})
        entity = _ROOTS[job.root.name.value]
        wanted = matcher(arguments.get("query"))
        rows = [row for row in self.data.all(entity) if wanted(row)]
        yield from sorted(rows, key=_sort_key(arguments.get("sortKey")))

    def _jsonl(self, number: int, range_header: str | None) -> httpx.Response:
        job = self.jobs.get(number)
        if job is None or job.status != "COMPLETED":
            return httpx.Response(404, text="NoSuchKey")
        skip = int(range_header.removeprefix("bytes=").split("-", 1)[0]) if range_header else 0
        self.ranges.append(range_header or "")
        headers = {"Content-Type": "application/jsonl"}
        if skip:
            headers["Content-Range"] = f"bytes {skip}-*/*"
        return httpx.Response(
            206 if skip else 200, content=self._counted(_skipped(self._lines(job), skip)), headers=headers
        )

    def _counted(self, chunks: Iterator[bytes]) -> Iterator[bytes]:
        for chunk in chunks:
            self.served_bytes += len(chunk)
            yield chunk

    def _synthetic(self, job: BulkJob) -> bool:
        return self.synthetic_orders > 0 and job.root.name.value == "orders"

    def has_results(self, job: BulkJob) -> bool:
        return self._synthetic(job) or next(iter(self.bulk_parents(job)), None) is not None

    def _lines(self, job: BulkJob) -> Iterator[bytes]:
        selection = _node_selection(job.root)
        entity = _ROOTS[job.root.name.value]
        if self._synthetic(job):
            yield from self._synthetic_lines(selection)
            return
        later: list[bytes] = []
        for row in self.bulk_parents(job):
            node = _Run(self, {}, None).select(selection, NODES[entity](row))
            parent, children = _split(node)
            yield _jsonl_line(parent)
            lines = [_jsonl_line({**child, "__parentId": parent["id"]}) for child in children]
            if job.group:
                yield from lines
            else:
                later.extend(lines)  # ungrouped: the children come after every parent
        yield from later

    def _synthetic_lines(self, selection: SelectionSetNode | None) -> Iterator[bytes]:
        """``synthetic_orders`` orders one second apart, oldest first, made one at a time and never stored: one
        generated order is served through the query's selection, and its lines are the template the others
        are written from, with their own ids, names and times (so the reader, not the fake, is what is timed)."""
        sample = seed_order(1, seed_customer(1), random.Random(7))
        stamp(sample, self.data.clock())
        parent, children = _split(_Run(self, {}, None).select(selection, order_node(sample)))
        marks = {"id": "@ID@", "name": "@NAME@", "createdAt": "@T@", "updatedAt": "@T@", "processedAt": "@T@"}
        head = _jsonl_line({key: marks.get(key, value) for key, value in parent.items()}).decode()
        tails = [_jsonl_line({**c, "id": f"@ID@-{i}", "__parentId": "@ID@"}).decode() for i, c in enumerate(children)]
        start = self.data.clock() - timedelta(seconds=self.synthetic_orders)
        for n in range(1, self.synthetic_orders + 1):
            order_id = gid("Order", FIRST_ID + n)
            moment = format_utc(start + timedelta(seconds=n), timespec="seconds")
            yield head.replace("@ID@", order_id).replace("@NAME@", f"#{1000 + n}").replace("@T@", moment).encode()
            for tail in tails:
                yield (
                    tail.replace("@ID@", order_id)
                    .replace("gid://shopify/Order/", "gid://shopify/LineItem/", 1)
                    .encode()
                )


def _jsonl_line(value: dict[str, Any]) -> bytes:
    # UTF-8 as written, not ASCII-escaped, so a U+2028 in a title reaches the reader as it is.
    return (json.dumps(value, ensure_ascii=False) + "\n").encode()


def _split(node: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A bulk node as its JSONL lines: the parent without its connections, then each child."""
    parent, children = {}, []
    for key, value in node.items():
        if isinstance(value, dict) and "edges" in value:
            children += [edge["node"] for edge in value["edges"]]
        else:
            parent[key] = value
    return parent, children


def _skipped(lines: Iterator[bytes], skip: int) -> Iterator[bytes]:
    for line in lines:
        if skip >= len(line):
            skip -= len(line)
            continue
        yield line[skip:]
        skip = 0


class _Run:
    """One document being executed."""

    def __init__(self, fake: FakeShopifyGraphql, variables: Mapping[str, Any], request: httpx.Request | None) -> None:
        self.fake, self.variables, self.request = fake, variables, request

    def root(self, node: FieldNode) -> Any:
        name, arguments = node.name.value, _arguments(node, self.variables)
        if name in _ROOTS:
            return self.listing(node, _ROOTS[name], self.fake.data.all(_ROOTS[name]), arguments)
        if name in _COUNTS:
            wanted = matcher(arguments.get("query"))
            found = [r for r in self.fake.data.all(_COUNTS[name]) if wanted(r)]
            limit = arguments.get("limit", 10_000)
            exact = limit is None or len(found) <= limit
            return self.select(
                node.selection_set,
                {"count": len(found) if exact else limit, "precision": "EXACT" if exact else "AT_LEAST"},
            )
        if name in _SINGLE or name == "node":
            return self.select(node.selection_set, self.by_id(str(arguments["id"]), _SINGLE.get(name)))
        if name == "location":
            return self.location(node, legacy(arguments["id"]))
        if name == "webhookSubscriptions":
            hooks = [self.subscription(hook) for hook in self.fake.webhooks.values()]
            return self.connection(node, hooks, arguments)
        if name == "bulkOperation":
            return self.select(node.selection_set, self.bulk_status(legacy(arguments["id"])))
        return self.mutation(node, name, arguments)

    def by_id(self, global_id: str, entity: str | None) -> dict[str, Any] | None:
        kind = global_id.split("/")[-2] if global_id.startswith("gid://") else ""
        entity = entity or _ENTITY_OF_TYPE.get(kind)
        row = self.fake.data.rows.get(entity or "", {}).get(legacy(global_id)) if entity else None
        return NODES[entity](row) if entity and row else None

    def location(self, node: FieldNode, location_id: str) -> dict[str, Any] | None:
        levels = [r for r in self.fake.data.all("inventory_levels") if str(r.get("location_id")) == location_id]
        holder: dict[str, Any] = {"__typename": "Location", "id": gid("Location", location_id)}
        for child in _fields(node.selection_set):
            if child.name.value == "inventoryLevels":
                holder[_key(child)] = self.listing(child, "inventory_levels", levels, _arguments(child, self.variables))
            elif child.name.value in holder:
                holder[_key(child)] = holder[child.name.value]
        return holder

    def listing(self, node: FieldNode, entity: str, rows: Any, arguments: dict[str, Any]) -> dict[str, Any]:
        """A root connection over REST rows: filtered, keyset-paged on its sort key, served as nodes."""
        key = _sort_key(arguments.get("sortKey"))
        wanted = matcher(arguments.get("query"))
        found = sorted((r for r in rows if wanted(r)), key=key)
        return self.page(node, found, arguments, key, NODES[entity])

    def connection(self, node: FieldNode, items: list[dict[str, Any]], arguments: dict[str, Any]) -> dict[str, Any]:
        """A nested connection over nodes already built: paged by position."""
        positions = {id(item): (index,) for index, item in enumerate(items)}
        return self.page(node, items, arguments, lambda item: positions[id(item)], lambda item: item)

    def page(
        self,
        node: FieldNode,
        items: list[Any],
        arguments: dict[str, Any],
        key: Callable[[Any], tuple[Any, ...]],
        to_node: Callable[[Any], dict[str, Any]],
    ) -> dict[str, Any]:
        if arguments.get("reverse"):
            items = items[::-1]
        depth = 0
        if arguments.get("after"):
            (after, depth), reverse = _after(arguments["after"]), bool(arguments.get("reverse"))
            items = [i for i in items if (key(i) < after if reverse else key(i) > after)]
        size = arguments.get("first")
        if size is not None and depth + int(size) > self.fake.walk_limit:
            raise QueryError(f"Pagination is limited to {self.fake.walk_limit} objects; narrow the search")
        shown = items if size is None else items[: int(size)]
        more = size is not None and len(items) > int(size)
        edges = [{"node": to_node(item), "cursor": _cursor(key(item), depth + n)} for n, item in enumerate(shown, 1)]
        value = {
            "nodes": [edge["node"] for edge in edges],
            "edges": edges,
            "pageInfo": {
                "hasNextPage": more,
                "hasPreviousPage": bool(arguments.get("after")),
                "endCursor": edges[-1]["cursor"] if edges else None,
                "startCursor": edges[0]["cursor"] if edges else None,
            },
        }
        selected: dict[str, Any] = self.select(node.selection_set, value)
        return selected

    def select(self, selection: SelectionSetNode | None, value: Any) -> Any:
        if value is None or selection is None:
            return value
        if isinstance(value, list):
            return [self.select(selection, item) for item in value]
        result: dict[str, Any] = {}
        for item in selection.selections:
            if isinstance(item, InlineFragmentNode):
                if item.type_condition is None or item.type_condition.name.value == value.get("__typename"):
                    result.update(self.select(item.selection_set, value))
            elif isinstance(item, FieldNode):
                result[_key(item)] = self.field(item, value)
        return result

    def field(self, node: FieldNode, value: Mapping[str, Any]) -> Any:
        name = node.name.value
        if name == "__typename":
            return value.get("__typename")
        if name not in value:
            raise QueryError(
                f"Field '{name}' doesn't exist on type '{value.get('__typename', 'Object')}'", "undefinedField"
            )
        found = value[name]
        if _node_selection(node) is not None and isinstance(found, list):
            return self.connection(node, found, _arguments(node, self.variables))
        return self.select(node.selection_set, found)

    def subscription(self, hook: Row) -> dict[str, Any]:
        return {
            "__typename": "WebhookSubscription",
            "id": gid("WebhookSubscription", hook["id"]),
            "topic": str(hook["topic"]).upper().replace("/", "_"),
            "uri": hook["address"],
            "format": "JSON",
        }

    def bulk_status(self, number: str) -> dict[str, Any] | None:
        job = self.fake.jobs.get(int(number)) if number.isdigit() else None
        if job is None:
            return None
        job.polls += 1
        if job.status in ("CREATED", "RUNNING"):
            job.status = (
                "RUNNING" if job.polls < self.fake.polls_to_complete else ("FAILED" if job.fail else "COMPLETED")
            )
        done = job.status == "COMPLETED"
        where = f"{self.request.url.scheme}://{self.request.url.netloc.decode()}" if self.request else ""
        return {
            "__typename": "BulkOperation",
            "id": job.id,
            "status": job.status,
            "errorCode": "INTERNAL_SERVER_ERROR" if job.status == "FAILED" else None,
            "objectCount": "0",
            "rootObjectCount": "0",
            # Shopify gives no url when the operation matched nothing.
            "url": f"{where}/bulk-results/{job.number}.jsonl" if done and self.fake.has_results(job) else None,
            "partialDataUrl": None,
            "type": "QUERY",
        }

    def mutation(self, node: FieldNode, name: str, arguments: dict[str, Any]) -> Any:
        handlers: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
            "bulkOperationRunQuery": self.run_bulk,
            "webhookSubscriptionCreate": self.create_hook,
            "webhookSubscriptionUpdate": self.update_hook,
            "webhookSubscriptionDelete": self.delete_hook,
        }
        if name not in handlers:
            raise QueryError(f"Field '{name}' doesn't exist on type 'QueryRoot'", "undefinedField")
        return self.select(node.selection_set, handlers[name](arguments))

    def run_bulk(self, arguments: dict[str, Any]) -> dict[str, Any]:
        try:
            document = parse(arguments["query"])
        except GraphQLError as error:
            return _user_error(["query"], f"Invalid bulk query: {error.message}")
        operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
        roots = _fields(operation.selection_set)
        problem = _bulk_problem(roots)
        if not problem:
            try:
                matcher(_arguments(roots[0], {}).get("query"))
            except QueryError as error:
                problem = str(error)
        if problem:
            return _user_error(["query"], problem)
        running = [j for j in self.fake.jobs.values() if j.status in ("CREATED", "RUNNING")]
        if len(running) >= 5:
            return _user_error(None, "Too many bulk query operations are in progress for this shop.")
        job = BulkJob(
            len(self.fake.jobs) + 1, roots[0], bool(arguments.get("groupObjects")), fail=self.fake.fail_next_bulk
        )
        self.fake.fail_next_bulk = False
        self.fake.jobs[job.number] = job
        return {"bulkOperation": {"__typename": "BulkOperation", "id": job.id, "status": job.status}, "userErrors": []}

    def create_hook(self, arguments: dict[str, Any]) -> dict[str, Any]:
        topic, uri = str(arguments["topic"]), str((arguments.get("webhookSubscription") or {}).get("uri") or "")
        rest_topic = _TOPICS.get(topic, topic.lower().replace("_", "/", 1))
        if not uri.startswith(("https://", "arn:aws:events:", "pubsub://")):
            return _user_error(["webhookSubscription", "uri"], "Address is invalid")
        if any(h["topic"] == rest_topic and h["address"] == uri for h in self.fake.webhooks.values()):
            return _user_error(["webhookSubscription", "uri"], "Address for this topic has already been taken")
        hook = {"id": 2_000_000 + len(self.fake.requests), "topic": rest_topic, "address": uri, "format": "json"}
        self.fake.webhooks[str(hook["id"])] = hook
        return {"webhookSubscription": self.subscription(hook), "userErrors": []}

    def update_hook(self, arguments: dict[str, Any]) -> dict[str, Any]:
        hook = self.fake.webhooks.get(legacy(arguments["id"]))
        if hook is None:
            return _user_error(["id"], "Webhook subscription does not exist")
        uri = (arguments.get("webhookSubscription") or {}).get("uri")
        if uri:
            hook["address"] = uri
        return {"webhookSubscription": self.subscription(hook), "userErrors": []}

    def delete_hook(self, arguments: dict[str, Any]) -> dict[str, Any]:
        if self.fake.webhooks.pop(legacy(arguments["id"]), None) is None:
            return _user_error(["id"], "Webhook subscription does not exist")
        return {"deletedWebhookSubscriptionId": arguments["id"], "userErrors": []}


def _bulk_problem(roots: list[FieldNode]) -> str | None:
    """The documented bulk query limits: one root connection of a supported kind, 1-5 connections, 2 levels."""
    if len(roots) != 1 or roots[0].name.value not in _ROOTS or _node_selection(roots[0]) is None:
        return "Bulk queries must contain one top-level connection the fake serves"

    def depth_and_count(node: FieldNode) -> tuple[int, int]:
        nested = [depth_and_count(f) for f in _fields(_node_selection(node)) if _node_selection(f) is not None]
        return 1 + max((d for d, _ in nested), default=0), 1 + sum(c for _, c in nested)

    depth, connections = depth_and_count(roots[0])
    if connections > 5:
        return "Bulk queries cannot contain more than 5 connections."
    if depth > 2:
        return "Bulk queries cannot contain connections with a nesting depth greater than 2."
    return None


def _user_error(where: list[str] | None, message: str) -> dict[str, Any]:
    return {
        "bulkOperation": None,
        "webhookSubscription": None,
        "userErrors": [{"field": where, "message": message, "code": None}],
    }


def _throttle_errors() -> list[dict[str, Any]]:
    return [
        {
            "message": "Throttled",
            "extensions": {"code": "THROTTLED", "documentation": "https://shopify.dev/api/usage/limits"},
        }
    ]


def _errors(message: str, code: str) -> httpx.Response:
    return httpx.Response(200, json={"errors": [{"message": message, "extensions": {"code": code}}]})


def _utcnow() -> datetime:
    return datetime.now(UTC)


def shop_with_graphql(**options: Any) -> FakeShopify:
    """A fake shop that answers both Admin APIs: REST as FakeShopify, GraphQL and bulk exports over its data."""
    shop = FakeShopify(**options)
    FakeShopifyGraphql(clock=shop.clock, rest=shop, access_token=shop.access_token)
    return shop
