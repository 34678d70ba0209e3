"""The GraphQL Admin API documents Storeloom sends, written from one description that also prices them.

Shopify prices a query before running it (docs/platforms.md#shopify; shopify.dev graphql-admin rate-limits):
a scalar or enum costs 0, an object 1, a connection 2 plus its ``first`` times the cost of one node, and a
mutation 10. A single query may request at most 1,000 points. ``Operation.cost(first)`` applies those rules
to the selections below, so the client can size ``first`` to fit the ceiling and wait for the points before
it sends. ``pageInfo`` is priced with its connection.

Field names follow the 2026-07 schema: ``Order.cartToken`` / ``checkoutToken`` (the REST cart ids) exist
from that version on; ``Customer.defaultEmailAddress`` / ``defaultPhoneNumber`` replace ``email`` / ``phone``
and the marketing-consent objects since 2025-04. ``Order.customerAcceptsMarketing`` is REST's
``buyer_accepts_marketing``; ``MailingAddress.countryCodeV2`` its ``country_code``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Literal

MAX_QUERY_COST = 1000
MAX_FIRST = 250
MUTATION_COST = 10
PAGE_INFO = "pageInfo { hasNextPage endCursor }"
# Nested connections read this many children with their parent; a parent with more reads the rest by id.
LINE_ITEMS_PER_PARENT = 5
VARIANTS_PER_PRODUCT = 20

Kind = Literal["object", "connection", "fragment"]


@dataclass(frozen=True)
class Selection:
    """A field with a selection set. ``arguments`` is GraphQL argument text. A connection's ``size`` is its
    ``first``: a number, or None for the operation's ``$first``."""

    name: str
    fields: tuple[Selection | str, ...]
    kind: Kind = "object"
    arguments: str = ""
    size: int | None = None

    def text(self, bulk: bool = False) -> str:
        inner = " ".join(f if isinstance(f, str) else f.text(bulk) for f in self.fields)
        if self.kind == "fragment":
            return f"... on {self.name} {{ {inner} }}"
        if self.kind == "connection" and bulk:
            # A bulk query reads whole connections: no first/after, and edges { node } as its guide shows.
            return f"{self.name} {{ edges {{ node {{ {inner} }} }} }}"
        if self.kind == "connection":
            return f"{self.name}({self.arguments}) {{ nodes {{ {inner} }} {PAGE_INFO} }}"
        arguments = f"({self.arguments})" if self.arguments else ""
        return f"{self.name}{arguments} {{ {inner} }}"

    def cost(self, first: int) -> int:
        inner = sum(f.cost(first) for f in self.fields if isinstance(f, Selection))
        if self.kind == "fragment":
            return inner
        if self.kind == "connection":
            return 2 + (first if self.size is None else self.size) * (1 + inner)
        return 1 + inner

    def connections(self) -> list[Selection]:
        """The connections nested under this one (not itself), for the per-parent follow-up reads."""
        return [f for f in self.fields if isinstance(f, Selection) and f.kind == "connection"]


def obj(name: str, *fields: Selection | str, arguments: str = "") -> Selection:
    return Selection(name, fields, arguments=arguments)


def money(name: str) -> Selection:
    """A MoneyBag read in the shop's currency, as REST's ``*_price`` and ``price_set.shop_money`` are."""
    return obj(name, obj("shopMoney", "amount", "currencyCode"))


def connection(name: str, *fields: Selection | str, size: int | None = None, arguments: str = "") -> Selection:
    first = f"first: {size}" if size is not None else "first: $first, after: $after"
    return Selection(name, fields, "connection", ", ".join(a for a in (first, arguments) if a), size)


LINE_ITEM = (
    "id",
    "name",
    "title",
    "quantity",
    "sku",
    obj("variant", "id"),
    obj("product", "id"),
    money("originalUnitPriceSet"),
)
# An abandoned checkout's line item has no ``name``.
CHECKOUT_LINE = tuple(f for f in LINE_ITEM if f != "name")
CUSTOMER_REF = obj("customer", "id", obj("defaultEmailAddress", "emailAddress"))
ORDER = (
    "id",
    "name",
    "email",
    "phone",
    "customerAcceptsMarketing",
    "createdAt",
    "updatedAt",
    "processedAt",
    "cancelledAt",
    "closedAt",
    "currencyCode",
    "presentmentCurrencyCode",
    "displayFinancialStatus",
    "displayFulfillmentStatus",
    "cartToken",
    "checkoutToken",
    money("subtotalPriceSet"),
    money("totalDiscountsSet"),
    money("totalPriceSet"),
    money("totalOutstandingSet"),
    money("totalRefundedSet"),
    obj("billingAddress", "countryCodeV2", "phone"),
    obj("shippingAddress", "countryCodeV2"),
    CUSTOMER_REF,
    connection("lineItems", *LINE_ITEM, size=LINE_ITEMS_PER_PARENT),
)
CUSTOMER = (
    "id",
    "firstName",
    "lastName",
    "state",
    "tags",
    "createdAt",
    "updatedAt",
    obj("defaultEmailAddress", "emailAddress", "marketingState"),
    obj("defaultPhoneNumber", "phoneNumber", "marketingState"),
    obj("defaultAddress", "countryCodeV2"),
)
VARIANT = (
    "id",
    "sku",
    "title",
    "price",
    "inventoryQuantity",
    "inventoryPolicy",
    obj("inventoryItem", "id", "tracked"),
)
PRODUCT = (
    "id",
    "title",
    "status",
    "handle",
    "productType",
    "tags",
    "createdAt",
    "updatedAt",
    obj("featuredMedia", obj("preview", obj("image", "url"))),
    connection("variants", *VARIANT, size=VARIANTS_PER_PRODUCT),
)
CHECKOUT = (
    "id",
    "abandonedCheckoutUrl",
    "createdAt",
    "updatedAt",
    "completedAt",
    CUSTOMER_REF,
    money("subtotalPriceSet"),
    money("totalPriceSet"),
    connection("lineItems", *CHECKOUT_LINE, size=LINE_ITEMS_PER_PARENT),
)
INVENTORY_LEVEL = (
    "id",
    "updatedAt",
    obj("item", "id"),
    obj("location", "id"),
    obj("quantities", "name", "quantity", arguments='names: ["available"]'),
)
SUBSCRIPTION = ("id", "topic", "uri")


@dataclass(frozen=True)
class Operation:
    """One document: ``variables`` declares its variables (``$first: Int!, ...``)."""

    name: str
    variables: str
    root: Selection
    mutation: bool = False

    @property
    def text(self) -> str:
        kind = "mutation" if self.mutation else "query"
        declared = f"({self.variables})" if self.variables else ""
        return f"{kind} {self.name}{declared} {{ {self.root.text()} }}"

    def cost(self, first: int = 0) -> int:
        return MUTATION_COST if self.mutation else self.root.cost(first)

    def fit(self, wanted: int) -> int:
        """The largest ``first`` up to ``wanted`` (and 250) whose requested cost stays within 1,000."""
        fixed, per_node = self.cost(0), self.cost(1) - self.cost(0)
        affordable = (MAX_QUERY_COST - fixed) // per_node if per_node else MAX_FIRST
        return max(1, min(wanted, MAX_FIRST, affordable))


PAGED = "$first: Int!, $after: String, $query: String"


def listing(root: str, fields: tuple[Selection | str, ...], sort: str | None, reverse: bool = False) -> Operation:
    """``root(first, after, query, sortKey)`` with its nodes and pageInfo."""
    arguments = ", ".join(
        a for a in ("query: $query", f"sortKey: {sort}" if sort else "", "reverse: true" if reverse else "") if a
    )
    return Operation("Page", PAGED, connection(root, *fields, arguments=arguments))


def inventory_levels() -> Operation:
    """Inventory levels are listed per location (``location(id).inventoryLevels``), filtered on updated_at."""
    levels = connection("inventoryLevels", *INVENTORY_LEVEL, arguments="query: $query")
    return Operation("Levels", f"{PAGED}, $location: ID!", obj("location", levels, arguments="id: $location"))


def children(parent_type: str, nested: Selection) -> Operation:
    """The rest of one parent's nested connection, read through ``node(id)`` past the cursor it ended at."""
    rest = connection(nested.name, *nested.fields)
    fragment = Selection(parent_type, (rest,), "fragment")
    return Operation("Children", "$id: ID!, $first: Int!, $after: String", obj("node", fragment, arguments="id: $id"))


def one(root: str, fields: tuple[Selection | str, ...]) -> Operation:
    return Operation("One", "$id: ID!", obj(root, *fields, arguments="id: $id"))


def count(root: str) -> Operation:
    """``limit: null`` asks for the exact count: since 2025-07 counts stop at 10,000 by default."""
    return Operation("Count", "$query: String", obj(root, "count", "precision", arguments="query: $query, limit: null"))


SUBSCRIPTIONS = Operation(
    "Subscriptions", "$first: Int!, $after: String", connection("webhookSubscriptions", *SUBSCRIPTION)
)
_PAYLOAD = (obj("webhookSubscription", *SUBSCRIPTION), obj("userErrors", "field", "message"))
CREATE_SUBSCRIPTION = Operation(
    "CreateSubscription",
    "$topic: WebhookSubscriptionTopic!, $uri: String!",
    obj(
        "webhookSubscriptionCreate",
        *_PAYLOAD,
        arguments="topic: $topic, webhookSubscription: {uri: $uri, format: JSON}",
    ),
    mutation=True,
)
UPDATE_SUBSCRIPTION = Operation(
    "UpdateSubscription",
    "$id: ID!, $uri: String!",
    obj("webhookSubscriptionUpdate", *_PAYLOAD, arguments="id: $id, webhookSubscription: {uri: $uri}"),
    mutation=True,
)
# groupObjects: true keeps each child right after its parent; it defaults to false since 2026-01.
RUN_BULK = Operation(
    "RunBulk",
    "$query: String!",
    obj(
        "bulkOperationRunQuery",
        obj("bulkOperation", "id", "status"),
        obj("userErrors", "field", "message", "code"),
        arguments="query: $query, groupObjects: true",
    ),
    mutation=True,
)
BULK_STATUS = one(
    "bulkOperation", ("id", "status", "errorCode", "objectCount", "rootObjectCount", "url", "partialDataUrl")
)


def bulk_document(root: str, fields: tuple[Selection | str, ...], search: str, sort: str | None) -> str:
    """The query a bulk operation runs: the whole ``root`` connection, its filter written in as a literal."""
    arguments = ", ".join(a for a in (f"query: {json.dumps(search)}", f"sortKey: {sort}" if sort else "") if a)
    inner = " ".join(f if isinstance(f, str) else f.text(bulk=True) for f in fields)
    return f"{{ {root}({arguments}) {{ edges {{ node {{ {inner} }} }} }} }}"
