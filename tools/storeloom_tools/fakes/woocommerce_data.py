"""WooCommerce REST v3 shaped rows: orders, products and customers."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

from storeloom_tools.fakes.catalog import FakeStoreData, Row, money, spread, utc

SITE_TZ = timezone(timedelta(hours=2))  # the site's local time, used by the non-GMT date fields
# Picked by number, not drawn from the seeded generator, so the rest of the generated data stays as it was.
COUNTRIES = ("DE", "FR", "NL", "US")


def stamp(row: Row, moment: datetime) -> None:
    """``date_modified_gmt`` is UTC with no suffix and second precision; ``date_modified`` is site time."""
    moment = utc(moment)
    row["date_modified_gmt"] = moment.replace(tzinfo=None).isoformat()
    row["date_modified"] = moment.astimezone(SITE_TZ).replace(tzinfo=None).isoformat()
    row.setdefault("date_created_gmt", row["date_modified_gmt"])
    row.setdefault("date_created", row["date_modified"])


def order(number: int, customer_id: int, rng: random.Random) -> Row:
    price = money(rng)
    quantity = rng.randrange(1, 4)
    total = f"{float(price) * quantity:.2f}"
    return {
        "id": 700 + number,
        "number": str(700 + number),
        "status": rng.choice(["processing", "completed", "on-hold", "cancelled"]),
        "currency": "EUR",
        "customer_id": customer_id,
        "billing": {"email": f"buyer{customer_id}@example.org", "first_name": "Buy", "last_name": "Er"}
        | {"country": COUNTRIES[customer_id % len(COUNTRIES)], "phone": f"+49 30 555 {number:04d}"},
        "discount_total": "0.00",
        "total": total,
        "line_items": [
            {"id": 90_000 + number, "product_id": 11, "variation_id": 0, "sku": "WOO-11", "name": "Mug"}
            | {"quantity": quantity, "subtotal": total, "total": total, "price": float(price)}
        ],
        "refunds": [],
    }


def product(number: int, rng: random.Random) -> Row:
    """Each product but the first up-sells the one before it and cross-sells the first (for the second,
    the same product twice: WooCommerce does not stop a merchant from listing it in both)."""
    return {
        "id": 10 + number,
        "name": f"Woo product {number}",
        "status": "publish",
        "permalink": f"https://woo.example/product/{number}",
        "sku": f"WOO-{10 + number}",
        "price": money(rng),
        "stock_quantity": rng.randrange(0, 30),
        "stock_status": "instock",
        "categories": [],
        "tags": [],
        "images": [],
        "upsell_ids": [9 + number] if number > 1 else [],
        "cross_sell_ids": [11] if number > 1 else [],
    }


def customer(number: int) -> Row:
    return {
        "id": number,
        "email": f"buyer{number}@example.org",
        "first_name": "Buy",
        "last_name": f"Er{number}",
        "role": "customer",
        "username": f"buyer{number}",
        "billing": {"email": f"buyer{number}@example.org", "phone": "", "country": COUNTRIES[number % len(COUNTRIES)]},
        "is_paying_customer": True,
    }


def seed_woocommerce(
    data: FakeStoreData, orders: int, customers: int = 1, products: int = 3, seed: int = 11
) -> FakeStoreData:
    rng = random.Random(seed)
    end = data.clock()
    customer_times = spread(customers, end, timedelta(days=30), rng)
    rng.shuffle(customer_times)  # listed in id order, modified in another
    for n, moment in enumerate(customer_times, start=1):
        data.put("customers", customer(n), moment)
    for n, moment in enumerate(spread(products, end, timedelta(days=30), rng), start=1):
        data.put("products", product(n, rng), moment)
    for n, moment in enumerate(spread(orders, end, timedelta(days=30), rng), start=1):
        data.put("orders", order(n, 1 + n % max(customers, 1), rng), moment)
    return data
