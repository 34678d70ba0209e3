"""Shopify: webhook topics and Admin API resources mapped into the canonical model.

Stores read the GraphQL Admin API by default, and the REST Admin API with the store setting
``shopify_api=rest`` (custom apps that use it). Abandoned checkouts are the exception: GraphQL's
AbandonedCheckout has neither the cart token nor the checkout token that webhooks and orders key a cart by,
so a GraphQL store still lists them through REST, and a polled cart is the same cart as the webhook's.
"""

from datetime import datetime
from typing import Any

from storeloom.domain.cursor import ApiPage, Cursor
from storeloom.domain.stores import StoreRecord, StoreSecrets
from storeloom.platforms.descriptor import ClientContext, PlatformDescriptor
from storeloom.platforms.shopify import api_client, bulk, graphql_client
from storeloom.platforms.shopify.adapter import ShopifyAdapter

# REST Admin API Standard plan: a bucket of 40 requests leaking 2/s (docs/platforms.md#shopify-rate-limits).
REST_BUCKET = (40.0, 2.0)
REST_ONLY = frozenset({"checkouts"})


class ShopifyGraphqlWithRestCheckouts:
    """A GraphQL store's client: GraphQL for every read but abandoned checkouts, which go through REST."""

    platform = "shopify"

    def __init__(self, graphql: graphql_client.ShopifyGraphqlClient, rest: api_client.ShopifyClient) -> None:
        self.graphql = graphql
        self.rest = rest

    @property
    def requests(self) -> int:
        return self.graphql.requests + self.rest.requests

    def topic_for(self, entity: str) -> str:
        topic: str = self._for(entity).topic_for(entity)
        return topic

    def fetch(self, entity: str, since: datetime, after: Cursor | None, token: str | None) -> ApiPage:
        page: ApiPage = self._for(entity).fetch(entity, since, after, token)
        return page

    def count(self, entity: str, since: datetime) -> int | None:
        counted: int | None = self._for(entity).count(entity, since)
        return counted

    def __getattr__(self, name: str) -> Any:
        # Live re-reads (product, a person's orders) and webhook subscriptions are GraphQL's.
        return getattr(self.graphql, name)

    def _for(self, entity: str) -> Any:
        return self.rest if entity in REST_ONLY else self.graphql


def shopify_client(store: StoreRecord, secrets: StoreSecrets, context: ClientContext) -> Any:
    """The Admin API access token is the store's ``api_key``; inventory levels are listed only for the
    locations in the store's ``location_ids`` setting."""
    rest_store = StoreRecord(
        store.store_id, store.platform, store.api_url, store.secret_arn, extra={**store.extra, "shopify_api": "rest"}
    )
    rest = graphql_client.client_for(rest_store, secrets, context)
    chosen = graphql_client.client_for(store, secrets, context)
    if isinstance(chosen, graphql_client.ShopifyGraphqlClient) and isinstance(rest, api_client.ShopifyClient):
        return ShopifyGraphqlWithRestCheckouts(chosen, rest)
    return chosen


def bulk_backfill(client: Any, entity: str) -> Any:
    """Backfills of orders, customers and products read one bulk export (streamed JSONL) rather than pages."""
    graphql = client.graphql if isinstance(client, ShopifyGraphqlWithRestCheckouts) else client
    return bulk.backfill_source(graphql, entity)


DESCRIPTOR = PlatformDescriptor(
    name="shopify",
    adapter=ShopifyAdapter,
    client=shopify_client,
    bucket=graphql_client.BUCKET,
    polled_entities=tuple(api_client.RESOURCES),
    webhook_topics=api_client.WEBHOOK_TOPICS,
    needs_extra={"inventory_levels": "location_ids"},
    backfill_source=bulk_backfill,
)

__all__ = ["DESCRIPTOR", "ShopifyAdapter"]
