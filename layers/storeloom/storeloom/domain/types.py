"""Field types shared by every canonical entity: money, UTC time, ids and emails."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal

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


def _to_id(value: Any) -> str:
    # Shopify ids exceed 2**53, so an id is never a number once it is inside the model.
    if isinstance(value, bool) or value is None:
        raise ValueError("an id must be a string or an integer")
    if isinstance(value, float):
        raise ValueError("an id must not be a float: it may have lost digits")
    text = str(value).strip()
    if not text:
        raise ValueError("an id must not be empty")
    return text


def _to_decimal(value: Any) -> Decimal:
    if isinstance(value, float):
        raise ValueError("money must not be a float; pass a decimal string")
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation as error:
        raise ValueError(f"not a decimal amount: {value!r}") from error
    if not amount.is_finite():
        raise ValueError(f"not a finite amount: {value!r}")
    return amount


def _to_utc(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("timestamps must carry a time zone")
    return value.astimezone(UTC)


def parse_utc(value: str | datetime) -> datetime:
    """An aware UTC datetime from ISO 8601 text; text with no zone is UTC (WooCommerce ``*_gmt``, Magento)."""
    parsed = value if isinstance(value, datetime) else datetime.fromisoformat(value.strip())
    return (parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)).astimezone(UTC)


def format_utc(value: datetime) -> str:
    """ISO 8601 in UTC, ending in ``Z``."""
    return _to_utc(value).isoformat().replace("+00:00", "Z")


def _to_email(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip().lower()
    return text or None


Id = Annotated[str, BeforeValidator(_to_id)]
UtcDatetime = Annotated[datetime, AfterValidator(_to_utc), PlainSerializer(format_utc, return_type=str)]
DecimalAmount = Annotated[Decimal, BeforeValidator(_to_decimal), PlainSerializer(str, return_type=str)]
Email = Annotated[str | None, BeforeValidator(_to_email)]


class CanonicalModel(BaseModel):
    """Base for the contract models: unknown fields are an error, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Money(CanonicalModel):
    amount: DecimalAmount
    currency: Annotated[str, AfterValidator(lambda code: code.strip().upper())]


def loads(body: str | bytes) -> Any:
    """Parse a payload exactly: big ints stay ints (Shopify ids exceed 2**53), decimals become Decimal."""
    return json.loads(body, parse_float=Decimal)
