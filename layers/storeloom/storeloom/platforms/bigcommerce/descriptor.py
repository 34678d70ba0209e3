"""The BigCommerce platform descriptor: its adapter, client factory, default bucket and topics."""

from __future__ import annotations

from storeloom.domain.stores import StoreRecord, StoreSecrets
from storeloom.platforms.bigcommerce import api_client
from storeloom.platforms.bigcommerce.adapter import BigCommerceAdapter
from storeloom.platforms.bigcommerce.limits import read_rate_limit
from storeloom.platforms.descriptor import ClientContext, PlatformDescriptor

# Standard and Plus plans: 150 requests per 30 s per store, shared by every app on it
# (docs/platforms.md#bigcommerce-rate-limits); the headers correct it, Pro stores included.
BUCKET = (150.0, 150.0 / 30.0)


def bigcommerce_client(
    store: StoreRecord, secrets: StoreSecrets, context: ClientContext
) -> api_client.BigCommerceClient:
    """The store's ``api_key`` is the API account's access token (``X-Auth-Token``)."""
    transport = context.transport(*BUCKET, read_rate_limit)
    page_size = context.page_size or api_client.MAX_LIMIT
    return api_client.BigCommerceClient(store.api_url, secrets.api_key or "", transport, page_size)


DESCRIPTOR = PlatformDescriptor(
    name="bigcommerce",
    adapter=BigCommerceAdapter,
    client=bigcommerce_client,
    bucket=BUCKET,
    polled_entities=tuple(api_client.RESOURCES),
    webhook_topics=api_client.WEBHOOK_TOPICS,
    required_secrets=("api_key",),
)
