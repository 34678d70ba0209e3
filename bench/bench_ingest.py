"""Issue 2 figures: AWS requests per event in ingest_worker, CPU to verify and normalize a webhook against a
bare json.loads, and the cold import of webhook_receiver's handler against `import boto3`."""

from __future__ import annotations

import json
import logging
import os
import statistics
import subprocess
import sys
import timeit
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from storeloom.bootstrap import services
from storeloom.domain.ingest_message import IngestMessage
from storeloom.domain.types import loads
from storeloom.platforms.registry import get_adapter
from storeloom.platforms.signatures import SIGNATURE_CHECKS, sign
from storeloom.services.platform_port import NormalizationError, NormalizeContext
from storeloom_tools.local.metering import counting_requests
from tests.support.aws import provisioned_stack
from tests.support.sqs import ingest_batch

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"
PAYLOADS = ROOT / "events" / "payloads"
WEBHOOK_TOPICS = {
    "webhook_orders_create": "orders/create",
    "webhook_orders_paid": "orders/paid",
    "webhook_orders_partially_fulfilled_docs_sample": "orders/updated",
    "webhook_checkouts_create_guest_no_email": "checkouts/create",
    "webhook_checkouts_update_registered_customer": "checkouts/update",
    "webhook_customers_create_inr": "customers/create",
}
SINGLE_RESOURCES = {
    "order": "order",
    "customer": "customer",
    "product": "product",
    "inventory_level": "inventory_level",
}


def main() -> None:
    requests_per_event()
    verify_and_normalize_cpu()
    cold_import()


# ---------- AWS requests ----------


def requests_per_event() -> None:
    with pytest.MonkeyPatch.context() as patch, provisioned_stack(patch) as stack:
        service = services.ingest_service(stack.runtime)
        clients = [stack.runtime.aws.client(name) for name in ("dynamodb", "events", "s3")]
        for size in (1, 10):
            batch = [(f"m{i}", _order_message(f"new-{size}-{i}")) for i in range(size)]
            with counting_requests(clients) as counter:
                ingest_batch(service, batch)
            per_event = counter.total / size
            print(f"new events, SQS batch of {size:>2}: {per_event:.2f} AWS requests per event {dict(counter.calls)}")
        with counting_requests(clients) as counter:
            ingest_batch(service, [("dup", _order_message("new-1-0"))])
        print(f"duplicate event:               {counter.total} AWS request {dict(counter.calls)}")
        print(f"(moto stack: {len(stack.stack.functions)} functions provisioned from template.yaml)")


def _order_message(order_id: str) -> IngestMessage:
    order = json.loads((PAYLOADS / "shopify_orders_create.json").read_text())
    order["id"] = order_id
    return IngestMessage(
        platform="shopify", store_id="bench", topic="orders/create", source="webhook", body=json.dumps(order)
    )


# ---------- CPU ----------


def verify_and_normalize_cpu() -> None:
    if not CORPUS.is_dir():
        print("corpus not found beside the project: CPU ratio skipped")
        return
    ratios = []
    logging.disable(logging.WARNING)  # the adapters log each malformed optional field; not part of the figure
    for platform, topic, body in _corpus_webhooks():
        ratio = _ratio(platform, topic, body)
        if ratio is not None:
            ratios.append(ratio)
    print(
        f"verify + normalize vs json.loads over {len(ratios)} corpus payloads: median {statistics.median(ratios):.2f}x "
        f"(min {min(ratios):.2f}x, max {max(ratios):.2f}x; target <= 5x)"
    )


def _corpus_webhooks() -> Iterator[tuple[str, str, bytes]]:
    for path in sorted((CORPUS / "shopify").glob("*.json")):
        if path.stem in WEBHOOK_TOPICS:
            yield "shopify", WEBHOOK_TOPICS[path.stem], path.read_bytes()
        elif path.stem.startswith("rest_") and (kind := _single_kind(path)):
            yield (
                "shopify",
                {"order": "orders/updated", "customer": "customers/update"}.get(kind, f"{kind}s/update"),
                path.read_bytes(),
            )
    for path in sorted((CORPUS / "woocommerce").glob("rest_v3_*.json")):
        payload = json.loads(path.read_text())
        if isinstance(payload, dict) and "status" in payload and "line_items" in payload:
            yield "woocommerce", "order.updated", path.read_bytes()
        elif isinstance(payload, dict) and "permalink" in payload:
            yield "woocommerce", "product.updated", path.read_bytes()


def _single_kind(path: Path) -> str | None:
    payload = json.loads(path.read_text())
    keys = list(payload) if isinstance(payload, dict) else []
    return SINGLE_RESOURCES.get(keys[0]) if keys and keys[0] in SINGLE_RESOURCES else None


def _ratio(platform: str, topic: str, body: bytes) -> float | None:
    adapter = get_adapter(platform)
    headers = {"x-shopify-hmac-sha256": sign(body, "s"), "x-wc-webhook-signature": sign(body, "s")}
    context = NormalizeContext(store_id="bench", source="webhook", received_at=datetime.now(UTC))

    def ingest_one() -> None:
        SIGNATURE_CHECKS[platform](body, headers, "s")
        adapter.normalize(topic, loads(body), context)

    try:
        ingest_one()
    except NormalizationError:
        return None
    ours = min(timeit.repeat(ingest_one, number=200, repeat=5))
    bare = min(timeit.repeat(lambda: json.loads(body), number=200, repeat=5))
    return ours / bare


# ---------- cold import ----------


def cold_import(runs: int = 7) -> None:
    handler = ROOT / "functions" / "webhook_receiver" / "app.py"
    load_handler = (
        "import importlib.util as u, time; t = time.perf_counter(); "
        f"s = u.spec_from_file_location('app', {str(handler)!r}); m = u.module_from_spec(s); s.loader.exec_module(m); "
        "print(time.perf_counter() - t)"
    )
    bare = "import time; t = time.perf_counter(); import boto3; print(time.perf_counter() - t)"
    environment = {**os.environ, "PYTHONPATH": str(ROOT / "layers" / "storeloom")}
    handler_times = [_fresh_process(load_handler, environment) for _ in range(runs)]
    boto3_times = [_fresh_process(bare, environment) for _ in range(runs)]
    handler_median, boto3_median = statistics.median(handler_times), statistics.median(boto3_times)
    print(
        f"cold import, median of {runs} fresh processes: webhook_receiver {handler_median * 1000:.0f} ms, "
        f"boto3 alone {boto3_median * 1000:.0f} ms, ratio {handler_median / boto3_median:.2f}x (target <= 1.5x)"
    )


def _fresh_process(code: str, environment: dict[str, Any]) -> float:
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=environment, check=True)
    return float(output.stdout.strip().splitlines()[-1])
