"""Every stateful resource in template.yaml says how its personal data is redacted, or why there is none.

A table, bucket, queue or state machine added to the template without an entry in
storeloom.services.redaction.PERSONAL_DATA fails here; so does an entry naming a redactor that
storeloom.adapters.redaction does not implement, or that RedactionService would not be built with.
"""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any

import pytest

from storeloom.adapters import redaction as adapters
from storeloom.services.redaction import (
    NONE_PREFIX,
    PERSONAL_DATA,
    PersonalDataTable,
    RedactionService,
    redactor_names,
)
from storeloom_tools.local.template import load_template

ROOT = Path(__file__).resolve().parents[2]
# Resources that keep data (DynamoDB tables and the archive bucket must be named; queues, the state machine
# and log groups hold messages, run inputs and request logs, so they are named too).
STATEFUL_TYPES = frozenset(
    {
        "AWS::DynamoDB::Table",
        "AWS::DynamoDB::GlobalTable",
        "AWS::S3::Bucket",
        "AWS::SQS::Queue",
        "AWS::Serverless::StateMachine",
        "AWS::StepFunctions::StateMachine",
        "AWS::Serverless::SimpleTable",
        "AWS::Logs::LogGroup",
        # None in the template yet; each would keep copies of events or items if one were added.
        "AWS::Events::Archive",
        "AWS::Kinesis::Stream",
        "AWS::KinesisFirehose::DeliveryStream",
        "AWS::Backup::BackupVault",
    }
)
PROTOCOL_METHODS = ("export", "redact", "redact_store")


def _resources() -> dict[str, dict[str, Any]]:
    resources: dict[str, dict[str, Any]] = load_template(ROOT / "template.yaml")["Resources"]
    return resources


def _stateful() -> dict[str, str]:
    return {name: spec["Type"] for name, spec in _resources().items() if spec["Type"] in STATEFUL_TYPES}


def test_the_template_has_tables_and_the_archive_bucket() -> None:
    types = set(_stateful().values())
    assert {"AWS::DynamoDB::Table", "AWS::S3::Bucket"} <= types


def test_every_stateful_resource_is_registered() -> None:
    missing = {name: kind for name, kind in _stateful().items() if name not in PERSONAL_DATA}
    assert not missing, (
        f"register these in storeloom.services.redaction.PERSONAL_DATA with a redactor or 'none: <reason>': {missing}"
    )


def test_every_registered_resource_is_in_the_template() -> None:
    stale = set(PERSONAL_DATA) - set(_stateful())
    assert not stale, f"PERSONAL_DATA names resources template.yaml no longer has: {sorted(stale)}"


@pytest.mark.parametrize("logical_id", sorted(PERSONAL_DATA))
def test_an_entry_is_a_redactor_or_a_reason(logical_id: str) -> None:
    value = PERSONAL_DATA[logical_id]
    if value.startswith(NONE_PREFIX):
        assert len(value) - len(NONE_PREFIX) >= 20, f"{logical_id}: say why it holds no personal data"
    else:
        assert value in adapters.REDACTORS, f"{logical_id}: no redactor named {value!r} in storeloom.adapters"


@pytest.mark.parametrize("name", sorted(redactor_names()))
def test_a_registered_redactor_implements_the_protocol(name: str) -> None:
    redactor = adapters.REDACTORS[name]
    assert redactor.name == name
    for method in PROTOCOL_METHODS:
        implemented = inspect.signature(getattr(redactor, method))
        declared = inspect.signature(getattr(PersonalDataTable, method))
        assert list(implemented.parameters) == list(declared.parameters), f"{name}.{method}{implemented}"


def test_every_implemented_redactor_is_registered() -> None:
    assert set(adapters.REDACTORS) == redactor_names()


class _Named:
    def __init__(self, name: str) -> None:
        self.name = name

    def export(self, person: Any) -> list[dict[str, Any]]:
        return []

    def redact(self, person: Any, *, request_id: str) -> int:
        return 0

    def redact_store(self, store_id: str, *, request_id: str) -> int:
        return 0


class _NoExports:
    def write(self, key: str, document: Any) -> str:
        return key


def test_the_service_refuses_to_run_without_every_registered_redactor() -> None:
    names = sorted(redactor_names())
    RedactionService([_Named(n) for n in names], _NoExports())
    with pytest.raises(ValueError, match="missing"):
        RedactionService([_Named(n) for n in names[1:]], _NoExports())
    with pytest.raises(ValueError, match="unregistered"):
        RedactionService([*(_Named(n) for n in names), _Named("somewhere_else")], _NoExports())
