"""Invented BigCommerce store data in the API's own shapes: V2 orders, V3 customers, catalog products and carts.

Dates as the API writes them: V2 orders in RFC 2822 with an offset, V3 resources in ISO 8601; V2 money as
4-decimal strings, V3 money as JSON numbers.
"""

from __future__ import annotations

import random
import uuid
from datetime import datetime, timedelta
from email.utils import format_datetime

from storeloom_tools.fakes.catalog import FakeStoreData, Row, spread, utc

STORE_HASH = "bclocal1"
ACCESS_TOKEN = "bc-token-local"
CLIENT_SECRET = "bc-client-secret-local"
# Picked by number, not drawn from the seeded generator, so the rest of the generated data stays as it was.
COUNTRIES = ("US", "GB", "CA", "AU")
STATUS_NAMES = {
    1: "Pending",
    2: "Shipped",
    5: "Cancelled",
    10: "Completed",
    11: "Awaiting Fulfillment",
    14: "Partially Refunded",
}


def stamp(row: Row, moment: datetime) -> None:
    """Write the modified time in the resource's own field and format (second precision)."""
    moment = utc(moment)
    if "status_id" in row:  # a V2 order
        row["date_modified"] = format_datetime(moment)
        row.setdefault("date_created", row["date_modified"])
    elif "cart_amount" in row:  # a V3 cart
        row["updated_time"] = moment.isoformat()
        row.setdefault("created_time", row["updated_time"])
    else:
        row["date_modified"] = moment.isoformat()
        row.setdefault("date_created", row["date_modified"])


def _amount(rng: random.Random) -> int:
    return rng.randrange(500, 25_000)  # cents


def _v2(cents: int) -> str:
    return f"{cents / 100:.4f}"


def order(number: int, customer_id: int, rng: random.Random) -> Row:
    order_id, quantity, cents = 100 + number, rng.randrange(1, 4), _amount(rng)
    status_id = rng.choice(list(STATUS_NAMES))
    line: Row = {"id": 9000 + number, "order_id": order_id, "product_id": 77, "variant_id": 177}
    line |= {"name": "Enamel mug", "sku": "MUG-BLUE", "quantity": quantity}
    line |= {"base_price": _v2(cents), "price_ex_tax": _v2(cents), "price_inc_tax": _v2(cents)}
    total = _v2(cents * quantity)
    row: Row = {"id": order_id, "customer_id": customer_id, "status_id": status_id, "status": STATUS_NAMES[status_id]}
    row |= {"subtotal_ex_tax": total, "subtotal_inc_tax": total, "total_ex_tax": total, "total_inc_tax": total}
    row |= {"discount_amount": "0.0000", "coupon_discount": "0.0000", "refunded_amount": "0.0000"}
    row |= {"items_total": quantity, "items_shipped": quantity if status_id in (2, 10) else 0}
    row |= {"payment_status": "captured", "currency_code": "USD", "default_currency_code": "USD"}
    row |= {"cart_id": str(uuid.UUID(int=rng.getrandbits(128))), "is_deleted": False}
    row["billing_address"] = {"first_name": "Rowan", "last_name": f"Tester{customer_id}", "email": _email(customer_id)}
    row["billing_address"] |= {"country_iso2": COUNTRIES[customer_id % len(COUNTRIES)], "phone": f"555-02{number:02d}"}
    row["products"] = {
        "url": f"https://api.example/v2/orders/{order_id}/products",
        "resource": f"/orders/{order_id}/products",
    }
    row["consignments"] = {"shipping": [{"id": 1, "line_items": [line]}], "pickups": [], "downloads": []}
    return row


def _email(customer_id: int) -> str:
    return f"shopper{customer_id}@example.net" if customer_id else "guest@example.net"


def customer(number: int) -> Row:
    return {
        "id": number,
        "email": _email(number),
        "first_name": "Rowan",
        "last_name": f"Tester{number}",
        "company": "",
        "phone": f"555-01{number:02d}",
        "customer_group_id": 0,
        "notes": "",
        "accepts_product_review_abandoned_cart_emails": number % 2 == 1,
        "origin_channel_id": 1,
        "channel_ids": [1],
        "addresses": [
            {"id": 500 + number, "customer_id": number, "first_name": "Rowan", "last_name": f"Tester{number}"}
            | {"country_code": COUNTRIES[number % len(COUNTRIES)], "address_type": "residential"}
        ],
    }


def product(number: int, rng: random.Random) -> Row:
    """The first product leaves its related products to BigCommerce (``[-1]``); the others name the first."""
    product_id, price = 70 + number, _amount(rng) / 100
    variants = [
        {"id": 170 + 2 * number + k, "product_id": product_id, "sku": f"P{product_id}-{size}", "price": None}
        | {"calculated_price": price, "inventory_level": rng.randrange(0, 12), "purchasing_disabled": False}
        | {"option_values": [{"label": size, "option_display_name": "Size"}]}
        for k, size in enumerate(("S", "L"))
    ]
    image = {"id": product_id, "is_thumbnail": True, "url_standard": f"https://cdn.example/{product_id}.jpg"}
    return {
        "id": product_id,
        "name": f"Catalog item {number}",
        "type": "physical",
        "sku": f"P{product_id}",
        "price": price,
        "inventory_level": sum(variant["inventory_level"] for variant in variants),
        "inventory_tracking": "variant",
        "is_visible": True,
        "availability": "available",
        "categories": [23],
        "related_products": [-1] if number == 1 else [71],
        "custom_url": {"url": f"/catalog-item-{number}/", "is_customized": False},
        "variants": variants,
        "images": [image],
    }


def cart(number: int, customer_id: int, rng: random.Random) -> Row:
    price, quantity = _amount(rng) / 100, rng.randrange(1, 3)
    item: Row = {"id": str(uuid.UUID(int=rng.getrandbits(128))), "product_id": 77, "variant_id": 177, "sku": "MUG-BLUE"}
    item |= {"name": "Enamel mug", "quantity": quantity, "list_price": price, "sale_price": price}
    return {
        "id": str(uuid.UUID(int=rng.getrandbits(128))),
        "customer_id": customer_id,
        "email": _email(customer_id),
        "currency": {"code": "USD"},
        "base_amount": round(price * quantity, 2),
        "cart_amount": round(price * quantity, 2),
        "discount_amount": 0,
        "line_items": {"physical_items": [item], "digital_items": [], "gift_certificates": [], "custom_items": []},
    }


def _tied(moments: list[datetime], tie: int) -> list[datetime]:
    """Every run of ``tie`` consecutive moments collapsed onto its first: equal modified seconds."""
    return [moments[index - index % tie] for index in range(len(moments))] if tie > 1 else moments


def seed_bigcommerce(
    data: FakeStoreData,
    orders: int,
    customers: int = 1,
    products: int = 3,
    carts: int = 0,
    tie: int = 1,
    seed: int = 17,
) -> FakeStoreData:
    """Every fifth order is a guest's (``customer_id`` 0); ``tie`` > 1 gives runs of equal modified times."""
    rng = random.Random(seed)
    end = data.clock()
    for n, moment in enumerate(_tied(spread(customers, end, timedelta(days=30), rng), tie), start=1):
        data.put("customers", customer(n), moment)
    for n, moment in enumerate(_tied(spread(products, end, timedelta(days=30), rng), tie), start=1):
        data.put("products", product(n, rng), moment)
    for n, moment in enumerate(_tied(spread(orders, end, timedelta(days=30), rng), tie), start=1):
        data.put("orders", order(n, 0 if n % 5 == 0 else 1 + n % max(customers, 1), rng), moment)
    for n, moment in enumerate(spread(carts, end, timedelta(hours=6), rng), start=1):
        data.put("carts", cart(n, 1 + n % max(customers, 1), rng), moment)
    return data
