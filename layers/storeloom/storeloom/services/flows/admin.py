"""Operator actions on flows: enable, disable and show a flow's config; summarise runs from decisions."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from storeloom.domain.decisions import Decision
from storeloom.domain.flow_config import FlowConfig
from storeloom.services.flows.ports import FlowConfigRepository


def enable_flow(configs: FlowConfigRepository, store_id: str, flow_id: str, **changes: Any) -> FlowConfig:
    """Save a new enabled version: ``changes`` (FlowConfig fields) over the current version or defaults.

    Runs already waiting keep the version they entered with.
    """
    current = configs.current(store_id, flow_id)
    base = current.model_dump() if current else {"store_id": store_id, "flow_id": flow_id}
    merged = {**base, **{k: v for k, v in changes.items() if v is not None}, "enabled": True}
    return configs.save(FlowConfig.model_validate(merged))


def disable_flow(configs: FlowConfigRepository, store_id: str, flow_id: str) -> FlowConfig | None:
    current = configs.current(store_id, flow_id)
    if current is None:
        return None
    return configs.save(current.model_copy(update={"enabled": False}))


@dataclass
class RunSummary:
    run_id: str
    flow_id: str
    flow_version: int
    status: str = "running"
    reason: str | None = None
    sent: int = 0
    decisions: list[Decision] = field(default_factory=list)

    @property
    def recovered(self) -> bool:
        """The person bought after at least one reminder was sent."""
        return self.reason == "converted" and self.sent > 0

    def as_json(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "flow_id": self.flow_id,
            "flow_version": self.flow_version,
            "status": self.status,
            "reason": self.reason,
            "sent": self.sent,
            "recovered": self.recovered,
            "decisions": [d.model_dump(mode="json") for d in self.decisions],
        }


def summarise_runs(decisions: Iterable[Decision]) -> list[RunSummary]:
    """Group decisions by run; a run is ``exited`` (with its reason) or still ``running``."""
    runs: dict[str, RunSummary] = {}
    for decision in decisions:
        run = runs.setdefault(decision.run_id, RunSummary(decision.run_id, decision.flow_id, decision.flow_version))
        run.decisions.append(decision)
        run.sent += decision.kind == "sent"
        if decision.kind == "exited":
            run.status, run.reason = "exited", decision.reason
    return list(runs.values())
