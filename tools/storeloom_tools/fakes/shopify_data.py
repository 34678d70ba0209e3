"""Shopify Admin REST shaped rows: orders, customers, products, checkouts and inventory levels."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

from storeloom_tools.fakes.catalog import FakeStoreData, Row, money, spread, utc

SHOP_TZ = timezone(timedelta(hours=-5))
FIRST_ID = 5_300_000_000_000  # Shopify ids exceed 2**53
# Picked by number, not drawn from the seeded generator, so the rest of the generated data stays as it was.
COUNTRIES = ("US", "CA", "GB", "DE", "AU")


def country_of(number: int) -> str:
    return COUNTRIES[number % len(COUNTRIES)]


def stamp(row: Row, moment: datetime) -> None:
    """Shopify REST returns shop-local times with an offset, to the second."""
    row["updated_at"] = utc(moment).astimezone(SHOP_TZ).isoformat()
    row.setdefault("created_at", row["updated_at"])


def customer(number: int) -> Row:
    return {
        "id": FIRST_ID + 100_000 + number,
        "email": f"Customer{number}@Example.com ",
        "first_name": "Cust",
        "last_name": f"Omer{number}",
        "phone": None,
        "tags": "vip" if number % 50 == 0 else "",
        "state": "enabled",
        "email_marketing_consent": {"state": "subscribed", "opt_in_level": "single_opt_in"},
        "default_address": {"country_code": country_of(number), "phone": None},
    }


def product(number: int, rng: random.Random) -> Row:
    variant_id = FIRST_ID + 300_000 + number
    return {
        "id": FIRST_ID + 200_000 + number,
        "title": f"Product {number}",
        "status": "active",
        "handle": f"product-{number}",
        "tags": "",
        "variants": [
            {"id": variant_id, "sku": f"SKU-{number}", "title": "Default", "price": money(rng)}
            | {"inventory_quantity": rng.randrange(0, 40), "inventory_item_id": variant_id + 1}
        ],
    }


def order(number: int, customer_row: Row, rng: random.Random) -> Row:
    price = money(rng)
    quantity = rng.randrange(1, 4)
    total = f"{float(price) * quantity:.2f}"
    return {
        "id": FIRST_ID + number,
        "name": f"#{1000 + number}",
        "email": customer_row["email"].strip().lower(),
        "currency": "USD",
        "financial_status": rng.choice(["paid", "paid", "pending", "refunded"]),
        "fulfillment_status": rng.choice([None, "fulfilled"]),
        "cancelled_at": None,
        "closed_at": None,
        "subtotal_price": total,
        "total_discounts": "0.00",
        "total_price": total,
        "customer": {"id": customer_row["id"], "email": customer_row["email"]},
        "buyer_accepts_marketing": number % 3 != 0,
        "phone": None,
        "billing_address": {
            "country_code": customer_row.get("default_address", {}).get("country_code"),
            "phone": f"+1 555 01{number % 100:02d}" if number % 4 == 0 else None,
        },
        "cart_token": f"cart{number:08d}",
        "line_items": [
            {"id": FIRST_ID + 900_000 + number, "product_id": FIRST_ID + 200_001, "variant_id": None}
            | {"sku": "SKU-1", "title": "Product 1", "quantity": quantity, "price": price}
        ],
        "refunds": [],
    }


def checkout(number: int, customer_row: Row, rng: random.Random) -> Row:
    price = money(rng)
    return {
        "id": FIRST_ID + 400_000 + number,
        "token": f"chk{number:08d}",
        "cart_token": f"cart-ab{number:06d}",
        "email": customer_row["email"].strip().lower(),
        "currency": "USD",
        "subtotal_price": price,
        "total_price": price,
        "abandoned_checkout_url": f"https://fake.myshopify.com/checkouts/chk{number:08d}/recover",
        "completed_at": None,
        "buyer_accepts_marketing": number % 2 == 0,
        "customer": {"id": customer_row["id"], "email": customer_row["email"]},
        "line_items": [
            {"product_id": FIRST_ID + 200_001, "variant_id": FIRST_ID + 300_001, "sku": "SKU-1"}
            | {"title": "Product 1", "quantity": 1, "price": price}
        ],
    }


def seed_shopify(
    data: FakeStoreData, orders: int, customers: int = 0, products: int = 3, seed: int = 7, checkouts: int = 0
) -> FakeStoreData:
    """``orders`` orders over ``max(customers, 1)`` customers, modified over the last 30 days."""
    rng = random.Random(seed)
    end = data.clock()
    customer_rows = [customer(n) for n in range(1, max(customers, 1) + 1)]
    for row, moment in zip(customer_rows, spread(len(customer_rows), end, timedelta(days=30), rng), strict=True):
        data.put("customers", row, moment)
    for n, moment in enumerate(spread(products, end, timedelta(days=30), rng), start=1):
        data.put("products", product(n, rng), moment)
    for n, moment in enumerate(spread(orders, end, timedelta(days=30), rng), start=1):
        data.put("orders", order(n, customer_rows[n % len(customer_rows)], rng), moment)
    abandoned = spread(checkouts, end, timedelta(days=30), rng)
    rng.shuffle(abandoned)  # checkouts are listed in id order; make it differ from update order
    for n, moment in enumerate(abandoned, start=1):
        data.put("checkouts", checkout(n, customer_rows[n % len(customer_rows)], rng), moment)
    return data
