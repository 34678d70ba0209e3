"""Sustained intake on the local stack (issue: a spine that survives load): 1,000 signed Shopify webhooks
from 8 threads. Reports the receiver's p50 and p99, accepted per second, and stored entities per second
until every one is stored, with the count lost. As the floor, the AWS calls one event needs (archive,
enqueue, receive, claim-and-store, publish, mark done, delete) are replayed directly against the same moto
server, one event after another, with the calls each consumer of the published order makes (the segment
refresher: receive, one BatchGetItem, one TransactWriteItems, delete; the flow starter: receive, its flow
config, delete), since the stack runs those against the same server while it stores; stored per second is
compared with that floor (target at least 0.7x).
"""

from __future__ import annotations

import json
import statistics
import threading
import time
import uuid
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from storeloom.bootstrap import services
from storeloom.domain.stores import StoreRecord, StoreSecrets
from storeloom.platforms.signatures import sign
from storeloom_tools.local.stack import LocalStack

WEBHOOKS, THREADS, FLOOR_EVENTS = 1_000, 8, 100
STORE, SECRET = "bench-shop", "bench-secret"
PAYLOAD = Path(__file__).resolve().parents[1] / "events" / "payloads" / "shopify_orders_create.json"


def main() -> None:
    stack = LocalStack(quiet=True).start()
    try:
        _register(stack)
        fresh_floor = _floor_events_per_second(stack, "fresh")
        bodies = [_order_body(index) for index in range(WEBHOOKS)]
        started = time.perf_counter()
        latencies, accepted = _post_all(stack, bodies)
        posted_in = time.perf_counter() - started
        stored, stored_in = _wait_until_stored(stack, accepted, started)
        floor = _floor_events_per_second(stack, "loaded")
    finally:
        stack.stop()
    p50, p99 = statistics.median(latencies), statistics.quantiles(latencies, n=100)[98]
    print(f"receiver over {WEBHOOKS} webhooks from {THREADS} threads: p50 {p50 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms")
    print(f"accepted: {accepted} in {posted_in:.1f} s = {accepted / posted_in:.1f}/s")
    print(f"stored: {stored} of {accepted} in {stored_in:.1f} s = {stored / stored_in:.1f}/s; lost {accepted - stored}")
    print(
        "floor (the AWS calls of one event, sequential, same moto server): "
        f"{fresh_floor:.1f} events/s on the fresh stack, {floor:.1f} events/s after the run"
    )
    rate = stored / stored_in
    print(
        f"stored per second against the floor: {rate / fresh_floor:.2f}x the fresh floor, "
        f"{rate / floor:.2f}x the floor after the run (target >= 0.7x)"
    )


def _register(stack: LocalStack) -> None:
    vault = services.secrets_vault(stack.runtime)
    arn = vault.create_or_update(f"storeloom/{STORE}", StoreSecrets((SECRET,)))
    # A closed loopback port: nothing polls or repairs this store against a real address.
    services.store_registry(stack.runtime).put(StoreRecord(STORE, "shopify", "http://127.0.0.1:9", arn))


def _order_body(index: int) -> bytes:
    order = json.loads(PAYLOAD.read_text())
    now = datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    order.update(id=7_100_000_000_000_000_000 + index, name=f"#B{index}", updated_at=now, created_at=now)
    return json.dumps(order).encode()


def _post_all(stack: LocalStack, bodies: list[bytes]) -> tuple[list[float], int]:
    url = f"{stack.webhook_base_url}webhooks/shopify/{STORE}"
    local = threading.local()

    def post(body: bytes) -> tuple[float, int]:
        client = getattr(local, "client", None) or httpx.Client(timeout=30)
        local.client = client
        headers = {
            "content-type": "application/json",
            "x-shopify-topic": "orders/create",
            "x-shopify-hmac-sha256": sign(body, SECRET),
            "x-shopify-shop-domain": f"{STORE}.myshopify.com",
            "x-shopify-webhook-id": str(uuid.uuid4()),
        }
        began = time.perf_counter()
        status = client.post(url, content=body, headers=headers).status_code
        return time.perf_counter() - began, status

    with ThreadPoolExecutor(THREADS) as pool:
        results = list(pool.map(post, bodies))
    return [latency for latency, _ in results], sum(1 for _, status in results if status == 200)


def _wait_until_stored(stack: LocalStack, expected: int, started: float, timeout: float = 600) -> tuple[int, float]:
    """Watch the table's item count (moto counts its dict; a Query COUNT reads every item, and polling one
    five times a second took a share of the very server being measured), then count the store's orders once
    exactly until all are there."""
    dynamodb, table = stack.client("dynamodb"), stack.stack_env("ENTITIES_TABLE")
    while time.perf_counter() - started < timeout:
        if dynamodb.describe_table(TableName=table)["Table"]["ItemCount"] >= expected:
            break
        time.sleep(0.2)
    stored = _count(dynamodb, table)
    while stored < expected and time.perf_counter() - started < timeout:
        time.sleep(0.2)
        stored = _count(dynamodb, table)
    return stored, time.perf_counter() - started


def _count(dynamodb: Any, table: str) -> int:
    pages = dynamodb.get_paginator("query").paginate(
        TableName=table,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": f"{STORE}#order"}},
        Select="COUNT",
    )
    return sum(page["Count"] for page in pages)


def _floor_events_per_second(stack: LocalStack, label: str) -> float:
    """Each event's AWS calls against the same server: what the stack would do with no overhead of its own."""
    aws, env = stack.runtime.aws, stack.runtime.environment
    s3, sqs, dynamodb, events = (aws.client(name) for name in ("s3", "sqs", "dynamodb", "events"))
    queue = sqs.create_queue(QueueName=f"bench-floor-{label}")["QueueUrl"]
    began = time.perf_counter()
    for index in range(FLOOR_EVENTS):
        key = f"floor-{label}-{index}"
        s3.put_object(Bucket=env["ARCHIVE_BUCKET"], Key=f"bench/{key}.json", Body=b"{}")
        sqs.send_message(QueueUrl=queue, MessageBody=key)
        [message] = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=1)["Messages"]
        item = {"pk": {"S": f"{STORE}#floor"}, "entity_id": {"S": key}, "version": {"N": "1"}}
        claim = {"pk": {"S": f"floor#{key}"}, "status": {"S": "claimed"}}
        dynamodb.transact_write_items(
            TransactItems=[
                {
                    "Put": {
                        "TableName": env["LEDGER_TABLE"],
                        "Item": claim,
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                },
                {"Put": {"TableName": env["ENTITIES_TABLE"], "Item": item}},
            ]
        )
        events.put_events(
            Entries=[{"EventBusName": env["EVENT_BUS_NAME"], "Source": "bench", "DetailType": "floor", "Detail": "{}"}]
        )
        done = {"pk": {"S": f"floor#{key}"}, "status": {"S": "applied"}}
        dynamodb.batch_write_item(RequestItems={env["LEDGER_TABLE"]: [{"PutRequest": {"Item": done}}]})
        sqs.delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])
        _consumers(sqs, dynamodb, env, queue, key)
    return FLOOR_EVENTS / (time.perf_counter() - began)


def _consumers(sqs: Any, dynamodb: Any, env: Mapping[str, str], queue: str, key: str) -> None:
    """What the order's consumers do per event: the segment refresher reads the keys the order names with the
    person record in one batch and writes them in one transaction; the flow starter reads its flow config."""
    people = env["PEOPLE_TABLE"]
    for _consumer in ("segments", "flows"):
        sqs.send_message(QueueUrl=queue, MessageBody=key)
        [message] = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=1)["Messages"]
        sqs.delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])
    wanted = [
        {"pk": {"S": f"{STORE}#floor#{key}#{part}"}, "sk": {"S": "key"}} for part in ("email", "customer", "seen")
    ]
    dynamodb.batch_get_item(RequestItems={people: {"Keys": wanted}})
    dynamodb.transact_write_items(
        TransactItems=[{"Put": {"TableName": people, "Item": {**item, "person_id": {"S": key}}}} for item in wanted]
    )
    dynamodb.get_item(
        TableName=env["FLOW_CONFIG_TABLE"], Key={"pk": {"S": f"{STORE}#post_purchase"}, "version": {"N": "0"}}
    )


if __name__ == "__main__":
    main()
