"""The canonical entities (model v1). Field names are a contract: see docs/canonical-model.md.

Each entity's ``updated_at`` is its version, so it may not lie in the future (``VersionDatetime``); emails
that are not addresses become None and currencies must be ISO 4217 codes (storeloom.domain.types).
"""

from __future__ import annotations

from pydantic import Field

from storeloom.domain.types import (
    CanonicalModel,
    Consent,
    Country,
    Email,
    FulfillmentStatus,
    Id,
    Money,
    PaymentStatus,
    UtcDatetime,
    VersionDatetime,
)


class LineItem(CanonicalModel):
    product_id: Id | None = None
    variant_id: Id | None = None
    sku: str | None = None
    title: str
    quantity: int = Field(ge=0)
    unit_price: Money
    image_url: str | None = None


class Customer(CanonicalModel):
    id: Id
    email: Email = None
    phone: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    is_guest: bool = False
    email_consent: Consent = "unknown"
    sms_consent: Consent = "unknown"
    timezone: str | None = None
    tags: list[str] = Field(default_factory=list)
    created_at: UtcDatetime | None = None
    updated_at: VersionDatetime
    # ISO 3166-1 alpha-2 of the default address (else the first one): the zone to send in when the platform
    # names none (docs/canonical-model.md#customer).
    country: Country = None
    # Set on the customer a platform merged into another (Shopify customers/merge): this id is gone, the
    # person lives on as ``merged_into``.
    merged_into: Id | None = None


class Cart(CanonicalModel):
    id: Id
    customer_id: Id | None = None
    email: Email = None
    line_items: list[LineItem] = Field(default_factory=list)
    subtotal: Money | None = None
    total: Money | None = None
    recovery_url: str | None = None
    created_at: UtcDatetime | None = None
    updated_at: VersionDatetime
    completed_at: UtcDatetime | None = None
    order_id: Id | None = None
    # What the shopper ticked at checkout, the only consent a guest ever gives.
    email_consent: Consent = "unknown"


class Order(CanonicalModel):
    id: Id
    number: str | None = None
    customer_id: Id | None = None
    email: Email = None
    is_guest: bool = False
    cart_id: Id | None = None
    line_items: list[LineItem] = Field(default_factory=list)
    subtotal: Money | None = None
    discount_total: Money | None = None
    total: Money
    refunded_total: Money | None = None
    payment_status: PaymentStatus
    fulfillment_status: FulfillmentStatus | None = None
    cancelled_at: UtcDatetime | None = None
    placed_at: UtcDatetime | None = None
    updated_at: VersionDatetime
    email_consent: Consent = "unknown"
    # As the buyer typed it (normalized to E.164 by whoever matches people), and the billing address's
    # country, else the shipping address's.
    phone: str | None = None
    country: Country = None


class Variant(CanonicalModel):
    id: Id
    sku: str | None = None
    title: str | None = None
    price: Money | None = None
    inventory_quantity: int | None = None
    in_stock: bool


class Product(CanonicalModel):
    id: Id
    title: str
    status: str | None = None
    url: str | None = None
    image_url: str | None = None
    tags: list[str] = Field(default_factory=list)
    categories: list[str] = Field(default_factory=list)
    variants: list[Variant] = Field(default_factory=list)
    updated_at: VersionDatetime
    # The platform's own related, upsell and cross-sell links, in its order. A platform that names the
    # linked products only by SKU (Magento) fills ``related_skus`` instead.
    related_product_ids: list[Id] = Field(default_factory=list)
    related_skus: list[str] = Field(default_factory=list)


class InventoryLevel(CanonicalModel):
    item_id: Id
    variant_id: Id | None = None
    location_id: Id
    available: int | None = None
    updated_at: VersionDatetime

    @property
    def id(self) -> str:
        """An inventory level is one item at one location."""
        return f"{self.item_id}@{self.location_id}"


Entity = Customer | Cart | Order | Product | InventoryLevel

ENTITY_CLASSES: dict[str, type[Entity]] = {
    "customer": Customer,
    "cart": Cart,
    "order": Order,
    "product": Product,
    "inventory_level": InventoryLevel,
}
