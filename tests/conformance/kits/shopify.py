"""Shopify's kit for the conformance suite: the fake Admin REST API, seeded with runs of equal modified seconds
so ties straddle page boundaries.

- Shopify signs a delivery with the app's client secret over the raw body alone (base64 HMAC-SHA256 in
  ``X-Shopify-Hmac-SHA256``), so ``sign`` ignores ``now``; the topic and the shop travel in headers.
- ``throttle`` is Shopify's own REST answer when the bucket is full: 429 with ``Retry-After``.
- ``updated_at`` is shop-local time with an offset; ``modified_at`` reads it as the adapter does, in UTC.
"""

from __future__ import annotations

import json
import random
from datetime import datetime

from storeloom.domain.stores import StoreRecord, StoreSecrets
from storeloom.domain.types import parse_utc
from storeloom.platforms.shopify import DESCRIPTOR
from storeloom.platforms.signatures import sign as shopify_signature
from storeloom_tools.fakes.catalog import Row
from storeloom_tools.fakes.clock import VirtualClock
from storeloom_tools.fakes.shopify import FakeShopify
from storeloom_tools.fakes.shopify_data import customer, order, seed_shopify
from tests.conformance.kit import FakeApi, PlatformKit, SignedDelivery
from tests.conformance.kits import tie_up

ACCESS_TOKEN = "shpat_conformance"
CLIENT_SECRET = "shpss_conformance_client_secret"
SHOP = "conformance.myshopify.com"
TIE = 7  # orders per shared modified second
DELIVERY_BODY = json.dumps(order(1, customer(1), random.Random(3))).encode()


def make_api(clock: VirtualClock) -> FakeShopify:
    return FakeShopify(clock=clock, access_token=ACCESS_TOKEN)


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
    api.faults.retry_after = wait_seconds
    api.faults.storm(429, count)


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
    delivery=SignedDelivery(topic="orders/updated", body=DELIVERY_BODY, sign=sign),
    customer_with_orders=customer_with_orders,
    extra={"event_id_header": "x-shopify-event-id", "needs_extra": {"inventory_levels": "location_ids"}},
)
