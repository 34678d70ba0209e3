"""Count the AWS requests boto3 clients send, through botocore's event hooks (for tests and bench/)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any


class RequestCounter:
    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()

    def __call__(self, model: Any = None, **_: Any) -> None:
        operation = getattr(model, "name", "?")
        service = getattr(getattr(model, "service_model", None), "service_name", "?")
        self.calls[f"{service}.{operation}"] += 1

    @property
    def total(self) -> int:
        return sum(self.calls.values())


@contextmanager
def counting_requests(clients: Iterable[Any]) -> Iterator[RequestCounter]:
    """Count every API call the given clients make while the block runs (retries are one call)."""
    counter = RequestCounter()
    registered = [client.meta.events for client in clients]
    for events in registered:
        events.register("before-call.*.*", counter)
    try:
        yield counter
    finally:
        for events in registered:
            events.unregister("before-call.*.*", counter)
