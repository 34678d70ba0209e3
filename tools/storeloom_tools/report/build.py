"""The KPI report of a store, read from its stack, and its HTML file: shared by `storeloom kpi` and the demo."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from storeloom.domain.stores import StoreRecord


def build_report(
    runtime: Any, store_id: str, since: datetime, flows: list[str], store: StoreRecord | None
) -> dict[str, Any]:
    from storeloom.adapters.kpi import DynamoCounters
    from storeloom.bootstrap import services
    from storeloom.services.kpi import FlowScope, kpi_report

    configs = services.flow_configs(runtime)
    scopes = []
    for flow_id in flows:
        config = configs.current(store_id, flow_id)
        scopes.append(FlowScope(flow_id, config.holdout_percent if config else 0))
    reader = DynamoCounters(runtime.settings.require("flow_runs_table"), runtime.aws.client("dynamodb"))
    currency = store.extra.get("currency", "USD") if store else "USD"
    return kpi_report(store_id, since, scopes, reader, currency)


def write_report(report: dict[str, Any], out: Path) -> Path:
    """The HTML report in one file (imports matplotlib: only when asked for)."""
    from storeloom_tools.report.kpi_html import render_kpi_html

    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render_kpi_html(report), encoding="utf-8")
    return out.resolve()
