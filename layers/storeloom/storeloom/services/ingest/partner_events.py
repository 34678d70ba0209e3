"""Shopify webhooks delivered through an Amazon EventBridge partner event source, into the same intake.

A team may point a Shopify app's webhook subscriptions at a partner event source rather than the webhook
URL. EventBridge hands each delivery over as an event whose ``detail-type`` is ``shopifyWebhook``, with the
body in ``detail.payload`` and Shopify's headers (topic, shop domain, webhook and event ids) in
``detail.metadata``. The partner source is AWS-authenticated, so there is no HMAC to check; everything else
is the receiver's own path: the store is the one whose shop domain the delivery names, the tenant, topic
and body checks run, and the body is archived and enqueued as the URL's copy would be. The same fact via
the URL, EventBridge or a poll therefore has one idempotency key and becomes one event.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from storeloom.domain.stores import StoreRecord
from storeloom.services.ingest.ports import DeadLetterSink
from storeloom.services.ingest.receiver import Receipt, WebhookReceiver, host_of
from storeloom.services.ingest.sqs_batch import process_with_dead_letters

DETAIL_TYPE = "shopifyWebhook"
SHOP_HEADER = "x-shopify-shop-domain"


class PartnerEventRejected(ValueError):
    """An event this intake cannot take: the message names what is wrong (no personal data)."""


class StoreDirectory(Protocol):
    def all(self) -> list[StoreRecord]: ...


@dataclass
class ShopifyEventBridgeIntake:
    receiver: WebhookReceiver
    directory: StoreDirectory
    cache_seconds: float = 60.0
    monotonic: Callable[[], float] = time.monotonic
    _shops: tuple[float, dict[str, str]] = field(default=(float("-inf"), {}), repr=False)

    def take(self, event: Mapping[str, Any]) -> Receipt:
        headers, body = _delivery(event)
        shop = host_of(headers.get(SHOP_HEADER))
        if not shop:
            raise PartnerEventRejected(f"detail.metadata: {SHOP_HEADER} is missing")
        store_id = self._store_for(shop)
        return self.receiver.receive_trusted("shopify", store_id, headers, body)

    def _store_for(self, shop: str) -> str:
        expires, shops = self._shops
        if shop not in shops or expires <= self.monotonic():
            shops = _shop_index(self.directory.all())
            self._shops = (self.monotonic() + self.cache_seconds, shops)
        if shop not in shops:
            raise PartnerEventRejected(f"no shopify store is registered for shop {shop}")
        return shops[shop]


def _delivery(event: Mapping[str, Any]) -> tuple[dict[str, str], bytes]:
    if event.get("detail-type") != DETAIL_TYPE:
        raise PartnerEventRejected(f"detail-type: expected {DETAIL_TYPE!r}, got {event.get('detail-type')!r}")
    detail = event.get("detail")
    if not isinstance(detail, Mapping):
        raise PartnerEventRejected("detail: must be an object with metadata and payload")
    metadata, payload = detail.get("metadata"), detail.get("payload")
    if not isinstance(metadata, Mapping) or not all(isinstance(v, str) for v in metadata.values()):
        raise PartnerEventRejected("detail.metadata: must be an object of header strings")
    if not isinstance(payload, dict | list):
        raise PartnerEventRejected("detail.payload: must be the webhook's JSON object")
    headers = {str(name).lower(): value for name, value in metadata.items()}
    # The event was parsed with floats as json.loads parses them; dumping writes each back as the shortest
    # digits that read as it, the text Shopify sent (money travels as strings in Shopify's payloads).
    return headers, json.dumps(payload, separators=(",", ":")).encode()


def _shop_index(stores: list[StoreRecord]) -> dict[str, str]:
    """Shop domain -> store id, for the Shopify stores whose domain is known (set or their myshopify URL)."""
    index: dict[str, str] = {}
    for store in stores:
        if store.platform != "shopify":
            continue
        domain = host_of(store.extra.get("shop_domain"))
        if domain is None:
            url_host = host_of(store.api_url)
            domain = url_host if url_host and url_host.endswith(".myshopify.com") else None
        if domain:
            index[domain] = store.store_id
    return index


@dataclass
class PartnerEventsWorker:
    intake: ShopifyEventBridgeIntake
    dead_letters: DeadLetterSink | None = None
    max_attempts: int = 3


def process_partner_batch(
    event: dict[str, Any], worker: PartnerEventsWorker
) -> tuple[dict[str, Any], list[Receipt], dict[str, str]]:
    """The partial-failure response for SQS, what was taken in, and the reason of each failed message."""
    receipts: list[Receipt] = []

    def handle(body: str) -> None:
        receipts.append(worker.intake.take(json.loads(body)))

    response, errors = process_with_dead_letters(event, handle, worker.dead_letters, worker.max_attempts)
    return response, receipts, errors
