"""What each platform gives the conformance suite: its descriptor, a fake API and how to read the fake.

Every platform has a module ``tests/conformance/kits/<platform>.py`` exporting ``KIT``; the suite in this
folder is parametrized over them and runs unchanged for each. A fake API is an httpx handler
(``httpx.MockTransport(api)``, or ``LoopbackServer(api)``) with ``data`` (FakeStoreData), ``faults`` (Faults)
and ``requests`` (the URLs it served), serving data the kit seeds.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

import httpx

from storeloom.domain.stores import StoreRecord, StoreSecrets
from storeloom.platforms.descriptor import PlatformDescriptor
from storeloom_tools.fakes.catalog import FakeStoreData, Row
from storeloom_tools.fakes.clock import VirtualClock
from storeloom_tools.fakes.faults import Faults


class FakeApi(Protocol):
    data: FakeStoreData
    faults: Faults
    requests: list[str]

    def __call__(self, request: httpx.Request) -> httpx.Response: ...


@dataclass(frozen=True)
class SignedDelivery:
    """How the platform signs a webhook: ``sign(body, secret, now)`` -> the request headers it sends."""

    topic: str
    body: bytes
    sign: Callable[[bytes, str, datetime], dict[str, str]]


# Per corpus file name: per "<entity_type>/<entity id>" it maps to, the canonical JSON value of some fields.
CorpusExpectations = Mapping[str, Mapping[str, Mapping[str, Any]]]


@dataclass(frozen=True)
class PlatformKit:
    descriptor: PlatformDescriptor
    make_api: Callable[[VirtualClock], FakeApi]
    # Seed ``orders`` orders over ``customers`` customers; many share one modified second (ties).
    seed: Callable[[FakeApi, int, int], None]
    secrets: StoreSecrets
    # The store as registered, given the fake's base URL.
    record: Callable[[str], StoreRecord]
    # The row's modified time (UTC) and its canonical id, as the adapter reads them.
    modified_at: Callable[[str, Row], datetime]
    canonical_id: Callable[[str, Row], str]
    # Make the fake answer the next ``count`` requests with the platform's own throttling answer, naming
    # ``wait_seconds`` in the platform's own headers.
    throttle: Callable[[FakeApi, int, float], None]
    # The folder under ../shared/corpus with this platform's payloads.
    corpus: str
    # For platforms that push webhooks: a delivery and how it is signed.
    delivery: SignedDelivery | None = None
    # A customer id (canonical) that the seed gives orders, for the person's-orders check.
    customer_with_orders: Callable[[FakeApi], str] | None = None
    # Anything else a platform-specific test needs.
    extra: dict[str, Any] | None = None
    # What named corpus files must map to, beyond the contract every file is held to.
    corpus_expectations: CorpusExpectations = field(default_factory=dict)

    @property
    def platform(self) -> str:
        return self.descriptor.name
