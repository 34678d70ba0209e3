"""Magento 2 REST V1 shaped rows (invented): orders, customers, products, quotes and MSI source items.

Amounts are JSON numbers and times UTC without a zone, as Magento sends them. Rows are keyed by ``id`` in
FakeStoreData; an order's own id is ``entity_id`` and a source item has none (sku@source_code), so the fake
API leaves that key out of what it answers.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from storeloom_tools.fakes.catalog import FakeStoreData, Row, money, spread, utc

SOURCES = ("default", "warehouse_east")
# (state, status label, paid, shipped, refunded)
ORDER_STATES = (
    ("new", "pending", False, False, False),
    ("processing", "processing", True, False, False),
    ("complete", "complete", True, True, False),
    ("canceled", "canceled", False, False, False),
    ("closed", "closed", True, True, True),
)


def magento_time(moment: datetime) -> str:
    return utc(moment).replace(tzinfo=None).isoformat(sep=" ")


def stamp(row: Row, moment: datetime) -> None:
    row["updated_at"] = magento_time(moment)
    row.setdefault("created_at", row["updated_at"])


def customer(number: int) -> Row:
    address = {"id": 500 + number, "customer_id": number, "country_id": "US", "city": "Springfield"}
    address |= {"street": [f"{number} Elm St"], "telephone": f"555-01{number % 100:02d}", "postcode": "01101"}
    address |= {"firstname": "Cust", "lastname": f"Omer{number}", "default_billing": True, "default_shipping": True}
    return {
        "id": number,
        "group_id": 1,
        "default_billing": str(500 + number),
        "created_in": "Default Store View",
        "email": f"Shopper{number}@Example.org",
        "firstname": "Cust",
        "lastname": f"Omer{number}",
        "store_id": 1,
        "website_id": 1,
        "addresses": [address],
        "disable_auto_group_change": 0,
        "extension_attributes": {"is_subscribed": number % 3 == 0},
    }


def _links(number: int) -> list[Row]:
    """Each product but the first up-sells the one before it and is related to the first; links name SKUs."""
    if number == 1:
        return []
    sku = f"M2-{number:03d}"
    return [
        {"sku": sku, "link_type": "upsell", "linked_product_sku": f"M2-{number - 1:03d}", "position": 1},
        {"sku": sku, "link_type": "related", "linked_product_sku": "M2-001", "position": 2},
    ]


def product(number: int, rng: random.Random) -> Row:
    quantity = rng.randrange(0, 40)
    stock = {"item_id": number, "product_id": number, "stock_id": 1, "qty": quantity, "is_in_stock": quantity > 0}
    return {
        "id": number,
        "sku": f"M2-{number:03d}",
        "name": f"Magento product {number}",
        "attribute_set_id": 4,
        "price": float(money(rng)),
        "status": 1,
        "visibility": 4,
        "type_id": "simple",
        "weight": 1,
        "extension_attributes": {
            "website_ids": [1],
            "category_links": [{"position": 0, "category_id": str(3 + number % 4)}],
            "stock_item": stock,
        },
        "custom_attributes": [{"attribute_code": "url_key", "value": f"magento-product-{number}"}],
        "product_links": _links(number),
    }


def _order_item(number: int, product_row: Row, quantity: int, shipped: bool, refunded: bool) -> Row:
    price = product_row["price"]
    return {
        "item_id": 9000 + number,
        "order_id": number,
        "product_id": product_row["id"],
        "product_type": "simple",
        "sku": product_row["sku"],
        "name": product_row["name"],
        "price": price,
        "base_price": price,
        "qty_ordered": quantity,
        "qty_shipped": quantity if shipped else 0,
        "qty_refunded": quantity if refunded else 0,
        "qty_canceled": 0,
        "row_total": round(price * quantity, 2),
        "is_virtual": 0,
    }


def order(number: int, customer_row: Row | None, product_row: Row, rng: random.Random) -> Row:
    state, status, paid, shipped, refunded = rng.choice(ORDER_STATES)
    quantity = rng.randrange(1, 4)
    item = _order_item(number, product_row, quantity, shipped, refunded)
    subtotal = item["row_total"]
    total = round(subtotal + 5, 2)
    row: Row = {
        "id": number,
        "entity_id": number,
        "increment_id": f"{number:09d}",
        "state": state,
        "status": status,
        "store_id": 1,
        "quote_id": 4000 + number,
        "order_currency_code": "USD",
        "base_currency_code": "USD",
        "subtotal": subtotal,
        "shipping_amount": 5,
        "discount_amount": 0,
        "grand_total": total,
        "base_grand_total": total,
        "total_item_count": 1,
        "items": [item],
        "payment": {"method": "checkmo", "amount_ordered": total},
        "status_histories": [],
    }
    if paid:
        row |= {"total_paid": total, "total_invoiced": total}
    if refunded:
        row["total_refunded"] = total
    return row | _buyer(number, customer_row)


def _buyer(number: int, customer_row: Row | None) -> Row:
    if customer_row is None:
        email = f"guest{number}@example.net"
        buyer = {"customer_is_guest": 1, "customer_email": email, "customer_firstname": "Guest"}
    else:
        email = customer_row["email"].lower()
        buyer = {"customer_is_guest": 0, "customer_id": customer_row["id"], "customer_email": email}
        buyer |= {"customer_firstname": customer_row["firstname"], "customer_lastname": customer_row["lastname"]}
    billing = {"address_type": "billing", "email": email, "country_id": "US", "telephone": f"555-03{number % 100:02d}"}
    return buyer | {"billing_address": billing}


def cart(number: int, customer_row: Row, product_row: Row, active: bool = True) -> Row:
    item = {"item_id": 7000 + number, "sku": product_row["sku"], "qty": 1, "name": product_row["name"]}
    item |= {"price": product_row["price"], "product_type": "simple", "quote_id": str(3000 + number)}
    currency = {"global_currency_code": "USD", "base_currency_code": "USD", "store_currency_code": "USD"}
    return {
        "id": 3000 + number,
        "is_active": active,
        "is_virtual": False,
        "items": [item],
        "items_count": 1,
        "items_qty": 1,
        "customer": {"id": customer_row["id"], "email": customer_row["email"].lower(), "firstname": "Cust"},
        "billing_address": {"id": 100 + number, "email": customer_row["email"].lower(), "country_id": "US"},
        "orig_order_id": 0,
        "currency": currency | {"quote_currency_code": "USD", "base_to_quote_rate": 1},
        "customer_is_guest": False,
        "customer_note_notify": True,
        "customer_tax_class_id": 3,
        "store_id": 1,
    }


def source_item(product_row: Row, source_code: str, quantity: int) -> Row:
    row = {"sku": product_row["sku"], "source_code": source_code, "quantity": quantity, "status": int(quantity > 0)}
    return {"id": f"{row['sku']}@{source_code}", **row}


def seed_magento2(
    data: FakeStoreData,
    orders: int,
    customers: int = 1,
    products: int = 3,
    carts: int = 0,
    span: timedelta = timedelta(days=30),
    seed: int = 13,
) -> FakeStoreData:
    """``orders`` orders (every seventh a guest's) over ``max(customers, 1)`` customers, modified within
    ``span`` before now; a short span gives many equal seconds. Each product has a source item per source,
    and every fifth cart is an ordered (inactive) quote, which carts/search with is_active=1 leaves out."""
    rng = random.Random(seed)
    end = data.clock()
    people = [customer(n) for n in range(1, max(customers, 1) + 1)]
    for row, moment in zip(people, spread(len(people), end, span, rng), strict=True):
        data.put("customers", row, moment)
    catalog = [product(n, rng) for n in range(1, max(products, 1) + 1)]
    for row, moment in zip(catalog, spread(len(catalog), end, span, rng), strict=True):
        data.put("products", row, moment)
        for source in SOURCES:
            data.put("inventory_levels", source_item(row, source, rng.randrange(0, 25)), moment)
    for n, moment in enumerate(spread(orders, end, span, rng), start=1):
        buyer = None if n % 7 == 0 else people[n % len(people)]
        data.put("orders", order(n, buyer, catalog[n % len(catalog)], rng), moment)
    for n, moment in enumerate(spread(carts, end, span, rng), start=1):
        data.put("carts", cart(n, people[n % len(people)], catalog[n % len(catalog)], n % 5 != 0), moment)
    return data
