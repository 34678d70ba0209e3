"""When each step is due: counted from the cart's last activity, never from when Storeloom heard of it."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from storeloom.domain.flow_config import FlowConfig


@dataclass(frozen=True)
class Schedule:
    """The next step to run (None: no step left), how long to wait for it, and the steps skipped as stale."""

    step: int | None
    wait_seconds: int
    stale: list[int] = field(default_factory=list)


def due_at(config: FlowConfig, anchor: datetime, step: int) -> datetime:
    return anchor + timedelta(seconds=config.delays_seconds[step])


def next_step(config: FlowConfig, anchor: datetime, start: int, now: datetime) -> Schedule:
    """The first step from ``start`` whose moment has not passed longer ago than the staleness limit.

    A step overdue by more than ``staleness_seconds`` is skipped and never sent late: a late reminder is
    spam. A step overdue by less runs at once.
    """
    stale: list[int] = []
    for step in range(start, len(config.delays_seconds)):
        late = (now - due_at(config, anchor, step)).total_seconds()
        if late > config.staleness_seconds:
            stale.append(step)
            continue
        return Schedule(step, max(0, math.ceil(-late)), stale)
    return Schedule(None, 0, stale)
