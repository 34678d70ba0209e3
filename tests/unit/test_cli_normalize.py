"""``storeloom normalize``: payload in, CommerceEvent JSON lines out; bad input exits 2 with one line."""

from __future__ import annotations

import argparse
import io
import json
import sys
from pathlib import Path

import pytest

from storeloom_tools.cli import normalize
from storeloom_tools.errors import CliError

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
ORDER_WITHOUT_UPDATED_AT = '{"id": 1, "currency": "USD", "total_price": "1.00", "financial_status": "paid"}'


def run(argv: list[str]) -> int:
    """The normalize command as ``storeloom_tools.cli.main`` runs it (CliError -> one line on stderr, exit 2)."""
    parser = argparse.ArgumentParser(prog="storeloom")
    normalize.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    try:
        return int(args.run(args) or 0)
    except CliError as error:
        print(f"storeloom: error: {error}", file=sys.stderr)
        return error.status


def test_file_to_json_lines(capsys: pytest.CaptureFixture[str]) -> None:
    path = FIXTURES / "shopify" / "orders_create.json"
    assert run(["normalize", "--platform", "shopify", "--topic", "orders/create", str(path)]) == 0
    [line] = capsys.readouterr().out.splitlines()
    event = json.loads(line)
    assert event["store_id"] == "cli" and event["source"] == "webhook" and event["action"] == "created"
    assert event["entity_id"] == "9007199254740993123"
    assert event["received_at"].endswith("Z")


def test_stdin_and_store_id(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    body = (FIXTURES / "woocommerce" / "product_simple.json").read_bytes()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(body)))
    argv = ["normalize", "--platform", "woocommerce", "--topic", "product.updated", "--store-id", "s9"]
    assert run([*argv, "--currency", "GBP", "-"]) == 0
    event = json.loads(capsys.readouterr().out)
    assert event["store_id"] == "s9"
    assert event["entity"]["variants"][0]["price"] == {"amount": "21.99", "currency": "GBP"}


def test_a_topic_that_yields_no_events_says_so_and_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    path = FIXTURES / "shopify" / "refunds_create.json"
    assert run(["normalize", "--platform", "shopify", "--topic", "refunds/create", str(path)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == "storeloom: error: --topic: this shopify refunds/create payload yields no events\n"


@pytest.mark.parametrize(
    ("platform", "topic", "body", "reason"),
    [
        ("etsy", "orders/create", "{}", "--platform: 'etsy'"),
        ("shopify", "shop/update", "{}", "--topic: shopify topic 'shop/update'"),
        ("shopify", "orders/create", "{not json", "payload: invalid JSON"),
        ("shopify", "orders/create", '{"id": 1}', "payload: currency: missing"),
        ("shopify", "orders/create", ORDER_WITHOUT_UPDATED_AT, "payload: updated_at: missing"),
        ("woocommerce", "order.updated", '{"id": 1, "status": "??"}', "payload: status:"),
    ],
)
def test_bad_input_exits_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], platform: str, topic: str, body: str, reason: str
) -> None:
    path = tmp_path / "payload.json"
    path.write_text(body)
    assert run(["normalize", "--platform", platform, "--topic", topic, str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    [line] = captured.err.splitlines()
    assert line.startswith(f"storeloom: error: {reason}")


def test_missing_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["normalize", "--platform", "shopify", "--topic", "orders/create", "/nonexistent.json"]) == 2
    assert "file: cannot read" in capsys.readouterr().err


def test_registered_in_the_storeloom_command() -> None:
    from storeloom_tools.cli import COMMAND_MODULES

    assert "storeloom_tools.cli.normalize" in COMMAND_MODULES
