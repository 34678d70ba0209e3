"""Every platform that pushes webhooks: the receiver's scheme (storeloom.platforms.signatures.webhook_schemes)
accepts the kit's delivery as the platform signs it and refuses it once anything is off.

The store's secrets are checked as the receiver checks them: a delivery passes when any of the store's
webhook secrets verifies it, so during a rotation the old and the new secret both work. Deliveries are
signed at the real now, since a scheme with a replay window (BigCommerce) reads the wall clock.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

import pytest

from storeloom.platforms.signatures import webhook_schemes
from storeloom.services.ingest.receiver import WebhookScheme
from tests.conformance.kit import PlatformKit, SignedDelivery


def delivery_of(kit: PlatformKit) -> SignedDelivery:
    if kit.delivery is None:
        pytest.skip(f"{kit.platform} pushes no webhooks (the kit has no delivery)")
    return kit.delivery


def scheme_of(kit: PlatformKit) -> WebhookScheme:
    schemes = webhook_schemes()
    assert kit.platform in schemes, f"the {kit.platform} kit has a delivery but webhook_schemes() has no scheme for it"
    return schemes[kit.platform]


def signed_with(kit: PlatformKit, secret: str) -> dict[str, str]:
    delivery = delivery_of(kit)
    headers = delivery.sign(delivery.body, secret, datetime.now(UTC))
    return {name.lower(): value for name, value in headers.items()}  # the receiver lower-cases header names


def accepted(kit: PlatformKit, body: bytes, headers: Mapping[str, str], secrets: tuple[str, ...]) -> bool:
    scheme = scheme_of(kit)
    return any(scheme.verify(body, headers, secret) for secret in secrets)


def current_secret(kit: PlatformKit) -> str:
    delivery_of(kit)
    assert kit.secrets.webhook_secrets, f"the {kit.platform} kit has a delivery but its secrets hold no webhook secret"
    return kit.secrets.webhook_secrets[0]


def test_a_correctly_signed_delivery_is_accepted(kit: PlatformKit) -> None:
    headers = signed_with(kit, current_secret(kit))
    assert accepted(kit, delivery_of(kit).body, headers, kit.secrets.webhook_secrets)


def test_a_tampered_body_is_rejected(kit: PlatformKit) -> None:
    headers = signed_with(kit, current_secret(kit))
    tampered = delivery_of(kit).body.replace(b"}", b', "tampered": true}', 1)
    assert tampered != delivery_of(kit).body
    assert not accepted(kit, tampered, headers, kit.secrets.webhook_secrets)


def test_a_delivery_signed_with_another_secret_is_rejected(kit: PlatformKit) -> None:
    headers = signed_with(kit, current_secret(kit) + "-not-the-stores")
    assert not accepted(kit, delivery_of(kit).body, headers, kit.secrets.webhook_secrets)


@pytest.mark.parametrize("signer", ["old", "new"])
def test_during_a_rotation_either_listed_secret_is_accepted(kit: PlatformKit, signer: str) -> None:
    old = current_secret(kit)
    new = old + "-rotated"
    headers = signed_with(kit, old if signer == "old" else new)
    assert accepted(kit, delivery_of(kit).body, headers, (new, old))
    assert not accepted(kit, delivery_of(kit).body, headers, (new if signer == "old" else old,))


def test_the_receiver_reads_the_deliverys_topic(kit: PlatformKit) -> None:
    delivery, scheme = delivery_of(kit), scheme_of(kit)
    headers = signed_with(kit, current_secret(kit))
    topic = scheme.topic_from_body(delivery.body) if scheme.topic_from_body else headers.get(scheme.topic_header)
    assert topic == delivery.topic
    assert topic in kit.descriptor.webhook_topics
