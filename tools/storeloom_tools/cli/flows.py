"""``storeloom flows enable|disable|show``: set and show a store's flow config (each change a new version)."""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import ValidationError

from storeloom.domain.flow_config import (
    ABANDONED_CART,
    FLOWS,
    POST_PURCHASE,
    WINBACK,
    FlowConfig,
    QuietHours,
    parse_delays,
    parse_duration,
    parse_variants,
)
from storeloom_tools.cli.common import add_endpoint_arguments, print_json_line, registered_store
from storeloom_tools.errors import CliError

# The flows the CLI contract names, and those of them with a runtime (a state machine and its steps).
BUILT_FLOWS = (ABANDONED_CART, POST_PURCHASE, WINBACK)
# The flag a person types for each FlowConfig field it sets, so errors name the flag, not the field.
FIELD_FLAGS = {
    "delays_seconds": "--delays",
    "provider": "--channel",
    "medium": "--medium",
    "incentive": "--incentive",
    "webhook_url": "--webhook-url",
    "staleness_seconds": "--staleness",
    "frequency_cap_seconds": "--frequency-cap",
    "quiet_hours": "--quiet-hours",
    "allow_non_subscriber_reminder": "--allow-non-subscriber",
    "category_delays": "--category-delay",
    "reentry_seconds": "--reentry",
    "related_limit": "--suggestions",
    "holdout_percent": "--holdout",
    "variants": "--variants",
}
_QUIET_HOURS = re.compile(r"^\s*(\d{1,2})\s*-\s*(\d{1,2})\s*$")
T = TypeVar("T")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("flows", help="enable, disable or show a store's flow")
    parser.add_argument("action", choices=["enable", "disable", "show"])
    parser.add_argument("--store", required=True)
    parser.add_argument("--flow", default=ABANDONED_CART, help=f"{', '.join(BUILT_FLOWS)} (default)")
    parser.add_argument(
        "--delays",
        help="step delays from the cart's last activity, the order or the entry, e.g. 1h,24h,72h or 2s,4s,6s "
        "(defaults: abandoned_cart 1h,24h,72h; post_purchase 14d; winback 0s,7d,14d)",
    )
    parser.add_argument("--channel", choices=["outbox", "ses", "webhook"], help="provider (default outbox)")
    parser.add_argument("--medium", choices=["email", "sms"])
    parser.add_argument("--incentive", help="discount code shown in the messages")
    parser.add_argument("--webhook-url", help="endpoint for --channel webhook")
    parser.add_argument("--staleness", help="skip a step overdue by more than this (e.g. 6h)")
    parser.add_argument("--frequency-cap", help="per-contact cap for the medium across flows (e.g. 16h, 0s)")
    parser.add_argument("--quiet-hours", help="local hours START-END with no sends (e.g. 20-8), or none")
    parser.add_argument("--allow-non-subscriber", action="store_true", default=None, help="one reminder")
    parser.add_argument(
        "--category-delay",
        action="append",
        help=f"{POST_PURCHASE}: first step delay for a category or tag, e.g. tag:consumable=30d (repeatable)",
    )
    parser.add_argument("--reentry", help=f"{WINBACK}: a person enters at most once per this (default 180d)")
    parser.add_argument("--suggestions", type=int, help=f"{POST_PURCHASE}: related products per message (1-12)")
    parser.add_argument("--holdout", type=int, help="percent of people kept out of every send, 0-50 (a new version)")
    parser.add_argument("--variants", help="variant weights per step, adding up to 100, e.g. A:50,B:50")
    add_endpoint_arguments(parser)
    parser.set_defaults(run=run)


def check_flow(flow: str) -> None:
    """``--flow`` names a flow that exists and is built."""
    available = ", ".join(BUILT_FLOWS)
    if flow not in FLOWS:
        raise CliError(f"--flow: {flow!r} is not a flow; available: {available}")
    if flow not in BUILT_FLOWS:
        raise CliError(f"--flow: {flow!r} is not built yet; available: {available}")


def _parsed(flag: str, parse: Callable[[str], T], text: str) -> T:
    try:
        return parse(text)
    except ValueError as error:
        raise CliError(f"{flag}: {str(error).removeprefix('delays: ')}") from error


def _changes(args: argparse.Namespace) -> dict[str, Any]:
    changes: dict[str, Any] = {
        "delays_seconds": _parsed("--delays", parse_delays, args.delays) if args.delays else None,
        "provider": args.channel,
        "medium": args.medium,
        "incentive": args.incentive,
        "webhook_url": args.webhook_url,
        "staleness_seconds": _parsed("--staleness", parse_duration, args.staleness) if args.staleness else None,
        "allow_non_subscriber_reminder": args.allow_non_subscriber,
        "reentry_seconds": _parsed("--reentry", parse_duration, args.reentry) if args.reentry else None,
        "related_limit": args.suggestions,
        "holdout_percent": args.holdout,
        "variants": _parsed("--variants", parse_variants, args.variants) if args.variants else None,
    }
    if args.category_delay:
        changes["category_delays"] = dict(_category_delay(text) for text in args.category_delay)
    _only_for(args, "--category-delay", args.category_delay, POST_PURCHASE)
    _only_for(args, "--suggestions", args.suggestions, POST_PURCHASE)
    _only_for(args, "--reentry", args.reentry, WINBACK)
    medium = args.medium or "email"
    if args.frequency_cap:
        changes["frequency_cap_seconds"] = {"email": 16 * 3600, "sms": 24 * 3600} | {
            medium: _parsed("--frequency-cap", parse_duration, args.frequency_cap)
        }
    if args.quiet_hours:
        changes["quiet_hours"] = _quiet(args.quiet_hours, medium)
    return changes


def _category_delay(text: str) -> tuple[str, int]:
    key, _, delay = text.rpartition("=")
    kind, _, name = key.partition(":")
    if kind not in ("category", "tag") or not name.strip() or not delay:
        raise CliError(f"--category-delay: {text!r} is not category:NAME=DELAY or tag:NAME=DELAY (e.g. tag:coffee=30d)")
    return f"{kind}:{name.strip()}", _parsed("--category-delay", parse_duration, delay)


def _only_for(args: argparse.Namespace, flag: str, value: object, flow: str) -> None:
    if value is not None and args.flow != flow:
        raise CliError(f"{flag}: applies to --flow {flow} only, not {args.flow}")


def _quiet(text: str, medium: str) -> dict[str, QuietHours]:
    if text.strip() == "none":
        return {}
    match = _QUIET_HOURS.match(text)
    start, end = (int(match.group(1)), int(match.group(2))) if match else (-1, -1)
    if not (0 <= start <= 23 and 0 <= end <= 23):
        raise CliError(f"--quiet-hours: {text!r} is not START-END in local hours 0-23 (e.g. 20-8), or none")
    return {medium: QuietHours(start_hour=start, end_hour=end)}


def config_error(error: ValidationError) -> CliError:
    """The first problem pydantic found, as one line naming the flag the person typed."""
    first = error.errors()[0]
    field = str(first["loc"][0]) if first["loc"] else ""
    message = str(first["msg"]).removeprefix("Value error, ")
    if not field:
        # A rule across fields ("provider webhook needs webhook_url"): it is about the field it starts with.
        field = next((name for name in FIELD_FLAGS if message.startswith(f"{name} ")), "")
        message = message.removeprefix(f"{field} ") if field else message
    for name, flag in FIELD_FLAGS.items():
        message = re.sub(rf"\b{name}\b", flag, message)
    return CliError(f"{FIELD_FLAGS.get(field, '--flow')}: {message}")


def run(args: argparse.Namespace) -> int:
    from storeloom.bootstrap import services
    from storeloom.services.flows import admin
    from storeloom_tools.local import endpoint

    check_flow(args.flow)
    changes = _changes(args) if args.action == "enable" else {}
    connection = endpoint.connect(args.endpoint, args.stack)
    registered_store(connection, args.store)
    configs = services.flow_configs(connection.runtime)
    config: FlowConfig | None
    if args.action == "enable":
        try:
            config = admin.enable_flow(configs, args.store, args.flow, **changes)
        except ValidationError as error:
            raise config_error(error) from error
    elif args.action == "disable":
        config = admin.disable_flow(configs, args.store, args.flow)
    else:
        config = configs.current(args.store, args.flow)
    if config is None:
        raise CliError(f"--flow: {args.flow!r} is not configured for store {args.store!r}")
    print_json_line(config.model_dump(mode="json"))
    return 0
