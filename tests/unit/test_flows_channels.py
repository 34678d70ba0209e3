"""Channels: Standard Webhooks signing, rendering, and the once-per-(run, step) sender."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import timedelta

import httpx
import pytest

from storeloom.adapters.webhook_channel import WebhookChannel, sign
from storeloom.domain.outbound import OutboundMessage
from storeloom.services.flows.message import build_message
from storeloom.services.flows.once import OnceSender
from storeloom.services.flows.ports import ProviderError, SendInProgress
from tests.fakes.flows import MemoryChannel, MemorySendLedger
from tests.unit.flows_builders import NOW, cart, state

SECRET = "whsec_" + base64.b64encode(b"super-secret-key").decode()


def message() -> OutboundMessage:
    the_cart = cart()
    return build_message(state(), the_cart, "ann@example.com", the_cart.line_items, "A", NOW)


def test_signature_matches_the_standard_webhooks_scheme() -> None:
    expected = hmac.new(b"super-secret-key", b"msg_1.1700000000.{}", hashlib.sha256).digest()
    assert sign(SECRET, "msg_1", 1700000000, b"{}") == "v1," + base64.b64encode(expected).decode()


def test_webhook_posts_signed_json_with_the_message_id() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(204)

    client = httpx.Client(transport=httpx.MockTransport(handler))
    out = message()
    assert WebhookChannel("https://hooks.example/in", SECRET, client, clock=lambda: NOW).deliver(out) == out.message_id
    request = seen[0]
    timestamp = request.headers["webhook-timestamp"]
    assert request.headers["webhook-id"] == out.message_id and timestamp == str(int(NOW.timestamp()))
    assert request.headers["webhook-signature"] == sign(SECRET, out.message_id, int(timestamp), request.content)
    body = json.loads(request.content)
    assert body["data"]["recovery_url"] == "https://shop.example/recover/cart-1"


def test_webhook_error_status_is_a_provider_error() -> None:
    client = httpx.Client(transport=httpx.MockTransport(lambda _request: httpx.Response(503)))
    with pytest.raises(ProviderError, match="503"):
        WebhookChannel("https://hooks.example/in", SECRET, client).deliver(message())


def test_message_renders_items_prices_images_and_recovery_link() -> None:
    out = message()
    assert "1 x Mug: 12.50 USD" in out.text and "recover/cart-1" in out.text
    assert out.message_id == message().message_id  # deterministic per (run, step)


def test_a_claimed_send_in_progress_is_not_sent_again() -> None:
    ledger, channel = MemorySendLedger(), MemoryChannel()
    ledger.claim("send#run-1#0", NOW)
    with pytest.raises(SendInProgress):
        OnceSender(ledger, lambda _p, _t: channel).send(message(), "outbox", NOW + timedelta(seconds=1))
    assert channel.delivered == []


def test_a_delivered_send_returns_its_id_without_calling_the_provider() -> None:
    ledger, channel = MemorySendLedger(), MemoryChannel()
    sender = OnceSender(ledger, lambda _p, _t: channel)
    first = sender.send(message(), "outbox", NOW)
    again = sender.send(message(), "outbox", NOW)
    assert first == (message().message_id, True) and again == (message().message_id, False)
    assert len(channel.delivered) == 1
