"""Unsubscribe tokens: a link names its contact by hash only, and only its own store accepts it."""

from __future__ import annotations

import pytest

from storeloom.domain.eligibility import contact_key
from storeloom.domain.unsubscribe import InvalidToken, sign, unsubscribe_url, verify

KEY = b"k" * 48
ANN = contact_key("email", "Ann@Example.com")


def test_a_signed_token_verifies_to_its_contact_and_holds_no_address() -> None:
    token = sign(KEY, "shop-1", ANN)
    assert verify(KEY, "shop-1", token) == ANN
    assert "ann" not in token.lower() and "example" not in token.lower()


def test_sms_contacts_sign_too() -> None:
    phone = contact_key("sms", "+44 7700 900123")
    assert verify(KEY, "shop-1", sign(KEY, "shop-1", phone)) == phone


def test_another_store_refuses_the_token() -> None:
    with pytest.raises(InvalidToken, match="does not match this store"):
        verify(KEY, "shop-2", sign(KEY, "shop-1", ANN))


def test_another_key_refuses_the_token() -> None:
    with pytest.raises(InvalidToken, match="does not match"):
        verify(b"other", "shop-1", sign(KEY, "shop-1", ANN))


def test_a_token_moved_to_another_contact_is_refused() -> None:
    medium, _, mac = sign(KEY, "shop-1", ANN).split(".")
    bob_hash = sign(KEY, "shop-1", contact_key("email", "bob@example.com")).split(".")[1]
    with pytest.raises(InvalidToken, match="does not match"):
        verify(KEY, "shop-1", f"{medium}.{bob_hash}.{mac}")


def test_a_flipped_signature_character_is_refused() -> None:
    token = sign(KEY, "shop-1", ANN)
    flipped = token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]
    with pytest.raises(InvalidToken):
        verify(KEY, "shop-1", flipped)


@pytest.mark.parametrize("token", ["", "garbage", "email.abc.def", "fax.AAAA.BBBB", "email..", "a.b.c.d"])
def test_malformed_tokens_are_refused_with_a_reason(token: str) -> None:
    with pytest.raises(InvalidToken, match=r"^token: "):
        verify(KEY, "shop-1", token)


def test_the_sms_medium_cannot_be_swapped_in() -> None:
    token = sign(KEY, "shop-1", ANN)
    with pytest.raises(InvalidToken):
        verify(KEY, "shop-1", "sms" + token.removeprefix("email"))


def test_the_url_is_the_routes_path_with_the_store_quoted() -> None:
    assert unsubscribe_url("https://api.example/", "shop.1", "t") == "https://api.example/unsubscribe/shop.1/t"
    assert unsubscribe_url("http://127.0.0.1:9", "a b", "t") == "http://127.0.0.1:9/unsubscribe/a%20b/t"


def test_signing_refuses_what_is_not_a_contact_key() -> None:
    with pytest.raises(ValueError, match="not a contact key"):
        sign(KEY, "shop-1", "ann@example.com")
