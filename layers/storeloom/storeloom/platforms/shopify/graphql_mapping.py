"""GraphQL Admin nodes -> the REST/webhook-shaped rows the Shopify adapter already normalizes.

Rows, not canonical entities, because a polled item travels to ingest as its body and is normalized there
under a webhook topic, exactly as a webhook of that topic would be: one mapper (mapping.py, resources.py)
then decides every canonical field, whichever API the row came from.

- ids: a global id ``gid://shopify/Order/450789469`` becomes REST's ``450789469`` (an inventory level's
  ``gid://shopify/InventoryLevel/1?inventory_item_id=2`` loses its query too);
- money: ``shopMoney { amount currencyCode }`` is REST's ``*_price`` and ``price_set.shop_money``; GraphQL's
  Decimal drops trailing zeros (``"10.0"``), so amounts are padded to REST's two decimals;
- enums: upper-case GraphQL values are REST's lower-case ones (``PARTIALLY_REFUNDED``); fulfillment is the
  exception, see ``FULFILLMENT``;
- addresses: ``countryCodeV2`` is REST's ``country_code``; ``customerAcceptsMarketing`` is an order's
  ``buyer_accepts_marketing`` (AbandonedCheckout has no such field: a GraphQL cart's consent is unknown);
- refunds: the order's ``totalRefundedSet`` stands for REST's successful refund transactions, the sum the
  adapter takes; a zero total is REST's empty ``refunds`` list.
- abandoned checkouts: GraphQL exposes no cart token and no checkout token. ``token`` is read from the
  recovery URL (``.../checkouts/<token>/recover``), which REST's ``token`` matches; REST's preferred
  ``cart_token`` cannot be had, so a GraphQL cart's id is its checkout token (see the client's POLLED).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from storeloom.domain.types import parse_amount

Node = Mapping[str, Any]
Row = dict[str, Any]

_RECOVERY_TOKEN = re.compile(r"/checkouts/(?:[a-z]{1,3}/)?(?P<token>[A-Za-z0-9_-]+)/recover")
# displayFulfillmentStatus -> REST fulfillment_status. Work started but not shipped (OPEN, IN_PROGRESS,
# ON_HOLD, SCHEDULED, PENDING_FULFILLMENT, REQUEST_DECLINED) is REST's null: unfulfilled.
FULFILLMENT: dict[str, str | None] = {
    "UNFULFILLED": None,
    "PARTIALLY_FULFILLED": "partial",
    "FULFILLED": "fulfilled",
    "RESTOCKED": "restocked",
}


def legacy_id(gid: Any) -> str | None:
    """The numeric tail of a global id; a value that is no global id is returned as it is."""
    if gid is None:
        return None
    text = str(gid)
    if not text.startswith("gid://"):
        return text
    return text.split("?", 1)[0].rsplit("/", 1)[-1]


def gid(kind: str, legacy: str) -> str:
    return legacy if legacy.startswith("gid://") else f"gid://shopify/{kind}/{legacy}"


def rest_amount(amount: Any) -> Any:
    """``"10.0"`` -> ``"10.00"``; more decimals are kept, and what is no plain decimal is left for the adapter
    to refuse. Text only: the amount is parsed once, by the adapter."""
    if not isinstance(amount, str):
        return amount
    whole, _, fraction = amount.partition(".")
    plain = whole.lstrip("-").isdigit() and (fraction.isdigit() or not fraction)
    return f"{whole}.{fraction.ljust(2, '0')}" if plain and len(fraction) < 2 else amount


def _shop_money(node: Node, field: str) -> Mapping[str, Any]:
    bag = node.get(field) or {}
    return bag.get("shopMoney") or {}


def _amount(node: Node, field: str) -> Any:
    return rest_amount(_shop_money(node, field).get("amount"))


def _lower(value: Any) -> str | None:
    return str(value).lower() if value else None


def _nodes(value: Any) -> list[Node]:
    """A connection as paged (``nodes`` / ``edges``) or as a bulk result attaches it (a list)."""
    if isinstance(value, list):
        return value
    if not isinstance(value, Mapping):
        return []
    if "nodes" in value:
        return list(value["nodes"] or [])
    return [edge["node"] for edge in value.get("edges") or []]


def _ref(node: Node, field: str) -> str | None:
    return legacy_id((node.get(field) or {}).get("id"))


def _email_of(customer: Node | None) -> str | None:
    return ((customer or {}).get("defaultEmailAddress") or {}).get("emailAddress")


def _customer_ref(node: Node) -> Row | None:
    customer = node.get("customer")
    if not customer:
        return None
    return {"id": legacy_id(customer.get("id")), "email": _email_of(customer)}


def line_item_row(node: Node) -> Row:
    price = _shop_money(node, "originalUnitPriceSet")
    amount = rest_amount(price.get("amount"))
    return {
        "id": legacy_id(node.get("id")),
        "product_id": _ref(node, "product"),
        "variant_id": _ref(node, "variant"),
        "sku": node.get("sku"),
        "title": node.get("title"),
        "name": node.get("name"),
        "quantity": node.get("quantity"),
        "price": amount,
        "price_set": {"shop_money": {"amount": amount, "currency_code": price.get("currencyCode")}},
    }


def _refunds(node: Node) -> list[Row]:
    refunded = _amount(node, "totalRefundedSet")
    try:
        if refunded is None or parse_amount(refunded) == 0:
            return []
    except ValueError:
        pass  # kept as it is, for the adapter to refuse naming the field
    return [{"transactions": [{"kind": "refund", "status": "success", "amount": refunded}]}]


def _address_row(value: Any) -> Row | None:
    if not isinstance(value, Mapping):
        return None
    return {"country_code": value.get("countryCodeV2"), "phone": value.get("phone")}


def order_row(node: Node) -> Row:
    status = node.get("displayFulfillmentStatus")
    return {
        "id": legacy_id(node.get("id")),
        "admin_graphql_api_id": node.get("id"),
        "name": node.get("name"),
        "email": node.get("email"),
        "phone": node.get("phone"),
        "buyer_accepts_marketing": node.get("customerAcceptsMarketing"),
        "billing_address": _address_row(node.get("billingAddress")),
        "shipping_address": _address_row(node.get("shippingAddress")),
        "currency": node.get("currencyCode"),
        "presentment_currency": node.get("presentmentCurrencyCode"),
        "financial_status": _lower(node.get("displayFinancialStatus")),
        "fulfillment_status": FULFILLMENT.get(str(status)) if status else None,
        "cart_token": node.get("cartToken"),
        "checkout_token": node.get("checkoutToken"),
        "subtotal_price": _amount(node, "subtotalPriceSet"),
        "total_discounts": _amount(node, "totalDiscountsSet"),
        "total_price": _amount(node, "totalPriceSet"),
        "total_outstanding": _amount(node, "totalOutstandingSet"),
        "refunds": _refunds(node),
        "customer": _customer_ref(node),
        "line_items": [line_item_row(line) for line in _nodes(node.get("lineItems"))],
        "processed_at": node.get("processedAt"),
        "cancelled_at": node.get("cancelledAt"),
        "closed_at": node.get("closedAt"),
        "created_at": node.get("createdAt"),
        "updated_at": node.get("updatedAt"),
    }


def _consent(contact: Any) -> Row | None:
    state = (contact or {}).get("marketingState")
    return {"state": state.lower()} if state else None


def customer_row(node: Node) -> Row:
    email, phone = node.get("defaultEmailAddress"), node.get("defaultPhoneNumber")
    return {
        "id": legacy_id(node.get("id")),
        "admin_graphql_api_id": node.get("id"),
        "email": (email or {}).get("emailAddress"),
        "phone": (phone or {}).get("phoneNumber"),
        "first_name": node.get("firstName"),
        "last_name": node.get("lastName"),
        "state": _lower(node.get("state")),
        "tags": ", ".join(node.get("tags") or []),
        "email_marketing_consent": _consent(email),
        "sms_marketing_consent": _consent(phone),
        "default_address": _address_row(node.get("defaultAddress")),
        "created_at": node.get("createdAt"),
        "updated_at": node.get("updatedAt"),
    }


def variant_row(node: Node) -> Row:
    item = node.get("inventoryItem") or {}
    return {
        "id": legacy_id(node.get("id")),
        "sku": node.get("sku"),
        "title": node.get("title"),
        "price": rest_amount(node.get("price")),
        "inventory_quantity": node.get("inventoryQuantity"),
        "inventory_policy": _lower(node.get("inventoryPolicy")),
        # REST names the service tracking the item; GraphQL says only whether it is tracked.
        "inventory_management": "shopify" if item.get("tracked") else None,
        "inventory_item_id": legacy_id(item.get("id")),
    }


def product_row(node: Node) -> Row:
    image = (((node.get("featuredMedia") or {}).get("preview") or {}).get("image") or {}).get("url")
    return {
        "id": legacy_id(node.get("id")),
        "admin_graphql_api_id": node.get("id"),
        "title": node.get("title"),
        "status": _lower(node.get("status")),
        "handle": node.get("handle"),
        "product_type": node.get("productType"),
        "tags": ", ".join(node.get("tags") or []),
        "image": {"src": image} if image else None,
        "variants": [variant_row(variant) for variant in _nodes(node.get("variants"))],
        "created_at": node.get("createdAt"),
        "updated_at": node.get("updatedAt"),
    }


def recovery_token(url: Any) -> str | None:
    found = _RECOVERY_TOKEN.search(str(url or ""))
    return found["token"] if found else None


def checkout_row(node: Node) -> Row:
    customer = _customer_ref(node)
    return {
        "id": legacy_id(node.get("id")),
        "token": recovery_token(node.get("abandonedCheckoutUrl")),
        "cart_token": None,
        "email": (customer or {}).get("email"),
        "currency": _shop_money(node, "totalPriceSet").get("currencyCode"),
        "subtotal_price": _amount(node, "subtotalPriceSet"),
        "total_price": _amount(node, "totalPriceSet"),
        "abandoned_checkout_url": node.get("abandonedCheckoutUrl"),
        "customer": customer,
        "line_items": [line_item_row(line) for line in _nodes(node.get("lineItems"))],
        "created_at": node.get("createdAt"),
        "updated_at": node.get("updatedAt"),
        "completed_at": node.get("completedAt"),
    }


def inventory_level_row(node: Node) -> Row:
    available = next((q.get("quantity") for q in node.get("quantities") or [] if q.get("name") == "available"), None)
    return {
        "inventory_item_id": _ref(node, "item"),
        "location_id": _ref(node, "location"),
        "available": available,
        "updated_at": node.get("updatedAt"),
        "admin_graphql_api_id": node.get("id"),
    }


def topic_enum(topic: str) -> str:
    """REST ``orders/updated`` -> GraphQL ``ORDERS_UPDATED``."""
    return topic.upper().replace("/", "_")
