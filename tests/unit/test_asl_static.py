"""Every state machine's ASL is checked without running it: Next targets, substitutions, Retry and Catch."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from storeloom_tools.local.template import load_template

ROOT = Path(__file__).resolve().parents[2]
MACHINES = sorted((ROOT / "statemachines").glob("*.asl.json"))


def _states(definition: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = dict(definition["States"])
    for state in definition["States"].values():
        for branch in state.get("Branches", []) + ([state["Iterator"]] if "Iterator" in state else []):
            found.update(_states(branch))
    return found


def _targets(state: dict[str, Any]) -> list[str]:
    targets = [state[key] for key in ("Next", "Default") if key in state]
    targets += [choice["Next"] for choice in state.get("Choices", [])]
    targets += [catch["Next"] for catch in state.get("Catch", [])]
    return targets


def _substitutions(uri: str) -> dict[str, Any]:
    resources = load_template(ROOT / "template.yaml")["Resources"]
    for resource in resources.values():
        if resource.get("Properties", {}).get("DefinitionUri") == uri:
            substitutions: dict[str, Any] = resource["Properties"].get("DefinitionSubstitutions", {})
            return substitutions
    raise AssertionError(f"no state machine in template.yaml uses {uri}")


def test_there_is_a_state_machine_to_check() -> None:
    assert any(path.name == "flow_run.asl.json" for path in MACHINES)


@pytest.mark.parametrize("path", MACHINES, ids=lambda p: p.name)
def test_every_next_names_an_existing_state(path: Path) -> None:
    definition = json.loads(path.read_text())
    states = _states(definition)
    assert definition["StartAt"] in states
    missing = {(name, t) for name, state in states.items() for t in _targets(state) if t not in states}
    assert not missing


@pytest.mark.parametrize("path", MACHINES, ids=lambda p: p.name)
def test_every_placeholder_has_a_definition_substitution(path: Path) -> None:
    placeholders = set(re.findall(r"\$\{(\w+)\}", path.read_text()))
    substitutions = _substitutions(f"statemachines/{path.name}")
    assert placeholders and placeholders <= set(substitutions)


@pytest.mark.parametrize("path", MACHINES, ids=lambda p: p.name)
def test_every_task_has_retry_and_catch(path: Path) -> None:
    tasks = {n: s for n, s in _states(json.loads(path.read_text())).items() if s["Type"] == "Task"}
    assert tasks
    assert all(state.get("Retry") and state.get("Catch") for state in tasks.values())


@pytest.mark.parametrize("path", MACHINES, ids=lambda p: p.name)
def test_waits_take_their_delay_from_the_input(path: Path) -> None:
    waits = [s for s in _states(json.loads(path.read_text())).values() if s["Type"] == "Wait"]
    assert waits and all("SecondsPath" in w or "TimestampPath" in w for w in waits)
