"""Compliance webhooks are forwarded whole to the compliance queue, and redaction placeholders become no
event; the compliance service turns a forwarded message into the redaction service's request."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from storeloom.domain.ingest_message import IngestMessage
from storeloom.domain.privacy import ComplianceRequest
from storeloom.platforms.registry import get_adapter
from storeloom.services.compliance import ComplianceService, ComplianceWorker, process_compliance_batch
from storeloom.services.ingest.service import MessageRejected
from storeloom.services.platform_port import NormalizationError
from storeloom.services.redaction import ExportResult
from tests.support.sqs import ingest_batch, sqs_event
from tests.unit.test_ingest_service import PAYLOADS, FakeArchive, service

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
REDACT = {"shop_id": 7, "shop_domain": "a.myshopify.com", "customer": {"id": 42, "email": "ann@example.com"}}


class FakeQueue:
    def __init__(self, failing: bool = False) -> None:
        self.bodies: list[str] = []
        self.failing = failing

    def send(self, body: str) -> str:
        if self.failing:
            raise ConnectionError("sqs unreachable")
        self.bodies.append(body)
        return str(len(self.bodies))


class FakeRedaction:
    def __init__(self) -> None:
        self.requests: list[ComplianceRequest] = []

    def handle(self, request: ComplianceRequest) -> ExportResult | dict[str, int]:
        self.requests.append(request)
        if request.kind == "data_request":
            return ExportResult(f"exports/{request.store_id}/{request.request_id}.json", {"entities": 1})
        return {"entities": 1}


def message(topic: str, body: Any, platform: str = "shopify") -> IngestMessage:
    return IngestMessage(platform=platform, store_id="s1", topic=topic, source="webhook", body=json.dumps(body))


def test_a_compliance_webhook_is_forwarded_and_becomes_no_event() -> None:
    queue = FakeQueue()
    ingest = service(compliance=queue)

    result = ingest_batch(ingest, [("m1", message("customers/redact", REDACT))])

    assert result.results == [] and not result.failed_message_ids
    assert result.diverted == {"m1": "compliance"}
    [forwarded] = queue.bodies
    assert IngestMessage.model_validate_json(forwarded).topic == "customers/redact"


@pytest.mark.parametrize("queue", [None, FakeQueue(failing=True)])
def test_a_compliance_webhook_that_cannot_be_forwarded_is_retried(queue: FakeQueue | None) -> None:
    with pytest.raises(MessageRejected, match="compliance queue"):
        service(compliance=queue).stage("m1", message("shop/redact", {"shop_id": 7, "shop_domain": "a"}))


def test_woocommerce_has_no_compliance_topics_so_nothing_is_forwarded() -> None:
    queue = FakeQueue()
    body = json.loads((PAYLOADS / "woocommerce_order_created.json").read_text())
    result = ingest_batch(service(compliance=queue), [("m1", message("order.created", body, "woocommerce"))])
    assert [r.outcome for r in result.results] == ["applied"] and queue.bodies == []


def test_an_erased_body_becomes_no_event_rather_than_a_dead_letter() -> None:
    placeholder = {"redacted": True, "request_id": "customer_redact-abc"}
    result = ingest_batch(service(), [("m1", message("orders/create", placeholder))])
    assert result.results == [] and not result.failed_message_ids
    assert result.diverted == {"m1": "redacted"}


def test_a_body_that_only_looks_redacted_is_still_normalized() -> None:
    result = ingest_batch(service(), [("m1", message("orders/create", {"redacted": True, "id": 5}))])
    assert result.failed_message_ids == {"m1"}
    assert "normalization failed" in result.errors["m1"]


def compliance_service(redaction: FakeRedaction, archive: FakeArchive | None = None) -> ComplianceService:
    return ComplianceService(redaction, archive or FakeArchive(), get_adapter)


def test_the_compliance_service_runs_the_request_the_webhook_makes() -> None:
    redaction = FakeRedaction()
    asked = {**REDACT, "orders_requested": [9], "data_request": {"id": 31}}

    outcome = compliance_service(redaction).handle(message("customers/data_request", asked))

    [request] = redaction.requests
    assert (request.kind, request.request_id, request.orders) == ("data_request", "data_request-31", ("9",))
    assert outcome.export_key == "exports/s1/data_request-31.json" and outcome.counts == {"entities": 1}
    assert "ann@example.com" not in repr(outcome)


def test_a_forwarded_request_whose_archived_body_was_already_erased_is_done() -> None:
    archive = FakeArchive()
    archive.bodies["raw/x"] = json.dumps({"redacted": True, "request_id": "customer_redact-abc"}).encode()
    redaction = FakeRedaction()
    forwarded = IngestMessage(
        platform="shopify", store_id="s1", topic="customers/redact", source="webhook", raw_ref="raw/x"
    )

    outcome = compliance_service(redaction, archive).handle(forwarded)

    assert outcome.already_done and outcome.request_id == "customer_redact-abc" and redaction.requests == []


def test_the_compliance_service_refuses_a_topic_that_is_not_a_compliance_one() -> None:
    with pytest.raises(NormalizationError, match="not a compliance topic"):
        compliance_service(FakeRedaction()).handle(message("orders/create", {}))


def test_a_malformed_compliance_payload_names_the_field() -> None:
    with pytest.raises(NormalizationError, match="shop_id"):
        compliance_service(FakeRedaction()).handle(message("customers/redact", {"shop_domain": "a"}))


class FakeDeadLetters:
    def __init__(self) -> None:
        self.sent: list[tuple[str, dict[str, str]]] = []

    def send_with_attributes(self, body: str, attributes: dict[str, str]) -> str:
        self.sent.append((body, attributes))
        return "dl-1"


@pytest.mark.parametrize(("receives", "dead_lettered"), [("1", False), ("3", True)])
def test_a_failing_request_is_retried_then_dead_lettered_with_its_reason(receives: str, dead_lettered: bool) -> None:
    event = sqs_event([("m1", message("customers/redact", {"shop_domain": "a"}))])
    event["Records"][0]["attributes"]["ApproximateReceiveCount"] = receives
    sink = FakeDeadLetters()
    worker = ComplianceWorker(compliance_service(FakeRedaction()), sink, max_attempts=3)

    response, outcomes, errors = process_compliance_batch(event, worker)

    assert outcomes == [] and "shop_id" in errors["m1"]
    failed = [item["itemIdentifier"] for item in response["batchItemFailures"]]
    assert failed == ([] if dead_lettered else ["m1"])
    if dead_lettered:
        [(_body, attributes)] = sink.sent
        assert attributes["attempts"] == "3" and attributes["error_type"] == "NormalizationError"
    else:
        assert sink.sent == []
