"""Field types shared by every canonical entity: money, UTC time, ids and emails.

``parse_id``, ``parse_amount``, ``parse_currency``, ``parse_utc`` and ``parse_email`` are the only parsers
of these values: the annotated types below validate through them, and the platform adapters call them too,
so one rule holds everywhere. They raise ValueError, which pydantic reports against the field (except
``parse_email``, which turns a non-address into None).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal, TypeGuard, get_args

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, PlainSerializer, ValidationInfo

from storeloom.domain.currencies import CURRENCY_CODES

PaymentStatus = Literal[
    "pending", "authorized", "partially_paid", "paid", "partially_refunded", "refunded", "voided", "failed"
]
FulfillmentStatus = Literal["unfulfilled", "partial", "fulfilled"]
Consent = Literal["subscribed", "not_subscribed", "unsubscribed", "pending", "unknown"]
EntityType = Literal["customer", "cart", "order", "product", "inventory_level"]
Platform = Literal["shopify", "woocommerce", "magento2", "bigcommerce", "amazon_sp"]
Action = Literal["created", "updated", "deleted"]
Source = Literal["webhook", "poll", "backfill", "replay"]

# Every platform name the model knows, served by an adapter or not.
PLATFORMS: tuple[Platform, ...] = get_args(Platform)


def is_platform(name: str) -> TypeGuard[Platform]:
    return name in PLATFORMS


def parse_id(value: Any) -> str:
    """An id as text, from a string or an integer.

    Shopify ids exceed 2**53, so an id is never a number once inside the model. Any other number is
    refused: a float may have lost digits, and a Decimal (a JSON ``1.0`` read by ``loads``) is no id form.
    """
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValueError(f"an id must be a string or an integer, not {value!r}")
    text = str(value).strip()
    if not text:
        raise ValueError("an id must not be empty")
    return text


def parse_amount(value: Any) -> Decimal:
    """An exact, finite Decimal from a decimal string, an integer or a Decimal (a JSON number read by
    ``loads``). A float is refused: it is binary, and a plain ``json.loads`` has already rounded it."""
    if isinstance(value, float):
        raise ValueError(f"money must not be a float; pass a decimal string: {value!r}")
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        raise ValueError(f"not a decimal amount: {value!r}")
    try:
        amount = Decimal(value.strip() if isinstance(value, str) else value)
    except InvalidOperation as error:
        raise ValueError(f"not a decimal amount: {value!r}") from error
    if not amount.is_finite():
        raise ValueError(f"not a finite amount: {value!r}")
    return amount


def parse_currency(value: Any) -> str:
    """An ISO 4217 alphabetic code, trimmed and upper-cased: ``"usd "`` is ``USD``; ``"US"``, ``"XYZ"`` and
    ``"$"`` are refused (storeloom.domain.currencies says which codes count)."""
    if not isinstance(value, str):
        raise ValueError(f"a currency must be an ISO 4217 code, not {value!r}")
    code = value.strip().upper()
    if code not in CURRENCY_CODES:
        raise ValueError(f"not an ISO 4217 currency code: {value!r}")
    return code


def format_amount(amount: Decimal) -> str:
    """Plain notation, never an exponent (``str`` gives ``1E+2`` for a JSON ``1e2``); trailing zeros kept."""
    return format(amount, "f")


def parse_utc(value: str | datetime) -> datetime:
    """An aware UTC datetime from ISO 8601 text; text with no zone is UTC (WooCommerce ``*_gmt``, Magento).

    A naive datetime object is read as UTC too; the canonical model refuses those (see ``UtcDatetime``).
    """
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str):
        text = value.strip()
        # RFC 3339 allows a lower-case "z", which datetime.fromisoformat does not.
        text = text[:-1] + "Z" if text.endswith("z") else text
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError as error:
            raise ValueError(f"not an ISO 8601 timestamp: {value!r}") from error
    else:
        raise ValueError(f"not a timestamp: {value!r}")
    return (parsed if parsed.utcoffset() is not None else parsed.replace(tzinfo=UTC)).astimezone(UTC)


def format_utc(value: datetime, *, timespec: str = "auto") -> str:
    """ISO 8601 in UTC, ending in ``Z``. ``timespec`` as for ``datetime.isoformat`` (cursors keep
    microseconds so their text has one fixed width)."""
    return _aware_utc(value).replace(tzinfo=None).isoformat(timespec=timespec) + "Z"


def _aware_utc(value: datetime) -> datetime:
    if value.utcoffset() is None:
        raise ValueError("timestamps must carry a time zone")
    return value.astimezone(UTC)


def _model_utc(value: Any) -> datetime:
    # A naive datetime object in the model is a bug upstream (datetime.now() without a zone), not a
    # platform's convention, so only text may leave the zone out.
    return _aware_utc(value) if isinstance(value, datetime) else parse_utc(value)


# How far ahead of this process's clock a version timestamp may lie: platform and Lambda clocks drift
# by seconds, and a day covers any time zone a platform may have mislabelled as UTC.
FUTURE_TOLERANCE = timedelta(days=1)


def _not_future(value: datetime, info: ValidationInfo) -> datetime:
    # "Now" is read when the value is validated: the moment ingest maps a payload, which is when a
    # version must be refused. A test (or a replay judging by another moment) passes its own as the
    # validation context, ``Model.model_validate(data, context={"now": moment})``. Values that passed once
    # pass again later (the bus, the tables and the flows re-validate), since the clock only moves on.
    context = info.context if isinstance(info.context, dict) else {}
    now = context.get("now") or datetime.now(UTC)
    if value > now + FUTURE_TOLERANCE:
        raise ValueError(f"{format_utc(value)} is in the future (later than now plus {FUTURE_TOLERANCE.days} day)")
    return value


# An address as far as a message needs one: at most 254 characters, exactly one "@", a non-empty local part,
# and a domain of two or more non-empty dot-separated labels; no whitespace or control character anywhere.
# No DNS lookup and no RFC 5322 quoting (a quoted local part with a space is refused: no store sends one).
_EMAIL_MAX = 254


def parse_email(value: Any) -> str | None:
    """A trimmed, lower-cased address, or None when ``value`` is absent or not an address.

    ``"not-an-email"`` and ``"ada lovelace@example.com"`` are None: the entity is kept without a contact
    address (the raw archive keeps what the platform sent), rather than refused for it.
    """
    if value is None:
        return None
    text = str(value).strip().lower()
    return text if _is_address(text) else None


def _is_address(text: str) -> bool:
    if not text or len(text) > _EMAIL_MAX or text.count("@") != 1:
        return False
    if any(char.isspace() or not char.isprintable() for char in text):
        return False
    local, domain = text.split("@")
    labels = domain.split(".")
    return bool(local) and len(labels) >= 2 and all(labels)


def parse_country(value: Any) -> str | None:
    """An ISO 3166-1 alpha-2 code, trimmed and upper-cased (``" gb"`` is ``GB``); None when absent or empty.

    A name (``"United States"``) or an alpha-3 code (``"USA"``) is refused: platforms send the two-letter
    code in their own field, and a country is only worth keeping as the code a time zone is looked up by.
    """
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"a country must be an ISO 3166-1 alpha-2 code, not {value!r}")
    code = value.strip().upper()
    if not code:
        return None
    if len(code) != 2 or not code.isascii() or not code.isalpha():
        raise ValueError(f"not an ISO 3166-1 alpha-2 country code: {value!r}")
    return code


Id = Annotated[str, BeforeValidator(parse_id)]
UtcDatetime = Annotated[datetime, BeforeValidator(_model_utc), PlainSerializer(format_utc, return_type=str)]
# The timestamps that are versions: an entity's ``updated_at`` and an event's ``occurred_at`` (which the
# entity store compares, so a year-9999 value would make every real update stale forever) and
# ``received_at`` (a delete's version when the platform gives no event id). They may not lie more than
# FUTURE_TOLERANCE ahead. Other entity moments (created_at, placed_at, completed_at, cancelled_at) order
# nothing and stay plain UtcDatetime, as do cursors, runs, decisions and outbound messages, whose times
# may legitimately be in the future (a run's next step, a scheduled send).
VersionDatetime = Annotated[UtcDatetime, AfterValidator(_not_future)]
DecimalAmount = Annotated[Decimal, BeforeValidator(parse_amount), PlainSerializer(format_amount, return_type=str)]
Email = Annotated[str | None, BeforeValidator(parse_email)]
Country = Annotated[str | None, BeforeValidator(parse_country)]
Currency = Annotated[str, BeforeValidator(parse_currency)]


class CanonicalModel(BaseModel):
    """Base for the contract models: unknown fields are an error, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Money(CanonicalModel):
    amount: DecimalAmount
    currency: Currency


def loads(body: str | bytes) -> Any:
    """Parse a payload exactly: big ints stay ints (Shopify ids exceed 2**53), decimals become Decimal.

    It never returns a float, so ``parse_amount`` accepts what it gives; NaN and Infinity become
    non-finite Decimals, which it refuses."""
    return json.loads(body, parse_float=Decimal, parse_constant=Decimal)
