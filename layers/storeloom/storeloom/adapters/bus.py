"""Publish CommerceEvents to the EventBridge bus, ten entries a request."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from storeloom.domain.model import CommerceEvent

EVENT_SOURCE = "storeloom.ingest"  # the bus contract consumers match on: keep it stable
_PUT_EVENTS_LIMIT = 10


def detail_type(event: CommerceEvent) -> str:
    """Rules match on this: ``cart.updated``, ``order.created``..."""
    return f"{event.entity_type}.{event.action}"


class EventBridgePublisher:
    def __init__(self, bus_name: str, client: Any) -> None:
        self._bus = bus_name
        self._client = client

    def publish(self, events: Sequence[CommerceEvent]) -> list[str]:
        failed: list[str] = []
        for start in range(0, len(events), _PUT_EVENTS_LIMIT):
            chunk = events[start : start + _PUT_EVENTS_LIMIT]
            response = self._client.put_events(Entries=[self._entry(event) for event in chunk])
            if response.get("FailedEntryCount"):
                results = response.get("Entries", [])
                failed += [e.event_id for e, r in zip(chunk, results, strict=False) if r.get("ErrorCode")]
        return failed

    def _entry(self, event: CommerceEvent) -> dict[str, Any]:
        return {
            "EventBusName": self._bus,
            "Source": EVENT_SOURCE,
            "DetailType": detail_type(event),
            "Detail": event.model_dump_json(),
            "Time": event.occurred_at,
        }
