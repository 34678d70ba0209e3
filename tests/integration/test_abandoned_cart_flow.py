"""The abandoned-cart state machine end to end under moto's executor, with the real task handlers.

Cart events go bus -> rule -> FlowTriggerQueue -> flow_starter; Step Functions runs the ASL and its
``lambda:invoke`` tasks reach functions/flow_step and functions/flow_failed through the Lambda seam.
Delays are seconds (``SecondsPath``), so every run here finishes at once. Hooks run just before a given
step, which makes "between steps" deterministic without sleeping.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from storeloom.adapters.bus import EventBridgePublisher
from storeloom.adapters.entities import DynamoEntityStore
from storeloom.adapters.flow_config import DynamoFlowConfigStore
from storeloom.adapters.outbox import DynamoOutbox
from storeloom.adapters.runs import DynamoRunLog
from storeloom.domain.decisions import Decision
from storeloom.domain.flow_config import FlowConfig
from storeloom.domain.model import CommerceEvent
from storeloom.services.flows.admin import summarise_runs
from storeloom_tools.local import lambda_seam
from storeloom_tools.local.dispatch import SqsPoller
from tests.support.aws import AwsStack

STORE = "shop-1"
Hook = Callable[[], object]


@dataclass
class Harness:
    aws: AwsStack
    hooks: dict[int, Hook] = field(default_factory=dict)
    step_calls: int = 0

    def dispatch(self, name: str, event: Any) -> Any:
        if name.endswith(self.aws.ref("FlowStepFunction")) and event.get("attempt") == 0:
            self.step_calls += 1
            hook = self.hooks.pop(int(event["step"]), None)
            if hook is not None:
                hook()
        return self.aws.invoker.invoke_by_name(name, event)

    def enable(self, **overrides: Any) -> FlowConfig:
        settings: dict[str, Any] = {
            "delays_seconds": [0, 0, 0],
            "frequency_cap_seconds": {"email": 0, "sms": 0},
            "staleness_seconds": 3600,
            **overrides,
        }
        store = DynamoFlowConfigStore(self.aws.env("FLOW_CONFIG_TABLE"), self.aws.client("dynamodb"))
        return store.save(FlowConfig(store_id=STORE, **settings))

    def put(
        self, entity_type: str, entity: dict[str, Any], action: str = "updated", *, publish: bool = True
    ) -> CommerceEvent:
        """Store the entity as ingest does and, unless told not to, publish it as ingest does (the segment
        refresher keeps the person record from the bus)."""
        occurred = entity["updated_at"]
        event = CommerceEvent.model_validate(
            {
                "event_id": f"{entity_type}-{entity['id']}-{occurred}",
                "idempotency_key": f"{entity_type}:{entity['id']}:{occurred}",
                "store_id": STORE,
                "platform": "shopify",
                "entity_type": entity_type,
                "entity_id": entity["id"],
                "action": action,
                "source": "webhook",
                "occurred_at": occurred,
                "received_at": datetime.now(UTC),
                "entity": entity,
            }
        )
        DynamoEntityStore(self.aws.env("ENTITIES_TABLE"), self.aws.client("dynamodb")).put_if_newer(event)
        if publish:
            self.trigger(event)
        return event

    def trigger(self, *events: CommerceEvent) -> None:
        EventBridgePublisher(self.aws.env("EVENT_BUS_NAME"), self.aws.client("events")).publish(list(events))
        poller = SqsPoller(self.aws.stack, self.aws.invoker, self.aws.client("sqs"))
        while poller.poll_once():
            pass

    def finish(self) -> list[dict[str, Any]]:
        sfn = self.aws.client("stepfunctions")
        machine = self.aws.ref("AbandonedCartStateMachine")
        for _ in range(600):
            executions = sfn.list_executions(stateMachineArn=machine)["executions"]
            if all(e["status"] != "RUNNING" for e in executions):
                return list(executions)
            time.sleep(0.05)
        raise AssertionError("executions still running")

    def decisions(self) -> list[tuple[int, str, str | None]]:
        return [(d.step, d.kind, d.reason) for d in self.records()]

    def records(self) -> list[Decision]:
        return DynamoRunLog(self.aws.env("FLOW_RUNS_TABLE"), self.aws.client("dynamodb")).list(STORE)

    def outbox(self) -> list[str]:
        messages = DynamoOutbox(self.aws.env("OUTBOX_TABLE"), self.aws.client("dynamodb")).list(STORE)
        return [f"{m.step}:{m.to}" for m in messages]


@pytest.fixture
def flow(aws_stack: AwsStack) -> Iterator[Harness]:
    harness = Harness(aws_stack)
    restore = lambda_seam.install(harness.dispatch)
    try:
        yield harness
    finally:
        restore()


def ts(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def money(amount: str) -> dict[str, str]:
    return {"amount": amount, "currency": "USD"}


def seed(h: Harness, last_activity: datetime | None = None, **cart: Any) -> CommerceEvent:
    now = datetime.now(UTC)
    active = last_activity or now
    h.put(
        "customer",
        {
            "id": "c1",
            "email": "ann@example.com",
            "email_consent": "subscribed",
            "updated_at": ts(now - timedelta(days=9)),
        },
    )
    h.put("product", product(now - timedelta(days=1), in_stock=True))
    body = {
        "id": "k1",
        "customer_id": "c1",
        "email": "ann@example.com",
        "line_items": [
            {"product_id": "p1", "variant_id": "v1", "title": "Mug", "quantity": 1, "unit_price": money("12.50")}
        ],
        "recovery_url": "https://shop.example/recover/k1",
        "created_at": ts(active - timedelta(minutes=5)),
        "updated_at": ts(active),
        **cart,
    }
    return h.put("cart", body, publish=False)


def product(updated: datetime, in_stock: bool) -> dict[str, Any]:
    variant = {"id": "v1", "price": money("11.00"), "in_stock": in_stock}
    return {
        "id": "p1",
        "title": "Big Mug",
        "image_url": "https://cdn/m.png",
        "variants": [variant],
        "updated_at": ts(updated),
    }


def order_for(h: Harness, customer_id: str | None, email: str | None) -> Hook:
    def place() -> None:
        now = ts(datetime.now(UTC))
        h.put(
            "order",
            {
                "id": "o1",
                "customer_id": customer_id,
                "email": email,
                "total": money("11.00"),
                "payment_status": "paid",
                "placed_at": now,
                "updated_at": now,
            },
        )

    return place


FULL_RUN = [(-1, "entered", None), (0, "sent", None), (1, "sent", None), (2, "sent", None), (3, "exited", "completed")]


def test_full_run_sends_three_reminders_in_order(flow: Harness) -> None:
    flow.enable()
    flow.trigger(seed(flow))
    assert [e["status"] for e in flow.finish()] == ["SUCCEEDED"]
    assert flow.decisions() == FULL_RUN
    assert flow.outbox() == ["0:ann@example.com", "1:ann@example.com", "2:ann@example.com"]
    sent = [d for d in flow.records() if d.kind == "sent"]
    assert {(d.flow_version, d.channel, d.variant) for d in sent} == {(1, "outbox", "A")}


def test_a_config_change_never_alters_a_run_already_waiting(flow: Harness) -> None:
    first = flow.enable()
    flow.hooks[1] = lambda: flow.enable(delays_seconds=[0], incentive="SAVE10")
    flow.trigger(seed(flow))
    flow.finish()
    assert flow.decisions() == FULL_RUN
    assert {d.flow_version for d in flow.records()} == {first.version}


def test_converted_before_the_first_send(flow: Harness) -> None:
    flow.enable()
    flow.hooks[0] = order_for(flow, "c1", "ann@example.com")
    flow.trigger(seed(flow))
    flow.finish()
    assert flow.decisions() == [(-1, "entered", None), (0, "exited", "converted")]
    assert flow.outbox() == []
    assert [run.recovered for run in summarise_runs(flow.records())] == [False]


def test_converted_between_steps_one_and_two(flow: Harness) -> None:
    flow.enable()
    flow.hooks[1] = order_for(flow, "c1", None)
    flow.trigger(seed(flow))
    flow.finish()
    assert flow.decisions() == [(-1, "entered", None), (0, "sent", None), (1, "exited", "converted")]
    assert flow.outbox() == ["0:ann@example.com"]
    assert [run.recovered for run in summarise_runs(flow.records())] == [True]


def test_unsubscribed_mid_flow(flow: Harness) -> None:
    flow.enable()
    flow.hooks[1] = lambda: flow.put(
        "customer",
        {"id": "c1", "email": "ann@example.com", "email_consent": "unsubscribed", "updated_at": ts(datetime.now(UTC))},
    )
    flow.trigger(seed(flow))
    flow.finish()
    assert flow.decisions()[-1] == (1, "exited", "unsubscribed") and len(flow.outbox()) == 1


def test_item_goes_out_of_stock(flow: Harness) -> None:
    flow.enable()
    flow.hooks[1] = lambda: flow.put("product", product(datetime.now(UTC), in_stock=False))
    flow.trigger(seed(flow))
    flow.finish()
    assert flow.decisions()[-1] == (1, "exited", "out_of_stock") and len(flow.outbox()) == 1


def test_duplicate_trigger_starts_one_run(flow: Harness) -> None:
    flow.enable()
    event = seed(flow)
    flow.trigger(event)
    flow.trigger(event)
    assert len(flow.finish()) == 1
    assert flow.decisions() == FULL_RUN and len(flow.outbox()) == 3


def test_guest_who_later_registered_is_recognised_by_normalized_email(flow: Harness) -> None:
    flow.enable(allow_non_subscriber_reminder=True)
    guest = seed(flow, customer_id=None, email="  Ann@Example.COM ")

    def register_and_buy() -> None:
        now = ts(datetime.now(UTC))
        flow.put("customer", {"id": "c9", "email": "ann@example.com", "email_consent": "subscribed", "updated_at": now})
        order_for(flow, "c9", None)()

    flow.hooks[1] = register_and_buy
    flow.trigger(guest)
    flow.finish()
    assert flow.decisions() == [(-1, "entered", None), (0, "sent", None), (1, "exited", "converted")]


def test_checkout_first_seen_30_hours_late_enters_at_the_right_step(flow: Harness) -> None:
    flow.enable(delays_seconds=[3600, 24 * 3600, 30 * 3600], staleness_seconds=7 * 3600)
    flow.trigger(seed(flow, last_activity=datetime.now(UTC) - timedelta(hours=30)))
    flow.finish()
    assert flow.decisions() == [
        (-1, "entered", None),
        (0, "suppressed", "stale"),
        (1, "sent", None),
        (2, "sent", None),
        (3, "exited", "completed"),
    ]
    assert [m.split(":")[0] for m in flow.outbox()] == ["1", "2"]


def test_provider_fails_twice_then_succeeds_with_exactly_one_delivery(
    flow: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    flow.enable(delays_seconds=[0])
    failures = iter([True, True])
    deliver = DynamoOutbox.deliver

    def flaky(self: DynamoOutbox, message: Any) -> str:
        if next(failures, False):
            raise ConnectionError("provider down")
        return deliver(self, message)

    monkeypatch.setattr(DynamoOutbox, "deliver", flaky)
    flow.trigger(seed(flow))
    assert [e["status"] for e in flow.finish()] == ["SUCCEEDED"]
    assert flow.outbox() == ["0:ann@example.com"]
    assert flow.decisions() == [(-1, "entered", None), (0, "sent", None), (1, "exited", "completed")]
