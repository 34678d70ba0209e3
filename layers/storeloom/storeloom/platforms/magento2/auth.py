"""How requests to a Magento store are authorized (docs/platforms.md#magento2-auth).

By default the integration's access token goes as a bearer token (``secrets.api_key``). Since 2.4.4 that is
off unless the store enables ``oauth/consumer/enable_integration_as_bearer``; a store whose extra says
``auth=oauth1`` has every request signed with OAuth 1.0a HMAC-SHA256 instead, from the integration's four
values: consumer key and secret, access token (``api_key``) and access token secret (``api_secret``).
"""

from __future__ import annotations

from collections.abc import Generator, Mapping
from dataclasses import dataclass

import httpx
from oauthlib.oauth1 import SIGNATURE_HMAC_SHA256, Client  # type: ignore[import-untyped]

from storeloom.domain.stores import StoreSecrets

OAUTH1 = "oauth1"


class BearerToken(httpx.Auth):
    def __init__(self, token: str) -> None:
        self._header = f"Bearer {token}"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = self._header
        yield request


@dataclass(frozen=True)
class OAuthCredentials:
    consumer_key: str
    consumer_secret: str
    access_token: str
    access_token_secret: str


class OAuth1Signature(httpx.Auth):
    """Signs method, URL and query string. Each attempt (retries too) gets a fresh nonce and timestamp, as
    Magento refuses a nonce it has seen. Only GETs are sent, so there is no form body to sign."""

    def __init__(self, credentials: OAuthCredentials) -> None:
        self._client = Client(
            credentials.consumer_key,
            client_secret=credentials.consumer_secret,
            resource_owner_key=credentials.access_token,
            resource_owner_secret=credentials.access_token_secret,
            signature_method=SIGNATURE_HMAC_SHA256,
        )

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        _, headers, _ = self._client.sign(str(request.url), request.method)
        request.headers["Authorization"] = headers["Authorization"]
        yield request


def oauth_credentials(secrets: StoreSecrets) -> OAuthCredentials:
    """The consumer key and secret are read from the secret's ``consumer_key`` and ``consumer_secret``
    (fields StoreSecrets is to gain); the access token pair from ``api_key`` and ``api_secret``."""
    values = {
        "consumer_key": secrets.consumer_key,
        "consumer_secret": secrets.consumer_secret,
        "api_key": secrets.api_key,
        "api_secret": secrets.api_secret,
    }
    missing = [name for name, value in values.items() if not value]
    if missing:
        raise ValueError(f"{missing[0]}: a Magento store with auth=oauth1 needs {', '.join(values)} in its secret")
    return OAuthCredentials(*(str(value) for value in values.values()))


def store_auth(extra: Mapping[str, str], secrets: StoreSecrets) -> httpx.Auth:
    if extra.get("auth", "bearer").strip().lower() == OAUTH1:
        return OAuth1Signature(oauth_credentials(secrets))
    return BearerToken(secrets.api_key or "")
