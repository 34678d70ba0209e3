"""Field types shared by every canonical entity: money, UTC time, ids and emails.

``parse_id``, ``parse_amount`` and ``parse_utc`` are the only parsers of these values: the annotated
types below validate through them, and the platform adapters call them too, so one rule holds everywhere.
They raise ValueError, which pydantic reports against the field.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal, TypeGuard, get_args

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, PlainSerializer

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


def _to_email(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip().lower()
    return text or None


Id = Annotated[str, BeforeValidator(parse_id)]
UtcDatetime = Annotated[datetime, BeforeValidator(_model_utc), PlainSerializer(format_utc, return_type=str)]
DecimalAmount = Annotated[Decimal, BeforeValidator(parse_amount), PlainSerializer(format_amount, return_type=str)]
Email = Annotated[str | None, BeforeValidator(_to_email)]


class CanonicalModel(BaseModel):
    """Base for the contract models: unknown fields are an error, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Money(CanonicalModel):
    amount: DecimalAmount
    currency: Annotated[str, AfterValidator(lambda code: code.strip().upper())]


def loads(body: str | bytes) -> Any:
    """Parse a payload exactly: big ints stay ints (Shopify ids exceed 2**53), decimals become Decimal.

    It never returns a float, so ``parse_amount`` accepts what it gives; NaN and Infinity become
    non-finite Decimals, which it refuses."""
    return json.loads(body, parse_float=Decimal, parse_constant=Decimal)
