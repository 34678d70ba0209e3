"""``storeloom segments``: who is in which lifecycle segment; ``segments configure`` sets a store's thresholds;
``segments sweep`` runs the daily time sweep now (the demo and operators use it)."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from storeloom.domain.segments import SEGMENTS, SegmentThresholds, net_spend, spend_currency
from storeloom.domain.types import format_amount, format_utc, parse_utc
from storeloom_tools.cli.common import add_endpoint_arguments, print_json_line, registered_store
from storeloom_tools.errors import CliError

if TYPE_CHECKING:
    from storeloom.adapters.people import DynamoPeople
    from storeloom.domain.person import PersonProfile

FIELD_FLAGS = {
    "new_days": "--new-days",
    "at_risk_days": "--at-risk-days",
    "lapsed_days": "--lapsed-days",
    "vip_spend": "--vip-spend",
}


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("segments", help="lifecycle segments: list, configure, sweep")
    parser.add_argument("--store")
    parser.add_argument("--segment", help=f"one of {', '.join(SEGMENTS)}")
    parser.add_argument("--customer", help="the platform's customer id")
    parser.add_argument("--json", action="store_true")
    add_endpoint_arguments(parser)
    parser.set_defaults(run=run_list)
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    configure = actions.add_parser("configure", help="set a store's segment thresholds")
    configure.add_argument("--store", required=True)
    configure.add_argument("--new-days", help="days a first order keeps a customer new (default 30)")
    configure.add_argument("--at-risk-days", help="days since the last order that make at_risk (default 90)")
    configure.add_argument("--lapsed-days", help="days since the last order that make lapsed (default 365)")
    configure.add_argument("--vip-spend", help="net spend that makes a VIP, or 'percentile' (the default, p90)")
    add_endpoint_arguments(configure)
    configure.set_defaults(run=run_configure)
    sweep = actions.add_parser("sweep", help="run the daily segment sweep of a store now")
    sweep.add_argument("--store", required=True)
    sweep.add_argument("--now", help="judge at this ISO 8601 time instead of now")
    add_endpoint_arguments(sweep)
    sweep.set_defaults(run=run_sweep)


def _people(args: argparse.Namespace) -> DynamoPeople:
    from storeloom.bootstrap import services
    from storeloom_tools.local import endpoint

    if not args.store:
        raise CliError("--store: the store is required")
    connection = endpoint.connect(args.endpoint, args.stack)
    registered_store(connection, args.store)
    args.runtime = connection.runtime
    return services.people_store(connection.runtime)


def line(profile: PersonProfile) -> dict[str, Any]:
    """One customer as ``segments --json`` prints them (DESIGN.md, Lifecycle segments)."""
    orders = profile.qualifying_orders()
    currency = spend_currency(profile)
    return {
        "customer_id": profile.customer_ids[0] if profile.customer_ids else None,
        "email": profile.email,
        "segments": [s for s in SEGMENTS if s in profile.segments],
        "orders": len(orders),
        "net_spend": {"amount": format_amount(net_spend(profile)), "currency": currency} if currency else None,
        "last_order_at": format_utc(orders[-1].placed_at) if orders else None,
        "since": {s: format_utc(profile.segments[s]) for s in SEGMENTS if s in profile.segments},
    }


def run_list(args: argparse.Namespace) -> int:
    from storeloom.domain.identity import customer_key

    if args.segment is not None and args.segment not in SEGMENTS:
        raise CliError(f"--segment: {args.segment!r} is not a segment; one of {', '.join(SEGMENTS)}")
    people = _people(args)
    if args.customer:
        stored = people.person_for(args.store, customer_key(args.customer))
        if stored is None:
            raise CliError(f"--customer: no customer {args.customer!r} is known in store {args.store!r}")
        profiles = [stored.profile]
    else:
        names = [args.segment] if args.segment else list(SEGMENTS)
        ids = sorted({pid for name in names for pid in people.members(args.store, name)})
        found = people.profiles(args.store, ids)
        profiles = [found[pid].profile for pid in ids if pid in found]
    for profile in profiles:
        _print(line(profile), args.json)
    return 0


def _print(values: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print_json_line(values)
        return
    spend = values["net_spend"]
    money = f"{spend['amount']} {spend['currency']}" if spend else "-"
    who = values["customer_id"] or "(guest)"
    segments = ",".join(values["segments"]) or "-"
    sys.stdout.write(
        f"{who}  {values['email'] or '-'}  {segments}  orders={values['orders']}  {money}"
        f"  last={values['last_order_at'] or '-'}\n"
    )


def _days(flag: str, text: str | None) -> int | None:
    if text is None:
        return None
    try:
        days = int(text)
    except ValueError as error:
        raise CliError(f"{flag}: {text!r} is not a whole number of days") from error
    if days <= 0:
        raise CliError(f"{flag}: {text!r} must be a positive number of days")
    return days


def _vip(text: str | None, current: Decimal | None) -> Decimal | None:
    if text is None:
        return current
    if text.strip().lower() == "percentile":
        return None
    try:
        amount = Decimal(text.strip())
    except InvalidOperation as error:
        raise CliError(f"--vip-spend: {text!r} is not an amount (e.g. 250.00) or 'percentile'") from error
    if not amount.is_finite() or amount < 0:
        raise CliError(f"--vip-spend: {text!r} must be a finite amount of zero or more")
    return amount


def run_configure(args: argparse.Namespace) -> int:
    # Flags are checked before the stack is reached, so nonsense is refused even with no stack up.
    given = {
        "new_days": _days("--new-days", args.new_days),
        "at_risk_days": _days("--at-risk-days", args.at_risk_days),
        "lapsed_days": _days("--lapsed-days", args.lapsed_days),
    }
    vip_text = args.vip_spend
    _vip(vip_text, None)
    people = _people(args)
    from storeloom.bootstrap import services

    current = people.store_state(args.store).thresholds
    values = current.model_dump() | {name: value for name, value in given.items() if value is not None}
    values["vip_spend"] = _vip(vip_text, current.vip_spend)
    try:
        thresholds = SegmentThresholds.model_validate(values)
    except ValidationError as error:
        raise _threshold_error(error) from error
    people.configure(args.store, thresholds)
    # New thresholds move people at once: re-judge everyone with a qualifying order (an operator's command,
    # so one pass over the store's spend index is acceptable here, unlike in the refresher).
    refresher = services.segment_refresher(args.runtime)
    outcome = refresher.reevaluate(args.store, people.spenders(args.store), datetime.now(UTC))
    print_json_line(
        {
            "store_id": args.store,
            "new_days": thresholds.new_days,
            "at_risk_days": thresholds.at_risk_days,
            "lapsed_days": thresholds.lapsed_days,
            "vip_spend": format_amount(thresholds.vip_spend) if thresholds.vip_spend is not None else "percentile",
            "reevaluated": outcome.changed,
        }
    )
    return 0


def _threshold_error(error: ValidationError) -> CliError:
    first = error.errors()[0]
    field = str(first["loc"][0]) if first["loc"] else ""
    message = str(first["msg"]).removeprefix("Value error, ")
    flag = FIELD_FLAGS.get(field) or ("--at-risk-days" if "at_risk_days" in message else "--new-days")
    return CliError(f"{flag}: {message}")


def run_sweep(args: argparse.Namespace) -> int:
    from storeloom.bootstrap import services

    now = datetime.now(UTC)
    if args.now:
        try:
            now = parse_utc(args.now)
        except ValueError as error:
            raise CliError(f"--now: {args.now!r} is not an ISO 8601 time") from error
    _people(args)
    outcome = services.segment_refresher(args.runtime).sweep(args.store, now)
    vip = outcome.vip_threshold
    print_json_line(
        {
            "store_id": args.store,
            "due": outcome.due,
            "changed": outcome.changed,
            "published": outcome.published,
            "vip_threshold": format_amount(vip) if vip is not None else None,
        }
    )
    return 0
