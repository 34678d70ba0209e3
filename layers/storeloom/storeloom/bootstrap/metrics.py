"""The EMF metrics the functions emit and the dashboard in template.yaml reads: names, dimensions, helpers.

Every metric is in the ``Storeloom`` namespace with the function's ``service`` dimension; ``DIMENSIONS`` names
the ones a metric adds. Light at import (no pydantic): the webhook receiver imports it on its cold start.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import TYPE_CHECKING

from aws_lambda_powertools.metrics import MetricUnit, single_metric

if TYPE_CHECKING:
    from datetime import datetime

    from storeloom.domain.decisions import Decision
    from storeloom.services.flows.ports import DecisionLog
    from storeloom.services.polling.sync import SyncReport

NAMESPACE = "Storeloom"

WEBHOOKS_ACCEPTED = "webhooks_accepted"
WEBHOOKS_REJECTED = "webhooks_rejected"
# One per IngestService outcome; in_progress is retried, never counted, but keeps the map total.
INGEST_EVENTS = {outcome: f"events_{outcome}" for outcome in ("applied", "duplicate", "stale", "in_progress")}
INGEST_FAILED = "messages_failed"  # left for SQS to retry
INGEST_DEAD_LETTERED = "messages_dead_lettered"  # retries spent: moved to the dead-letter queue with the reason
POLL_LAG = "poll_lag_seconds"
FLOW_SENT = "flow_sent"
FLOW_SUPPRESSED = "flow_suppressed"

DIMENSIONS: dict[str, tuple[str, ...]] = {
    WEBHOOKS_ACCEPTED: ("platform",),
    # The receiver's own error codes (a fixed set), never anything the caller wrote.
    WEBHOOKS_REJECTED: ("reason",),
    **dict.fromkeys(INGEST_EVENTS.values(), ()),
    INGEST_FAILED: (),
    INGEST_DEAD_LETTERED: (),
    # Per store on purpose: a merchant-facing lag needs it, and a deployment serves tens of stores, not
    # thousands, so the custom metrics stay few. Entities of a store share it (the dashboard takes the maximum).
    POLL_LAG: ("store_id",),
    FLOW_SENT: ("flow",),
    FLOW_SUPPRESSED: ("flow", "reason"),
}


def emit(service: str, name: str, value: float, unit: MetricUnit = MetricUnit.Count, **dimensions: str) -> None:
    """Print one EMF record now (Lambda ships stdout to CloudWatch), with its own dimensions."""
    expected = DIMENSIONS[name]
    if tuple(sorted(dimensions)) != tuple(sorted(expected)):
        raise ValueError(f"metric {name} takes dimensions {expected}, not {tuple(dimensions)}")
    with single_metric(
        name=name, unit=unit, value=value, namespace=NAMESPACE, default_dimensions={"service": service, **dimensions}
    ):
        pass


def poll_lag_seconds(report: SyncReport, now: datetime) -> float | None:
    """How far the poller is behind a store's change list after a cycle: 0 when it read to the end, else the
    time from the furthest change it read to now; None when an unfinished cycle read nothing."""
    if report.complete:
        return 0.0
    if report.cursor is None:
        return None
    return max(0.0, (now - report.cursor.updated_at).total_seconds())


def flow_decision_counts(decisions: Iterable[Decision]) -> tuple[Counter[str], Counter[tuple[str, str]]]:
    """Sends per flow, and suppressions per (flow, reason): step skips, and exits that kept the run from
    messaging the person, as the KPI report counts them."""
    from storeloom.domain.measurement import SUPPRESSION_EXITS

    sent: Counter[str] = Counter()
    suppressed: Counter[tuple[str, str]] = Counter()
    for decision in decisions:
        reason = decision.reason or "unknown"
        if decision.kind == "sent":
            sent[decision.flow_id] += 1
        elif decision.kind == "suppressed" or (decision.kind == "exited" and reason in SUPPRESSION_EXITS):
            suppressed[(decision.flow_id, reason)] += 1
    return sent, suppressed


def emit_flow_decisions(service: str, decisions: Iterable[Decision]) -> None:
    sent, suppressed = flow_decision_counts(decisions)
    for flow, count in sent.items():
        emit(service, FLOW_SENT, count, flow=flow)
    for (flow, reason), count in suppressed.items():
        emit(service, FLOW_SUPPRESSED, count, flow=flow, reason=reason)


class DecisionTally:
    """A DecisionLog that passes every decision on and keeps the ones written since the last ``take``."""

    def __init__(self, log: DecisionLog) -> None:
        self._log = log
        self._recorded: list[Decision] = []

    def record(self, decision: Decision) -> None:
        self._log.record(decision)
        self._recorded.append(decision)

    def record_first(self, decision: Decision) -> bool:
        return self._log.record_first(decision)

    def take(self) -> list[Decision]:
        taken, self._recorded = self._recorded, []
        return taken

    def list(self, store_id: str, flow_id: str | None = None) -> list[Decision]:
        return self._log.list(store_id, flow_id)
