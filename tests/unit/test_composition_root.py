"""The composition root: one settings model, services built once per cold start, a light receiver path."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from storeloom.bootstrap.runtime import ColdStart, Runtime
from storeloom.bootstrap.settings import Settings, SettingsError

ROOT = Path(__file__).resolve().parents[2]


def test_settings_read_the_functions_environment_and_keep_the_engine_defaults() -> None:
    settings = Settings.from_environment({"STORES_TABLE": "stores", "POLL_OVERLAP_MINUTES": "5"})

    assert settings.require("stores_table") == "stores"
    assert settings.overlap_minutes == 5 and settings.backfill_share == 0.5 and settings.deep_sweep_hours == 48


def test_a_setting_a_builder_needs_is_named_by_its_environment_variable() -> None:
    with pytest.raises(SettingsError, match=r"^ENTITIES_TABLE must be set$"):
        Settings.from_environment({}).require("entities_table")


def test_a_malformed_tunable_is_refused_when_the_settings_are_read() -> None:
    with pytest.raises(ValueError, match="BACKFILL_RATE_SHARE"):
        Settings.from_environment({"BACKFILL_RATE_SHARE": "2"})


def test_cold_start_builds_the_service_once_from_the_process_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STORES_TABLE", "from-the-process")
    builds: list[str] = []

    def build(runtime: Runtime) -> str:
        builds.append(runtime.settings.stores_table)
        return f"service for {runtime.settings.stores_table}"

    def handle(event: dict[str, Any], context: Any, service: str) -> str:
        return f"{service}: {event['n']}"

    entry = ColdStart(build, handle)

    assert [entry({"n": 1}, None), entry({"n": 2}, None)] == [
        "service for from-the-process: 1",
        "service for from-the-process: 2",
    ]
    assert builds == ["from-the-process"]


def test_a_runtime_reads_only_the_environment_it_is_given(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STORES_TABLE", "process")
    assert Runtime({"STORES_TABLE": "given"}).settings.stores_table == "given"


def _modules_loaded_by(module: str) -> set[str]:
    probe = f"import sys, {module}; print(' '.join(sorted(sys.modules)))"
    path = os.pathsep.join([str(ROOT / "layers/storeloom"), os.environ.get("PYTHONPATH", "")])
    environment = {**os.environ, "PYTHONPATH": path}
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, env=environment)
    return set(result.stdout.split())


def test_the_receiver_path_loads_neither_pydantic_nor_boto3() -> None:
    loaded = _modules_loaded_by("storeloom.bootstrap.receiver")

    assert "storeloom.services.ingest.receiver" in loaded
    assert {"pydantic", "boto3", "storeloom.domain.model"}.isdisjoint(loaded)
