"""WooCommerce's kit for the conformance suite: the fake REST v3 API, seeded with runs of equal modified
seconds so ties straddle page boundaries.

- WooCommerce signs a delivery with the webhook's own secret over the raw body alone (base64 HMAC-SHA256
  in ``X-WC-Webhook-Signature``), so ``sign`` ignores ``now``; the topic and the site travel in headers.
- WooCommerce itself sets no rate limit; its hosts and CDNs answer 429 with ``Retry-After``, which is what
  ``throttle`` makes the fake send.
- ``date_modified_gmt`` is UTC without a suffix; ``modified_at`` reads it as the adapter does.
"""

from __future__ import annotations

import json
import random
from datetime import datetime

from storeloom.domain.stores import StoreRecord, StoreSecrets
from storeloom.domain.types import parse_utc
from storeloom.platforms.signatures import sign as woocommerce_signature
from storeloom.platforms.woocommerce import DESCRIPTOR
from storeloom_tools.fakes.catalog import Row
from storeloom_tools.fakes.clock import VirtualClock
from storeloom_tools.fakes.woocommerce import FakeWooCommerce
from storeloom_tools.fakes.woocommerce_data import order, seed_woocommerce, stamp
from tests.conformance.kit import CorpusExpectations, FakeApi, PlatformKit, SignedDelivery
from tests.conformance.kits import tie_up

CONSUMER_KEY = "ck_conformance"
CONSUMER_SECRET = "cs_conformance"
WEBHOOK_SECRET = "woo-conformance-webhook-secret"
SITE = "https://woo.example/"
TIE = 7  # orders per shared modified second


def _delivery_body() -> bytes:
    row = order(1, 2, random.Random(3))
    stamp(row, datetime.fromisoformat("2026-01-05T11:00:00+00:00"))
    return json.dumps(row).encode()


DELIVERY_BODY = _delivery_body()


def make_api(clock: VirtualClock) -> FakeWooCommerce:
    return FakeWooCommerce(clock=clock, consumer_key=CONSUMER_KEY, consumer_secret=CONSUMER_SECRET)


def seed(api: FakeApi, orders: int, customers: int) -> None:
    seed_woocommerce(api.data, orders, customers)
    tie_up(api.data, "orders", "date_modified_gmt", TIE)


def record(base_url: str) -> StoreRecord:
    """``api_url`` is the site URL; the client adds ``/wp-json/wc/v3``."""
    api_url = base_url.rstrip("/")
    return StoreRecord("woocommerce-1", "woocommerce", api_url, "arn:local:woocommerce-1", extra={"currency": "EUR"})


def modified_at(entity: str, row: Row) -> datetime:
    return parse_utc(row["date_modified_gmt"])


def canonical_id(entity: str, row: Row) -> str:
    return str(row["id"])


def throttle(api: FakeApi, count: int, wait_seconds: float) -> None:
    api.faults.retry_after = wait_seconds
    api.faults.storm(429, count)


def sign(body: bytes, secret: str, now: datetime) -> dict[str, str]:
    return {
        "X-WC-Webhook-Source": SITE,
        "X-WC-Webhook-Topic": "order.updated",
        "X-WC-Webhook-Resource": "order",
        "X-WC-Webhook-Event": "updated",
        "X-WC-Webhook-Signature": woocommerce_signature(body, secret),
        "X-WC-Webhook-ID": "12",
        "X-WC-Webhook-Delivery-ID": "4f0a6f0c3c2b1e5d8a7b9c0d1e2f3a4b",
        "Content-Type": "application/json",
    }


def customer_with_orders(api: FakeApi) -> str:
    return next(str(row["customer_id"]) for row in api.data.all("orders") if row.get("customer_id"))


CORPUS_EXPECTATIONS: CorpusExpectations = {
    # billing.phone and billing.country; core WooCommerce asks no consent
    "rest_v3_order_single_guest_processing.json": {
        "order/727": {"email_consent": "unknown", "phone": "(555) 555-5555", "country": "US"},
    },
    "rest_v3_orders_list_guest_and_registered_refunded.json": {
        "order/723": {"phone": "(11) 1111-1111", "country": "BR"},
    },
    "rest_v3_customers_list.json": {
        "customer/26": {"country": "BR", "email_consent": "unknown", "timezone": None},
        "customer/25": {"country": "US"},
    },
    # upsell_ids and cross_sell_ids are empty; the read-only related_ids [53, 40, ...] are not links
    "rest_v3_product_single_simple.json": {"product/794": {"related_product_ids": [], "related_skus": []}},
}


KIT = PlatformKit(
    descriptor=DESCRIPTOR,
    make_api=make_api,
    seed=seed,
    secrets=StoreSecrets(webhook_secrets=(WEBHOOK_SECRET,), api_key=CONSUMER_KEY, api_secret=CONSUMER_SECRET),
    record=record,
    modified_at=modified_at,
    canonical_id=canonical_id,
    throttle=throttle,
    corpus="woocommerce",
    corpus_expectations=CORPUS_EXPECTATIONS,
    delivery=SignedDelivery(topic="order.updated", body=DELIVERY_BODY, sign=sign),
    customer_with_orders=customer_with_orders,
    extra={"scanned_entities": DESCRIPTOR.scanned},  # /customers has no modified_after: full scans only
)
