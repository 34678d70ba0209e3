"""Magento customers, products and MSI source items -> canonical entities."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from storeloom.domain.model import Customer, InventoryLevel, Product, Variant
from storeloom.domain.types import Consent
from storeloom.platforms.envelope import build
from storeloom.platforms.magento2.mapping import flag, quantity_of
from storeloom.platforms.timeparse import (
    country_of,
    optional_id,
    optional_money,
    optional_time,
    required_id,
    required_time,
    text,
)
from storeloom.services.platform_port import NormalizationError

PRODUCT_STATUS = {1: "enabled", 2: "disabled"}  # Magento\Catalog\Model\Product\Attribute\Source\Status
# Products whose children are products of their own (listed by /V1/products too), so they have no variant
# of their own; a configurable's order rows name the child as the variant.
PARENT_TYPES = frozenset({"configurable", "grouped"})
# ``product_links`` also lists a grouped product's parts (``associated``): those are no suggestion.
RELATED_LINKS = frozenset({"related", "upsell", "crosssell"})


def _consent(extension: Mapping[str, Any]) -> Consent:
    """``extension_attributes.is_subscribed`` is the newsletter subscription; absent, it is not known."""
    if "is_subscribed" not in extension:
        return "unknown"
    return "subscribed" if flag(extension["is_subscribed"]) else "not_subscribed"


def _default_address(item: Mapping[str, Any], kind: str = "default_billing") -> Mapping[str, Any]:
    """The default billing (or ``kind``) address (``default_billing`` is its id, as a string), else the
    first one."""
    addresses = [address for address in item.get("addresses") or [] if isinstance(address, Mapping)]
    chosen = str(item.get(kind) or "")
    for address in addresses:
        if address.get(kind) is True or (chosen and str(address.get("id")) == chosen):
            return address
    return addresses[0] if addresses else {}


def _related_skus(item: Mapping[str, Any]) -> list[str]:
    """The linked SKUs of the related, up-sell and cross-sell links, in the payload's order, each once.
    Magento names linked products only by SKU (ProductLinkInterface), so no product id can be given."""
    links = item.get("product_links") or []
    skus = (text(link.get("linked_product_sku")) for link in links if link.get("link_type") in RELATED_LINKS)
    return list(dict.fromkeys(sku for sku in skus if sku))


def map_customer(item: Mapping[str, Any], currency: str | None, topic: str | None) -> Customer:
    return build(
        Customer,
        id=required_id(item, "id"),
        email=text(item.get("email")),
        phone=text(_default_address(item).get("telephone")),
        first_name=text(item.get("firstname")),
        last_name=text(item.get("lastname")),
        email_consent=_consent(item.get("extension_attributes") or {}),
        created_at=optional_time(item, "created_at"),
        updated_at=required_time(item, "updated_at"),
        country=country_of(
            _default_address(item).get("country_id"), _default_address(item, "default_shipping").get("country_id")
        ),
    )


def _status(value: Any) -> str | None:
    """1 and 2 are Magento's enabled and disabled; any other word is kept as the platform's own."""
    try:
        return PRODUCT_STATUS.get(int(value), text(value))
    except (TypeError, ValueError):
        return text(value)


def _variant(item: Mapping[str, Any], currency: str | None) -> Variant:
    """The product itself. Without the legacy ``stock_item`` extension, an enabled product counts as in
    stock. A product payload names no currency: without the store's, the price is left out."""
    stock = (item.get("extension_attributes") or {}).get("stock_item") or {}
    in_stock = flag(stock["is_in_stock"]) if "is_in_stock" in stock else _status(item.get("status")) == "enabled"
    return build(
        Variant,
        id=required_id(item, "id"),
        sku=text(item.get("sku")),
        title=text(item.get("name")),
        price=optional_money(item.get("price"), currency, "price") if currency else None,
        inventory_quantity=quantity_of(stock["qty"], "stock_item.qty") if stock.get("qty") is not None else None,
        in_stock=in_stock,
    )


def map_product(item: Mapping[str, Any], currency: str | None, topic: str | None) -> Product:
    """The canonical id is the entity id; the SKU stays on the variant. Category links give category ids
    (names need another call). Media and URL keys are relative to the storefront, which the adapter does
    not know, so ``url`` and ``image_url`` stay empty."""
    links = (item.get("extension_attributes") or {}).get("category_links") or []
    return build(
        Product,
        id=required_id(item, "id"),
        title=text(item.get("name")) or "",
        status=_status(item.get("status")),
        categories=[str(link["category_id"]) for link in links if link.get("category_id") is not None],
        variants=[] if item.get("type_id") in PARENT_TYPES else [_variant(item, currency)],
        updated_at=required_time(item, "updated_at"),
        related_skus=_related_skus(item),
    )


def map_source_item(item: Mapping[str, Any], read_at: datetime | None) -> InventoryLevel:
    """One SKU at one source. A source item has no modification time, so its version is the moment
    Storeloom read it (``read_at``). ``status`` 0 (out of stock) leaves nothing available."""
    if read_at is None:
        raise NormalizationError("updated_at: a source item has no time of its own; it needs the time it was read")
    quantity = item.get("quantity")
    available = quantity_of(quantity, "quantity") if quantity is not None else None
    return build(
        InventoryLevel,
        item_id=required_id(item, "sku"),
        location_id=required_id(item, "source_code"),
        available=0 if optional_id(item.get("status"), "status") == "0" else available,
        updated_at=read_at,
    )
