"""Shopify: webhook topics and REST resources mapped into the canonical model."""

from storeloom.platforms.shopify.adapter import ShopifyAdapter

__all__ = ["ShopifyAdapter"]
