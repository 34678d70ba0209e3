"""Count the AWS requests boto3 clients send, through botocore's event hooks (for tests and bench/)."""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any


class RequestCounter:
    def __init__(self, thread: int | None = None) -> None:
        self.calls: Counter[str] = Counter()
        self.tables: Counter[str] = Counter()
        self._thread = thread

    def __call__(self, model: Any = None, params: Any = None, **_: Any) -> None:
        if self._thread is not None and threading.get_ident() != self._thread:
            return  # another thread's work sharing the same clients
        operation = getattr(model, "name", "?")
        service = getattr(getattr(model, "service_model", None), "service_name", "?")
        self.calls[f"{service}.{operation}"] += 1
        if table := _table_of(params):
            self.tables[table] += 1

    @property
    def total(self) -> int:
        return sum(self.calls.values())


@contextmanager
def counting_requests(clients: Iterable[Any], *, this_thread: bool = False) -> Iterator[RequestCounter]:
    """Count every API call the given clients make while the block runs (retries are one call); with
    ``this_thread``, only the calls made by the thread that opened the block."""
    counter = RequestCounter(threading.get_ident() if this_thread else None)
    registered = [client.meta.events for client in clients]
    for events in registered:
        events.register("before-call.*.*", counter)
    try:
        yield counter
    finally:
        for events in registered:
            events.unregister("before-call.*.*", counter)


def _table_of(request: Any) -> str | None:
    """The table a DynamoDB request names (its JSON body's ``TableName``), if any."""
    body = request.get("body") if isinstance(request, dict) else None
    if not body:
        return None
    try:
        table = json.loads(body).get("TableName")
    except (ValueError, AttributeError):
        return None
    return str(table) if table else None
