"""Amazon SP-API's kit for the conformance suite: the fake SP-API with its LWA token endpoint.

What differs from the webhook platforms:
- no webhooks (``delivery`` is None): ORDER_CHANGE notifications come from SQS and yield no event;
- the person's-orders and product re-checks always answer [] / None (AmazonSpClient says why), so
  ``customer_with_orders`` is None;
- the client reads a wall clock for ``LastUpdatedBefore`` (at least 2 minutes before Amazon's now). It takes
  ``ClientContext.clock`` when the context has one: a suite on a VirtualClock must pass its ``now`` there,
  or the client asks the fake about a window that ends in the fake's future and is refused (400);
- ``throttle`` makes the fake answer 429 QuotaExceeded naming a rate of ``1 / wait_seconds`` in
  ``x-amzn-RateLimit-Limit``: Amazon names its rate, never a wait.
"""

from __future__ import annotations

from datetime import datetime

from storeloom.domain.stores import StoreRecord, StoreSecrets
from storeloom.domain.types import parse_utc
from storeloom.platforms.amazon_sp import DESCRIPTOR
from storeloom_tools.fakes.amazon_sp import CLIENT_ID, CLIENT_SECRET, REFRESH_TOKEN, FakeAmazonSp
from storeloom_tools.fakes.amazon_sp_data import MARKETPLACE_ID, seed_amazon_sp
from storeloom_tools.fakes.catalog import Row
from storeloom_tools.fakes.clock import VirtualClock
from tests.conformance.kit import CorpusExpectations, FakeApi, PlatformKit

# The refresh token sits in the first webhook secret until StoreSecrets has a field for it.
SECRETS = StoreSecrets(refresh_token=REFRESH_TOKEN, api_key=CLIENT_ID, api_secret=CLIENT_SECRET)


def make_api(clock: VirtualClock) -> FakeAmazonSp:
    return FakeAmazonSp(clock=clock)


def seed(api: FakeApi, orders: int, customers: int) -> None:
    seed_amazon_sp(api.data, orders, customers)


def record(base_url: str) -> StoreRecord:
    extra = {"marketplace_ids": MARKETPLACE_ID, "lwa_token_url": f"{base_url}/auth/o2/token", "currency": "USD"}
    return StoreRecord("amazon-1", "amazon_sp", base_url, "arn:fake:amazon-1", extra=extra)


def modified_at(entity: str, row: Row) -> datetime:
    return parse_utc(row["LastUpdateDate"])


def canonical_id(entity: str, row: Row) -> str:
    return str(row["AmazonOrderId"])


def throttle(api: FakeApi, count: int, wait_seconds: float) -> None:
    api.faults.retry_after = wait_seconds
    api.faults.storm(429, count)


CORPUS_EXPECTATIONS: CorpusExpectations = {
    # ShippingAddress.CountryCode (not the seller's DefaultShipFromLocationAddress); no phone is kept and a
    # marketplace buyer's consent on the order is never known
    "orders_v0_getOrder_example.json": {
        "order/902-3159896-1390916": {"email_consent": "unknown", "phone": None, "country": "US"},
    },
    "orders_2026_getOrder_example.json": {"order/202-1234567-8901234": {"phone": None, "country": "GB"}},
    # no address without the restricted buyer-data role
    "orders_v0_getOrders_sandbox_multi.json": {"order/902-1845936-5435065": {"country": None}},
}


KIT = PlatformKit(
    descriptor=DESCRIPTOR,
    make_api=make_api,
    seed=seed,
    secrets=SECRETS,
    record=record,
    modified_at=modified_at,
    canonical_id=canonical_id,
    throttle=throttle,
    corpus="amazon_sp_api",
    corpus_expectations=CORPUS_EXPECTATIONS,
    extra={
        "analytics_only": True,  # every customer is a marketplace buyer, never marketable
        "live_reads": "customer_orders and email_orders answer [], product answers None",
        "needs_context_clock": True,
        "entities": {"orders": ("order", "customer")},  # each polled order also yields its buyer
    },
)
