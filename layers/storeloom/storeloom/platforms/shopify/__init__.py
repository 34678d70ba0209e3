"""Shopify: webhook topics and Admin API resources mapped into the canonical model."""

from storeloom.domain.stores import StoreRecord, StoreSecrets
from storeloom.platforms.descriptor import ClientContext, PlatformDescriptor
from storeloom.platforms.shopify import api_client
from storeloom.platforms.shopify.adapter import ShopifyAdapter

# REST Admin API Standard plan: a bucket of 40 requests leaking 2/s (docs/platforms.md#shopify-rate-limits).
REST_BUCKET = (40.0, 2.0)


def shopify_client(store: StoreRecord, secrets: StoreSecrets, context: ClientContext) -> api_client.ShopifyClient:
    """The Admin API access token is the store's ``api_key``; inventory levels are listed only for the
    locations in the store's ``location_ids`` setting."""
    transport = context.transport(*REST_BUCKET, api_client.read_call_limit)
    locations = store.extra.get("location_ids", "")
    return api_client.ShopifyClient(
        store.api_url, secrets.api_key or "", transport, context.page_size or 250, locations
    )


DESCRIPTOR = PlatformDescriptor(
    name="shopify",
    adapter=ShopifyAdapter,
    client=shopify_client,
    bucket=REST_BUCKET,
    polled_entities=tuple(api_client.RESOURCES),
    webhook_topics=api_client.WEBHOOK_TOPICS,
    needs_extra={"inventory_levels": "location_ids"},
)

__all__ = ["DESCRIPTOR", "ShopifyAdapter"]
