"""A registered merchant store and its credentials."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class StoreRecord:
    store_id: str
    platform: str
    api_url: str
    secret_arn: str
    poll_interval_minutes: int = 15
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class StoreSecrets:
    """The webhook secrets (current first; an older one stays valid during a rotation) and API keys.

    ``api_key``/``api_secret`` are the platform's main pair (Shopify's token; WooCommerce's consumer key and
    secret; Magento's access token and token secret; BigCommerce's token; Amazon's LWA client id and
    secret). Magento's OAuth 1.0a also signs with the integration's ``consumer_key``/``consumer_secret``;
    Amazon's Login with Amazon refreshes its access token with ``refresh_token``."""

    webhook_secrets: tuple[str, ...] = ()
    api_key: str | None = None
    api_secret: str | None = None
    consumer_key: str | None = None
    consumer_secret: str | None = None
    refresh_token: str | None = None

    def to_json(self) -> str:
        return json.dumps({**asdict(self), "webhook_secrets": list(self.webhook_secrets)})

    @classmethod
    def from_json(cls, text: str) -> StoreSecrets:
        data = json.loads(text)
        return cls(
            tuple(data.get("webhook_secrets") or ()),
            data.get("api_key"),
            data.get("api_secret"),
            data.get("consumer_key"),
            data.get("consumer_secret"),
            data.get("refresh_token"),
        )
