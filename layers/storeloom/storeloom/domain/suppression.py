"""Suppression entries: a hashed contact a store must never message, why, where from, and a masked hint.

Pure. The entry never holds the address: ``contact_key`` is the hash the flows look up
(storeloom.domain.eligibility.contact_key) and ``hint`` is enough for an operator to recognise it
(``a***@example.com``, ``+44*******12``).
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from storeloom.domain.eligibility import contact_key
from storeloom.domain.types import UtcDatetime, parse_email

Medium = Literal["email", "sms"]
# Where a suppression came from: an operator, the unsubscribe link, or SES feedback.
SOURCES = ("manual", "link", "ses_bounce", "ses_complaint", "ses_unsubscribe")
_REASON = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")
_PHONE = re.compile(r"^\+[\d\s().\-/]+$")
_PHONE_DIGITS = (8, 15)  # E.164: a country code and a number, at most 15 digits


class Suppression(BaseModel):
    model_config = ConfigDict(frozen=True)
    store_id: str = Field(min_length=1)
    contact_key: str = Field(pattern=r"^(email|sms)#[0-9a-f]{64}$")
    medium: Medium
    reason: str = Field(pattern=_REASON.pattern)
    source: str = "unknown"
    at: UtcDatetime | None = None
    hint: str | None = None


def medium_of(key: str) -> Medium:
    return "sms" if key.startswith("sms#") else "email"


def is_reason(text: str) -> bool:
    return bool(_REASON.match(text))


def parse_reason(text: str) -> str:
    """A short label (``manual``, ``bounce``, ``gdpr-request``): free text could carry personal data."""
    reason = text.strip().lower()
    if not _REASON.match(reason):
        raise ValueError(f"{text!r} is not a reason: 1-64 of a-z, 0-9, '_', '-' and '.', from a letter or digit")
    return reason


def email_contact(text: str) -> tuple[str, str]:
    """(contact key, hint) of an email address; ValueError when it is not one."""
    address = parse_email(text)
    if address is None:
        raise ValueError(f"{text!r} is not an email address")
    return contact_key("email", address), mask_email(address)


def sms_contact(text: str) -> tuple[str, str]:
    """(contact key, hint) of an E.164 phone number (``+447700900123``); ValueError otherwise."""
    digits = "".join(c for c in text if c.isdigit())
    low, high = _PHONE_DIGITS
    if not _PHONE.match(text.strip()) or not low <= len(digits) <= high:
        raise ValueError(f"{text!r} is not an E.164 phone number (+, country code and number, e.g. +447700900123)")
    return contact_key("sms", digits), mask_phone(digits)


def mask_email(address: str) -> str:
    local, _, domain = address.partition("@")
    return f"{local[:1]}***@{domain}"


def mask_phone(digits: str) -> str:
    return f"+{digits[:2]}{'*' * max(0, len(digits) - 4)}{digits[-2:]}"
