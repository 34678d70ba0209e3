"""The KPI report from counters buckets: sums, rates, suppressions by reason, variants, versions, holdout."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from storeloom.domain import measurement as measure
from storeloom.services.kpi import FlowScope, flow_report, kpi_report

DAY = datetime(2026, 11, 20, tzinfo=UTC)


def bucket(version: int, variant: str, arm: measure.Arm, **counts: int | str) -> tuple[str, dict[str, Decimal]]:
    return measure.bucket_key(DAY, version, variant, arm), {k: Decimal(str(v)) for k, v in counts.items()}


BUCKETS = [
    bucket(
        1, "-", "treated", entries=80, eligible=60, exit_unsubscribed=5, exit_converted=12, recovered=9, conversions=20
    ),
    bucket(1, "-", "control", entries=20, eligible=15, conversions=2),
    bucket(1, "A", "treated", runs=30, sent=40, skip_frequency_cap=3, revenue="310.50", conversions=0),
    bucket(1, "B", "treated", runs=30, sent=35, revenue="90.00"),
    bucket(2, "-", "treated", entries=10, conversions=1),
]


def test_the_report_sums_every_bucket_into_the_contract_fields() -> None:
    report = flow_report(FlowScope("abandoned_cart", holdout_percent=20), BUCKETS, "EUR")
    assert (report["entries"], report["held_out"], report["eligible"], report["sent"]) == (110, 20, 75, 75)
    assert report["suppressed"] == {"frequency_cap": 3, "unsubscribed": 5}
    assert report["eligibility_rate"] == round(75 / 110, 6) and report["conversion_rate"] == round(23 / 110, 6)
    assert (report["recovered"], report["recovery_rate"]) == (9, round(9 / 110, 6))
    assert report["revenue"] == {"amount": "400.50", "currency": "EUR"}
    assert report["revenue_per_run"] == {"amount": "3.64", "currency": "EUR"}
    assert report["variants"]["A"] == {
        "runs": 30,
        "sent": 40,
        "conversions": 0,
        "revenue": {"amount": "310.50", "currency": "EUR"},
    }
    assert report["versions"] == {"1": {"runs": 100, "conversions": 22}, "2": {"runs": 10, "conversions": 1}}
    holdout = report["holdout"]
    assert holdout["treated"] == {"runs": 90, "conversions": 21} and holdout["control"] == {
        "runs": 20,
        "conversions": 2,
    }
    assert holdout["lift"] == round(21 / 90 - 2 / 20, 6) and holdout["ci95"][0] < holdout["lift"] < holdout["ci95"][1]


def test_a_flow_with_no_runs_reports_zeros_and_no_holdout() -> None:
    report = flow_report(FlowScope("winback"), [], "USD")
    assert report["entries"] == 0 and report["conversion_rate"] == 0.0 and report["eligibility_rate"] == 0.0
    assert report["revenue_per_run"] == {"amount": "0.00", "currency": "USD"} and report["holdout"] is None
    with_holdout = flow_report(FlowScope("winback", holdout_percent=10), [], "USD")
    assert with_holdout["holdout"]["lift"] is None and with_holdout["holdout"]["control"] == {
        "runs": 0,
        "conversions": 0,
    }


class Reader:
    def __init__(self) -> None:
        self.asked: list[tuple[str, str, str]] = []

    def buckets(self, store_id: str, flow_id: str, since_day: str) -> list[tuple[str, dict[str, Decimal]]]:
        self.asked.append((store_id, flow_id, since_day))
        return BUCKETS if flow_id == "abandoned_cart" else []


def test_the_report_reads_each_flow_once_from_the_since_day() -> None:
    reader = Reader()
    report = kpi_report("shop-1", DAY, [FlowScope("abandoned_cart"), FlowScope("winback")], reader, "EUR")
    assert reader.asked == [("shop-1", "abandoned_cart", "2026-11-20"), ("shop-1", "winback", "2026-11-20")]
    assert report["store_id"] == "shop-1" and report["since"] == "2026-11-20"
    assert [f["flow_id"] for f in report["flows"]] == ["abandoned_cart", "winback"]
