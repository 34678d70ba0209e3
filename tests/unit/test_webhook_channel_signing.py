"""What the webhook channel sends verifies with the reference Standard Webhooks package."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import httpx
import pytest
from standardwebhooks import Webhook, WebhookVerificationError

from storeloom.adapters.webhook_channel import WebhookChannel, sign, verification_secret
from storeloom.domain.outbound import OutboundMessage
from tests.support.messages import outbound_message

KEY = b"\x00\x9fsixteen-plus-bytes\xff"
PADDED = "whsec_" + base64.b64encode(KEY).decode()
# What GenerateSecretString gives the stack: plain letters and digits, no whsec_ prefix.
GENERATED = "Vb3kQ9xTzL2mN7pR4sW8yC1dF6gH0jK5aE9uI3oB7nM2qX4t"


def message() -> OutboundMessage:
    return outbound_message(html="<p>Mug: 12.50 USD \u2014 caf\u00e9</p>")


def delivered(secret: str) -> httpx.Request:
    """The request the channel posts, signed now (the package refuses timestamps five minutes off)."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(204)

    client = httpx.Client(transport=httpx.MockTransport(handler))
    WebhookChannel("https://hooks.example/in", secret, client).deliver(message())
    return seen[0]


def headers_of(request: httpx.Request) -> dict[str, str]:
    return {name: request.headers[name] for name in ("webhook-id", "webhook-timestamp", "webhook-signature")}


@pytest.mark.parametrize("secret", [PADDED, PADDED.rstrip("=")], ids=["padded", "unpadded"])
def test_a_whsec_secret_verifies_with_the_same_string(secret: str) -> None:
    request = delivered(secret)
    payload = Webhook(secret).verify(request.content, headers_of(request))
    assert payload["type"] == "flow.abandoned_cart.message"
    assert payload["data"]["message_id"] == "msg_run-1_0"


def test_a_plain_secret_is_used_as_raw_bytes_and_verifies_in_its_whsec_form() -> None:
    request = delivered(GENERATED)
    handed_out = verification_secret(GENERATED)
    assert handed_out == "whsec_" + base64.b64encode(GENERATED.encode()).decode()
    assert Webhook(handed_out).verify(request.content, headers_of(request))["data"]["run_id"] == "run-1"
    # Given as is, the package reads the plain secret as base64: another key, so the receiver needs the whsec_ form.
    with pytest.raises(WebhookVerificationError):
        Webhook(GENERATED).verify(request.content, headers_of(request))


def test_the_whsec_form_of_a_whsec_secret_is_itself() -> None:
    assert verification_secret(PADDED) == PADDED
    assert verification_secret(PADDED.rstrip("=")) == PADDED


def test_a_changed_body_or_another_secret_does_not_verify() -> None:
    request = delivered(PADDED)
    with pytest.raises(WebhookVerificationError):
        Webhook(PADDED).verify(request.content.replace(b"run-1", b"run-2"), headers_of(request))
    other = "whsec_" + base64.b64encode(b"another key entirely").decode()
    with pytest.raises(WebhookVerificationError):
        Webhook(other).verify(request.content, headers_of(request))


def test_the_standalone_signature_matches_the_package() -> None:
    timestamp = int(datetime.now(UTC).timestamp())
    headers = {"webhook-id": "msg_1", "webhook-timestamp": str(timestamp)}
    headers["webhook-signature"] = sign(GENERATED, "msg_1", timestamp, b"{}")
    assert Webhook(verification_secret(GENERATED)).verify(b"{}", headers) == {}


@pytest.mark.parametrize(
    ("secret", "problem"),
    [
        ("", "empty"),
        ("whsec_", "empty"),
        ("whsec_not*base64!", "not base64"),
        ("whsec_abcde", "not base64"),
    ],
)
def test_a_secret_that_gives_no_key_is_refused_when_the_channel_is_built(secret: str, problem: str) -> None:
    client = httpx.Client(transport=httpx.MockTransport(lambda _request: httpx.Response(204)))
    with pytest.raises(ValueError, match=problem):
        WebhookChannel("https://hooks.example/in", secret, client)
