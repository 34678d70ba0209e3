"""A made-up KPI report in the ``kpi --format json`` shape, for previewing the renderers and testing them.

``python -m storeloom_tools.report.sample OUT.html`` writes its HTML report.
"""

from __future__ import annotations

import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from storeloom.domain.stats import holdout_comparison


def _money(amount: str) -> dict[str, str]:
    return {"amount": amount, "currency": "USD"}


def _daily(start: date, runs: list[int], conversions: list[int], cents_per_conversion: int) -> list[dict[str, Any]]:
    return [
        {
            "day": (start + timedelta(days=offset)).isoformat(),
            "runs": day_runs,
            "conversions": day_conversions,
            "revenue": _money(f"{day_conversions * cents_per_conversion / 100:.2f}"),
        }
        for offset, (day_runs, day_conversions) in enumerate(zip(runs, conversions, strict=True))
    ]


def sample_report() -> dict[str, Any]:
    start = date(2026, 11, 1)
    cart_daily = _daily(start, [40, 52, 47, 61, 58, 70, 66], [4, 6, 3, 8, 5, 9, 7], 6450)
    return {
        "store_id": "demo-shop",
        "since": start.isoformat(),
        "flows": [
            {
                "flow_id": "abandoned_cart",
                "entries": 394,
                "held_out": 40,
                "eligible": 330,
                "suppressed": {"unsubscribed": 12, "no_consent": 9, "frequency_cap": 3},
                "exits": {"converted": 42, "unsubscribed": 12, "no_consent": 9, "completed": 270},
                "eligibility_rate": 0.837563,
                "sent": 610,
                "conversions": 42,
                "conversion_rate": 0.106599,
                "recovered": 38,
                "recovery_rate": 0.096447,
                "revenue": _money("2709.00"),
                "revenue_per_run": _money("6.88"),
                "variants": {
                    "A": {"runs": 178, "sent": 305, "conversions": 21, "revenue": _money("1354.50")},
                    "B": {"runs": 176, "sent": 305, "conversions": 19, "revenue": _money("1225.50")},
                },
                "versions": {"1": {"runs": 120, "conversions": 12}, "2": {"runs": 274, "conversions": 30}},
                "holdout": holdout_comparison(354, 40, 40, 2),
                "daily": cart_daily,
            },
            {
                "flow_id": "welcome",
                "entries": 0,
                "held_out": 0,
                "eligible": 0,
                "suppressed": {},
                "eligibility_rate": 0,
                "sent": 0,
                "conversions": 0,
                "conversion_rate": 0,
                "recovered": 0,
                "recovery_rate": 0,
                "revenue": _money("0.00"),
                "revenue_per_run": _money("0.00"),
                "variants": {},
                "versions": {},
                "holdout": None,
            },
        ],
    }


def main(argv: list[str]) -> int:
    from storeloom_tools.report.kpi_html import render_kpi_html

    if len(argv) != 1:
        print("usage: python -m storeloom_tools.report.sample OUT.html", file=sys.stderr)
        return 2
    Path(argv[0]).write_text(render_kpi_html(sample_report()), encoding="utf-8")
    print(argv[0])
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
