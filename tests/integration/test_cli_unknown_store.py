"""Every command that takes --store refuses a store that is not registered: an error, never an empty result."""

from __future__ import annotations

import pytest

from storeloom_tools.cli import main
from tests.support.aws import AwsStack
from tests.support.webhooks import register_store

UNKNOWN = "storeloom: error: --store: no store 'ghost' is registered (add it with storeloom stores add)\n"
COMMANDS = [
    ["runs", "--store", "ghost"],
    ["runs", "--store", "ghost", "--flow", "abandoned_cart", "--json"],
    ["entities", "--store", "ghost", "--type", "order"],
    ["entities", "--store", "ghost", "--type", "order", "--id", "1"],
    ["outbox", "--store", "ghost"],
    ["flows", "enable", "--store", "ghost"],
    ["flows", "disable", "--store", "ghost"],
    ["flows", "show", "--store", "ghost"],
    ["sync", "--store", "ghost", "--entity", "orders"],
    ["backfill", "--store", "ghost", "--entity", "orders", "--since", "2026-01-01"],
    ["stores", "status", "--store", "ghost"],
    ["stores", "remove", "--store", "ghost"],
    ["replay", "--dlq", "--store", "ghost"],
    ["replay", "--archive", "--since", "2026-01-01", "--store", "ghost"],
]


@pytest.fixture
def cli(aws_stack: AwsStack, monkeypatch: pytest.MonkeyPatch) -> AwsStack:
    aws_stack.serve_cli(monkeypatch, "http://function-url.local/")
    register_store(aws_stack, "real-shop", "shopify", "secret")  # a registered store is no excuse
    return aws_stack


@pytest.mark.parametrize("argv", COMMANDS, ids=lambda argv: " ".join(argv))
def test_an_unregistered_store_is_an_error(argv: list[str], cli: AwsStack, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert (captured.out, captured.err) == ("", UNKNOWN)


def test_flows_enable_saves_nothing_for_an_unregistered_store(
    cli: AwsStack, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["flows", "enable", "--store", "ghost", "--delays", "1h"]) == 2
    capsys.readouterr()
    assert cli.client("dynamodb").scan(TableName=cli.env("FLOW_CONFIG_TABLE"))["Items"] == []


def test_a_registered_store_with_nothing_yet_is_an_empty_result(
    cli: AwsStack, capsys: pytest.CaptureFixture[str]
) -> None:
    for argv in (["runs", "--store", "real-shop"], ["outbox", "--store", "real-shop"]):
        assert main(argv) == 0
        assert capsys.readouterr().out == ""
    assert main(["entities", "--store", "real-shop", "--type", "order"]) == 0
    assert capsys.readouterr().out == ""
