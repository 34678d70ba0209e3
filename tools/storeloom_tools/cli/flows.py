"""``storeloom flows enable|disable|show``: set and show a store's flow config (each change a new version)."""

from __future__ import annotations

import argparse
from typing import Any

from pydantic import ValidationError

from storeloom.domain.flow_config import ABANDONED_CART, FlowConfig, QuietHours, parse_delays, parse_duration
from storeloom_tools.cli.common import add_endpoint_arguments, print_json_line
from storeloom_tools.errors import CliError


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("flows", help="enable, disable or show a store's flow")
    parser.add_argument("action", choices=["enable", "disable", "show"])
    parser.add_argument("--store", required=True)
    parser.add_argument("--flow", default=ABANDONED_CART)
    parser.add_argument("--delays", help="step delays from the cart's last activity, e.g. 1h,24h,72h or 2s,4s,6s")
    parser.add_argument("--channel", choices=["outbox", "ses", "webhook"], help="provider (default outbox)")
    parser.add_argument("--medium", choices=["email", "sms"])
    parser.add_argument("--incentive", help="discount code shown in the messages")
    parser.add_argument("--webhook-url", help="endpoint for --channel webhook")
    parser.add_argument("--staleness", help="skip a step overdue by more than this (e.g. 6h)")
    parser.add_argument("--frequency-cap", help="per-contact cap for the medium across flows (e.g. 16h, 0s)")
    parser.add_argument("--quiet-hours", help="local hours START-END with no sends (e.g. 20-8), or none")
    parser.add_argument("--allow-non-subscriber", action="store_true", default=None, help="one reminder")
    add_endpoint_arguments(parser)
    parser.set_defaults(run=run)


def _changes(args: argparse.Namespace) -> dict[str, Any]:
    try:
        changes: dict[str, Any] = {
            "delays_seconds": parse_delays(args.delays) if args.delays else None,
            "provider": args.channel,
            "medium": args.medium,
            "incentive": args.incentive,
            "webhook_url": args.webhook_url,
            "staleness_seconds": parse_duration(args.staleness) if args.staleness else None,
            "allow_non_subscriber_reminder": args.allow_non_subscriber,
        }
        medium = args.medium or "email"
        if args.frequency_cap:
            changes["frequency_cap_seconds"] = {"email": 16 * 3600, "sms": 24 * 3600} | {
                medium: parse_duration(args.frequency_cap)
            }
        if args.quiet_hours:
            changes["quiet_hours"] = _quiet(args.quiet_hours, medium)
    except ValueError as error:
        raise CliError(f"--delays/--staleness/--frequency-cap/--quiet-hours: {error}") from error
    return changes


def _quiet(text: str, medium: str) -> dict[str, QuietHours]:
    if text == "none":
        return {}
    start, _, end = text.partition("-")
    return {medium: QuietHours(start_hour=int(start), end_hour=int(end))}


def run(args: argparse.Namespace) -> int:
    from storeloom.bootstrap import services
    from storeloom.services.flows import admin
    from storeloom_tools.local import endpoint

    runtime = endpoint.connect(args.endpoint, args.stack).runtime
    configs = services.flow_configs(runtime)
    config: FlowConfig | None
    if args.action == "enable":
        try:
            config = admin.enable_flow(configs, args.store, args.flow, **_changes(args))
        except ValidationError as error:
            first = error.errors()[0]
            field = ".".join(str(part) for part in first["loc"]) or "flow config"
            raise CliError(f"{field}: {first['msg']}") from error
    elif args.action == "disable":
        config = admin.disable_flow(configs, args.store, args.flow)
    else:
        config = configs.current(args.store, args.flow)
    if config is None:
        raise CliError(f"--flow: {args.flow!r} is not configured for store {args.store!r}")
    print_json_line(config.model_dump(mode="json"))
    return 0
