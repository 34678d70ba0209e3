"""Ingest under AWS faults: every call of the ingest path fails in turn, SQS retries run, nothing is lost.

The worker's own path (storeloom.services.ingest.sqs_batch) is fed one batch: a customer, a product and a
cart inline, and an order by reference to the raw archive. A fault is injected on the runtime's own boto3
clients through botocore's event hooks:

- ``refused``: the request never reaches AWS and the call fails as if throttled (it already outlasted
  botocore's retries: a before-call hook that answers short-circuits them);
- ``lost_reply``: AWS applies the request and the reply is lost (a read timeout after the call);
- ``cancelled``: DynamoDB cancels the transaction for throttling (``TransactionCanceledException`` with a
  ``ThrottlingError`` reason), the form a throttled TransactWriteItems also takes;
- ``entries_failed``: PutEvents answers 200 with every entry failed (``FailedEntryCount``).

Then the batch is redelivered, whole, once the queue's visibility timeout has passed (the service's clock is
moved on), until the worker reports no failures. After that: every entity is stored once at its version,
every applied fact was published at least once (twice where the fault makes it so), and the cart's flow,
driven from what the bus delivered to the FlowTriggerQueue, has one execution, one entry decision and one
send per step.
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import pytest
from botocore.awsrequest import AWSResponse
from botocore.compat import HTTPHeaders
from botocore.exceptions import ReadTimeoutError

from storeloom.adapters.archive import S3Archive
from storeloom.adapters.entities import DynamoEntityStore, version_of
from storeloom.adapters.executions import StepFunctionsStarter
from storeloom.adapters.flow_config import DynamoFlowConfigStore
from storeloom.adapters.outbox import DynamoOutbox
from storeloom.adapters.runs import DynamoRunLog
from storeloom.bootstrap import services
from storeloom.domain import eligibility
from storeloom.domain.decisions import Decision
from storeloom.domain.flow_config import FlowConfig
from storeloom.domain.ingest_message import IngestMessage
from storeloom.domain.model import CommerceEvent
from storeloom.services.flows.starter import FlowStarter
from storeloom.services.ingest.service import IngestService
from storeloom.services.ingest.sqs_batch import IngestWorker, process_sqs_batch
from storeloom_tools.local import lambda_seam
from tests.support import bus
from tests.support.aws import AwsStack
from tests.support.sqs import sqs_event
from tests.support.webhooks import payload, receive_sqs_event

STORE = "shop-1"
CART_ID = "demo-cart-token-0001"
ADDRESS = "ada.lovelace@example.com"
VISIBILITY = timedelta(seconds=180)  # IngestQueue's VisibilityTimeout: when SQS hands a failed message back
MAX_ROUNDS = 8
Mode = Literal["refused", "lost_reply", "cancelled", "entries_failed"]
THROTTLE_CODES = {
    "dynamodb": ("ProvisionedThroughputExceededException", 400),
    "eventbridge": ("ThrottlingException", 400),
    "s3": ("SlowDown", 503),
}
# botocore's service id (what its event names use) -> the boto3 client the runtime builds for it.
_CLIENTS = {"dynamodb": "dynamodb", "eventbridge": "events", "s3": "s3"}


# ---------- the clock the retries run on ----------


@dataclass
class Clock:
    now: datetime = field(default_factory=lambda: datetime.now(UTC))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, by: timedelta) -> None:
        self.now += by


# ---------- fault injection ----------


@dataclass
class Fault:
    """Fail the ``nth`` call of one operation on one client, once, in the given way."""

    service: str  # botocore's hyphenized service id: dynamodb, eventbridge, s3
    operation: str
    mode: Mode
    nth: int = 1
    calls: int = 0
    fired: int = 0

    @property
    def event(self) -> str:
        hook = "after-call" if self.mode == "lost_reply" else "before-call"
        return f"{hook}.{self.service}.{self.operation}"

    def __call__(self, params: Any = None, **_: Any) -> Any:
        self.calls += 1
        if self.calls != self.nth:
            return None
        self.fired += 1
        if self.mode == "lost_reply":
            raise ReadTimeoutError(endpoint_url=f"https://{self.service}.local/{self.operation}")
        if self.mode == "entries_failed":
            entries = json.loads(params["body"])["Entries"]
            failed = {"ErrorCode": "ThrottlingException", "ErrorMessage": "injected"}
            return _response(200, {"FailedEntryCount": len(entries), "Entries": [failed] * len(entries)})
        if self.mode == "cancelled":
            reasons = [{"Code": "ThrottlingError", "Message": "injected"}, {"Code": "None"}]
            error = {"Code": "TransactionCanceledException", "Message": "Transaction cancelled (injected)"}
            return _response(400, {"Error": error, "CancellationReasons": reasons})
        code, status = THROTTLE_CODES[self.service]
        return _response(status, {"Error": {"Code": code, "Message": "Rate exceeded (injected)"}})


def _response(status: int, parsed: dict[str, Any]) -> tuple[AWSResponse, dict[str, Any]]:
    parsed["ResponseMetadata"] = {"HTTPStatusCode": status, "RetryAttempts": 0}
    return AWSResponse("https://injected.local/", status, HTTPHeaders(), None), parsed


@dataclass
class Injector:
    clients: dict[str, Any]
    installed: list[tuple[Any, str, Fault]] = field(default_factory=list)

    def install(self, fault: Fault) -> Fault:
        client = self.clients[fault.service]
        client.meta.events.register(fault.event, fault)
        self.installed.append((client, fault.event, fault))
        return fault

    def remove_all(self) -> None:
        for client, event, fault in self.installed:
            client.meta.events.unregister(event, fault)
        self.installed.clear()


# ---------- the stack, the batch and the flow ----------


@dataclass
class Rig:
    aws: AwsStack
    clock: Clock
    service: IngestService
    injector: Injector
    messages: list[tuple[str, IngestMessage]]
    expected: dict[tuple[str, str], str]  # (entity type, id) -> updated_at as stored

    def ingest_until_clean(self) -> int:
        """Deliver the batch, and redeliver it whole after each visibility timeout until nothing fails."""
        worker = IngestWorker(self.service)
        for attempt in range(1, MAX_ROUNDS + 1):
            event = sqs_event(self.messages)
            for record in event["Records"]:
                record["attributes"]["ApproximateReceiveCount"] = str(attempt)
            response, _ = process_sqs_batch(event, worker)
            if not response["batchItemFailures"]:
                return attempt
            self.clock.advance(VISIBILITY)
        raise AssertionError(f"the batch still fails after {MAX_ROUNDS} deliveries")

    def entity_items(self) -> list[dict[str, Any]]:
        """The entities (not the purchase marks that share their table)."""
        return [item for item in _scan(self.aws, "ENTITIES_TABLE") if "entity_type" in item]

    def ingest_keys(self) -> list[dict[str, Any]]:
        return [item for item in _scan(self.aws, "LEDGER_TABLE") if item["pk"]["S"].startswith("ingest#")]

    def bus_deliveries(self, url: str) -> Counter[str]:
        """How many times each event id reached the tap queue subscribed to everything on the bus."""
        seen: Counter[str] = Counter()
        sqs = self.aws.client("sqs")
        while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
            for message in messages:
                seen[json.loads(message["Body"])["detail"]["event_id"]] += 1
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        return seen

    def run_flow_starter(self) -> list[str]:
        """Hand what the bus delivered to the FlowTriggerQueue to flow_starter; the cart event ids seen (orders
        reach it too, for post-purchase)."""
        seen: list[str] = []
        while (batch := receive_sqs_event(self.aws, "FlowTriggerQueue"))["Records"]:
            details = [json.loads(record["body"])["detail"] for record in batch["Records"]]
            seen += [d["event_id"] for d in details if d.get("entity_type") == "cart"]
            response = self.aws.invoker.invoke("FlowStarterFunction", batch)
            assert response == {"batchItemFailures": []}
        return seen

    def finish(self) -> list[dict[str, Any]]:
        sfn, machine = self.aws.client("stepfunctions"), self.aws.ref("AbandonedCartStateMachine")
        for _ in range(600):
            executions = sfn.list_executions(stateMachineArn=machine)["executions"]
            if all(e["status"] != "RUNNING" for e in executions):
                return list(executions)
            time.sleep(0.05)
        raise AssertionError("executions still running")

    def decisions(self) -> list[Decision]:
        return DynamoRunLog(self.aws.env("FLOW_RUNS_TABLE"), self.aws.client("dynamodb")).list(STORE)

    def sends(self) -> list[tuple[str, int]]:
        log = DynamoRunLog(self.aws.env("FLOW_RUNS_TABLE"), self.aws.client("dynamodb"))
        since = self.clock.now - timedelta(days=30)
        return [(r.run_id, r.step) for r in log.sends(STORE, eligibility.contact_key("email", ADDRESS), since)]

    def outbox(self) -> list[str]:
        messages = DynamoOutbox(self.aws.env("OUTBOX_TABLE"), self.aws.client("dynamodb")).list(STORE)
        return [m.message_id for m in messages]


def _scan(aws: AwsStack, table: str) -> list[dict[str, Any]]:
    pages = aws.client("dynamodb").get_paginator("scan").paginate(TableName=aws.env(table))
    return [item for page in pages for item in page.get("Items", [])]


def _ts(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _body(name: str, **changes: Any) -> str:
    return json.dumps({**json.loads(payload(name)), **changes})


def _batch(aws: AwsStack, now: datetime) -> tuple[list[tuple[str, IngestMessage]], dict[tuple[str, str], str]]:
    """Four messages: customer, product and a fresh cart inline; an order by reference to the archive."""
    cart_updated = now - timedelta(minutes=1)
    cart = _body(
        "shopify_checkouts_update.json", created_at=_ts(now - timedelta(minutes=10)), updated_at=_ts(cart_updated)
    )
    # Someone else's order, for no cart: it must not convert Ada's cart and end the run early.
    order = _body(
        "shopify_orders_create.json",
        email="bob@example.com",
        customer={"id": 1, "email": "bob@example.com"},
        cart_token=None,
        checkout_token=None,
    )
    order_ref = S3Archive(aws.env("ARCHIVE_BUCKET"), aws.client("s3")).write(
        f"raw/shopify/{STORE}/order-by-reference.json", order.encode(), {}
    )

    def message(topic: str, body: str | None = None, raw_ref: str | None = None) -> IngestMessage:
        return IngestMessage(
            platform="shopify", store_id=STORE, topic=topic, source="webhook", body=body, raw_ref=raw_ref
        )

    messages = [
        ("m-customer", message("customers/create", _body("shopify_customers_create.json"))),
        ("m-product", message("products/update", _body("shopify_products_update.json"))),
        ("m-cart", message("checkouts/update", cart)),
        ("m-order", message("orders/create", raw_ref=order_ref)),
    ]
    expected = {
        ("customer", "9007199254740993001"): "2026-11-20T14:00:00Z",
        ("product", "7400000000001"): "2026-11-27T09:00:00Z",
        ("cart", CART_ID): _ts(cart_updated),
        ("order", "6100000000000000001"): "2026-11-27T10:05:00Z",
    }
    return messages, expected


@pytest.fixture
def rig(aws_stack: AwsStack) -> Iterator[Rig]:
    clock = Clock()
    service = dataclasses.replace(services.ingest_service(aws_stack.runtime), clock=clock)
    clients = {name: aws_stack.runtime.aws.client(client) for name, client in _CLIENTS.items()}
    # The flow is on with every step due at once, as in test_abandoned_cart_flow.
    configs = DynamoFlowConfigStore(aws_stack.env("FLOW_CONFIG_TABLE"), aws_stack.client("dynamodb"))
    configs.save(
        FlowConfig(
            store_id=STORE,
            delays_seconds=[0, 0, 0],
            frequency_cap_seconds={"email": 0, "sms": 0},
            staleness_seconds=3600,
        )
    )
    messages, expected = _batch(aws_stack, clock.now)
    injector = Injector(clients)
    restore = lambda_seam.install(aws_stack.invoker.invoke_by_name)
    try:
        yield Rig(aws_stack, clock, service, injector, messages, expected)
    finally:
        injector.remove_all()
        restore()


@pytest.fixture
def bus_tap(aws_stack: AwsStack) -> str:
    """A queue subscribed to everything ingest publishes, to count deliveries per event id."""
    return bus.bus_tap(aws_stack)


# ---------- what must hold after the retries ----------


def assert_every_entity_stored_once(rig: Rig) -> None:
    items = rig.entity_items()
    stored = Counter((item["entity_type"]["S"], item["entity_id"]["S"]) for item in items)
    assert stored == Counter(rig.expected.keys()), "an entity was lost or stored twice"
    entities = DynamoEntityStore(rig.aws.env("ENTITIES_TABLE"), rig.aws.client("dynamodb"))
    for (entity_type, entity_id), updated_at in rig.expected.items():
        entity = entities.get(STORE, entity_type, entity_id)
        assert entity is not None and entity["updated_at"] == updated_at
    versions = {(i["entity_type"]["S"], i["entity_id"]["S"]): int(i["version"]["N"]) for i in items}
    moments = {key: datetime.fromisoformat(text.replace("Z", "+00:00")) for key, text in rig.expected.items()}
    assert versions == {key: version_of(moment) for key, moment in moments.items()}
    keys = rig.ingest_keys()
    assert len(keys) == len(rig.expected), "one ingest key per fact"
    assert {item["status"]["S"] for item in keys} == {"applied"}
    event_ids = {item["event_id"]["S"] for item in keys}
    assert event_ids == {item["event_id"]["S"] for item in items}, "each stored version is its fact's event"


def assert_one_run_one_entry_one_send_per_step(rig: Rig) -> None:
    executions = rig.finish()
    assert [e["status"] for e in executions] == ["SUCCEEDED"], "one run for the cart"
    decisions = rig.decisions()
    assert len({d.run_id for d in decisions}) == 1
    entries = [d for d in decisions if d.kind == "entered"]
    assert len(entries) == 1
    assert [(d.step, d.kind, d.reason) for d in decisions] == [
        (-1, "entered", None),
        (0, "sent", None),
        (1, "sent", None),
        (2, "sent", None),
        (3, "exited", "completed"),
    ]
    [run_id] = {d.run_id for d in decisions}
    assert sorted(rig.sends()) == [(run_id, 0), (run_id, 1), (run_id, 2)], "one send per (run, step)"
    assert len(rig.outbox()) == len(set(rig.outbox())) == 3


FAULTS = [
    pytest.param(Fault("s3", "GetObject", "refused"), False, id="GetObject-throttled"),
    pytest.param(
        Fault("dynamodb", "TransactWriteItems", "refused", nth=1), False, id="TransactWriteItems-1st-throttled"
    ),
    pytest.param(
        Fault("dynamodb", "TransactWriteItems", "refused", nth=3), False, id="TransactWriteItems-cart-throttled"
    ),
    pytest.param(
        Fault("dynamodb", "TransactWriteItems", "cancelled", nth=3), False, id="TransactWriteItems-cart-cancelled"
    ),
    pytest.param(
        Fault("dynamodb", "TransactWriteItems", "lost_reply", nth=3), False, id="TransactWriteItems-cart-reply-lost"
    ),
    pytest.param(Fault("eventbridge", "PutEvents", "refused"), False, id="PutEvents-throttled"),
    pytest.param(Fault("eventbridge", "PutEvents", "entries_failed"), False, id="PutEvents-entries-throttled"),
    pytest.param(Fault("eventbridge", "PutEvents", "lost_reply"), True, id="PutEvents-reply-lost"),
    pytest.param(Fault("dynamodb", "BatchWriteItem", "refused"), True, id="BatchWriteItem-throttled"),
    pytest.param(Fault("dynamodb", "BatchWriteItem", "lost_reply"), False, id="BatchWriteItem-reply-lost"),
]


@pytest.mark.parametrize(("fault", "republished"), FAULTS)
def test_a_fault_at_any_call_loses_nothing_and_doubles_nothing(
    rig: Rig, bus_tap: str, fault: Fault, republished: bool
) -> None:
    # Given one failing call somewhere on the ingest path
    rig.injector.install(fault)
    # When SQS redelivers the batch until the worker reports no failures
    deliveries = rig.ingest_until_clean()
    # Then the fault did happen, and cost a redelivery
    assert fault.fired == 1 and deliveries >= 2
    # And every entity is stored once, at its version, with its ingest key done
    assert_every_entity_stored_once(rig)
    # And every fact was published, once, or twice where the fault hid a publish that had gone through
    published = rig.bus_deliveries(bus_tap)
    stored_event_ids = {item["event_id"]["S"] for item in rig.entity_items()}
    assert set(published) == stored_event_ids, "an applied fact was never published"
    assert set(published.values()) == ({2} if republished else {1})
    # And the cart's repeats reach flow_starter as repeats, and make one run with one entry and one send a step
    cart_event_id = next(i["event_id"]["S"] for i in rig.entity_items() if i["entity_type"]["S"] == "cart")
    assert rig.run_flow_starter() == [cart_event_id] * (2 if republished else 1)
    assert_one_run_one_entry_one_send_per_step(rig)


def test_marking_done_fails_after_a_successful_publish(rig: Rig, bus_tap: str) -> None:
    # Given a batch whose publish succeeds and whose marking is throttled
    fault = rig.injector.install(Fault("dynamodb", "BatchWriteItem", "refused"))
    worker = IngestWorker(rig.service)
    response, result = process_sqs_batch(sqs_event(rig.messages), worker)
    assert fault.fired == 1
    # Then every message is reported failed, for SQS to hand back, and says why
    assert {f["itemIdentifier"] for f in response["batchItemFailures"]} == {mid for mid, _ in rig.messages}
    assert all(reason.startswith("marking done failed") for reason in result.errors.values())
    first = rig.bus_deliveries(bus_tap)
    assert len(first) == len(rig.expected) and set(first.values()) == {1}
    # And the cart's run starts from that first publish
    cart_event_id = next(i["event_id"]["S"] for i in rig.entity_items() if i["entity_type"]["S"] == "cart")
    assert rig.run_flow_starter() == [cart_event_id]
    # When SQS hands the batch back before the claims' lease ran out, it is retried later, not re-applied
    response, result = process_sqs_batch(sqs_event(rig.messages), worker)
    assert len(response["batchItemFailures"]) == len(rig.messages)
    assert result.counts() == {} and rig.bus_deliveries(bus_tap) == Counter()
    assert all("another worker holds a claim" in reason for reason in result.errors.values())
    # And after the visibility timeout the claims are taken over and every fact is published again
    rig.clock.advance(VISIBILITY)
    response, result = process_sqs_batch(sqs_event(rig.messages), worker)
    assert response == {"batchItemFailures": []}
    assert result.counts() == {"applied": len(rig.expected)}
    assert rig.bus_deliveries(bus_tap) == first, "the retry re-publishes every fact once more"
    assert_every_entity_stored_once(rig)
    # Then the bus delivers the cart event a second time, and flow_starter makes nothing more of it
    assert rig.run_flow_starter() == [cart_event_id]
    assert_one_run_one_entry_one_send_per_step(rig)


def test_a_repeat_after_every_step_went_stale_records_nothing(rig: Rig) -> None:
    # Given the cart's run entered and finished
    rig.ingest_until_clean()
    assert len(rig.run_flow_starter()) == 1
    assert_one_run_one_entry_one_send_per_step(rig)
    before = rig.decisions()
    # When the same cart event is handled again four days later, when every step of it is stale
    cart = _stored_cart_event(rig)
    later = FlowStarter(
        configs=services.flow_configs(rig.aws.runtime),
        executions=StepFunctionsStarter(rig.aws.ref("AbandonedCartStateMachine"), rig.aws.client("stepfunctions")),
        decisions=DynamoRunLog(rig.aws.env("FLOW_RUNS_TABLE"), rig.aws.client("dynamodb")),
        clock=lambda: rig.clock.now + timedelta(days=4),
    )
    outcome = later.handle(cart)
    # Then it is a duplicate: no second entry, no stale suppressions, no exit over the run's own
    assert (outcome.status, outcome.reason) == ("duplicate", "entered_before")
    assert rig.decisions() == before
    assert len(rig.finish()) == 1


def _stored_cart_event(rig: Rig) -> CommerceEvent:
    """The cart's event as ingest published it: rebuilt from the message through the service's normalizer."""
    [(_, message)] = [(mid, m) for mid, m in rig.messages if m.topic.startswith("checkouts/")]
    [event] = rig.service.normalize(message)
    return event


def test_a_replayed_step_delivers_nothing_more(rig: Rig) -> None:
    # Given the cart's run finished with one send a step
    rig.ingest_until_clean()
    rig.run_flow_starter()
    assert_one_run_one_entry_one_send_per_step(rig)
    sfn = rig.aws.client("stepfunctions")
    [execution] = sfn.list_executions(stateMachineArn=rig.aws.ref("AbandonedCartStateMachine"))["executions"]
    entry_state = json.loads(sfn.describe_execution(executionArn=execution["executionArn"])["input"])
    outbox, decisions, sends = rig.outbox(), rig.decisions(), rig.sends()
    # When Step Functions runs step 0's task again (a retry after a timeout that hid its success)
    rig.aws.invoker.invoke("FlowStepFunction", entry_state)
    # Then the send ledger recognises the send: no second delivery, the same decisions, and the contact's
    # history (which the frequency cap and the exclusion read) still holds one send for the step
    assert rig.outbox() == outbox
    assert [(d.step, d.kind) for d in rig.decisions()] == [(d.step, d.kind) for d in decisions]
    assert sorted(rig.sends()) == sorted(sends)
