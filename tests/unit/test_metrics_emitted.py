"""The handlers print the EMF records the dashboard reads: names and dimensions from storeloom.bootstrap.metrics,
read back from stdout as CloudWatch would."""

from __future__ import annotations

import importlib.util
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any, cast

import pytest

from storeloom.bootstrap import metrics
from storeloom.bootstrap.metrics import DecisionTally
from storeloom.domain.cursor import Cursor
from storeloom.domain.decisions import Decision, DecisionKind
from storeloom.domain.flow_config import FlowConfig
from storeloom.domain.run import RunState, Subject
from storeloom.domain.stores import StoreRecord, StoreSecrets
from storeloom.platforms.signatures import sign, webhook_schemes
from storeloom.services.flows.steps import StepRunner
from storeloom.services.ingest.receiver import WebhookReceiver
from storeloom.services.ingest.sqs_batch import IngestWorker
from storeloom.services.polling.runner import PollRunner
from storeloom.services.polling.sync import SyncReport
from storeloom_tools.local.invoker import LocalContext
from storeloom_tools.local.url_server import function_url_event
from tests.fakes.flows import MemoryDecisions

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
Record = tuple[str, float, dict[str, str]]


def handler_module(function: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"{function}_app_under_test", ROOT / f"functions/{function}/app.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def emf(out: str) -> list[Record]:
    """(metric, value, dimensions) of every EMF record printed, checked against the names the dashboard uses."""
    found: list[Record] = []
    for line in out.splitlines():
        try:
            document = json.loads(line)
        except ValueError:
            continue
        if not isinstance(document, dict) or "_aws" not in document:
            continue
        [directive] = document["_aws"]["CloudWatchMetrics"]
        assert directive["Namespace"] == metrics.NAMESPACE
        [dimension_names] = directive["Dimensions"]
        for definition in directive["Metrics"]:
            name = definition["Name"]
            assert set(dimension_names) == {"service", *metrics.DIMENSIONS[name]}, name
            value = document[name]  # a list when Powertools batched several values of one metric
            total = float(sum(value)) if isinstance(value, list) else float(value)
            found.append((name, total, {key: document[key] for key in dimension_names}))
    return found


def context(name: str) -> Any:
    return LocalContext(function_name=name)


# ---------- webhooks ----------


class Stores:
    def get(self, store_id: str) -> StoreRecord | None:
        known = StoreRecord("maple", "shopify", "https://maple.myshopify.com", "arn:maple")
        return known if store_id == known.store_id else None


class Secrets:
    def read(self, secret_arn: str) -> StoreSecrets:
        return StoreSecrets(("s3cret",))


class Archive:
    def write(self, key: str, body: bytes, metadata: Any) -> str:
        return key


class Queue:
    def send(self, body: str) -> str:
        return "m-1"


RECEIVER = WebhookReceiver(Stores(), Secrets(), Archive(), Queue(), webhook_schemes(), max_body_bytes=4096)


def shopify_post(store_id: str, secret: str) -> dict[str, Any]:
    body = json.dumps({"id": 1, "updated_at": "2025-03-01T12:00:00Z"}).encode()
    headers = {
        "x-shopify-topic": "orders/updated",
        "x-shopify-shop-domain": "maple.myshopify.com",
        "x-shopify-hmac-sha256": sign(body, secret),
        "content-type": "application/json",
    }
    return function_url_event("POST", f"/webhooks/shopify/{store_id}", headers, body)


def test_the_receiver_counts_accepted_webhooks_by_platform_and_rejected_ones_by_reason(
    capsys: pytest.CaptureFixture[str],
) -> None:
    app = handler_module("webhook_receiver")
    answers = [
        app.handle(shopify_post("maple", "s3cret"), context("webhook_receiver"), RECEIVER)["statusCode"],
        app.handle(shopify_post("maple", "wrong"), context("webhook_receiver"), RECEIVER)["statusCode"],
        app.handle(shopify_post("elm", "s3cret"), context("webhook_receiver"), RECEIVER)["statusCode"],
    ]
    assert answers == [200, 401, 404]
    assert emf(capsys.readouterr().out) == [
        (metrics.WEBHOOKS_ACCEPTED, 1.0, {"service": "webhook_receiver", "platform": "shopify"}),
        (metrics.WEBHOOKS_REJECTED, 1.0, {"service": "webhook_receiver", "reason": "bad_signature"}),
        (metrics.WEBHOOKS_REJECTED, 1.0, {"service": "webhook_receiver", "reason": "unknown_store"}),
    ]


# ---------- ingest ----------


class Sink:
    def __init__(self) -> None:
        self.sent: list[tuple[str, dict[str, str]]] = []

    def send_with_attributes(self, body: str, attributes: dict[str, str]) -> str:
        self.sent.append((body, attributes))
        return f"dlq-{len(self.sent)}"


class NoService:
    def flush(self, batch: Any) -> None:
        pass


def sqs_record(message_id: str, body: str, receives: int) -> dict[str, Any]:
    return {
        "messageId": message_id,
        "receiptHandle": f"rh-{message_id}",
        "body": body,
        "attributes": {"ApproximateReceiveCount": str(receives)},
        "messageAttributes": {},
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:eu-west-1:123456789012:ingest",
    }


def test_the_ingest_worker_counts_dead_lettered_messages_apart_from_retried_ones(
    capsys: pytest.CaptureFixture[str],
) -> None:
    app = handler_module("ingest_worker")
    sink = Sink()
    worker = IngestWorker(cast(Any, NoService()), sink, max_attempts=3)
    event = {"Records": [sqs_record("spent", "not json", 3), sqs_record("young", "not json", 1)]}
    response = app.handle(event, context("ingest_worker"), worker)
    assert response["batchItemFailures"] == [{"itemIdentifier": "young"}]
    assert len(sink.sent) == 1
    counted = {name: value for name, value, _dims in emf(capsys.readouterr().out)}
    assert counted == {metrics.INGEST_FAILED: 1.0, metrics.INGEST_DEAD_LETTERED: 1.0}


# ---------- polling ----------


class Runner:
    def __init__(self, report: SyncReport) -> None:
        self.report = report

    def clock(self) -> datetime:
        return NOW

    def run(self, job: Any, remaining_ms: Any) -> SyncReport:
        return self.report


def poll(report: SyncReport) -> dict[str, Any]:
    app = handler_module("poller")
    result: dict[str, Any] = app.handle(
        {"store_id": report.store_id, "entity": "order"}, context("poller"), cast(PollRunner, Runner(report))
    )
    return result


@pytest.mark.parametrize(
    ("complete", "cursor", "lag"),
    [(True, NOW - timedelta(days=3), 0.0), (False, NOW - timedelta(minutes=7), 420.0)],
)
def test_the_poller_reports_its_lag_per_store(
    capsys: pytest.CaptureFixture[str], complete: bool, cursor: datetime, lag: float
) -> None:
    report = SyncReport("maple", "order", "live", fetched=3, cursor=Cursor(cursor, "o-9"), complete=complete)
    assert poll(report)["store_id"] == "maple"
    assert emf(capsys.readouterr().out) == [(metrics.POLL_LAG, lag, {"service": "poller", "store_id": "maple"})]


def test_an_unfinished_cycle_that_read_nothing_reports_no_lag(capsys: pytest.CaptureFixture[str]) -> None:
    poll(SyncReport("maple", "order", "live", stopped="time budget"))
    assert emf(capsys.readouterr().out) == []


def test_lag_is_never_negative_when_the_platform_clock_runs_ahead() -> None:
    ahead = SyncReport("maple", "order", "live", cursor=Cursor(NOW + timedelta(seconds=5), "o-1"))
    assert metrics.poll_lag_seconds(ahead, NOW) == 0.0


# ---------- flows ----------


def decision(kind: DecisionKind, reason: str | None = None, flow: str = "abandoned_cart", step: int = 0) -> Decision:
    return Decision(
        store_id="maple", flow_id=flow, run_id="run-1", flow_version=1, step=step, kind=kind, reason=reason, at=NOW
    )


def run_state() -> RunState:
    subject = Subject(store_id="maple", cart_id="c-1", active_since=NOW - timedelta(hours=2))
    return RunState(run_id="run-1", subject=subject, config=FlowConfig(store_id="maple"), entered_at=NOW, anchor=NOW)


class StepsThatDecide:
    """Stands in for StepRunner: writes the decisions a step would, through the tallied log."""

    def __init__(self, log: DecisionTally, decisions: list[Decision], fail: bool = False) -> None:
        self.log, self.decisions, self.fail = log, decisions, fail

    def run(self, state: RunState) -> RunState:
        for item in self.decisions:
            self.log.record(item)
        if self.fail:
            raise RuntimeError("the session's flush failed")
        return state.model_copy(update={"step": state.step + 1})


def test_a_step_counts_its_sends_and_its_suppressions_by_reason(capsys: pytest.CaptureFixture[str]) -> None:
    app = handler_module("flow_step")
    log = MemoryDecisions()
    tally = DecisionTally(log)
    written = [
        decision("sent"),
        decision("suppressed", "frequency_cap", step=1),
        decision("suppressed", "stale", step=2),
        decision("waited", "quiet_hours", step=3),
        decision("exited", "completed", step=3),
    ]
    steps = cast(StepRunner, StepsThatDecide(tally, written))
    app.handle(run_state().model_dump(mode="json"), context("flow_step"), (steps, tally))
    assert len(log.list("maple")) == 5  # passed on, not swallowed
    records = emf(capsys.readouterr().out)
    assert sorted(records, key=lambda r: (r[0], sorted(r[2].items()))) == [
        (metrics.FLOW_SENT, 1.0, {"service": "flow_step", "flow": "abandoned_cart"}),
        (metrics.FLOW_SUPPRESSED, 1.0, {"service": "flow_step", "flow": "abandoned_cart", "reason": "frequency_cap"}),
        (metrics.FLOW_SUPPRESSED, 1.0, {"service": "flow_step", "flow": "abandoned_cart", "reason": "stale"}),
    ]


def test_a_step_that_raised_is_not_counted_by_the_next_one(capsys: pytest.CaptureFixture[str]) -> None:
    app = handler_module("flow_step")
    tally = DecisionTally(MemoryDecisions())
    failing = cast(StepRunner, StepsThatDecide(tally, [decision("sent")], fail=True))
    with pytest.raises(RuntimeError):
        app.handle(run_state().model_dump(mode="json"), context("flow_step"), (failing, tally))
    retried = cast(StepRunner, StepsThatDecide(tally, [decision("sent")]))
    app.handle(run_state().model_dump(mode="json"), context("flow_step"), (retried, tally))
    assert [name for name, _value, _dims in emf(capsys.readouterr().out)] == [metrics.FLOW_SENT]


def test_exits_that_kept_a_run_from_messaging_count_as_suppressions_and_others_do_not() -> None:
    sent, suppressed = metrics.flow_decision_counts(
        [
            decision("exited", "unsubscribed"),
            decision("exited", "no_contact", flow="winback"),
            decision("exited", "converted"),
            decision("exited", "error"),
            decision("held_out", step=1),
            decision("sent", flow="winback"),
            decision("sent", flow="winback", step=1),
        ]
    )
    assert sent == {"winback": 2}
    assert suppressed == {("abandoned_cart", "unsubscribed"): 1, ("winback", "no_contact"): 1}


def test_a_metric_with_the_wrong_dimensions_is_refused() -> None:
    with pytest.raises(ValueError, match="flow_suppressed takes dimensions"):
        metrics.emit("flow_step", metrics.FLOW_SUPPRESSED, 1, flow="abandoned_cart")
