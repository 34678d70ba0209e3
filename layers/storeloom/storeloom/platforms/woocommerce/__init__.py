"""WooCommerce: webhook topics and REST v3 resources mapped into the canonical model."""

from storeloom.platforms.woocommerce.adapter import WooCommerceAdapter

__all__ = ["WooCommerceAdapter"]
