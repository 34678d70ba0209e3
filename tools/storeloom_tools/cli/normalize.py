"""``storeloom normalize``: one platform payload -> CommerceEvent JSON lines, with no stack needed.

``--topic T`` reads a webhook body of that topic. ``--resource R`` reads what the platform's REST API
returns for R, as it returns it: one object, a list of them, or the platform's envelope ({"orders": [...]}).
A payload that yields no event is said so on stderr, with exit status 1.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from storeloom.domain.model import CommerceEvent
from storeloom.domain.types import EntityType, loads
from storeloom.platforms.mapped import MappedAdapter
from storeloom.platforms.registry import SUPPORTED_PLATFORMS, UnknownPlatform, get_adapter
from storeloom.services.platform_port import NormalizationError, NormalizeContext, PlatformAdapter
from storeloom_tools.errors import CliError

# ``--resource`` names, as a person says them, and the canonical entity each one holds.
RESOURCES: dict[str, EntityType] = {
    "orders": "order",
    "customers": "customer",
    "products": "product",
    "carts": "cart",
    "inventory": "inventory_level",
}


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "normalize",
        help="normalize a webhook payload or an API response into CommerceEvent JSON lines",
        description=f"Normalize one payload. Platforms: {', '.join(SUPPORTED_PLATFORMS)}.",
    )
    parser.add_argument("--platform", required=True, help=", ".join(SUPPORTED_PLATFORMS))
    kind = parser.add_mutually_exclusive_group(required=True)
    kind.add_argument("--topic", help="a webhook body of this platform topic, e.g. orders/create")
    kind.add_argument("--resource", help=f"an API response for one of {', '.join(RESOURCES)}")
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


def _adapter(platform: str, currency: str | None) -> PlatformAdapter:
    try:
        return get_adapter(platform, currency=currency)
    except UnknownPlatform as error:
        raise CliError(f"--{error}") from error


def _resource_adapter(adapter: PlatformAdapter, resource: str) -> tuple[MappedAdapter, EntityType]:
    if resource not in RESOURCES:
        raise CliError(f"--resource: {resource!r} is not one of {', '.join(RESOURCES)}")
    if not isinstance(adapter, MappedAdapter):
        raise CliError(f"--resource: {adapter.platform} API responses cannot be normalized yet")
    served = [name for name, entity in RESOURCES.items() if entity in adapter.mappers]
    if RESOURCES[resource] not in adapter.mappers:
        raise CliError(f"--resource: {adapter.platform} has no {resource} resource; available: {', '.join(served)}")
    return adapter, RESOURCES[resource]


def _events(args: argparse.Namespace, adapter: PlatformAdapter, payload: Any) -> list[CommerceEvent]:
    received_at = datetime.now(UTC)
    if args.topic is not None:
        context = NormalizeContext(store_id=args.store_id, source="webhook", received_at=received_at)
        return adapter.normalize(args.topic, payload, context)
    mapped, entity_type = _resource_adapter(adapter, args.resource)
    context = NormalizeContext(store_id=args.store_id, source="poll", received_at=received_at)
    if isinstance(payload, list):  # a bare list, as WooCommerce returns: the plural envelope holds one
        payload = {mapped.envelope_keys(entity_type)[1]: payload}
    if not isinstance(payload, Mapping):
        raise CliError(f"payload: the {args.resource} response must be a JSON object or a list of objects")
    return mapped.normalize_resource(entity_type, payload, context)


def run(args: argparse.Namespace) -> int:
    adapter = _adapter(args.platform, args.currency)
    if args.topic is not None and args.topic not in adapter.topics:
        raise CliError(f"--topic: {adapter.platform} topic {args.topic!r} is not supported")
    if args.resource is not None:
        _resource_adapter(adapter, args.resource)  # refuse a bad --resource before reading any input
    body = _read(args.file)
    try:
        payload = loads(body)
    except ValueError as error:
        raise CliError(f"payload: invalid JSON: {error}") from error
    try:
        events = _events(args, adapter, payload)
    except NormalizationError as error:
        raise CliError(f"payload: {error}") from error
    if not events:
        flag, value = ("--topic", args.topic) if args.topic is not None else ("--resource", args.resource)
        raise CliError(f"{flag}: this {adapter.platform} {value} payload yields no events", status=1)
    for event in events:
        sys.stdout.write(event.model_dump_json() + "\n")
    return 0
