"""Every platform folder's descriptor, by platform name: the one list that says which platforms exist."""

from __future__ import annotations

from storeloom.domain.types import Platform
from storeloom.platforms import amazon_sp, bigcommerce, magento2, shopify, woocommerce
from storeloom.platforms.descriptor import PlatformDescriptor

DESCRIPTORS: dict[Platform, PlatformDescriptor] = {
    package.DESCRIPTOR.name: package.DESCRIPTOR for package in (shopify, woocommerce, magento2, bigcommerce, amazon_sp)
}
