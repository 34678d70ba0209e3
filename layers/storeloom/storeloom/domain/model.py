"""The canonical model (v1): the contract between platforms, the tables, the events and the workflows.

Imported from here rather than from the package, so that importing any domain module (the receiver's
store records and archive keys) does not load pydantic.
"""

from storeloom.domain.entities import (
    ENTITY_CLASSES,
    Cart,
    Customer,
    Entity,
    InventoryLevel,
    LineItem,
    Order,
    Product,
    Variant,
)
from storeloom.domain.event import CommerceEvent, event_id_for, idempotency_key
from storeloom.domain.types import Money, format_utc

__all__ = [
    "ENTITY_CLASSES",
    "Cart",
    "CommerceEvent",
    "Customer",
    "Entity",
    "InventoryLevel",
    "LineItem",
    "Money",
    "Order",
    "Product",
    "Variant",
    "event_id_for",
    "format_utc",
    "idempotency_key",
]
