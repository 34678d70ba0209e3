"""Orders API 2026-01-01 (``searchOrders`` / ``getOrder``) orders -> the facts the v0 mapping builds from.

The newer API is camelCase and nests what v0 flattens: ``fulfillment.fulfillmentStatus`` (upper-case words
with the v0 meanings), ``proceeds.grandTotal`` and per line ``product.price.unitPrice`` (a unit price, where
v0's ItemPrice prices the whole line). Its datasets come only when asked for (``includedData``): without
FULFILLMENT an order has no status and is refused; without PROCEEDS the total falls back as in v0.
Storeloom polls v0; this shape is mapped so the newer API's payloads normalize the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from storeloom.domain.model import Money
from storeloom.domain.types import parse_email
from storeloom.platforms.amazon_sp.mapping import OrderFacts, PricedLine, amazon_money, quantity_of
from storeloom.platforms.timeparse import country_of, optional_id, optional_time, required_id, required_time, text

V0_STATUS = {
    "PENDING_AVAILABILITY": "PendingAvailability",
    "PENDING": "Pending",
    "UNSHIPPED": "Unshipped",
    "PARTIALLY_SHIPPED": "PartiallyShipped",
    "SHIPPED": "Shipped",
    "CANCELLED": "Canceled",
    "UNFULFILLABLE": "Unfulfillable",
}


def _money(value: Any, field: str) -> Money | None:
    return amazon_money(value, field, amount="amount", currency="currencyCode")


def search_facts(row: Mapping[str, Any]) -> OrderFacts:
    word = text((row.get("fulfillment") or {}).get("fulfillmentStatus")) or ""
    items = row.get("orderItems") or []
    return OrderFacts(
        id=required_id(row, "orderId"),
        status=V0_STATUS.get(word, word),
        status_field="fulfillment.fulfillmentStatus",
        updated_at=required_time(row, "lastUpdatedTime"),
        placed_at=optional_time(row, "createdTime"),
        stated_total=_money((row.get("proceeds") or {}).get("grandTotal"), "proceeds.grandTotal"),
        lines=[_line(item, f"orderItems[{i}]") for i, item in enumerate(items)],
        email=parse_email((row.get("buyer") or {}).get("buyerEmail")),
        country=country_of(((row.get("recipient") or {}).get("deliveryAddress") or {}).get("countryCode")),
    )


def _line(item: Mapping[str, Any], field: str) -> PricedLine:
    product = item.get("product") or {}
    quantity = quantity_of(item.get("quantityOrdered"), f"{field}.quantityOrdered")
    unit = _money((product.get("price") or {}).get("unitPrice"), f"{field}.product.price.unitPrice")
    fields = {
        "product_id": optional_id(product.get("asin"), f"{field}.product.asin"),
        "sku": text(product.get("sellerSku")),
        "title": text(product.get("title")) or text(product.get("sellerSku")) or "",
    }
    whole = Money(amount=unit.amount * quantity, currency=unit.currency) if unit else None
    return PricedLine(fields, whole, quantity)
