"""Magento 2 / Adobe Commerce: REST V1 resources, polled, mapped into the canonical model."""

from storeloom.domain.stores import StoreRecord, StoreSecrets
from storeloom.platforms.descriptor import ClientContext, PlatformDescriptor
from storeloom.platforms.magento2 import api_client
from storeloom.platforms.magento2.adapter import Magento2Adapter
from storeloom.platforms.magento2.auth import store_auth

# The limit depends on the host, so a low default (docs/platforms.md#rate-limit-defaults); a host's 429 or
# 503 with Retry-After is honoured by the transport.
BUCKET = (4.0, 2.0)


def magento2_client(store: StoreRecord, secrets: StoreSecrets, context: ClientContext) -> api_client.Magento2Client:
    """``api_url`` is the REST base (``https://shop.example/rest/default``). The integration access token
    (``api_key``) goes as a bearer token, or with ``auth=oauth1`` in the store's extra every request is
    signed with OAuth 1.0a (see storeloom.platforms.magento2.auth)."""
    transport = context.transport(*BUCKET)
    page_size = context.page_size or api_client.DEFAULT_PAGE_SIZE
    return api_client.Magento2Client(store.api_url, store_auth(store.extra, secrets), transport, page_size)


DESCRIPTOR = PlatformDescriptor(
    name="magento2",
    adapter=Magento2Adapter,
    client=magento2_client,
    bucket=BUCKET,
    polled_entities=tuple(api_client.RESOURCES),
    webhook_topics=(),
    scanned=api_client.SCANNED,
)

__all__ = ["DESCRIPTOR", "Magento2Adapter"]
