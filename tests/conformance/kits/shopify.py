"""Shopify's kit for the conformance suite: one fake shop served through both Admin APIs (GraphQL, and the REST
API it forwards other paths to), seeded with runs of equal modified seconds so ties straddle page boundaries.

- The client is whichever the descriptor builds for the store (GraphQL by default, REST with
  ``shopify_api=rest``), so both fakes share one ``faults`` and ``throttle`` answers in the API asked:
  a GraphQL query THROTTLED (HTTP 200, short of ``wait_seconds`` of restored points in ``throttleStatus``),
  a REST call 429 with ``Retry-After``, as Shopify answers each. GraphQL names only the missing points, so
  it cannot ask for more than the query's cost / restoreRate (4 s for a page of 10 orders).
- Shopify signs a delivery with the app's client secret over the raw body alone (base64 HMAC-SHA256 in
  ``X-Shopify-Hmac-SHA256``), so ``sign`` ignores ``now``; the topic and the shop travel in headers.
- ``updated_at`` is shop-local time with an offset; ``modified_at`` reads it as the adapter does, in UTC.
"""

from __future__ import annotations

import json
import random
from collections import deque
from datetime import datetime

import httpx

from storeloom.domain.stores import StoreRecord, StoreSecrets
from storeloom.domain.types import parse_utc
from storeloom.platforms.shopify import DESCRIPTOR
from storeloom.platforms.signatures import sign as shopify_signature
from storeloom_tools.fakes.catalog import Row
from storeloom_tools.fakes.clock import VirtualClock
from storeloom_tools.fakes.faults import Faults
from storeloom_tools.fakes.shopify import FakeShopify
from storeloom_tools.fakes.shopify_data import customer, order, seed_shopify
from storeloom_tools.fakes.shopify_graphql import FakeShopifyGraphql
from tests.conformance.kit import CorpusExpectations, FakeApi, PlatformKit, SignedDelivery
from tests.conformance.kits import tie_up

ACCESS_TOKEN = "shpat_conformance"
CLIENT_SECRET = "shpss_conformance_client_secret"
SHOP = "conformance.myshopify.com"
TIE = 7  # orders per shared modified second
DELIVERY_BODY = json.dumps(order(1, customer(1), random.Random(3))).encode()


class FakeShop:
    """The shop behind both APIs: ``data`` and ``faults`` are shared, ``requests`` lists every call."""

    def __init__(self, clock: VirtualClock) -> None:
        self.rest = FakeShopify(clock=clock, access_token=ACCESS_TOKEN)
        self.faults: Faults = self.rest.faults
        self.graphql = FakeShopifyGraphql(clock=clock, rest=self.rest, access_token=ACCESS_TOKEN, faults=self.faults)
        self.data = self.rest.data
        self.requests = self.graphql.requests  # it sees every call first
        self.throttles: deque[float] = deque()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if self.throttles:
            wait = self.throttles.popleft()
            if request.url.path.endswith("/graphql.json"):
                self.graphql.throttle(1, wait)
            else:  # the REST fake answers the fault: 429 with Retry-After
                self.faults.retry_after = wait
                self.faults.pending.appendleft(429)
        return self.graphql(request)


def make_api(clock: VirtualClock) -> FakeShop:
    return FakeShop(clock)


def seed(api: FakeApi, orders: int, customers: int) -> None:
    seed_shopify(api.data, orders, customers)
    tie_up(api.data, "orders", "updated_at", TIE)


def record(base_url: str) -> StoreRecord:
    """``api_url`` is the shop's base URL; the client adds ``/admin/api/{version}``."""
    return StoreRecord("shopify-1", "shopify", base_url.rstrip("/"), "arn:local:shopify-1", extra={"currency": "USD"})


def modified_at(entity: str, row: Row) -> datetime:
    return parse_utc(row["updated_at"])


def canonical_id(entity: str, row: Row) -> str:
    if entity == "checkouts":  # a checkout is a cart keyed by its cart token (the adapter's rule)
        return str(row.get("cart_token") or row.get("token"))
    if entity == "inventory_levels":
        return f"{row['inventory_item_id']}@{row['location_id']}"
    return str(row["id"])


def throttle(api: FakeApi, count: int, wait_seconds: float) -> None:
    if not isinstance(api, FakeShop):
        raise TypeError(f"not this kit's FakeShop: {type(api).__name__}")
    api.throttles.extend([wait_seconds] * count)


def sign(body: bytes, secret: str, now: datetime) -> dict[str, str]:
    return {
        "X-Shopify-Topic": "orders/updated",
        "X-Shopify-Hmac-SHA256": shopify_signature(body, secret),
        "X-Shopify-Shop-Domain": SHOP,
        "X-Shopify-API-Version": "2024-10",
        "X-Shopify-Webhook-Id": "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043",
        "X-Shopify-Event-Id": "98880550-7158-44d4-b7cd-2c97c8a091b5",
        "X-Shopify-Triggered-At": now.isoformat(),
        "Content-Type": "application/json",
    }


def customer_with_orders(api: FakeApi) -> str:
    return next(str(row["customer"]["id"]) for row in api.data.all("orders") if row.get("customer"))


CORPUS_EXPECTATIONS: CorpusExpectations = {
    # buyer_accepts_marketing, the order's phone, and the billing address's country_code
    "rest_2025_07_order_single.json": {
        "order/450789469": {"email_consent": "not_subscribed", "phone": "+557734881234", "country": "US"},
    },
    "rest_2025_07_order_created_discount_code_percentage.json": {
        "order/1073459981": {"phone": "+18885551234", "country": "CA"},
    },
    "rest_2025_07_order_created_minimal_no_customer.json": {
        "order/1073459966": {"email_consent": "not_subscribed", "phone": None, "country": None},
    },
    # no order phone: the billing address's; a guest who ticked the box
    "webhook_orders_partially_fulfilled_docs_sample.json": {
        "order/820982911946154508": {"email_consent": "subscribed", "phone": "555-555-SHIP", "country": "US"},
    },
    # trimmed by its authors: no buyer_accepts_marketing, so nothing is known
    "webhook_orders_create.json": {"order/5778367414385": {"email_consent": "unknown", "country": "US"}},
    "rest_2025_07_abandoned_checkouts_list.json": {
        "cart/68778783ad298f1c80c3bafcddeea02f": {"email_consent": "not_subscribed"},
    },
    "webhook_checkouts_create_guest_no_email.json": {
        "cart/Z2NwLXVzLWVhc3QxOjAxSkJaTUVRSjgzNUJUN1BTNjEzRFdRUFFQ": {"email_consent": "not_subscribed"},
    },
    # default_address.country_code; Shopify has no customer time zone
    "rest_2025_07_customers_list_two.json": {
        "customer/1073339462": {"country": "CA", "timezone": None, "merged_into": None},
        "customer/207119551": {"country": "US", "timezone": None},
    },
    "webhook_customers_create_inr.json": {"customer/5747017285820": {"country": "IN"}},
    # the Admin API has no related products
    "rest_2025_07_products_list.json": {"product/632910392": {"related_product_ids": [], "related_skus": []}},
}


KIT = PlatformKit(
    descriptor=DESCRIPTOR,
    make_api=make_api,
    seed=seed,
    secrets=StoreSecrets(webhook_secrets=(CLIENT_SECRET,), api_key=ACCESS_TOKEN),
    record=record,
    modified_at=modified_at,
    canonical_id=canonical_id,
    throttle=throttle,
    corpus="shopify",
    corpus_expectations=CORPUS_EXPECTATIONS,
    delivery=SignedDelivery(topic="orders/updated", body=DELIVERY_BODY, sign=sign),
    customer_with_orders=customer_with_orders,
    extra={"event_id_header": "x-shopify-event-id", "needs_extra": {"inventory_levels": "location_ids"}},
)
