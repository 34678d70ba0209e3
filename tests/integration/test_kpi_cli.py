"""``storeloom kpi`` and the measurement flags of ``flows enable`` against template.yaml's tables in moto."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from storeloom.adapters.flow_session import DynamoStepSession
from storeloom.bootstrap import services
from storeloom.domain import measurement as measure
from storeloom_tools.cli import main
from tests.support.aws import AwsStack
from tests.support.webhooks import register_store


@pytest.fixture
def cli(aws_stack: AwsStack, monkeypatch: pytest.MonkeyPatch) -> Iterator[AwsStack]:
    aws_stack.serve_cli(monkeypatch)
    register_store(aws_stack, "s1", "shopify", "secret")
    yield aws_stack


@pytest.mark.parametrize(
    ("flags", "reason"),
    [
        (["--holdout", "60"], "--holdout: Input should be less than or equal to 50"),
        (["--holdout", "-1"], "--holdout: Input should be greater than or equal to 0"),
        (["--variants", "A:50,B:40"], "--variants: variant weights must add up to 100, not 90"),
        (["--variants", "A50"], "--variants: 'A50' is not NAME:PERCENT"),
    ],
)
def test_measurement_flags_that_make_no_sense_are_one_line_errors(
    cli: AwsStack, capsys: pytest.CaptureFixture[str], flags: list[str], reason: str
) -> None:
    assert main(["flows", "enable", "--store", "s1", *flags]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"storeloom: error: {reason}") and err.count("\n") == 1


def test_a_new_holdout_is_a_new_version(cli: AwsStack, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["flows", "enable", "--store", "s1", "--variants", "A:50,B:50"]) == 0
    assert main(["flows", "enable", "--store", "s1", "--holdout", "10"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(c["version"], c["holdout_percent"], c["variants"]) for c in lines] == [
        (1, 0, {"A": 50, "B": 50}),
        (2, 10, {"A": 50, "B": 50}),
    ]


def test_kpi_of_a_store_with_no_runs_is_zeros_and_a_future_since_is_refused(
    cli: AwsStack, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["kpi", "--store", "s1", "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert [f["flow_id"] for f in report["flows"]] == ["abandoned_cart", "post_purchase", "winback"]
    assert all(f["entries"] == 0 and f["conversion_rate"] == 0.0 and f["holdout"] is None for f in report["flows"])
    assert main(["kpi", "--store", "s1", "--since", "2099-01-01"]) == 2
    assert capsys.readouterr().err == "storeloom: error: --since: '2099-01-01' is in the future\n"
    assert main(["kpi", "--store", "nope"]) == 2
    assert "--store: no store 'nope'" in capsys.readouterr().err


def test_kpi_reads_the_counters_a_step_session_added(
    cli: AwsStack, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    session: DynamoStepSession = services.step_session(cli.runtime)
    today = datetime.now(UTC)
    session.add(
        "s1", "winback", measure.bucket_key(today, 1, "-", "treated"), {measure.ENTRIES: 9, measure.CONVERSIONS: 3}
    )
    session.add("s1", "winback", measure.bucket_key(today, 1, "-", "control"), {measure.ENTRIES: 3})
    assert main(["flows", "enable", "--store", "s1", "--flow", "winback", "--holdout", "25"]) == 0
    capsys.readouterr()
    assert main(["kpi", "--store", "s1", "--flow", "winback", "--format", "json"]) == 0
    [flow] = json.loads(capsys.readouterr().out)["flows"]
    assert (flow["entries"], flow["held_out"], flow["conversions"]) == (12, 3, 3)
    assert flow["holdout"]["treated"] == {"runs": 9, "conversions": 3} and flow["holdout"]["lift"] == round(3 / 9, 6)
    assert main(["kpi", "--store", "s1", "--flow", "winback"]) == 0
    assert "lift +33.3 pts" in capsys.readouterr().out
    out = tmp_path / "kpi.html"
    assert main(["kpi", "--store", "s1", "--format", "html", "--out", str(out)]) == 0
    assert capsys.readouterr().out.strip() == str(out.resolve())
    page = out.read_text()
    assert "<svg" in page and "winback" in page
    assert "<script" not in page and "<link" not in page and 'src="http' not in page  # nothing to fetch
