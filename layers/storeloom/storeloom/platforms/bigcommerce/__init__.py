"""BigCommerce: Standard Webhooks signatures, thin webhooks fetched through the API, V2 orders and V3 customers,
catalog and carts mapped into the canonical model (docs/platforms.md#bigcommerce).

``DESCRIPTOR`` and the adapter are loaded on first use (PEP 562), so importing ``.signature`` (the webhook
receiver's hot path) loads no model and no httpx.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from storeloom.platforms.bigcommerce.adapter import BigCommerceAdapter
    from storeloom.platforms.descriptor import PlatformDescriptor

    DESCRIPTOR: PlatformDescriptor

__all__ = ["DESCRIPTOR", "BigCommerceAdapter"]


def __getattr__(name: str) -> Any:
    if name == "DESCRIPTOR":
        from storeloom.platforms.bigcommerce.descriptor import DESCRIPTOR

        return DESCRIPTOR
    if name == "BigCommerceAdapter":
        from storeloom.platforms.bigcommerce.adapter import BigCommerceAdapter

        return BigCommerceAdapter
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
