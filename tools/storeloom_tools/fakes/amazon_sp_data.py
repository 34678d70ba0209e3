"""Orders v0 shaped rows for the fake SP-API (invented data): orders, their items and marketplace buyers.

A row is the getOrders order plus two keys the fake keeps to itself and never serves: ``id`` (the
AmazonOrderId, which FakeStoreData files rows under) and ``_items`` (what getOrderItems answers).
"""

from __future__ import annotations

import hashlib
import random
from datetime import datetime, timedelta

from storeloom_tools.fakes.catalog import FakeStoreData, Row, money, spread, utc

MARKETPLACE_ID = "ATVPDKIKX0DER"  # Amazon.com
PRIVATE_KEYS = ("id", "_items")
STATUSES = ("Shipped", "Shipped", "Unshipped", "PartiallyShipped", "Canceled", "Pending")


def stamp(row: Row, moment: datetime) -> None:
    """``LastUpdateDate`` is UTC with a ``Z``, to the second; ``PurchaseDate`` is set once."""
    text = utc(moment).replace(tzinfo=None).isoformat() + "Z"
    row["LastUpdateDate"] = text
    row.setdefault("PurchaseDate", text)


def relay_address(buyer: int) -> str:
    """An anonymized address in Amazon's relay form, stable per buyer."""
    return hashlib.sha1(f"fake-buyer-{buyer}".encode()).hexdigest()[:14] + "@marketplace.amazon.com"


def order_id(number: int) -> str:
    return f"{111 + number % 3}-{4_000_000 + number * 7 % 1_000_000:07d}-{number:07d}"


def order_items(number: int, status: str, rng: random.Random) -> list[Row]:
    items = []
    for line in range(1 + number % 2):
        quantity = rng.randrange(1, 4)
        item: Row = {
            "ASIN": f"B0FAKE{number % 40:04d}",
            "SellerSKU": f"FAKE-SKU-{number % 40}",
            "OrderItemId": f"{number:07d}{line:03d}",
            "Title": f"Fake item {number % 40}",
            "QuantityOrdered": quantity,
            "QuantityShipped": quantity if status == "Shipped" else 0,
        }
        if status != "Pending":  # Amazon states no prices before payment is authorized
            item["ItemPrice"] = {"CurrencyCode": "USD", "Amount": f"{float(money(rng)) * quantity:.2f}"}
        items.append(item)
    return items


def order(number: int, buyer: int, rng: random.Random) -> Row:
    status = STATUSES[number % len(STATUSES)]
    items = order_items(number, status, rng)
    row: Row = {
        "id": order_id(number),
        "AmazonOrderId": order_id(number),
        "OrderStatus": status,
        "FulfillmentChannel": "AFN" if number % 4 == 0 else "MFN",
        "SalesChannel": "Amazon.com",
        "MarketplaceId": MARKETPLACE_ID,
        "NumberOfItemsShipped": sum(item["QuantityShipped"] for item in items),
        "NumberOfItemsUnshipped": sum(item["QuantityOrdered"] - item["QuantityShipped"] for item in items),
        "BuyerInfo": {"BuyerEmail": relay_address(buyer)},
        # Only the country: the fake holds no buyer address beyond what an order's mapping keeps.
        "ShippingAddress": {"CountryCode": "CA" if number % 5 == 0 else "US"},
        "_items": items,
    }
    if status != "Pending":
        total = sum(float(item["ItemPrice"]["Amount"]) for item in items)
        row["OrderTotal"] = {"CurrencyCode": "USD", "Amount": f"{total:.2f}"}
    return row


def seed_amazon_sp(
    data: FakeStoreData, orders: int, customers: int = 1, seed: int = 5, settled: timedelta = timedelta(minutes=10)
) -> FakeStoreData:
    """``orders`` orders of ``customers`` buyers, last updated over 30 days up to ``settled`` ago (so the
    2-minute rule does not hide them); every three consecutive orders share one second (ties)."""
    rng = random.Random(seed)
    moments = spread((orders + 2) // 3, data.clock() - settled, timedelta(days=30), rng)
    for number in range(1, orders + 1):
        data.put("orders", order(number, 1 + number % max(customers, 1), rng), moments[(number - 1) // 3])
    return data
