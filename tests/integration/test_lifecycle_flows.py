"""Post-purchase and win-back end to end under moto's executor: entities published as ingest does, the
segment refresher keeping the person record, the flow starter, the shared state machine and the real step
handler. Every step's AWS requests are counted: at most five."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from storeloom.adapters.flow_config import DynamoFlowConfigStore
from storeloom.adapters.outbox import DynamoOutbox
from storeloom.bootstrap import services
from storeloom.domain.flow_config import FlowConfig
from storeloom.domain.segments import SegmentThresholds
from storeloom_tools.local import lambda_seam, moto_patches
from storeloom_tools.local.metering import counting_requests
from tests.integration.test_abandoned_cart_flow import STORE, Harness, money, ts
from tests.support.aws import AwsStack

MACHINES = ("AbandonedCartStateMachine", "PostPurchaseStateMachine", "WinbackStateMachine")
SERVICES = ("dynamodb", "stepfunctions", "sesv2", "events", "sqs", "secretsmanager", "s3")


class Lifecycle(Harness):
    step_requests: list[tuple[str, int]]
    step_calls_by_op: list[dict[str, int]]

    def dispatch(self, name: str, event: Any) -> Any:
        if not name.endswith(self.aws.ref("FlowStepFunction")):
            return super().dispatch(name, event)
        hook = self.hooks.pop(int(event["step"]), None) if event.get("attempt") == 0 else None
        if hook is not None:
            hook()  # what happens in the store before the step: not the step's cost
        clients = [self.aws.runtime.aws.client(service) for service in SERVICES]
        with counting_requests(clients, this_thread=True) as counter:
            result = self.aws.invoker.invoke_by_name(name, event)
        # A warm function reads the store's record and its signing keys once per 300 s: not a step's cost.
        cached = counter.calls["secretsmanager.GetSecretValue"] + counter.tables[self.aws.env("STORES_TABLE")]
        self.step_requests.append((event["config"]["flow_id"], counter.total - cached))
        self.step_calls_by_op.append(dict(counter.calls))
        return result

    def enable_flow(self, flow_id: str, **overrides: Any) -> FlowConfig:
        store = DynamoFlowConfigStore(self.aws.env("FLOW_CONFIG_TABLE"), self.aws.client("dynamodb"))
        settings = {"frequency_cap_seconds": {"email": 0, "sms": 0}, "staleness_seconds": 3600, **overrides}
        return store.save(FlowConfig(store_id=STORE, flow_id=flow_id, **settings))

    def finish_all(self) -> None:
        sfn = self.aws.client("stepfunctions")
        for _ in range(600):
            running = [
                e
                for machine in MACHINES
                for e in sfn.list_executions(stateMachineArn=self.aws.ref(machine))["executions"]
                if e["status"] == "RUNNING"
            ]
            if not running:
                return
            time.sleep(0.05)
        raise AssertionError("executions still running")

    def by_flow(self, flow_id: str) -> list[tuple[int, str, str | None]]:
        return [(d.step, d.kind, d.reason) for d in self.records() if d.flow_id == flow_id]

    def messages(self, flow_id: str) -> list[Any]:
        listed = DynamoOutbox(self.aws.env("OUTBOX_TABLE"), self.aws.client("dynamodb")).list(STORE)
        return [m for m in listed if m.flow_id == flow_id]


@pytest.fixture
def life(aws_stack: AwsStack) -> Iterator[Lifecycle]:
    harness = Lifecycle(aws_stack)
    harness.step_requests = []
    harness.step_calls_by_op = []
    # Several runs at once: moto's executor needs the local stack's fix for concurrent executions.
    unpatch = moto_patches.install()
    restore = lambda_seam.install(harness.dispatch)
    try:
        yield harness
    finally:
        restore()
        unpatch()


def catalog(h: Harness, now: datetime) -> None:
    def product(pid: str, title: str, related: list[str], in_stock: bool = True) -> dict[str, Any]:
        variant = {"id": f"v-{pid}", "price": money("8.00"), "in_stock": in_stock}
        return {
            "id": pid,
            "title": title,
            "variants": [variant],
            "related_product_ids": related,
            "updated_at": ts(now - timedelta(days=2)),
        }

    h.put("product", product("mug", "Mug", ["saucer", "spoon"]))
    h.put("product", product("saucer", "Saucer", [], in_stock=False))
    h.put("product", product("spoon", "Spoon", []))


def customer(h: Harness, now: datetime, customer_id: str = "c1", email: str = "ann@example.com") -> None:
    body = {
        "id": customer_id,
        "email": email,
        "email_consent": "subscribed",
        "updated_at": ts(now - timedelta(days=400)),
    }
    h.put("customer", body)


def order(
    h: Harness,
    order_id: str,
    placed: datetime,
    total: str,
    customer_id: str = "c1",
    email: str = "ann@example.com",
    **changes: Any,
) -> dict[str, Any]:
    line = {"product_id": "mug", "variant_id": "v-mug", "title": "Mug", "quantity": 1, "unit_price": money(total)}
    body = {
        "id": order_id,
        "customer_id": customer_id,
        "email": email,
        "line_items": [line],
        "total": money(total),
        "payment_status": "paid",
        "placed_at": ts(placed),
        "updated_at": ts(placed),
        **changes,
    }
    h.put("order", body)
    return body


def test_a_paid_order_gets_one_cross_sell_of_an_in_stock_related_item(life: Lifecycle) -> None:
    now = datetime.now(UTC)
    life.enable_flow("post_purchase", delays_seconds=[0])
    catalog(life, now)
    customer(life, now)
    body = order(life, "o1", now, "20.00")
    life.put("order", {**body, "fulfillment_status": "fulfilled", "updated_at": ts(now + timedelta(seconds=1))})
    life.finish_all()
    assert life.by_flow("post_purchase") == [(-1, "entered", None), (0, "sent", None), (1, "exited", "completed")]
    [message] = life.messages("post_purchase")
    assert [i.title for i in message.items] == ["Spoon"]  # Saucer is linked first but out of stock
    assert life.step_requests and all(n <= 5 for _flow, n in life.step_requests), life.step_calls_by_op


def test_an_order_refunded_before_its_step_gets_nothing(life: Lifecycle) -> None:
    now = datetime.now(UTC)
    life.enable_flow("post_purchase", delays_seconds=[0])
    catalog(life, now)
    customer(life, now)
    refund: dict[str, Any] = {
        "payment_status": "refunded",
        "refunded_total": money("20.00"),
        "updated_at": ts(now + timedelta(seconds=1)),
    }
    life.hooks[0] = lambda: order(life, "o2", now, "20.00", **refund)
    order(life, "o2", now, "20.00")
    life.finish_all()
    assert life.by_flow("post_purchase") == [(-1, "entered", None), (0, "exited", "refunded")]
    assert life.messages("post_purchase") == []


def test_a_lapsed_vip_gets_a_winback_until_they_buy(life: Lifecycle) -> None:
    now = datetime.now(UTC)
    life.enable_flow("winback", delays_seconds=[0, 0, 0])
    people = services.people_store(life.aws.runtime)
    people.configure(STORE, SegmentThresholds(vip_spend="100"))
    catalog(life, now)
    customer(life, now)
    order(life, "o-old1", now - timedelta(days=200), "80.00")
    life.hooks[1] = lambda: order(life, "o-new", datetime.now(UTC), "30.00")
    order(life, "o-old2", now - timedelta(days=120), "70.00")  # now repeat, vip and at_risk
    life.finish_all()
    assert life.by_flow("winback") == [(-1, "entered", None), (0, "sent", None), (1, "exited", "purchased")]
    assert len(life.messages("winback")) == 1
    flows = Counter(flow for flow, _n in life.step_requests)
    assert flows["winback"] == 2 and all(n <= 5 for _flow, n in life.step_requests), life.step_calls_by_op


def kpi_of(life: Lifecycle, flow_id: str) -> dict[str, Any]:
    from storeloom.adapters.kpi import DynamoCounters
    from storeloom.services.kpi import FlowScope, kpi_report

    reader = DynamoCounters(life.aws.env("FLOW_RUNS_TABLE"), life.aws.client("dynamodb"))
    since = datetime.now(UTC) - timedelta(days=1)
    report = kpi_report(STORE, since, [FlowScope(flow_id, holdout_percent=50)], reader, "USD")
    return dict(report["flows"][0])


def test_a_holdout_keeps_its_share_out_of_every_send_and_the_kpi_counts_both_arms(life: Lifecycle) -> None:
    now = datetime.now(UTC)
    life.enable_flow("post_purchase", delays_seconds=[0], holdout_percent=50)
    catalog(life, now)
    for n in range(8):
        email = f"buyer{n}@example.com"
        customer(life, now, customer_id=f"c{n}", email=email)
        order(life, f"o{n}", now, "20.00", customer_id=f"c{n}", email=email)
    life.finish_all()
    kinds = [kind for _step, kind, _reason in life.by_flow("post_purchase")]
    held, sent = kinds.count("held_out"), kinds.count("sent")
    assert held + sent == 8 and 0 < held < 8
    assert len(life.messages("post_purchase")) == sent
    report = kpi_of(life, "post_purchase")
    assert (report["entries"], report["held_out"], report["sent"], report["eligible"]) == (8, held, sent, 8)
    assert report["holdout"]["treated"]["runs"] == sent and report["holdout"]["control"]["runs"] == held
    assert report["exits"] == {"completed": 8}
