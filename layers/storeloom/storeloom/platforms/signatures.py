"""Webhook signature checks, kept apart from the adapters so the receiver's hot path imports no model.

Each check compares over the raw request bytes in constant time (docs/platforms.md#verify-raw-bytes).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable, Mapping

from storeloom.platforms.bigcommerce import signature as bigcommerce
from storeloom.services.ingest.receiver import WebhookScheme, host_of

SignatureCheck = Callable[[bytes, Mapping[str, str], str], bool]


def _base64_hmac_sha256(body: bytes, secret: str) -> bytes:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest())


def _header_matches(body: bytes, headers: Mapping[str, str], header: str, secret: str) -> bool:
    given = headers.get(header)
    if not given or not secret:
        return False
    return hmac.compare_digest(_base64_hmac_sha256(body, secret), given.strip().encode())


def verify_shopify(body: bytes, headers: Mapping[str, str], secret: str) -> bool:
    """X-Shopify-Hmac-SHA256: base64 HMAC-SHA256 of the raw body with the app's client secret."""
    return _header_matches(body, headers, "x-shopify-hmac-sha256", secret)


def verify_woocommerce(body: bytes, headers: Mapping[str, str], secret: str) -> bool:
    """X-WC-Webhook-Signature: base64 HMAC-SHA256 of the raw body with the webhook's secret."""
    return _header_matches(body, headers, "x-wc-webhook-signature", secret)


def sign(body: bytes, secret: str) -> str:
    """The signature both Shopify and WooCommerce would send for ``body``: for demos, fakes and tests."""
    return _base64_hmac_sha256(body, secret).decode()


SIGNATURE_CHECKS: dict[str, SignatureCheck] = {
    "shopify": verify_shopify,
    "woocommerce": verify_woocommerce,
    "bigcommerce": bigcommerce.verify,
}


def platform_event_id(headers: Mapping[str, str]) -> str | None:
    """The platform's stable id for the event behind a delivery (lower-cased headers), when it sends one.

    Shopify: X-Shopify-Event-Id is shared by every subscription's copy of one event, so it also dedupes
    fan-out; X-Shopify-Webhook-Id only its retries (docs/platforms.md#shopify). WooCommerce's delivery id is new on
    every attempt, so it is no such id (docs/platforms.md#woocommerce).
    """
    value = headers.get("x-shopify-event-id") or headers.get("x-shopify-webhook-id")
    return value.strip() if value else None


# The header that carries the topic, and the headers worth keeping with the archived body.
TOPIC_HEADERS: dict[str, str] = {
    "shopify": "x-shopify-topic",
    "woocommerce": "x-wc-webhook-topic",
}


def _no_event_id(headers: Mapping[str, str]) -> str | None:
    return None


def _shopify_shop(headers: Mapping[str, str]) -> str | None:
    """X-Shopify-Shop-Domain: the shop's permanent myshopify.com domain."""
    return host_of(headers.get("x-shopify-shop-domain"))


def _shopify_own_host(api_url: str) -> str | None:
    """A store registered by its myshopify.com URL is that shop; a custom or local URL says nothing."""
    host = host_of(api_url)
    return host if host and host.endswith(".myshopify.com") else None


def _woocommerce_site(headers: Mapping[str, str]) -> str | None:
    """X-WC-Webhook-Source: the site URL the hook was created on."""
    return host_of(headers.get("x-wc-webhook-source"))


def webhook_schemes() -> dict[str, WebhookScheme]:
    """The receiver's view of every platform that pushes webhooks."""
    return {
        "shopify": WebhookScheme(
            verify_shopify,
            TOPIC_HEADERS["shopify"],
            platform_event_id,
            "x-shopify-webhook-id",
            tenant=_shopify_shop,
            own_host=_shopify_own_host,
        ),
        "woocommerce": WebhookScheme(
            verify_woocommerce,
            TOPIC_HEADERS["woocommerce"],
            _no_event_id,
            "x-wc-webhook-delivery-id",
            tenant=_woocommerce_site,
            own_host=host_of,
        ),
        "bigcommerce": bigcommerce.webhook_scheme(),
    }
