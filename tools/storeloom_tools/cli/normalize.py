"""``storeloom normalize``: one platform payload -> CommerceEvent JSON lines, with no stack needed."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from storeloom.domain.types import loads
from storeloom.platforms.registry import SUPPORTED_PLATFORMS, UnknownPlatform, get_adapter
from storeloom.services.platform_port import NormalizationError, NormalizeContext
from storeloom_tools.errors import CliError


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "normalize",
        help="normalize a webhook payload into CommerceEvent JSON lines",
        description=f"Normalize one payload. Platforms: {', '.join(SUPPORTED_PLATFORMS)}.",
    )
    parser.add_argument("--platform", required=True, help="shopify, woocommerce, ...")
    parser.add_argument("--topic", required=True, help="the platform's webhook topic, e.g. orders/create")
    parser.add_argument("--store-id", default="cli", help="store id for the events (default: cli)")
    parser.add_argument("--currency", help="the store's currency, for payloads that name none")
    parser.add_argument("file", nargs="?", default="-", help="payload file, or - for stdin (default)")
    parser.set_defaults(run=run)


def _read(source: str) -> bytes:
    if source == "-":
        return sys.stdin.buffer.read()
    try:
        return Path(source).read_bytes()
    except OSError as error:
        raise CliError(f"file: cannot read {source!r}: {error.strerror or error}") from error


def run(args: argparse.Namespace) -> int:
    try:
        adapter = get_adapter(args.platform, currency=args.currency)
    except UnknownPlatform as error:
        raise CliError(str(error)) from error
    if args.topic not in adapter.topics:
        raise CliError(f"topic: {args.platform} topic {args.topic!r} is not supported")
    body = _read(args.file)
    try:
        payload = loads(body)
    except ValueError as error:
        raise CliError(f"payload: invalid JSON: {error}") from error
    context = NormalizeContext(store_id=args.store_id, source="webhook", received_at=datetime.now(UTC))
    try:
        events = adapter.normalize(args.topic, payload, context)
    except NormalizationError as error:
        raise CliError(f"payload: {error}") from error
    for event in events:
        sys.stdout.write(event.model_dump_json() + "\n")
    return 0
