"""Bad command lines exit 2 with one line that names the field at fault."""

from __future__ import annotations

from pathlib import Path

import pytest
from botocore.exceptions import EndpointConnectionError

from storeloom_tools.cli import main
from storeloom_tools.local import endpoint

STORE_ADD = ["stores", "add", "--store-id", "s", "--api-url", "http://x", "--webhook-secret", "w", "--platform"]


@pytest.mark.parametrize(
    ("argv", "field"),
    [
        (["stores", "add", "--platform", "etsy", "--store-id", "s", "--api-url", "http://x"], "--platform"),
        (["stores", "add", "--platform", "shopify", "--store-id", "s", "--api-url", "ftp://x"], "--api-url"),
        (["stores", "add", "--platform", "shopify", "--store-id", "s", "--api-url", "http://x"], "--webhook-secret"),
        (["stores", "add", "--platform", "shopify", "--store-id", "a b", "--api-url", "http://x"], "--store-id"),
        (["stores", "add", "--platform", "shopify", "--store-id", "s"], "--api-url"),
        ([*STORE_ADD, "shopify"], "--api-key: a shopify store needs it to read its API (or pass --skip-check)"),
        ([*STORE_ADD, "woocommerce", "--api-key", "ck"], "--api-secret: a woocommerce store needs it"),
        ([*STORE_ADD, "amazon_sp", "--api-key", "id"], "--marketplace-ids: an amazon_sp store needs"),
        ([*STORE_ADD, "magento2", "--api-key", "t", "--auth", "oauth1", "--api-secret", "x"], "--consumer-key"),
        ([*STORE_ADD, "bigcommerce", "--currency", "euro"], "--currency: 'euro' is not an ISO 4217 code"),
        (["entities", "--store", "s", "--type", "invoice"], "--type"),
        (["entities", "--type", "order"], "--store"),
        (["replay", "--archive", "--since", "yesterday"], "--since"),
        (["replay", "--archive"], "--since"),
        (["flows", "enable", "--store", "s", "--flow", "anything"], "--flow: 'anything' is not a flow"),
        (["flows", "show", "--store", "s", "--flow", "vip"], "--flow: 'vip' is not a flow"),
        (["runs", "--store", "s", "--flow", "nope"], "--flow: 'nope' is not a flow"),
        (["flows", "enable", "--store", "s", "--delays", "soon"], "--delays: not a duration"),
        (["flows", "enable", "--store", "s", "--delays", ","], "--delays: at least one step is required"),
        (["flows", "enable", "--store", "s", "--staleness", "6 hours"], "--staleness: "),
        (["flows", "enable", "--store", "s", "--frequency-cap", "often"], "--frequency-cap: "),
        (["flows", "enable", "--store", "s", "--quiet-hours", "25-8"], "--quiet-hours: '25-8'"),
        (["flows", "enable", "--store", "s", "--quiet-hours", "evenings"], "--quiet-hours: 'evenings'"),
        (["flows", "enable", "--store", "s", "--channel", "pigeon"], "--channel: invalid choice: 'pigeon'"),
        (["flows", "frobnicate", "--store", "s"], "action: invalid choice"),
        (["normalize", "--platform", "shopify", "--resource", "invoices", "-"], "--resource: 'invoices'"),
    ],
)
def test_bad_arguments_get_a_one_line_reason(
    argv: list[str], field: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("STORELOOM_HOME", raising=False)
    try:
        status = main(argv)
    except SystemExit as stop:  # argparse's own errors exit from inside parse_args
        status = int(stop.code or 0)
    assert status == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and error.startswith("storeloom: error: "), error
    assert field in error
    assert "Traceback" not in error and "usage:" not in error


@pytest.mark.parametrize(
    ("platform", "reason"),
    [
        (
            "etsy",
            "--platform: 'etsy' is not a platform; supported: shopify, woocommerce, magento2, bigcommerce, amazon_sp",
        ),
    ],
)
def test_stores_add_refuses_a_platform_without_an_adapter(
    platform: str, reason: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*STORE_ADD, platform]) == 2
    assert capsys.readouterr().err == f"storeloom: error: {reason}\n"


def test_commands_that_need_a_stack_say_how_to_start_one(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("STORELOOM_HOME", raising=False)
    assert main(["entities", "--store", "s", "--type", "order"]) == 2
    assert "storeloom local up" in capsys.readouterr().err


def test_botocore_connection_errors_are_mapped_centrally(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*_args: object) -> object:
        raise EndpointConnectionError(endpoint_url="https://dynamodb.eu-west-1.amazonaws.com/")

    monkeypatch.setattr(endpoint, "connect", refuse)
    assert main(["outbox", "--store", "s", "--stack", "prod"]) == 2
    assert capsys.readouterr().err.startswith(
        "storeloom: error: --endpoint: no stack answers at https://dynamodb.eu-west-1.amazonaws.com/: start one"
    )
