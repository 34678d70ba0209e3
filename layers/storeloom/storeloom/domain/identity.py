"""The identity graph's keys, and the pure rules that resolve and merge persons.

A key is ``(kind, value)``: a platform customer id, a normalized email, an E.164 phone or a cart/checkout
token. Every key an event carries points at one person; a person is created under an id derived from its
strongest key, so two workers creating the same person at once write the same id and one conditional put
wins. When an event's keys point at several persons they merge into one (``merge``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from typing import NamedTuple

import phonenumbers
import pytz

from storeloom.domain.person import SEND_HISTORY, IdentityKind, PersonProfile, TimezoneSource
from storeloom.domain.types import parse_email

# Strongest first: a platform's customer id never moves to another person; an email can be shared by a
# household; a phone more so; a cart token only names a browser session.
KIND_STRENGTH: tuple[IdentityKind, ...] = ("customer", "email", "phone", "token")
# A person's tokens grow with every cart; the oldest are dropped from the profile (their key items still
# point here, and a merge re-points only those listed, so older ones reach the winner through the tombstone).
MAX_TOKENS = 20


# Countries whose first zone.tab entry is an outlying or eastern-edge zone: the zone of their largest city.
MAIN_ZONES = {
    "CA": "America/Toronto",
    "AU": "Australia/Sydney",
    "BR": "America/Sao_Paulo",
    "RU": "Europe/Moscow",
    "UA": "Europe/Kyiv",
    "UZ": "Asia/Tashkent",
    "AQ": "Antarctica/Casey",
}


class IdentityKey(NamedTuple):
    kind: IdentityKind
    value: str

    def digest(self) -> str:
        """sha256 hex of the normalized value: one fixed width, and no email or phone in a key."""
        return hashlib.sha256(self.value.encode()).hexdigest()


def normalize_phone(raw: str | None, country: str | None = None) -> str | None:
    """E.164 (``+16135550142``), or None when ``raw`` is absent or not a valid number.

    ``country`` (ISO 3166 alpha-2) reads a national number (``613-555-0142`` with ``CA``); a number written
    with ``+`` needs none.
    """
    if not raw or not raw.strip():
        return None
    region = country.strip().upper() if country and country.strip() else None
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def customer_key(customer_id: str) -> IdentityKey:
    return IdentityKey("customer", customer_id)


def email_key(raw: str | None) -> IdentityKey | None:
    email = parse_email(raw)
    return IdentityKey("email", email) if email else None


def phone_key(raw: str | None, country: str | None = None) -> IdentityKey | None:
    phone = normalize_phone(raw, country)
    return IdentityKey("phone", phone) if phone else None


def token_key(token: str) -> IdentityKey:
    return IdentityKey("token", token)


def strongest(keys: Iterable[IdentityKey]) -> IdentityKey:
    """The key a new person's id is derived from: by KIND_STRENGTH, then the smallest value."""
    ranked = sorted(set(keys), key=lambda key: (KIND_STRENGTH.index(key.kind), key.value))
    if not ranked:
        raise ValueError("keys: a person needs at least one identity key")
    return ranked[0]


def person_id_for(store_id: str, keys: Iterable[IdentityKey]) -> str:
    """Deterministic, so concurrent creators of the same person converge on one conditional put."""
    key = strongest(keys)
    return hashlib.sha256(f"{store_id}\x00{key.kind}\x00{key.value}".encode()).hexdigest()[:32]


def keys_of(profile: PersonProfile) -> list[IdentityKey]:
    """Every key the profile lists (what a merge re-points)."""
    keys = [customer_key(c) for c in profile.customer_ids]
    keys += [IdentityKey("email", e) for e in profile.emails]
    keys += [IdentityKey("phone", p) for p in profile.phones]
    return keys + [token_key(t) for t in profile.tokens]


def with_keys(profile: PersonProfile, keys: Iterable[IdentityKey]) -> PersonProfile:
    """The profile listing ``keys`` too; a new email or phone goes after those known (the first is written to)."""
    lists: dict[IdentityKind, list[str]] = {
        "customer": list(profile.customer_ids),
        "email": list(profile.emails),
        "phone": list(profile.phones),
        "token": list(profile.tokens),
    }
    for key in keys:
        if key.value not in lists[key.kind]:
            lists[key.kind].append(key.value)
    return profile.model_copy(
        update={
            "customer_ids": lists["customer"],
            "emails": lists["email"],
            "phones": lists["phone"],
            "tokens": lists["token"][-MAX_TOKENS:],
        }
    )


def merge_winner(profiles: Sequence[PersonProfile], prefer: str | None = None) -> PersonProfile:
    """The person the others merge into: ``prefer`` if given (a platform's own merge names the kept
    customer), else the one with the most orders; ties go to the smaller person id (stable everywhere)."""
    if prefer is not None:
        for profile in profiles:
            if profile.person_id == prefer:
                return profile
    return sorted(profiles, key=lambda p: (-len(p.orders), p.person_id))[0]


def merge(winner: PersonProfile, absorbed: Sequence[PersonProfile]) -> PersonProfile:
    """One person holding every key, order, send and run of ``winner`` and ``absorbed``.

    The winner's own values (consent, zone, country) stay unless it has none; an order known to both keeps
    the later version. Segment state is left to the caller, which re-evaluates it.
    """
    merged = winner
    orders = dict(winner.orders)
    sends = list(winner.sends)
    runs = dict(winner.runs)
    tags = list(winner.tags)
    for other in absorbed:
        merged = with_keys(merged, keys_of(other))
        for order_id, facts in other.orders.items():
            if order_id not in orders or facts.updated_at > orders[order_id].updated_at:
                orders[order_id] = facts
        sends += [send for send in other.sends if send not in sends]
        runs = {**other.runs, **runs}
        tags += [tag for tag in other.tags if tag not in tags]
        merged = merged.model_copy(update=_fill_blanks(merged, other))
    newest = max((s.at for s in sends), default=None)
    kept = [s for s in sends if newest is None or s.at > newest - SEND_HISTORY]
    return merged.model_copy(
        update={"orders": orders, "sends": sorted(kept, key=lambda s: s.at), "runs": runs, "tags": tags}
    )


def _fill_blanks(profile: PersonProfile, other: PersonProfile) -> dict[str, object]:
    update: dict[str, object] = {}
    for name in ("email_consent", "sms_consent"):
        if getattr(profile, name) == "unknown" and getattr(other, name) != "unknown":
            update[name] = getattr(other, name)
    if profile.country is None and other.country is not None:
        update["country"] = other.country
    if profile.timezone_source != "platform" and other.timezone_source == "platform":
        update |= {"timezone": other.timezone, "timezone_source": other.timezone_source}
    return update


def tombstone(absorbed: PersonProfile, winner_id: str) -> PersonProfile:
    """What an absorbed profile becomes: its keys and facts moved to ``winner_id``; only the pointer stays."""
    return PersonProfile(
        store_id=absorbed.store_id, person_id=absorbed.person_id, version=absorbed.version, merged_into=winner_id
    )


def timezone_for(platform_tz: str | None, country: str | None, store_tz: str | None) -> tuple[str, TimezoneSource]:
    """The zone to judge the person's local time by, and where it came from.

    The platform's own zone when it names a real IANA zone; else the main zone of the address country;
    else the store's zone (UTC when the store names none either). The country's main zone is the first
    that pytz.country_timezones lists (its copy of IANA zone.tab: America/New_York for US, Europe/Berlin
    for DE, Asia/Shanghai for CN), except where zone.tab lists a country's zones east to west and the first
    is not where most people live (MAIN_ZONES). pytz ships its own copy of the IANA database, so the
    answer does not depend on the system's tzdata.
    """
    if platform_tz and platform_tz.strip() in pytz.all_timezones_set:
        return platform_tz.strip(), "platform"
    code = country.strip().upper() if country and country.strip() else None
    if code:
        try:
            zones = pytz.country_timezones[code]
        except KeyError:
            zones = []
        if zones:
            return MAIN_ZONES.get(code, zones[0]), "country"
    if store_tz and store_tz.strip() in pytz.all_timezones_set:
        return store_tz.strip(), "store"
    return "UTC", "store"
