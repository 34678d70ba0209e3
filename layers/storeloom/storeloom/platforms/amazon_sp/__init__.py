"""Amazon SP-API: orders polled from the Orders API, for analytics and segments only.

Amazon buyers are never a send target (Amazon's communication policy, docs/platforms.md#amazon-pii): every
customer this platform yields is a ``marketplace_buyer`` with both consents ``unsubscribed``.
"""

from __future__ import annotations

from storeloom.domain.stores import StoreRecord, StoreSecrets
from storeloom.platforms.amazon_sp import api_client
from storeloom.platforms.amazon_sp.adapter import AmazonSpAdapter
from storeloom.platforms.amazon_sp.auth import DEFAULT_TOKEN_URL, LwaAuth, LwaCredentials
from storeloom.platforms.descriptor import ClientContext, PlatformDescriptor

# getOrders' default usage plan, the store's tightest (docs/platforms.md#amazon-rate-limits).
BUCKET = (api_client.GET_ORDERS.burst, api_client.GET_ORDERS.rate)


def credentials_of(store: StoreRecord, secrets: StoreSecrets) -> LwaCredentials:
    """The app's LWA client id and secret are the store's ``api_key`` and ``api_secret``. StoreSecrets has no
    refresh-token field yet: a ``refresh_token`` attribute is used once it has one, until then the first
    webhook secret (Amazon sends no webhooks, so the slot is otherwise unused)."""
    refresh = secrets.refresh_token or ""
    token_url = store.extra.get("lwa_token_url") or DEFAULT_TOKEN_URL
    return LwaCredentials(secrets.api_key or "", secrets.api_secret or "", refresh, token_url)


def amazon_sp_client(store: StoreRecord, secrets: StoreSecrets, context: ClientContext) -> api_client.AmazonSpClient:
    """``api_url`` is the regional SP-API endpoint; the store's ``marketplace_ids`` setting (comma-separated)
    names the marketplaces to list. One token bucket per operation, fed by ``x-amzn-RateLimit-Limit``."""
    auth = LwaAuth(credentials_of(store, secrets), context.monotonic)
    transports = {
        operation.name: context.transport(operation.burst, operation.rate, api_client.read_rate_limit)
        for operation in api_client.OPERATIONS
    }
    marketplaces = [part.strip() for part in store.extra.get("marketplace_ids", "").split(",") if part.strip()]
    # ClientContext has no wall clock yet; LastUpdatedBefore is read against one when it does.
    clock = context.clock
    page_size = context.page_size or api_client.MAX_RESULTS
    return api_client.AmazonSpClient(store.api_url, marketplaces, auth, transports, page_size, clock)


DESCRIPTOR = PlatformDescriptor(
    name="amazon_sp",
    adapter=AmazonSpAdapter,
    client=amazon_sp_client,
    bucket=BUCKET,
    polled_entities=tuple(api_client.RESOURCES),
    webhook_topics=(),
    needs_extra={"orders": "marketplace_ids"},
    required_secrets=("api_key", "api_secret", "refresh_token"),
)

__all__ = ["DESCRIPTOR", "AmazonSpAdapter"]
