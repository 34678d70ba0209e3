"""Every email leaves with a signed unsubscribe link in both bodies and RFC 8058 headers; SMS does not."""

from __future__ import annotations

import pytest

from storeloom.domain.eligibility import contact_key
from storeloom.domain.outbound import OutboundMessage
from storeloom.domain.unsubscribe import verify
from storeloom.services.flows.message import UnsubscribingChannel, build_message
from storeloom.services.suppression import Contact, SuppressionService, UnsubscribeLinks, Unsubscriber
from tests.fakes.flows import MemoryChannel
from tests.unit.flows_builders import NOW, cart, state
from tests.unit.test_ses_feedback import MemoryStore

KEY = b"unsubscribe-key"


def message(medium: str = "email", to: str = "Ann@Example.com") -> OutboundMessage:
    the_cart = cart()
    built = build_message(state(), the_cart, to, the_cart.line_items, "A", NOW)
    return built.model_copy(update={"medium": medium})


def links(reads: list[int] | None = None) -> UnsubscribeLinks:
    def read() -> bytes:
        if reads is not None:
            reads.append(1)
        return KEY

    return UnsubscribeLinks(read, "https://api.example/")


def test_an_email_gets_the_link_in_both_bodies_and_the_one_click_headers() -> None:
    inner = MemoryChannel()
    original = message()
    UnsubscribingChannel(inner, links().url_for).deliver(original)

    [sent] = inner.delivered
    url = sent.unsubscribe_url
    assert url is not None and url.startswith(f"https://api.example/unsubscribe/{original.store_id}/")
    assert verify(KEY, original.store_id, url.rsplit("/", 1)[1]) == contact_key("email", "ann@example.com")
    assert sent.text.startswith(original.text) and url in sent.text.removeprefix(original.text)
    assert url in sent.html and sent.html.startswith(original.html)
    assert sent.headers == {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def test_sms_is_delivered_as_built() -> None:
    inner = MemoryChannel()
    original = message("sms", "+447700900123")
    UnsubscribingChannel(inner, links().url_for).deliver(original)
    assert inner.delivered == [original]


def test_the_signing_key_is_read_once() -> None:
    reads: list[int] = []
    signer = links(reads)
    channel = UnsubscribingChannel(MemoryChannel(), signer.url_for)
    for _ in range(3):
        channel.deliver(message())
    assert reads == [1]


def test_following_the_link_suppresses_the_contact_with_source_link() -> None:
    store = MemoryStore()
    signer = links()
    url = signer.url_for("shop-1", contact_key("email", "ann@example.com"))
    entry = Unsubscriber(signer, SuppressionService(store, clock=lambda: NOW)).unsubscribe(
        "shop-1", url.rsplit("/", 1)[1]
    )
    assert (entry.reason, entry.source, entry.at, entry.hint) == ("unsubscribed", "link", NOW, None)
    assert ("shop-1", contact_key("email", "ann@example.com")) in store.entries


@pytest.mark.parametrize(
    ("email", "phone", "hints"),
    [
        ("Ann.Lee@Example.com", None, ["a***@example.com"]),
        (None, "+44 7700 900112", ["+44********12"]),
        ("bo@shop.io", "+1 (613) 555-0142", ["b***@shop.io", "+16*******42"]),
    ],
)
def test_contacts_are_keyed_by_hash_and_listed_by_a_masked_hint(
    email: str | None, phone: str | None, hints: list[str]
) -> None:
    contacts = Contact.parse([email] if email else [], [phone] if phone else [])
    assert [c.hint for c in contacts] == hints
    if email:
        assert contacts[0].key == contact_key("email", email)


@pytest.mark.parametrize(
    ("email", "phone"), [("not-an-email", None), (None, "07700 900123"), (None, "+12"), (None, "+44 77x")]
)
def test_an_address_that_is_not_one_is_refused(email: str | None, phone: str | None) -> None:
    with pytest.raises(ValueError, match="is not an"):
        Contact.parse([email] if email else [], [phone] if phone else [])
