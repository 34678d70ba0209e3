"""Which adapter serves which platform. The ingest worker, the poller and the CLI look adapters up here."""

from __future__ import annotations

from collections.abc import Callable

from storeloom.domain.types import Platform, is_platform
from storeloom.platforms.catalogue import DESCRIPTORS
from storeloom.services.platform_port import PlatformAdapter

# Keyed by the model's Platform names (storeloom.domain.types.PLATFORMS, the one list of them): the
# catalogue says which of them a platform folder serves.
_ADAPTERS: dict[Platform, Callable[..., PlatformAdapter]] = {name: d.adapter for name, d in DESCRIPTORS.items()}
SUPPORTED_PLATFORMS: tuple[Platform, ...] = tuple(_ADAPTERS)


class UnknownPlatform(ValueError):
    """A platform name no adapter serves."""


def get_adapter(platform: str, currency: str | None = None) -> PlatformAdapter:
    """The adapter for ``platform``. ``currency`` is the store's currency, for payloads that name none."""
    name = platform.strip().lower()
    adapter_class = _ADAPTERS.get(name) if is_platform(name) else None
    if adapter_class is None:
        supported = ", ".join(SUPPORTED_PLATFORMS)
        raise UnknownPlatform(f"platform: {platform!r} has no adapter (supported: {supported})")
    return adapter_class(currency=currency)
