"""The segment refresher's SQS batch: bus events (EventBridge -> SegmentQueue) -> SegmentRefresher.

A record that fails is retried by SQS; on its ``max_attempts``-th receive it is dead-lettered with its
reason (storeloom.services.ingest.sqs_batch.process_with_dead_letters), like the other workers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from storeloom.domain.event import CommerceEvent
from storeloom.services.ingest.ports import DeadLetterSink
from storeloom.services.ingest.sqs_batch import process_with_dead_letters
from storeloom.services.segments import Outcome, SegmentRefresher


class BusEvent(BaseModel):
    """The EventBridge envelope the rule put on the queue; only its detail matters here."""

    detail: CommerceEvent


@dataclass
class SegmentWorker:
    refresher: SegmentRefresher
    dead_letters: DeadLetterSink | None = None
    max_attempts: int = 5


def process_segment_batch(
    event: dict[str, Any], worker: SegmentWorker
) -> tuple[dict[str, Any], list[Outcome], dict[str, str]]:
    """The partial-failure response for SQS, each applied event's outcome, and each failed record's reason."""
    outcomes: list[Outcome] = []

    def handle(body: str) -> None:
        outcomes.append(worker.refresher.handle(BusEvent.model_validate_json(body).detail))

    response, errors = process_with_dead_letters(event, handle, worker.dead_letters, worker.max_attempts)
    return response, outcomes, errors
