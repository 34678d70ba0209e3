"""Fake Shopify Admin REST and WooCommerce REST v3 APIs, for tests, the bench and the local demo.

shop = FakeShopify()
seed_shopify(shop.data, orders=100, customers=20)
httpx.Client(transport=httpx.MockTransport(shop))          # in-process
with LoopbackServer(shop) as server: server.url            # a real server on 127.0.0.1
"""

from storeloom.local.fake_platforms.clock import VirtualClock
from storeloom.local.fake_platforms.faults import Faults
from storeloom.local.fake_platforms.server import LoopbackServer
from storeloom.local.fake_platforms.shopify import FakeShopify
from storeloom.local.fake_platforms.shopify_data import seed_shopify
from storeloom.local.fake_platforms.woocommerce import FakeWooCommerce
from storeloom.local.fake_platforms.woocommerce_data import seed_woocommerce

__all__ = [
    "FakeShopify",
    "FakeWooCommerce",
    "Faults",
    "LoopbackServer",
    "VirtualClock",
    "seed_shopify",
    "seed_woocommerce",
]
