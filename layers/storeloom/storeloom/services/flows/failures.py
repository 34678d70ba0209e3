"""A run the state machine could not finish: record why, so no run ends without a decision."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from storeloom.domain.run import RunState
from storeloom.services.flows.ports import DecisionLog
from storeloom.services.flows.steps import decision_for


def _utcnow() -> datetime:
    return datetime.now(UTC)


class FailureRecorder:
    def __init__(self, decisions: DecisionLog, clock: Callable[[], datetime] = _utcnow) -> None:
        self._decisions = decisions
        self._clock = clock

    def record(self, state: RunState, error: str, cause: str) -> RunState:
        detail = {"error": error, "cause": cause[:500]}
        self._decisions.record(decision_for(state, "exited", "error", self._clock(), detail=detail))
        return state.model_copy(update={"done": True, "wait_seconds": 0})
