"""Magento 2's conformance kit: the fake REST V1 API, seeded with many orders per modified second.

Magento pushes nothing, so ``delivery`` is None. An MSI source item has no modification time (its version
is the time it was read), so ``modified_at`` refuses inventory rows rather than invent one.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from storeloom.domain.stores import StoreRecord, StoreSecrets
from storeloom.domain.types import parse_utc
from storeloom.platforms.magento2 import DESCRIPTOR
from storeloom_tools.fakes.catalog import Row
from storeloom_tools.fakes.clock import VirtualClock
from storeloom_tools.fakes.magento2 import FakeMagento2
from storeloom_tools.fakes.magento2_data import seed_magento2
from tests.conformance.kit import CorpusExpectations, FakeApi, PlatformKit

TOKEN = "m2_integration_token"


def make_api(clock: VirtualClock) -> FakeMagento2:
    return FakeMagento2(clock=clock, access_token=TOKEN)


def seed(api: FakeApi, orders: int, customers: int) -> None:
    # About four orders per second, so equal updated_at values straddle every page boundary.
    seed_magento2(api.data, orders, customers, span=timedelta(seconds=max(1, orders // 4)))


def record(base_url: str) -> StoreRecord:
    """``api_url`` is the REST base with its store code (docs: ``https://shop.example/rest/default``)."""
    api_url = f"{base_url.rstrip('/')}/rest/default"
    return StoreRecord("magento2-1", "magento2", api_url, "arn:local:magento2-1", extra={"currency": "USD"})


def modified_at(entity: str, row: Row) -> datetime:
    if entity == "inventory_levels":
        raise ValueError("inventory_levels: a Magento source item has no modification time")
    return parse_utc(row["updated_at"])


def canonical_id(entity: str, row: Row) -> str:
    if entity == "orders":
        return str(row["entity_id"])
    if entity == "inventory_levels":
        return f"{row['sku']}@{row['source_code']}"
    return str(row["id"])


def throttle(api: FakeApi, count: int, wait_seconds: float) -> None:
    """A host's 429 with Retry-After (Magento itself sets no limit; its hosts and CDNs do)."""
    api.faults.retry_after = wait_seconds
    api.faults.storm(429, count)


def customer_with_orders(api: FakeApi) -> str:
    return next(str(row["customer_id"]) for row in api.data.all("orders") if row.get("customer_id") is not None)


CORPUS_EXPECTATIONS: CorpusExpectations = {
    # the default billing address's country_id (the customer's second address is in GB)
    "rest_v1_customers_search.json": {"customer/1": {"country": "US", "timezone": None}},
    # billing_address.telephone and country_id; a Magento checkout asks no consent
    "rest_v1_order_get_registered_bundle.json": {
        "order/3": {"email_consent": "unknown", "phone": "512-555-1111", "country": "US"},
    },
}


KIT = PlatformKit(
    descriptor=DESCRIPTOR,
    make_api=make_api,
    seed=seed,
    secrets=StoreSecrets(api_key=TOKEN),
    record=record,
    modified_at=modified_at,
    canonical_id=canonical_id,
    throttle=throttle,
    corpus="magento2",
    corpus_expectations=CORPUS_EXPECTATIONS,
    delivery=None,
    customer_with_orders=customer_with_orders,
    extra={"unversioned_entities": frozenset({"inventory_levels"})},
)
