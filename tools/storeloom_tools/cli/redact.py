"""``storeloom redact``: what Shopify's customers/redact webhook does, or (--export) customers/data_request."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from storeloom_tools.cli.common import add_endpoint_arguments, print_json_line, registered_store


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("redact", help="erase (or export) everything held about one customer")
    parser.add_argument("--store", required=True)
    parser.add_argument("--customer", required=True, help="the platform's customer id")
    parser.add_argument("--email", action="append", default=[], help="more addresses of the same person")
    parser.add_argument("--order", action="append", default=[], help="orders of theirs to redact (guest orders too)")
    parser.add_argument("--export", action="store_true", help="write an export instead of erasing")
    add_endpoint_arguments(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from storeloom.bootstrap import services
    from storeloom.domain.privacy import ComplianceKind, ComplianceRequest, Person
    from storeloom_tools.local import endpoint

    connection = endpoint.connect(args.endpoint, args.stack)
    registered_store(connection, args.store)
    person = Person.of(args.store, [args.customer], args.email, order_ids=args.order)
    now = datetime.now(UTC)
    kind: ComplianceKind = "data_request" if args.export else "customer_redact"
    request_id = f"cli-{kind}-{now.strftime('%Y%m%dT%H%M%S%f')}"
    request = ComplianceRequest(kind, args.store, person, request_id, tuple(args.order), received_at=now)
    redaction = services.redaction_service(connection.runtime)
    if args.export:
        exported = redaction.data_request(request)
        print_json_line({"export": exported.key, "counts": exported.counts})
    else:
        print_json_line({"redacted": redaction.redact_customer(request), "request_id": request_id})
    return 0
