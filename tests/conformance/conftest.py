"""The conformance suite's fixtures: every platform's kit, and one fake store polled through the real sync service.

``kit`` is parametrized by the modules of tests/conformance/kits (ids: the module names, which are the
platform names), so every test here runs unchanged for every platform. Nothing leaves the process: the
fakes answer through httpx.MockTransport, time is a VirtualClock, and sockets are disabled as in tests/unit.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_socket

from storeloom.domain.checkpoint import Checkpoint
from storeloom.domain.ingest_message import IngestMessage
from storeloom.domain.model import CommerceEvent
from storeloom.domain.types import loads
from storeloom.platforms.descriptor import ClientContext
from storeloom.services.platform_port import NormalizeContext
from storeloom.services.polling.sync import ProgressHook, SyncReport, SyncRequest, SyncService
from storeloom_tools.fakes.catalog import Row
from storeloom_tools.fakes.clock import VirtualClock
from tests.conformance import kits
from tests.conformance.kit import FakeApi, PlatformKit
from tests.fakes.polling import IngestReplica, MemoryCheckpoints, MemorySink

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
BASE_URL = "https://fake.example"  # never dialled: MockTransport answers every request
ENTITY = "orders"
Version = tuple[str, datetime]  # (canonical id, the version's modified time)


def kit_names() -> list[str]:
    return sorted(info.name for info in pkgutil.iter_modules(kits.__path__))


def load_kit(name: str) -> PlatformKit:
    found = getattr(importlib.import_module(f"{kits.__name__}.{name}"), "KIT", None)
    if not isinstance(found, PlatformKit):
        raise TypeError(f"tests/conformance/kits/{name}.py exports no KIT = PlatformKit(...)")
    return found


@pytest.fixture(autouse=True)
def _no_network() -> Iterator[None]:
    pytest_socket.disable_socket(allow_unix_socket=True)
    yield
    pytest_socket.enable_socket()


@pytest.fixture(params=kit_names())
def kit(request: pytest.FixtureRequest) -> PlatformKit:
    name: str = request.param
    try:
        return load_kit(name)
    except Exception as error:  # a broken kit fails its own tests, not the whole suite
        pytest.fail(f"kits/{name}.py does not load: {type(error).__name__}: {error}")


@dataclass
class Store:
    """One fake store seeded by its kit, its client built as the poller builds it (descriptor.client), and a
    sync service over in-memory checkpoints and queue, all on one VirtualClock."""

    kit: PlatformKit
    orders: int = 90
    customers: int = 12
    page_size: int = 10
    clock: VirtualClock = field(default_factory=VirtualClock)
    checkpoints: MemoryCheckpoints = field(default_factory=MemoryCheckpoints)
    sink: MemorySink = field(default_factory=MemorySink)

    def __post_init__(self) -> None:
        self.api: FakeApi = self.kit.make_api(self.clock)
        self.kit.seed(self.api, self.orders, self.customers)
        self.record = self.kit.record(BASE_URL)
        self.adapter: Any = self.kit.descriptor.adapter(currency=self.record.extra.get("currency"))
        self.asked_at: list[float] = []  # the virtual time of every request the fake was sent
        self.restart()

    def restart(self) -> None:
        """A new process: a fresh HTTP pool, client and service; only the checkpoints and the queue remain."""
        clock = self.clock
        http = httpx.Client(transport=httpx.MockTransport(self._serve))
        context = ClientContext(
            http=http, sleep=clock.sleep, monotonic=clock.monotonic, clock=clock.now, page_size=self.page_size
        )
        self.client: Any = self.kit.descriptor.client(self.record, self.kit.secrets, context)
        self.service = SyncService(self.checkpoints, self.sink, clock.now, first_lookback=timedelta(days=60))

    def _serve(self, request: httpx.Request) -> httpx.Response:
        self.asked_at.append(self.clock.elapsed)
        return self.api(request)

    def pauses(self) -> list[float]:
        """The virtual seconds between each request and the next."""
        return [later - earlier for earlier, later in zip(self.asked_at, self.asked_at[1:], strict=False)]

    def sync(
        self, on_page: ProgressHook | None = None, remaining_ms: Callable[[], int] = lambda: 1 << 30
    ) -> SyncReport:
        return self.service.run(SyncRequest(self.record.store_id, ENTITY), self.client, remaining_ms, on_page)

    def checkpoint(self) -> Checkpoint | None:
        return self.checkpoints.get(self.record.store_id, ENTITY)

    def truth(self) -> dict[str, datetime]:
        """Every seeded order's canonical id and current modified time, as the kit reads the fake."""
        return {self.kit.canonical_id(ENTITY, row): self.kit.modified_at(ENTITY, row) for row in self.rows()}

    def rows(self) -> list[Row]:
        return list(self.api.data.all(ENTITY))

    def row_of(self, canonical_id: str) -> Row:
        return next(row for row in self.rows() if self.kit.canonical_id(ENTITY, row) == canonical_id)

    def edit(self, canonical_id: str) -> datetime:
        """The shop admin edits an order a second later; the new version's modified time."""
        self.clock.advance(1)
        row = self.api.data.touch(ENTITY, str(self.row_of(canonical_id)["id"]))
        return self.kit.modified_at(ENTITY, row)

    def enqueued(self) -> Counter[Version]:
        """Each order version in the queue, counted as often as it was enqueued (ingest dedupes the rest)."""
        return Counter(
            (event.entity_id, event.entity.updated_at)  # type: ignore[union-attr]
            for event in self.events()
            if event.entity_type == "order"
        )

    def stored(self) -> dict[str, datetime]:
        """What ingest would keep of each seeded order after its dedupe: the newest version (IngestReplica)."""
        replica = IngestReplica()
        replica.consume(self.sink.bodies)
        return {i: datetime.fromisoformat(replica.latest[i]) for i in self.truth() if i in replica.latest}

    def versions(self) -> dict[str, set[datetime]]:
        found: dict[str, set[datetime]] = {}
        for entity_id, moment in self.enqueued():
            found.setdefault(entity_id, set()).add(moment)
        return found

    def events(self, bodies: list[str] | None = None) -> list[CommerceEvent]:
        """The queued messages normalized as the ingest worker normalizes them."""
        events = []
        for body in self.sink.bodies if bodies is None else bodies:
            message = IngestMessage.model_validate_json(body)
            context = NormalizeContext(message.store_id, message.source, message.received_at)
            events += self.adapter.normalize(message.topic, loads(message.body or ""), context)
        return events

    def seeded_orders(self) -> list[CommerceEvent]:
        """The fake's order rows as canonical orders (read as JSON, as they would arrive)."""
        context = NormalizeContext(self.record.store_id, "poll", self.clock.now())
        rows = [loads(json.dumps(row)) for row in self.rows()]
        return [event for row in rows for event in self.adapter.normalize_resource(ENTITY, row, context)]


@pytest.fixture
def store(kit: PlatformKit) -> Store:
    return Store(kit)
