"""The KPI report's renderers: the plain-text table and the self-contained HTML page."""

from __future__ import annotations

import copy
import re
from collections import Counter
from decimal import Decimal
from typing import Any

import pytest

from storeloom_tools.report import formatting as fmt
from storeloom_tools.report.kpi_html import render_kpi_html
from storeloom_tools.report.kpi_table import render_kpi_table
from storeloom_tools.report.model import KpiReportError
from storeloom_tools.report.sample import sample_report

HOSTILE = '<script>alert("x")</script> & $x$'


def _cart(report: dict[str, Any]) -> dict[str, Any]:
    flow: dict[str, Any] = report["flows"][0]
    return flow


def test_table_has_a_block_per_flow_with_counts_rates_and_reasons() -> None:
    text = render_kpi_table(sample_report())

    assert text.startswith("KPI report for store demo-shop since 2026-11-01\n====")
    assert "Flow abandoned_cart" in text
    assert "Flow welcome" in text
    assert re.search(r"eligible +330  eligibility rate 83\.8%", text)
    assert re.search(r"revenue +\$2,709\.00  \$6\.88 per run", text)
    assert re.search(r"Unsubscribed +12\n", text)
    assert re.search(r"A +runs 178 +sent 305 +conversions 21 +11\.8% +revenue \$1,354\.50", text)
    assert re.search(r"v2 +runs 274 +conversions 30 +10\.9%", text)
    assert "holdout: none (every run is messaged)" in text


def test_table_holdout_line_reads_lift_interval_and_p_value() -> None:
    report = sample_report()
    _cart(report)["holdout"] = {
        "treated": {"runs": 900, "conversions": 90},
        "control": {"runs": 100, "conversions": 7},
        "lift": 0.031,
        "ci95": [-0.012, 0.074],
        "p_value": 0.16,
    }

    text = render_kpi_table(report)

    assert "treated 90/900 (10.0%), control 7/100 (7.0%)" in text
    assert "lift +3.1 pts (95% CI -1.2 to +7.4), p = 0.16" in text


def test_an_arm_without_runs_reads_as_no_comparison() -> None:
    report = sample_report()
    _cart(report)["holdout"] = {
        "treated": {"runs": 5, "conversions": 1},
        "control": {"runs": 0, "conversions": 0},
        "lift": None,
        "ci95": None,
        "p_value": None,
    }

    assert "lift n/a (an arm has no runs yet)" in render_kpi_table(report)
    assert "an arm has no runs yet" in render_kpi_html(report)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(0.0004, "p < 0.001"), (0.0042, "p = 0.004"), (0.16, "p = 0.16"), (1.0, "p = 1.00"), (None, "p = n/a")],
)
def test_p_values_read_at_a_sensible_precision(value: float | None, expected: str) -> None:
    assert fmt.p_value(value) == expected


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        ("1234.5", "USD", "$1,234.50"),
        ("-12", "EUR", "-€12.00"),
        ("1234.505", "SEK", "1,234.51 SEK"),
        ("1500", "JPY", "¥1,500"),
    ],
)
def test_money_reads_with_its_currency(amount: str, currency: str, expected: str) -> None:
    assert fmt.money(Decimal(amount), currency) == expected


def test_lift_points_are_signed_and_never_negative_zero() -> None:
    assert fmt.points(0.031) == "+3.1"
    assert fmt.points(-0.012) == "-1.2"
    assert fmt.points(-0.0001) == "+0.0"


def test_html_is_one_page_that_fetches_nothing() -> None:
    page = render_kpi_html(sample_report())

    assert page.startswith("<!DOCTYPE html>")
    assert "Content-Security-Policy" in page
    assert "default-src 'none'" in page
    for fetching in ("<script", "<link", "<img", "<iframe", "@import", " src=", 'href="http', "url(http"):
        assert fetching not in page, fetching
    assert re.findall(r"url\(([^)]*)\)", page), "the charts clip through in-page references"
    assert all(ref.startswith("#") for ref in re.findall(r"url\(([^)]*)\)", page))
    assert "<?xml" not in page
    assert "<!DOCTYPE svg" not in page


def test_html_has_three_charts_and_their_tables_for_a_flow_with_runs() -> None:
    page = render_kpi_html(sample_report())
    cart = page.split('<section class="flow" id="flow1">')[0]

    assert cart.count("<svg ") == 3
    for title in ("Entries and exits by reason", "Conversion by variant and arm", "Revenue per run over time"):
        assert f">{title}</h3>" in cart
    assert cart.count("<table>") == 4  # the three charts' tables and the versions table
    assert "$2,709.00" in cart
    assert "83.8%" in cart
    assert "Holdout: lift +6.3 pts" in cart
    assert "No runs entered this flow in this period." in page


def test_html_ids_are_unique_across_the_charts() -> None:
    page = render_kpi_html(sample_report())

    ids = Counter(re.findall(r'\bid="([^"]+)"', page))

    assert ids
    assert [name for name, n in ids.items() if n > 1] == []
    for reference in re.findall(r'(?:url\(#|href="#)([^)"]+)', page):
        assert reference in ids, reference


def test_html_escapes_every_string() -> None:
    report = sample_report()
    cart = _cart(report)
    cart["name"] = HOSTILE
    cart["suppressed"] = {'<b onmouseover="x">$1</b>': 4}
    cart.pop("exits")
    report["store_id"] = '"><img src=x>'

    page = render_kpi_html(report)

    assert "<script>" not in page
    assert "<b " not in page
    assert "<img" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; $x$" in page
    assert "&lt;b onmouseover" in page  # in the table and in the chart's tick label


def test_html_without_daily_figures_says_so_and_draws_the_other_charts() -> None:
    report = sample_report()
    del _cart(report)["daily"]

    page = render_kpi_html(report)

    assert "No day-by-day figures in this report." in page
    assert page.count("<svg ") == 2


def test_daily_amounts_may_be_bare_decimals_in_the_flow_currency() -> None:
    report = sample_report()
    _cart(report)["daily"] = [
        {"day": "2026-11-02", "runs": 4, "conversions": 1, "revenue": "10.00"},
        {"day": "2026-11-01", "runs": 0, "conversions": 0, "revenue": "0"},
    ]

    page = render_kpi_html(report)

    assert page.index("2026-11-01</th>") < page.index("2026-11-02</th>")
    assert "<td>$2.50</td>" in page
    assert "<td>$0.00</td>" in page


def test_a_flow_without_variants_or_holdout_shows_all_runs() -> None:
    report = sample_report()
    cart = _cart(report)
    cart["variants"] = {}
    cart["holdout"] = None

    page = render_kpi_html(report)

    assert ">All runs</th><td>394</td><td>42</td><td>10.7%</td>" in page
    assert "Holdout:" not in page


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda flow: flow.pop("entries"), "flow 'abandoned_cart' 'entries' must be a count"),
        (lambda flow: flow.update(sent=-1), "'sent' must be a count"),
        (lambda flow: flow.update(conversion_rate=1.5), "'conversion_rate' must be a rate between 0 and 1"),
        (lambda flow: flow.update(revenue="12.00"), "flow 'abandoned_cart' revenue must be Money"),
        (lambda flow: flow.update(revenue={"amount": "x", "currency": "USD"}), "revenue amount must be a decimal"),
        (lambda flow: flow.update(revenue={"amount": "1"}), "revenue lacks its 'currency'"),
        (lambda flow: flow["holdout"].update(ci95=[0.1]), "holdout 'ci95' must be \\[low, high\\] or null"),
        (lambda flow: flow["variants"]["A"].pop("runs"), "variant 'A' 'runs' must be a count"),
        (lambda flow: flow["daily"][0].pop("day"), "daily\\[0\\] lacks 'day'"),
    ],
)
def test_bad_input_is_refused_naming_the_field(change: Any, message: str) -> None:
    report = copy.deepcopy(sample_report())
    change(_cart(report))

    with pytest.raises(KpiReportError, match=message):
        render_kpi_html(report)
    with pytest.raises(KpiReportError, match=message):
        render_kpi_table(report)


def test_a_report_must_list_its_flows() -> None:
    with pytest.raises(KpiReportError, match="'flows' must be a list"):
        render_kpi_table({"store_id": "s", "since": "2026-11-01"})
    assert "No flows have runs in this period." in render_kpi_html({"store_id": "s", "since": "x", "flows": []})
