"""WooCommerce: webhook topics and REST v3 resources mapped into the canonical model."""

from storeloom.domain.stores import StoreRecord, StoreSecrets
from storeloom.platforms.descriptor import ClientContext, PlatformDescriptor
from storeloom.platforms.woocommerce import api_client
from storeloom.platforms.woocommerce.adapter import WooCommerceAdapter

# The limit depends on the host, so a low default (docs/platforms.md#rate-limit-defaults).
BUCKET = (4.0, 2.0)


def woocommerce_client(
    store: StoreRecord, secrets: StoreSecrets, context: ClientContext
) -> api_client.WooCommerceClient:
    """REST v3 with the consumer key (``api_key``) and secret (``api_secret``) as basic auth."""
    transport = context.transport(*BUCKET)
    key, secret = secrets.api_key or "", secrets.api_secret or ""
    return api_client.WooCommerceClient(store.api_url, key, secret, transport, context.page_size or 100)


DESCRIPTOR = PlatformDescriptor(
    name="woocommerce",
    adapter=WooCommerceAdapter,
    client=woocommerce_client,
    bucket=BUCKET,
    polled_entities=tuple(api_client.RESOURCES),
    webhook_topics=api_client.WEBHOOK_TOPICS,
    scanned=api_client.SCANNED,
    required_secrets=("api_key", "api_secret"),
)

__all__ = ["DESCRIPTOR", "WooCommerceAdapter"]
