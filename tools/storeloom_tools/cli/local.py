"""``storeloom local up`` and ``storeloom demo``."""

from __future__ import annotations

import argparse
import json
import signal
import threading
from dataclasses import asdict
from pathlib import Path
from typing import Any

from storeloom_tools.demo.demo import NEXT_STEPS, DemoReport, run_demo
from storeloom_tools.errors import CliError
from storeloom_tools.local.stack import LocalStack


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    local = subparsers.add_parser("local", help="the local stack on loopback")
    actions = local.add_subparsers(dest="local_command", required=True, metavar="ACTION")
    up = actions.add_parser("up", help="start the local stack and keep it up until Ctrl-C")
    up.add_argument("--port", type=int, default=0, help="function URL port (default: a free one)")
    up.add_argument("--aws-port", type=int, default=0, help="moto server port (default: a free one)")
    up.set_defaults(run=run_up)
    demo = subparsers.add_parser("demo", help="local stack + scripted store activity + report")
    demo.add_argument("--json", action="store_true")
    demo.set_defaults(run=run_demo_command)


STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def run_up(args: argparse.Namespace) -> int:
    for flag, port in (("--port", args.port), ("--aws-port", args.aws_port)):
        if not 0 <= port < 65536:
            raise CliError(f"{flag}: must be between 1 and 65535 (or 0 for a free one)")
    try:
        stack = LocalStack(webhook_port=args.port, aws_port=args.aws_port)
    except FileNotFoundError as error:  # run outside the project: say so in one line
        raise CliError(f"local up: {error}") from error
    stack.start()
    stopping = threading.Event()
    # Ctrl-C and SIGTERM (kill, docker stop, systemd) both stop the stack and remove its record. Set
    # explicitly, as a shell starting `storeloom local up &` without job control has SIGINT ignored.
    previous = {number: signal.signal(number, lambda *_: stopping.set()) for number in STOP_SIGNALS}
    record: Path | None = None
    try:
        record = stack.record()
        print(f"AWS endpoint (moto): {stack.aws_endpoint_url}")
        print(f"Webhook base URL:    {stack.webhook_base_url}webhooks/{{platform}}/{{store_id}}")
        print(f"Recorded in {record}; Ctrl-C stops the stack.", flush=True)
        while not stopping.wait(0.5):
            pass
        print("Stopping the local stack...", flush=True)
    finally:
        # Another Ctrl-C from here on interrupts the shutdown; the record is gone by then.
        for number, handler in previous.items():
            signal.signal(number, handler)
        if record is not None:
            record.unlink(missing_ok=True)
        stack.stop()
    print("Stopped.", flush=True)
    return 0


def run_demo_command(args: argparse.Namespace) -> int:
    report = run_demo()
    if args.json:
        print(json.dumps(asdict(report), indent=2, default=str))
    else:
        print_report(report)
    return 0


def print_report(report: DemoReport) -> None:
    print(f"Local stack: AWS at {report.stack['aws']}, webhooks at {report.stack['webhooks']}")
    print("\nWebhook deliveries")
    for number, item in enumerate(report.deliveries, 1):
        where = f"{item['platform']} {item['topic']}"
        print(f"  {number:>2}. {where:<30} {item['label']:<40} HTTP {item['http_status']}  {item['outcome']}")
    print("\nStored entities")
    for store_id, kinds in report.entities.items():
        for kind, entities in kinds.items():
            for entity in entities:
                print(f"  {store_id:<13} {kind:<9} {_summary(kind, entity)}")
    print_polling(report.polling)
    print_person(report.person)
    print_carts(report.abandoned_carts)
    print_lifecycle(report.lifecycle)
    print_kpi(report.kpi)
    print(f"\nFinished in {report.stack.get('seconds', '?')} s")
    print_next_steps()


def print_next_steps() -> None:
    print("\nWhat to try next (the demo's stack has stopped; these start your own):")
    for command, why in NEXT_STEPS:
        print(f"  .venv/bin/{command}")
        print(f"      # {why}")


def print_polling(chapter: dict[str, Any]) -> None:
    if not chapter:
        return
    print("\nPolling safety net (fake Shopify Admin API on loopback)")
    print(f"  Store {chapter['store_id']}: poll schedules {', '.join(chapter['schedules'])}")
    before, after = chapter["before"], chapter["after"]
    print(f"  Order {chapter['order_id']} arrives by webhook: {_version(before)}")
    print("  The shop refunds it; the webhook for that is lost.")
    print(f"  The scheduled poll fires ({chapter['polls_fired']}) and ingest stores: {_version(after)}")


def _version(order: dict[str, str]) -> str:
    return f"payment={order['payment_status']} updated_at={order['updated_at']}"


def print_person(chapter: dict[str, Any]) -> None:
    if not chapter:
        return
    summary = chapter["summary"]
    print(f"\nOne shopper, two platforms ({summary['email']}, as `storeloom entities --email` shows it)")
    for view in chapter["stores"]:
        records = ", ".join(view["customer_ids"]) or "none (guest)"
        print(f"  {view['store_id']:<17} {view['platform']:<12} customer records: {records}")
        for order in view["orders"]:
            print(f"  {'':<17} {'':<12} order {order}")
    spent = ", ".join(f"{amount} {currency}" for currency, amount in summary["spent"].items())
    print(f"  In all: {summary['orders']} orders on {', '.join(summary['platforms'])}; spent {spent}")


def print_carts(chapter: dict[str, Any]) -> None:
    if not chapter:
        return
    print("\nAbandoned-cart recovery (steps at +3 s, +6 s, +9 s; live re-checks against a fake Shopify on loopback)")
    for run in chapter["runs"]:
        skipped = f"  skipped: {', '.join(run['skipped'])}" if run["skipped"] else ""
        outcome = "recovered" if run["recovered"] else f"{run['status']}: {run['reason']}"
        if run["reason"] == "converted" and run["orders_read_from"] == "live":
            outcome += " (order webhook lost; found by the live re-check)"
        print(f"  {run['email']:<18} reminders sent {run['sent']}  {outcome}{skipped}")
    print(f"  Carts recovered after a reminder: {chapter['recovered']}")
    print(f"  Messages delivered to the local outbox: {len(chapter['messages'])}")
    print(f"  Messages sent to someone who had already bought: {chapter['messages_after_purchase']}")


def print_kpi(chapter: dict[str, Any]) -> None:
    if not chapter:
        return
    from storeloom_tools.report.kpi_table import render_kpi_table

    print(
        f"\nWhat abandoned-cart recovery earned ({chapter['shoppers']} carts from a fixed seed, 20% held out,"
        f" variants A and B; {chapter['buyers']} bought)"
    )
    print(render_kpi_table(chapter["report"]).rstrip())
    print(f"  HTML report: {chapter['html']}")


def print_lifecycle(chapter: dict[str, Any]) -> None:
    if not chapter:
        return
    print(f"\nLifecycle segments and flows (Shopify; VIP spend {chapter['vip_spend']}; steps seconds apart)")
    print(f"  bea@example.com after her first order: {', '.join(chapter['bea_after_first_order']) or '-'}")
    for email, segments in chapter["people"].items():
        print(f"  {email:<18} now: {', '.join(segments) or '-'}")
    counts = ", ".join(f"{segment} {n}" for segment, n in chapter["segment_counts"].items())
    print(f"  Segment counts: {counts}")
    for flow_id, flow in chapter["flows"].items():
        exits = ", ".join(f"{reason} {n}" for reason, n in sorted(flow["exits"].items()))
        print(f"  {flow_id:<14} runs {flow['runs']}, messages {flow['sent']}; exits: {exits}")
    for message in chapter["messages"]:
        items = f": {', '.join(message['items'])}" if message["items"] else ""
        print(f"    {message['flow']:<14} step {message['step']} to {message['to']}{items}")


def _summary(kind: str, entity: dict[str, Any]) -> str:
    if kind == "order":
        total = entity["total"]
        return (
            f"{entity['id']} {entity.get('email')} {total['amount']} {total['currency']} "
            f"payment={entity['payment_status']} fulfillment={entity.get('fulfillment_status')} "
            f"updated_at={entity['updated_at']}"
        )
    if kind == "cart":
        items = len(entity["line_items"])
        return f"{entity['id']} {entity.get('email')} items={items} updated_at={entity['updated_at']}"
    if kind == "customer":
        return f"{entity['id']} {entity.get('email')} email_consent={entity['email_consent']}"
    return f"{entity['id']} {entity.get('title')} variants={len(entity.get('variants', []))}"
