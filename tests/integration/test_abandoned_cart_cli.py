"""``storeloom flows``, ``runs`` and ``outbox`` against template.yaml's tables in moto."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from storeloom.bootstrap import services
from storeloom.domain.decisions import Decision
from storeloom_tools.cli import main
from tests.support.aws import AwsStack
from tests.support.webhooks import register_store


@pytest.fixture
def cli(aws_stack: AwsStack, monkeypatch: pytest.MonkeyPatch) -> Iterator[AwsStack]:
    aws_stack.serve_cli(monkeypatch)
    register_store(aws_stack, "s1", "shopify", "secret")
    yield aws_stack


def test_enable_with_second_delays_then_show_and_disable(cli: AwsStack, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["flows", "enable", "--store", "s1", "--delays", "2s,4s,6s", "--frequency-cap", "0s"]) == 0
    enabled = json.loads(capsys.readouterr().out)
    assert (enabled["version"], enabled["delays_seconds"], enabled["frequency_cap_seconds"]["email"]) == (
        1,
        [2, 4, 6],
        0,
    )
    assert main(["flows", "disable", "--store", "s1"]) == 0
    capsys.readouterr()
    assert main(["flows", "show", "--store", "s1"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert (shown["version"], shown["enabled"], shown["delays_seconds"]) == (2, False, [2, 4, 6])


def test_bad_delays_exit_non_zero_naming_the_field(cli: AwsStack, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["flows", "enable", "--store", "s1", "--delays", "soon"]) == 2
    assert "--delays" in capsys.readouterr().err


def test_webhook_channel_without_url_is_refused(cli: AwsStack, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["flows", "enable", "--store", "s1", "--channel", "webhook"]) == 2
    assert capsys.readouterr().err == "storeloom: error: --channel: webhook needs --webhook-url\n"


@pytest.mark.parametrize(
    ("flags", "reason"),
    [
        (["--channel", "ses", "--medium", "sms"], "--channel: ses sends email only"),
        (["--delays", "3h,1h"], "--delays: delays must be non-empty and ascending"),
        (["--delays", "1h,x"], "--delays: not a duration (use s, m, h or d): 'x'"),
        (
            ["--quiet-hours", "22-24"],
            "--quiet-hours: '22-24' is not START-END in local hours 0-23 (e.g. 20-8), or none",
        ),
        (["--frequency-cap", "1 week"], "--frequency-cap: not a duration (use s, m, h or d): '1 week'"),
    ],
)
def test_config_errors_name_the_flag_in_one_line(
    cli: AwsStack, capsys: pytest.CaptureFixture[str], flags: list[str], reason: str
) -> None:
    assert main(["flows", "enable", "--store", "s1", *flags]) == 2
    err = capsys.readouterr().err
    assert err == f"storeloom: error: {reason}\n"
    assert "_seconds" not in err and "validation error" not in err
    assert cli.client("dynamodb").scan(TableName=cli.env("FLOW_CONFIG_TABLE"))["Items"] == []


@pytest.mark.parametrize(
    ("flags", "reason"),
    [
        (["--flow", "anything"], "--flow: 'anything' is not a flow; available: abandoned_cart, post_purchase, winback"),
        (["--flow", "post_purchase", "--category-delay", "coffee=30d"], "--category-delay: 'coffee=30d' is not"),
        (["--flow", "post_purchase", "--category-delay", "tag:coffee=soon"], "--category-delay: not a duration"),
        (["--flow", "post_purchase", "--suggestions", "40"], "--suggestions: Input should be less than or equal to 12"),
        (
            ["--flow", "winback", "--category-delay", "tag:coffee=30d"],
            "--category-delay: applies to --flow post_purchase",
        ),
        (["--flow", "post_purchase", "--reentry", "90d"], "--reentry: applies to --flow winback only"),
        (["--flow", "winback", "--reentry", "half a year"], "--reentry: not a duration"),
    ],
)
def test_lifecycle_flow_flags_that_make_no_sense_are_one_line_errors(
    cli: AwsStack, capsys: pytest.CaptureFixture[str], flags: list[str], reason: str
) -> None:
    assert main(["flows", "enable", "--store", "s1", *flags]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"storeloom: error: {reason}") and err.count("\n") == 1
    assert cli.client("dynamodb").scan(TableName=cli.env("FLOW_CONFIG_TABLE"))["Items"] == []


def test_lifecycle_flows_enable_with_their_own_defaults(cli: AwsStack, capsys: pytest.CaptureFixture[str]) -> None:
    flags = ["--flow", "post_purchase", "--category-delay", "tag:coffee=30d", "--suggestions", "2"]
    assert main(["flows", "enable", "--store", "s1", *flags]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["delays_seconds"] == [14 * 86400] and shown["category_delays"] == {"tag:coffee": 30 * 86400}
    assert shown["related_limit"] == 2
    assert main(["flows", "enable", "--store", "s1", "--flow", "winback", "--reentry", "90d"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["delays_seconds"] == [0, 7 * 86400, 14 * 86400] and shown["reentry_seconds"] == 90 * 86400


def test_runs_lists_each_run_with_its_decisions(cli: AwsStack, capsys: pytest.CaptureFixture[str]) -> None:
    log = services.run_log(cli.runtime)
    now = datetime.now(UTC)
    for step, kind, reason in [(-1, "entered", None), (0, "exited", "converted")]:
        log.record(
            Decision(
                store_id="s1",
                flow_id="abandoned_cart",
                run_id="r1",
                flow_version=1,
                step=step,
                kind=kind,
                reason=reason,
                at=now,
            )
        )
    assert main(["runs", "--store", "s1", "--json"]) == 0
    run = json.loads(capsys.readouterr().out)
    assert run["recovered"] is False  # converted without any reminder sent
    assert (run["status"], run["reason"], [d["kind"] for d in run["decisions"]]) == (
        "exited",
        "converted",
        ["entered", "exited"],
    )
    assert main(["outbox", "--store", "s1"]) == 0 and capsys.readouterr().out == ""
