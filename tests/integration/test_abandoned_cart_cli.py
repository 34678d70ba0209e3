"""``storeloom flows``, ``runs`` and ``outbox`` against template.yaml's tables in moto."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from storeloom.bootstrap import services
from storeloom.domain.decisions import Decision
from storeloom_tools.cli import main
from storeloom_tools.local import endpoint
from tests.support.aws import AwsStack


@pytest.fixture
def cli(aws_stack: AwsStack, monkeypatch: pytest.MonkeyPatch) -> Iterator[AwsStack]:
    connection = aws_stack.connection()
    monkeypatch.setattr(endpoint, "connect", lambda *_args: connection)
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
    assert "webhook_url" in capsys.readouterr().err


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
