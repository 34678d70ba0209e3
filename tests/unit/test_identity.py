"""Identity keys, E.164 phones, deterministic person ids, merges and the time zone rule (pure)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from storeloom.domain.identity import (
    IdentityKey,
    customer_key,
    email_key,
    merge,
    merge_winner,
    normalize_phone,
    person_id_for,
    phone_key,
    strongest,
    timezone_for,
    token_key,
    tombstone,
)
from storeloom.domain.person import ContactRecord, OrderFacts, PersonProfile
from storeloom.domain.person_events import apply, event_keys
from tests.support.people import T0, customer, order

AT = datetime(2025, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("raw", "country", "expected"),
    [
        ("+1 613-555-0142", None, "+16135550142"),
        ("613 555 0142", "CA", "+16135550142"),
        ("030 901820", "de", "+4930901820"),
        ("(613) 555-0142", None, None),  # national, and no country to read it by
        ("not a phone", "US", None),
        ("+1 555", None, None),
        ("", "US", None),
        (None, "US", None),
    ],
)
def test_phones_become_e164_or_none(raw: str | None, country: str | None, expected: str | None) -> None:
    assert normalize_phone(raw, country) == expected


def test_keys_normalize_emails_and_refuse_non_addresses() -> None:
    assert email_key("  Ada@Example.COM ") == IdentityKey("email", "ada@example.com")
    assert email_key("not-an-email") is None
    assert phone_key("+44 20 7946 0958") == IdentityKey("phone", "+442079460958")
    assert customer_key("7").digest() == customer_key("7").digest() != customer_key("8").digest()
    assert len(IdentityKey("email", "a@b.co").digest()) == 64


def test_the_person_id_comes_from_the_strongest_key_whatever_the_order() -> None:
    keys = [email_key("ada@example.com"), customer_key("c1"), token_key("t")]
    present = [k for k in keys if k]
    assert strongest(present) == customer_key("c1")
    assert (
        person_id_for("s", present)
        == person_id_for("s", list(reversed(present)))
        == person_id_for("s", [customer_key("c1")])
    )
    assert person_id_for("s", present) != person_id_for("other", present)
    with pytest.raises(ValueError, match="keys"):
        strongest([])


def facts(order_id: str, when: datetime, total: str = "10") -> OrderFacts:
    return OrderFacts(
        order_id=order_id, placed_at=when, updated_at=when, total=Decimal(total), currency="USD", payment_status="paid"
    )


def test_the_winner_has_the_most_orders_then_the_smaller_id_unless_one_is_preferred() -> None:
    a = PersonProfile(store_id="s", person_id="b", orders={"o1": facts("o1", AT), "o2": facts("o2", AT)})
    b = PersonProfile(store_id="s", person_id="a", orders={"o3": facts("o3", AT)})
    c = PersonProfile(store_id="s", person_id="c", orders={"o4": facts("o4", AT), "o5": facts("o5", AT)})
    assert merge_winner([b, a]).person_id == "b"
    assert merge_winner([c, a]).person_id == "b"
    assert merge_winner([a, b], prefer="a").person_id == "a"


def test_a_merge_combines_keys_orders_sends_runs_and_keeps_the_later_order_version() -> None:
    send = ContactRecord(at=AT, medium="email", flow_id="f", run_id="r", step=0)
    older, newer = facts("o1", AT), facts("o1", AT).model_copy(update={"updated_at": AT.replace(day=2)})
    winner = PersonProfile(store_id="s", person_id="w", emails=["a@x.co"], orders={"o1": older})
    other = PersonProfile(
        store_id="s",
        person_id="o",
        emails=["b@x.co"],
        customer_ids=["c2"],
        orders={"o1": newer},
        sends=[send],
        email_consent="subscribed",
        country="DE",
    )
    merged = merge(winner, [other])
    assert merged.emails == ["a@x.co", "b@x.co"] and merged.customer_ids == ["c2"]
    assert merged.orders["o1"].updated_at == AT.replace(day=2)
    assert merged.sends == [send] and merged.email_consent == "subscribed" and merged.country == "DE"
    gone = tombstone(other, "w")
    assert (gone.merged_into, gone.emails, gone.orders) == ("w", [], {})


@pytest.mark.parametrize(
    ("platform", "country", "store", "expected"),
    [
        ("Europe/Paris", "US", "UTC", ("Europe/Paris", "platform")),
        ("Mars/Base", "US", "UTC", ("America/New_York", "country")),
        (None, "de", "UTC", ("Europe/Berlin", "country")),
        (None, "CA", "UTC", ("America/Toronto", "country")),
        (None, "ZZ", "Asia/Tokyo", ("Asia/Tokyo", "store")),
        (None, None, None, ("UTC", "store")),
    ],
)
def test_the_zone_is_the_platforms_else_the_countrys_main_else_the_stores(
    platform: str | None, country: str | None, store: str | None, expected: tuple[str, str]
) -> None:
    assert timezone_for(platform, country, store) == expected


def test_an_order_carries_its_customer_email_phone_and_cart_keys() -> None:
    event = order("s", "o1", T0, customer_id="c1", phone="613 555 0142", country="CA")
    assert event_keys(event.entity) == [  # type: ignore[arg-type]
        customer_key("c1"),
        IdentityKey("email", "ada@example.com"),
        IdentityKey("phone", "+16135550142"),
    ]


def test_applying_events_keeps_the_newer_order_and_the_platform_zone() -> None:
    profile = PersonProfile(store_id="s", person_id="p")
    profile = apply(profile, customer("s", "c1", T0, timezone="Europe/Paris", country="US").entity, "UTC")  # type: ignore[arg-type]
    assert (profile.timezone, profile.timezone_source, profile.email_consent) == (
        "Europe/Paris",
        "platform",
        "subscribed",
    )
    newer = order("s", "o1", T0, updated_at=T0.replace(day=5), status="refunded")
    profile = apply(profile, newer.entity, "UTC")  # type: ignore[arg-type]
    profile = apply(profile, order("s", "o1", T0).entity, "UTC")  # type: ignore[arg-type]
    assert profile.orders["o1"].payment_status == "refunded"
    assert profile.timezone == "Europe/Paris"
