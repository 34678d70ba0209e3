"""The ingest worker's view of the platform APIs: each store's client, to read what a thin payload names.

Clients are built from the Stores table and the store's secret, as the poller builds them, and kept for a
few minutes so a burst of thin webhooks reads the registry and the secret once.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from storeloom.platforms.sources import PlatformCatalog
from storeloom.services.platform_port import ApiError, ResourceReader
from storeloom.services.polling.ports import SecretReader, StoreLookup


@dataclass
class StoreReaders:
    stores: StoreLookup
    secrets: SecretReader
    platforms: PlatformCatalog
    cache_seconds: float = 300.0
    monotonic: Callable[[], float] = time.monotonic
    _clients: dict[str, tuple[float, Any]] = field(default_factory=dict, repr=False)

    def __call__(self, platform: str, store_id: str) -> ResourceReader:
        cached = self._clients.get(store_id)
        if cached is None or cached[0] <= self.monotonic():
            cached = (self.monotonic() + self.cache_seconds, self._build(platform, store_id))
            self._clients[store_id] = cached
        reader: ResourceReader = cached[1]
        return reader

    def _build(self, platform: str, store_id: str) -> Any:
        store = self.stores.get(store_id)
        if store is None or store.platform != platform:
            # Retried, then dead-lettered with this reason: the store was removed after the delivery was taken in.
            raise ApiError(f"store {store_id!r} is not a registered {platform} store")
        client = self.platforms.client(store, self.secrets.read(store.secret_arn))
        if not callable(getattr(client, "read", None)):
            raise ApiError(f"{platform} has no API reads for thin payloads")
        return client
