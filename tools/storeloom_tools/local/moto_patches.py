"""One fix to moto for the local stack: Step Functions runs concurrent executions of a state machine.

moto's executing backend deep-copies the state machine on every StartExecution, including its list of
executions. An execution still running holds a thread lock, which cannot be copied, so a second execution
started while the first waits fails with a 500. The copy only snapshots the definition for the new execution,
so it is made here without the executions list. tests/e2e/test_moto_patches.py fails if moto changes this.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from moto.stepfunctions.models import StateMachineInstance


def _copy_without_executions(self: StateMachineInstance, memo: dict[int, Any]) -> StateMachineInstance:
    clone = copy.copy(self)
    memo[id(self)] = clone
    for name, value in vars(self).items():
        setattr(clone, name, [] if name == "executions" else copy.deepcopy(value, memo))
    return clone


def install() -> Callable[[], None]:
    """Patch moto; return a function that restores it."""
    had_own = "__deepcopy__" in vars(StateMachineInstance)
    previous = vars(StateMachineInstance).get("__deepcopy__")
    StateMachineInstance.__deepcopy__ = _copy_without_executions  # type: ignore[attr-defined]

    def restore() -> None:
        if had_own:
            StateMachineInstance.__deepcopy__ = previous  # type: ignore[attr-defined]
        else:
            del StateMachineInstance.__deepcopy__  # type: ignore[attr-defined]

    return restore
