"""Pure eligibility rules: conversion, consent, frequency cap, exclusion and quiet hours. No I/O."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from storeloom.domain.decisions import SendRecord
from storeloom.domain.flow_config import QuietHours
from storeloom.domain.model import Cart, Customer, Order

_NOT_A_PURCHASE = frozenset({"failed", "voided"})


def contact_key(medium: str, address: str) -> str:
    """A contact by normalized email or phone, hashed so no table holds the address in its keys."""
    normalized = address.strip().lower() if medium == "email" else "".join(c for c in address if c.isdigit())
    return f"{medium}#{hashlib.sha256(normalized.encode()).hexdigest()}"


def converted(cart: Cart, orders: Iterable[Order], since: datetime) -> bool:
    """The cart completed, or an order for this cart or person was placed since the cart's activity began."""
    if cart.completed_at is not None or cart.order_id is not None:
        return True
    for order in orders:
        if order.cancelled_at is not None or order.payment_status in _NOT_A_PURCHASE:
            continue
        if order.cart_id == cart.id or (order.placed_at or order.updated_at) >= since:
            return True
    return False


def consent_of(customers: Sequence[Customer], medium: str) -> str:
    """The most restrictive word across every record of the person: one unsubscribe wins."""
    return strictest([c.email_consent if medium == "email" else c.sms_consent for c in customers])


def strictest(states: Sequence[str]) -> str:
    """One unsubscribe wins over any subscription; a subscription over not knowing."""
    for state in ("unsubscribed", "subscribed"):
        if state in states:
            return state
    return states[0] if states else "unknown"


MARKETPLACE_BUYER = "marketplace_buyer"
# Amazon's buyer-seller messaging relay (e.g. 0x1abc@marketplace.amazon.com, .co.uk, .de...).
_RELAY = re.compile(r"@marketplace\.amazon\.[a-z.]+$")


def marketplace_exit(customer_tags: Iterable[Iterable[str]], address: str | None) -> str | None:
    """``marketplace_buyer`` when the person is known only as a marketplace's buyer (every customer record
    carries the tag, e.g. Amazon's) or the address is Amazon's relay: marketplaces forbid marketing to their
    buyers, whatever another store's consent says."""
    tags = [set(tagged) for tagged in customer_tags]
    if tags and all(MARKETPLACE_BUYER in tagged for tagged in tags):
        return MARKETPLACE_BUYER
    return MARKETPLACE_BUYER if address and _RELAY.search(address.strip().lower()) else None


def consent_exit(consent: str, allow_single_reminder: bool, sent_in_run: int) -> str | None:
    """The exit reason, or None when this step may send."""
    if consent == "subscribed":
        return None
    if consent == "unsubscribed":
        return "unsubscribed"
    return None if allow_single_reminder and sent_in_run == 0 else "no_consent"


def capped(sends: Iterable[SendRecord], medium: str, cap_seconds: int, now: datetime, this: tuple[str, int]) -> bool:
    """A message on this medium within the cap, other than this very (run, step) replayed."""
    since = now - timedelta(seconds=cap_seconds)
    return any(s.medium == medium and s.at > since and (s.run_id, s.step) != this for s in sends)


def excluded(
    sends: Iterable[SendRecord], run_id: str, abandonment_flows: Iterable[str], seconds: int, now: datetime
) -> bool:
    """Another abandonment run already messaged this person within the last ``seconds`` (the exclusion)."""
    flows = set(abandonment_flows)
    since = now - timedelta(seconds=seconds)
    return any(s.flow_id in flows and s.run_id != run_id and s.at > since for s in sends)


def valid_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def zone(name: str | None, default: str) -> ZoneInfo:
    for candidate in (name, default, "UTC"):
        if candidate:
            try:
                return ZoneInfo(candidate)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return ZoneInfo("UTC")


def quiet_until(now: datetime, tz: ZoneInfo, quiet: QuietHours | None) -> datetime | None:
    """The end of the quiet period ``now`` falls in (local time in ``tz``), or None if sending is allowed."""
    if quiet is None or quiet.start_hour == quiet.end_hour:
        return None
    local = now.astimezone(tz)
    hour = local.hour
    wraps = quiet.start_hour > quiet.end_hour
    inside = (
        (hour >= quiet.start_hour or hour < quiet.end_hour) if wraps else (quiet.start_hour <= hour < quiet.end_hour)
    )
    if not inside:
        return None
    end = local.replace(hour=quiet.end_hour, minute=0, second=0, microsecond=0)
    if end <= local:
        end += timedelta(days=1)
    return end.astimezone(now.tzinfo)


def variant_for(variants: Sequence[str], flow_id: str, subject_key: str) -> str:
    """Stable A/B assignment: sha256 of (experiment, profile) mod 10000, split evenly across the variants."""
    bucket = int(hashlib.sha256(f"{flow_id}:{subject_key}".encode()).hexdigest(), 16) % 10000
    return variants[bucket * len(variants) // 10000]
