"""Per-request costs of moto's server that grew with the load, taken out for the local stack's moto process
(moto_process).

Routing: for every request moto's dispatcher lists its own package folder (a directory read and a stat per
service, about 150) and then tries each service's URL patterns, twice, under one lock that every request
thread waits on. A host always routes to the same service, so the answer is kept per host.

SQS: for each message a ReceiveMessage returns, moto reads the queue's retention period by building all of
the queue's attributes, which counts the visible, delayed and in-flight messages: three passes over the
queue per message, so a receive cost grew with the backlog. The retention period is read directly here.
SendMessage builds those attributes too (to read ContentBasedDeduplication), and each pass reads the clock
twice per message (30 ms a send behind a backlog of 500): here a pass reads the clock once.

EventBridge: each event sent to a rule's target fills the target's input template through JSONPath
expressions, and jsonpath_ng builds a new parser (its grammar tables) for every expression it parses; the
expressions are a handful of fixed strings, so each is parsed once here.

tests/e2e/test_local_stack_process.py fails if moto changes either.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any

import jsonpath_ng.ext
from moto.core.utils import unix_time, unix_time_millis
from moto.moto_server.werkzeug_app import DomainDispatcherApplication
from moto.sqs.models import Message, Queue, SQSBackend


def _routes_kept_per_host(original: Callable[..., Any]) -> Callable[..., Any]:
    routes: dict[str | None, Any] = {}
    lock = threading.Lock()

    def get_backend_for_host(self: DomainDispatcherApplication, host: str | None) -> Any:
        with lock:
            if host not in routes:
                routes[host] = original(self, host)
            return routes[host]

    get_backend_for_host.__wrapped__ = original  # type: ignore[attr-defined]
    return get_backend_for_host


def _still_retained(self: SQSBackend, queue_name: str, message: Message) -> bool:
    retention_seconds = int(self.get_queue(queue_name).message_retention_period)  # type: ignore[attr-defined]
    return retention_seconds + message.sent_timestamp / 1000 > unix_time()  # type: ignore[operator]


def _visible_now(queue: Queue) -> list[Message]:
    """Visible and not delayed, as ``Message.visible`` and ``Message.delayed`` say, at one moment."""
    now = unix_time_millis()
    return [m for m in queue._messages if now > m.visible_at and not now < m.delayed_until]


def _delayed_now(queue: Queue) -> int:
    now = unix_time_millis()
    return sum(1 for m in queue._messages if now < m.delayed_until)


def _in_flight_now(queue: Queue) -> int:
    now = unix_time_millis()
    return sum(1 for m in queue._messages if not now > m.visible_at)


QUEUE_COUNTS = {
    "messages": property(_visible_now),
    "approximate_number_of_messages": property(lambda queue: len(_visible_now(queue))),
    "approximate_number_of_messages_delayed": property(_delayed_now),
    "approximate_number_of_messages_not_visible": property(_in_flight_now),
}


def install() -> Callable[[], None]:
    """Patch moto; return a function that restores it."""
    original_route = DomainDispatcherApplication.get_backend_for_host
    original_retention = SQSBackend.is_message_valid_based_on_retention_period
    original_counts = {name: vars(Queue)[name] for name in QUEUE_COUNTS}
    original_jsonpath = jsonpath_ng.ext.parse  # type: ignore[attr-defined]
    # moto imports parse from jsonpath_ng.ext inside the function that fills a target's input, per event.
    jsonpath_ng.ext.parse = functools.lru_cache(maxsize=512)(original_jsonpath)  # type: ignore[attr-defined]
    DomainDispatcherApplication.get_backend_for_host = _routes_kept_per_host(original_route)  # type: ignore[method-assign]
    SQSBackend.is_message_valid_based_on_retention_period = _still_retained  # type: ignore[method-assign]
    for name, count in QUEUE_COUNTS.items():
        setattr(Queue, name, count)

    def restore() -> None:
        DomainDispatcherApplication.get_backend_for_host = original_route  # type: ignore[method-assign]
        SQSBackend.is_message_valid_based_on_retention_period = original_retention  # type: ignore[method-assign]
        for name, count in original_counts.items():
            setattr(Queue, name, count)
        jsonpath_ng.ext.parse = original_jsonpath  # type: ignore[attr-defined]

    return restore
