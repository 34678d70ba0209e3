"""``storeloom stores remove``: the schedules, the store record and the secrets go; the history stays."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from storeloom.bootstrap import services
from storeloom_tools.cli import main
from tests.support.aws import AwsStack


@pytest.fixture
def cli(aws_stack: AwsStack, monkeypatch: pytest.MonkeyPatch) -> Iterator[AwsStack]:
    aws_stack.serve_cli(monkeypatch, "http://function-url.local/")
    yield aws_stack


def test_remove_deletes_schedules_record_and_secrets(cli: AwsStack, capsys: pytest.CaptureFixture[str]) -> None:
    add = [
        "stores",
        "add",
        "--platform",
        "shopify",
        "--store-id",
        "leaving",
        "--api-url",
        "http://127.0.0.1:9",
        "--skip-check",
    ]
    assert main([*add, "--webhook-secret", "s", "--api-key", "k"]) == 0
    created = json.loads(capsys.readouterr().out)["schedules"]
    assert created

    assert main(["stores", "remove", "--store", "leaving"]) == 0
    removed = json.loads(capsys.readouterr().out)

    assert removed["schedules_removed"] == len(created)
    schedules = services.poll_schedules(cli.runtime)
    assert schedules is not None and schedules.names("leaving") == []
    stores = cli.client("dynamodb").scan(TableName=cli.env("STORES_TABLE"))["Items"]
    assert [item["store_id"]["S"] for item in stores] == []
    prefix = cli.runtime.settings.store_secret_prefix
    assert prefix == "storeloom/test"  # the stack's own, as the template names it
    secret = cli.client("secretsmanager").describe_secret(SecretId=f"{prefix}/leaving")
    assert "DeletedDate" in secret


def test_location_ids_add_the_inventory_schedule(cli: AwsStack, capsys: pytest.CaptureFixture[str]) -> None:
    add = [
        "stores",
        "add",
        "--platform",
        "shopify",
        "--store-id",
        "stocked",
        "--api-url",
        "http://127.0.0.1:9",
        "--skip-check",
    ]
    assert main([*add, "--webhook-secret", "s", "--api-key", "k", "--location-ids", "61,62"]) == 0
    assert "poll-stocked-inventory_levels" in json.loads(capsys.readouterr().out)["schedules"]
    assert main([*add, "--webhook-secret", "s", "--location-ids", "main-warehouse"]) == 2
    assert "--location-ids" in capsys.readouterr().err


def test_removing_an_unknown_store_names_the_field(cli: AwsStack, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["stores", "remove", "--store", "never-added"]) == 2
    assert "--store" in capsys.readouterr().err
