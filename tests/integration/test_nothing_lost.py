"""Every accepted webhook is accounted for after a fuzz and fault run.

Signed and unsigned deliveries (new orders, repeats, older versions, bodies that pass the signature but do
not map, unauthenticated noise) go through the real receiver; the ingest worker then drains the real
IngestQueue while AWS calls fail at random (throttling on DynamoDB, EventBridge and S3), each failed message
coming back as SQS would hand it back. At the end, every delivery the receiver answered 200 is exactly one
of: an entity version applied, a stale or duplicate outcome, or a dead letter that says why.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from storeloom.bootstrap import services
from storeloom.domain.ingest_message import IngestMessage
from storeloom.services.ingest.sqs_batch import process_sqs_batch
from tests.integration.test_ingest_faults import THROTTLE_CODES, VISIBILITY, Clock, _response
from tests.integration.test_webhook_receiver import post
from tests.support.aws import AwsStack
from tests.support.webhooks import payload, receive_sqs_event, register_store, response_json, webhook_event

SECRET = "fuzz-secret"
STORE = "fuzz-shop"
SEED = 20261201
MAX_ROUNDS = 60
Category = str  # applied, stale, duplicate, dead_letter


@dataclass
class RandomThrottle:
    """Refuse a share of the AWS calls made through one client, as throttling that outlasted botocore's
    retries would (a before-call hook that answers short-circuits the request)."""

    service: str
    rng: random.Random
    rate: float
    fired: int = 0

    def __call__(self, **_: Any) -> Any:
        if self.rng.random() >= self.rate:
            return None
        self.fired += 1
        code, status = THROTTLE_CODES[self.service]
        return _response(status, {"Error": {"Code": code, "Message": "Rate exceeded (injected)"}})


@dataclass
class Fuzz:
    rng: random.Random
    orders: dict[str, int] = field(default_factory=dict)  # order id -> versions posted
    events: list[dict[str, Any]] = field(default_factory=list)

    def deliveries(self, count: int) -> list[dict[str, Any]]:
        base = json.loads(payload("shopify_orders_create.json"))
        for index in range(count):
            self.events.append(self._one(base, index))
        return self.events

    def _one(self, base: dict[str, Any], index: int) -> dict[str, Any]:
        kind = self.rng.choice(["new", "new", "update", "older", "repeat", "unmappable", "unsigned", "garbage"])
        if kind in ("update", "older", "repeat") and self.orders:
            return self._again(kind, base)
        if kind == "unmappable":
            return self._signed({**base, "id": f"order-{index}", "total_price": "lots"}, f"bad-{index}")
        if kind == "unsigned":
            return webhook_event("shopify", STORE, "orders/create", json.dumps(base).encode(), "wrong-secret")
        if kind == "garbage":
            return webhook_event("shopify", STORE, "orders/create", self.rng.randbytes(40), SECRET)
        order_id = str(10_000 + index)
        self.orders[order_id] = 1
        return self._signed(self._version(base, order_id, 1), f"e-{order_id}-1")

    def _again(self, kind: str, base: dict[str, Any]) -> dict[str, Any]:
        updated = sorted(order_id for order_id, versions in self.orders.items() if versions > 1)
        if kind == "older" and not updated:
            kind = "update"
        order_id = self.rng.choice(updated if kind == "older" else sorted(self.orders))
        if kind == "update":
            self.orders[order_id] += 1
            version = self.orders[order_id]
            return self._signed(self._version(base, order_id, version), f"e-{order_id}-{version}")
        if kind == "repeat":
            version = self.orders[order_id]
            return self._signed(self._version(base, order_id, version), f"e-{order_id}-{version}")
        # A version never delivered before, older than the newest: a late edit, which must end stale.
        late = self._version(base, order_id, self.orders[order_id] - 1, seconds=30)
        return self._signed(late, f"e-{order_id}-late-{self.rng.randrange(1 << 30)}")

    @staticmethod
    def _version(base: dict[str, Any], order_id: str, version: int, seconds: int = 0) -> dict[str, Any]:
        stamp = f"2026-11-27T10:{version:02d}:{seconds:02d}Z"
        return {**base, "id": int(order_id), "updated_at": stamp, "note": f"v{version}"}

    @staticmethod
    def _signed(body: dict[str, Any], event_id: str) -> dict[str, Any]:
        data = json.dumps(body).encode()
        return webhook_event("shopify", STORE, "orders/create", data, SECRET, **{"x-shopify-event-id": event_id})


def drain(stack: AwsStack, rng: random.Random) -> tuple[dict[str, Category], int]:
    """Run the worker over the real queue under faults until it is empty; each raw_ref's final category,
    and how many faults fired. A failed message is handed back at once, with the worker's clock moved on by
    the queue's visibility timeout, when SQS would hand it back (so a claim it left has run out)."""
    worker = services.ingest_worker(stack.runtime)
    clock = Clock()
    worker.service.clock = clock
    throttles = [RandomThrottle(name, rng, 0.15) for name in ("dynamodb", "eventbridge", "s3")]
    clients = {"dynamodb": "dynamodb", "eventbridge": "events", "s3": "s3"}
    for throttle in throttles:
        client = stack.runtime.aws.client(clients[throttle.service])
        client.meta.events.register(f"before-call.{throttle.service}.*", throttle)
    sqs, queue = stack.client("sqs"), stack.ref("IngestQueue")
    final: dict[str, Category] = {}
    for _ in range(MAX_ROUNDS):
        batch = receive_sqs_event(stack, "IngestQueue")
        if not batch["Records"]:
            break
        response, result = process_sqs_batch(batch, worker)
        failed = {item["itemIdentifier"] for item in response["batchItemFailures"]}
        outcomes = {r.message_id: r.outcome for r in result.results}
        for record in batch["Records"]:
            raw_ref = IngestMessage.model_validate_json(record["body"]).raw_ref or ""
            handle = record["receiptHandle"]
            if record["messageId"] in failed:
                sqs.change_message_visibility(QueueUrl=queue, ReceiptHandle=handle, VisibilityTimeout=0)
                continue
            if record["messageId"] in outcomes:
                final[raw_ref] = outcomes[record["messageId"]]
            sqs.delete_message(QueueUrl=queue, ReceiptHandle=handle)  # as Lambda does for a success
        if failed:
            clock.advance(VISIBILITY + timedelta(seconds=1))
    for throttle in throttles:
        stack.runtime.aws.client(clients[throttle.service]).meta.events.unregister(
            f"before-call.{throttle.service}.*", throttle
        )
    return final, sum(t.fired for t in throttles)


def dead_letters(stack: AwsStack) -> dict[str, dict[str, str]]:
    sqs, url = stack.client("sqs"), stack.ref("IngestDeadLetterQueue")
    found: dict[str, dict[str, str]] = {}
    while messages := sqs.receive_message(
        QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"], VisibilityTimeout=60
    ).get("Messages", []):
        for message in messages:
            raw_ref = json.loads(message["Body"]).get("raw_ref", "")
            found[raw_ref] = {k: v["StringValue"] for k, v in message.get("MessageAttributes", {}).items()}
    return found


def test_every_accepted_webhook_ends_as_an_entity_a_dead_letter_or_a_stale_or_duplicate_outcome(
    aws_stack: AwsStack,
) -> None:
    register_store(aws_stack, STORE, "shopify", SECRET)
    rng = random.Random(SEED)
    fuzz = Fuzz(rng)
    answers = [post(aws_stack, event) for event in fuzz.deliveries(120)]
    accepted = [response_json(a)["raw_ref"] for a in answers if a["statusCode"] == 200]
    rejected = [a for a in answers if a["statusCode"] != 200]
    assert all(400 <= int(str(a["statusCode"])) < 500 and "error" in response_json(a) for a in rejected)

    final, faults = drain(aws_stack, rng)
    dead = dead_letters(aws_stack)

    categories: Counter[str] = Counter()
    for raw_ref in accepted:
        outcome = "dead_letter" if raw_ref in dead else final.get(raw_ref, "lost")
        categories[outcome] += 1
    assert faults > 0 and rejected
    assert categories["lost"] == 0, categories
    assert sum(categories.values()) == len(accepted)
    assert set(dead).isdisjoint(final)  # nothing both stored and dead-lettered
    assert categories["applied"] and categories["duplicate"] and categories["stale"] and categories["dead_letter"]
    # Only bodies that do not map die, and each says why.
    assert all("total_price" in reason["error"] and int(reason["attempts"]) >= 5 for reason in dead.values()), [
        r for r in dead.values() if "total_price" not in r["error"]
    ]
    # One entity per order, at its newest version.
    items = aws_stack.client("dynamodb").scan(TableName=aws_stack.env("ENTITIES_TABLE"))["Items"]
    stored = {
        item["entity_id"]["S"]: json.loads(item["body"]["S"])["updated_at"]
        for item in items
        if item.get("entity_type", {}).get("S") == "order"
    }
    assert stored == {order_id: f"2026-11-27T10:{v:02d}:00Z" for order_id, v in fuzz.orders.items()}
    print(f"\naccepted {len(accepted)}, rejected {len(rejected)}, faults {faults}: {dict(categories)}")
