"""Fake Shopify Admin REST and WooCommerce REST v3 APIs, for tests, the bench and the local demo.

shop = FakeShopify()
seed_shopify(shop.data, orders=100, customers=20)
httpx.Client(transport=httpx.MockTransport(shop))          # in-process
with LoopbackServer(shop) as server: server.url            # a real server on 127.0.0.1
"""

from storeloom_tools.fakes.clock import VirtualClock
from storeloom_tools.fakes.faults import Faults
from storeloom_tools.fakes.server import LoopbackServer
from storeloom_tools.fakes.shopify import FakeShopify
from storeloom_tools.fakes.shopify_data import seed_shopify
from storeloom_tools.fakes.woocommerce import FakeWooCommerce
from storeloom_tools.fakes.woocommerce_data import seed_woocommerce

__all__ = [
    "FakeShopify",
    "FakeWooCommerce",
    "Faults",
    "LoopbackServer",
    "VirtualClock",
    "seed_shopify",
    "seed_woocommerce",
]
