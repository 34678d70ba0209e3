"""BigCommerce's kit for the conformance suite: the fake BigCommerce API, seeded with runs of equal modified
seconds so ties straddle page boundaries.

What differs from the other webhook platforms:
- a delivery is thin and names its topic and store in the body (``scope``, ``producer``), not in a header:
  the receiver needs the body-borne topic and tenant of the proposal (storeloom.platforms.bigcommerce
  .signature.BODY_FIELDS), and ingest must fetch what the body names (``adapter.resource_refs`` and
  ``client.read``) before it can normalize anything;
- deliveries are signed under Standard Webhooks with the app's client secret and a timestamp that must be
  within 300 s of the receiver's clock, so ``sign`` uses the ``now`` it is given;
- ``throttle`` answers 429 naming the wait only in ``X-Rate-Limit-Time-Reset-Ms``, as BigCommerce does.
"""

from __future__ import annotations

import json
from datetime import datetime

from storeloom.domain.stores import StoreRecord, StoreSecrets
from storeloom.platforms.bigcommerce import DESCRIPTOR
from storeloom.platforms.bigcommerce.signature import signed_headers
from storeloom.platforms.bigcommerce.values import bc_time
from storeloom_tools.fakes.bigcommerce import FakeBigCommerce
from storeloom_tools.fakes.bigcommerce_data import ACCESS_TOKEN, CLIENT_SECRET, STORE_HASH, seed_bigcommerce
from storeloom_tools.fakes.catalog import Row
from storeloom_tools.fakes.clock import VirtualClock
from tests.conformance.kit import CorpusExpectations, FakeApi, PlatformKit, SignedDelivery

TIE = 7  # orders per shared modified second
DELIVERY_BODY = json.dumps(
    {
        "scope": "store/order/updated",
        "store_id": "1001197568",
        "data": {"type": "order", "id": 101},  # the first order the seed creates
        "hash": "5c1e0ef1b6a4b2c0d2f1f3b8e8b1c7e9a0d4f6a2",
        "created_at": 1767614400,
        "producer": f"stores/{STORE_HASH}",
    }
).encode()


def make_api(clock: VirtualClock) -> FakeBigCommerce:
    return FakeBigCommerce(clock=clock)


def seed(api: FakeApi, orders: int, customers: int) -> None:
    seed_bigcommerce(api.data, orders, customers, tie=TIE)


def record(base_url: str) -> StoreRecord:
    """``api_url`` is the store's API base, ``.../stores/{store_hash}``."""
    api_url = f"{base_url.rstrip('/')}/stores/{STORE_HASH}"
    return StoreRecord("bigcommerce-1", "bigcommerce", api_url, "arn:local:bigcommerce-1", extra={"currency": "USD"})


def modified_at(entity: str, row: Row) -> datetime:
    return bc_time(row.get("date_modified") or row.get("updated_time"), "date_modified")


def canonical_id(entity: str, row: Row) -> str:
    return str(row["id"])


def throttle(api: FakeApi, count: int, wait_seconds: float) -> None:
    if not isinstance(api, FakeBigCommerce):
        raise TypeError(f"not a FakeBigCommerce: {type(api).__name__}")
    api.throttle(count, wait_seconds)


def sign(body: bytes, secret: str, now: datetime) -> dict[str, str]:
    return signed_headers(body, secret, "msg_conformance_1", int(now.timestamp()))


def customer_with_orders(api: FakeApi) -> str:
    return next(str(row["customer_id"]) for row in api.data.all("orders") if row.get("customer_id"))


CORPUS_EXPECTATIONS: CorpusExpectations = {
    # billing_address.phone and country_iso2; V2 orders record no consent
    "rest_v2_orders_list_2012.json": {
        "order/100": {"email_consent": "unknown", "phone": "5555556789", "country": "US"},
    },
    # V2 related_products "-1": chosen automatically, which names no product
    "rest_v2_product_single_2013.json": {"product/33": {"related_product_ids": [], "related_skus": []}},
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
    corpus="bigcommerce",
    corpus_expectations=CORPUS_EXPECTATIONS,
    delivery=SignedDelivery(topic="store/order/updated", body=DELIVERY_BODY, sign=sign),
    customer_with_orders=customer_with_orders,
    extra={
        "topic_in_body": True,
        "thin_webhooks": True,  # normalize(topic, body) raises ThinPayload until the resource is fetched
        "fetch": "adapter.resource_refs(topic, payload) -> [(entity, id)]; client.read(entity, id) -> dict | None",
        "event_id_header": "webhook-id",
        "unpolled_entities": frozenset({"carts"}),  # V3 carts are read by id only, from webhooks
    },
)
