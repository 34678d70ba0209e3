"""BigCommerce V3 customers and catalog products (V2 products too) -> canonical entities.

- Customers: ``accepts_product_review_abandoned_cart_emails`` is the one consent V3 records on a customer,
  and it governs exactly the abandoned-cart emails Storeloom sends: true is ``subscribed``, false
  ``not_subscribed``. Newsletter subscribers are a separate resource; SMS consent is not recorded (unknown).
  ``country`` is the first address's ``country_code`` (addresses come with ``include=addresses``, which the
  client asks for; V3 marks none as the default). BigCommerce keeps no customer time zone.
- Products: ``status`` is the platform's own ``availability`` word (``available``, ``preorder``,
  ``disabled``). ``url`` stays None: ``custom_url`` is a storefront path without the store's domain. Variants
  come with ``include=variants`` (the client always asks); a product without them (a V2 product, or V3 without
  the include) is its own only variant. Stock: untracked is in stock; otherwise the tracked level (the
  variant's when tracked by variant, the product's when tracked by product) must be above zero, and the
  variant must be purchasable. Prices: a variant's ``price`` is null when it inherits the product's.
  Product payloads name no currency, so prices need the store's (else they are left out).
- Related products: V3 ``related_products`` is a list of product ids, V2's the same ids comma-separated;
  ``-1`` alone means "chosen automatically by BigCommerce", which names no product, so no link.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from storeloom.domain.model import Customer, Product, Variant
from storeloom.domain.types import Consent
from storeloom.platforms.bigcommerce.values import optional_bc_time, required_bc_time
from storeloom.platforms.envelope import build
from storeloom.platforms.timeparse import country_of, optional_int, optional_money, required_id, text, unique_ids
from storeloom.services.platform_port import NormalizationError

AUTOMATIC = "-1"


def _consent(value: Any) -> Consent:
    if isinstance(value, bool):
        return "subscribed" if value else "not_subscribed"
    return "unknown"


def map_customer(item: Mapping[str, Any], currency: str | None, topic: str | None) -> Customer:
    return build(
        Customer,
        id=required_id(item, "id"),
        email=text(item.get("email")),
        phone=text(item.get("phone")),
        first_name=text(item.get("first_name")),
        last_name=text(item.get("last_name")),
        email_consent=_consent(item.get("accepts_product_review_abandoned_cart_emails")),
        created_at=optional_bc_time(item, "date_created"),
        updated_at=required_bc_time(item, "date_modified"),
        country=country_of(*(a.get("country_code") for a in _addresses(item)[:1])),
    )


def _addresses(item: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    addresses = item.get("addresses")
    return [a for a in addresses if isinstance(a, Mapping)] if isinstance(addresses, list) else []


def _related(item: Mapping[str, Any]) -> list[str]:
    value = item.get("related_products")
    if isinstance(value, str):  # V2: "12,34", or "-1"
        value = [part.strip() for part in value.split(",") if part.strip()]
    if isinstance(value, int) and not isinstance(value, bool):
        value = [value]
    if value is not None and not isinstance(value, list):
        raise NormalizationError(f"related_products: not a list of product ids: {value!r}")
    ids = unique_ids({"related_products": value}, "related_products")
    return [found for found in ids if found != AUTOMATIC]


def _on_hand(item: Mapping[str, Any], product: Mapping[str, Any], field: str) -> int | None:
    tracking = product.get("inventory_tracking")
    if tracking == "variant":
        return optional_int(item.get("inventory_level"), f"{field}.inventory_level")
    if tracking == "product":
        return optional_int(product.get("inventory_level"), "inventory_level")
    return None


def _variant(item: Mapping[str, Any], product: Mapping[str, Any], currency: str | None, field: str) -> Variant:
    quantity = _on_hand(item, product, field)
    purchasable = not item.get("purchasing_disabled") and product.get("availability") != "disabled"
    options = [text(value.get("label")) for value in item.get("option_values") or []]
    price = next((item.get(name) for name in ("price", "calculated_price") if item.get(name) is not None), None)
    if price is None:
        price = product.get("price")
    return build(
        Variant,
        id=required_id(item, "id"),
        sku=text(item.get("sku")),
        title=" / ".join(option for option in options if option) or None,
        price=optional_money(price, currency, f"{field}.price") if currency else None,
        inventory_quantity=quantity,
        in_stock=purchasable and (product.get("inventory_tracking") in (None, "none") or (quantity or 0) > 0),
    )


def _image(item: Mapping[str, Any]) -> str | None:
    images = item.get("images")
    if not isinstance(images, list) or not images:
        return None
    chosen = next((image for image in images if image.get("is_thumbnail")), images[0])
    return text(chosen.get("url_standard")) or text(chosen.get("url_zoom"))


def map_product(item: Mapping[str, Any], currency: str | None, topic: str | None) -> Product:
    variants = item.get("variants")
    rows = variants if isinstance(variants, list) and variants else [item]
    return build(
        Product,
        id=required_id(item, "id"),
        title=text(item.get("name")) or "",
        status=text(item.get("availability")),
        image_url=_image(item),
        categories=[str(category) for category in item.get("categories") or []],
        variants=[_variant(row, item, currency, f"variants[{i}]") for i, row in enumerate(rows)],
        updated_at=required_bc_time(item, "date_modified"),
        related_product_ids=_related(item),
    )
