"""``storeloom attribution --store S [--order ID] [--json]``: which run each order was credited to, and why,
or why none (DESIGN.md, Measurement: last touch inside the channel's window, net of refunds)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from storeloom.domain.measurement import Attribution
from storeloom.domain.types import format_amount, format_utc
from storeloom_tools.cli.common import add_endpoint_arguments, print_json_line, registered_store
from storeloom_tools.errors import CliError

WHY_NOT = {
    "no_touch": "no send and no held-out entry before the order",
    "outside_window": "the last touch before the order is outside its window",
    "not_qualifying": "the order is not paid, partially paid or partially refunded (or it is cancelled)",
}


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("attribution", help="which run each order was credited to, and why")
    parser.add_argument("--store", required=True)
    parser.add_argument("--order", help="one order's id (default: every order the store attributed)")
    parser.add_argument("--json", action="store_true")
    add_endpoint_arguments(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from storeloom.adapters.attribution import DynamoAttributions
    from storeloom_tools.local import endpoint

    connection = endpoint.connect(args.endpoint, args.stack)
    registered_store(connection, args.store)
    runtime = connection.runtime
    records = DynamoAttributions(runtime.settings.require("flow_runs_table"), runtime.aws.client("dynamodb"))
    if args.order is not None:
        record = records.get(args.store, args.order)
        if record is None:
            raise CliError(f"--order: no order {args.order!r} was attributed in store {args.store!r}")
        found = [record]
    else:
        found = sorted(records.list(args.store), key=lambda r: (r.placed_at, r.order_id))
    for record in found:
        if args.json:
            print_json_line(line(record))
        else:
            sys.stdout.write(text(record) + "\n")
    return 0


def line(record: Attribution) -> dict[str, Any]:
    """One order as ``attribution --json`` prints it."""
    touch = record.touch
    return {
        "store_id": record.store_id,
        "order_id": record.order_id,
        "placed_at": format_utc(record.placed_at),
        "credited": record.credited,
        "reason": record.reason,
        "model": record.model,
        "window_seconds": record.window_seconds,
        "touch": touch.model_dump(mode="json") if touch else None,
        "net_revenue": {"amount": format_amount(record.net_revenue), "currency": record.currency}
        if record.currency
        else None,
    }


def text(record: Attribution) -> str:
    touch = record.touch
    head = f"{record.order_id}  placed {format_utc(record.placed_at)}"
    if touch is None:
        return f"{head}  not credited: {record.reason} ({WHY_NOT.get(record.reason, record.reason)})"
    window = _duration(record.window_seconds or 0)
    where = (
        f"{touch.touch_type} at {format_utc(touch.at)} via {touch.channel}  run={touch.run_id} flow={touch.flow_id}"
        f" v{touch.flow_version} variant={touch.variant} arm={touch.arm}"
    )
    if not record.credited:
        return f"{head}  not credited: {record.reason}, {model_text(record)} window {window}; last touch {where}"
    money = f"{format_amount(record.net_revenue)} {record.currency or ''}".rstrip()
    return f"{head}  credited  {model_text(record)} window {window}  {where}  net={money}"


def model_text(record: Attribution) -> str:
    return record.model.replace("_", "-")


def _duration(seconds: int) -> str:
    days, rest = divmod(seconds, 86400)
    return f"{days}d" if not rest else f"{seconds // 3600}h"
