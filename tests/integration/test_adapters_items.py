"""The DynamoDB adapters on moto: the exact attribute names and types each one writes, and reads back.

Items are compared raw (attribute-value JSON, straight from the client), so a change in how the adapters
build them cannot silently change what existing tables hold.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml
from moto import mock_aws

from storeloom.adapters.checkpoints import DynamoCheckpointStore, DynamoEntitySources, DynamoHealthLog
from storeloom.adapters.entities import DynamoEntityStore, version_of
from storeloom.adapters.flow_config import DynamoFlowConfigStore, StaleConfigWrite
from storeloom.adapters.flow_entities import DynamoCommerceReader
from storeloom.adapters.ledger import DynamoIngestLedger
from storeloom.adapters.outbox import DynamoOutbox
from storeloom.adapters.runs import DynamoRunLog
from storeloom.adapters.sends import DynamoSendLedger
from storeloom.adapters.stores import DynamoStoreRegistry
from storeloom.adapters.suppressions import DynamoSuppressionList
from storeloom.domain.checkpoint import Checkpoint
from storeloom.domain.cursor import Cursor
from storeloom.domain.decisions import Decision, SendRecord
from storeloom.domain.event import content_digest
from storeloom.domain.flow_config import FlowConfig
from storeloom.domain.model import CommerceEvent, event_id_for, format_utc, idempotency_key
from storeloom.domain.stores import StoreRecord
from storeloom.services.ingest.ports import DoneMark
from tests.support.messages import outbound_message

ROOT = Path(__file__).resolve().parents[2]
REGION = "us-east-1"
NOW = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)
EPOCH = int(NOW.timestamp())


class _CfnLoader(yaml.SafeLoader):
    """Reads template.yaml's short tags (``!Ref``, ``!Sub``...) as plain values: only table keys are used."""


_CfnLoader.add_multi_constructor("!", lambda loader, _suffix, node: None)


@dataclass
class Tables:
    client: Any
    names: dict[str, str]

    def raw(self, logical_id: str, **key: str) -> dict[str, Any]:
        item: dict[str, Any] = self.client.get_item(
            TableName=self.names[logical_id], Key={name: {"S": value} for name, value in key.items()}
        )["Item"]
        return item


@pytest.fixture
def tables(monkeypatch: pytest.MonkeyPatch) -> Iterator[Tables]:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.setenv(name, "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    template = yaml.load((ROOT / "template.yaml").read_text(), Loader=_CfnLoader)
    with mock_aws():
        client = boto3.client("dynamodb", region_name=REGION)
        names: dict[str, str] = {}
        for logical_id, body in template["Resources"].items():
            if body["Type"] != "AWS::DynamoDB::Table":
                continue
            properties = body["Properties"]
            keys = ("KeySchema", "AttributeDefinitions", "GlobalSecondaryIndexes")
            client.create_table(
                TableName=logical_id,
                BillingMode="PAY_PER_REQUEST",
                **{key: properties[key] for key in keys if key in properties},
            )
            names[logical_id] = logical_id
        yield Tables(client, names)


def event(
    entity_type: str,
    entity: dict[str, Any] | None,
    *,
    entity_id: str | None = None,
    at: datetime = NOW,
    source: str = "webhook",
    raw_ref: str | None = "raw/2026/11/27/a.json",
) -> CommerceEvent:
    the_id = entity_id or str((entity or {})["id"])
    key = idempotency_key("shopify", "s1", entity_type, the_id, at)
    return CommerceEvent.model_validate(
        {
            "event_id": event_id_for(key),
            "idempotency_key": key,
            "store_id": "s1",
            "platform": "shopify",
            "entity_type": entity_type,
            "entity_id": the_id,
            "action": "updated" if entity is not None else "deleted",
            "source": source,
            "occurred_at": at,
            "received_at": at,
            "entity": entity,
            "raw_ref": raw_ref,
        }
    )


def customer(at: datetime = NOW, **fields: Any) -> dict[str, Any]:
    return {"id": "c1", "email": "ann@example.com", "email_consent": "subscribed", "updated_at": at, **fields}


def cart(at: datetime = NOW) -> dict[str, Any]:
    return {"id": "k1", "customer_id": "c1", "email": "ann@example.com", "updated_at": at}


def order(order_id: str, at: datetime = NOW, **fields: Any) -> dict[str, Any]:
    total = {"amount": "12.50", "currency": "USD"}
    return {"id": order_id, "total": total, "payment_status": "paid", "updated_at": at, **fields}


def entity_item(the_event: CommerceEvent) -> dict[str, Any]:
    """The Entities item as the adapters have always written it."""
    item: dict[str, Any] = {
        "pk": {"S": f"s1#{the_event.entity_type}"},
        "entity_id": {"S": the_event.entity_id},
        "entity_type": {"S": the_event.entity_type},
        "version": {"N": str(version_of(the_event.occurred_at))},
        "platform": {"S": "shopify"},
        "event_id": {"S": the_event.event_id},
        "source": {"S": the_event.source},
        "sort_key": {"S": f"{the_event.entity_type}#{the_event.occurred_at.isoformat()}"},
    }
    if the_event.entity is None:
        return item | {"deleted": {"BOOL": True}}
    return item | {"body": {"S": the_event.entity.model_dump_json()}}


# ---------- entities ----------


def test_entity_items_keep_their_attribute_types_and_read_back(tables: Tables) -> None:
    store = DynamoEntityStore(tables.names["EntitiesTable"], tables.client)
    written = event("customer", customer())
    assert store.put_if_newer(written)
    keys = {"email_key": {"S": "s1#ann@example.com"}, "customer_key": {"S": "s1#c1"}}
    assert tables.raw("EntitiesTable", pk="s1#customer", entity_id="c1") == entity_item(written) | keys
    assert store.get("s1", "customer", "c1") == json.loads(written.entity.model_dump_json())  # type: ignore[union-attr]
    assert [e["id"] for e in store.list_all("s1", "customer")] == ["c1"]


def test_an_older_version_is_refused_and_the_same_version_rewritten(tables: Tables) -> None:
    store = DynamoEntityStore(tables.names["EntitiesTable"], tables.client)
    assert store.put_if_newer(event("customer", customer()))
    assert store.put_if_newer(event("customer", customer()))
    assert not store.put_if_newer(
        event("customer", customer(NOW - timedelta(seconds=1)), at=NOW - timedelta(seconds=1))
    )


def test_a_deletion_is_a_bool_marker_without_body_and_is_not_listed(tables: Tables) -> None:
    store = DynamoEntityStore(tables.names["EntitiesTable"], tables.client)
    gone = event("product", None, entity_id="p9")
    assert store.put_if_newer(gone)
    assert tables.raw("EntitiesTable", pk="s1#product", entity_id="p9") == entity_item(gone)
    assert store.get("s1", "product", "p9") is None
    assert list(store.list_all("s1", "product")) == []


def test_the_flow_reader_finds_entities_by_id_email_and_customer(tables: Tables) -> None:
    store = DynamoEntityStore(tables.names["EntitiesTable"], tables.client)
    store.put_if_newer(event("customer", customer()))
    store.put_if_newer(event("cart", cart()))
    store.put_if_newer(event("order", order("o1", customer_id="c1")))
    store.put_if_newer(event("order", order("o2", email="ann@example.com")))
    store.put_if_newer(event("order", order("o3", customer_id="someone-else")))
    reader = DynamoCommerceReader(tables.names["EntitiesTable"], tables.client)
    found_cart, found_customer = reader.cart("s1", "k1"), reader.customer("s1", "c1")
    assert found_cart is not None and found_cart.customer_id == "c1"
    assert found_customer is not None and found_customer.email_consent == "subscribed"
    assert reader.product("s1", "nope") is None
    assert [c.id for c in reader.customers_by_email("s1", " Ann@Example.com ")] == ["c1"]
    assert sorted(o.id for o in reader.orders_for("s1", ["c1"], "ann@example.com")) == ["o1", "o2"]


def test_entity_sources_read_source_and_time(tables: Tables) -> None:
    DynamoEntityStore(tables.names["EntitiesTable"], tables.client).put_if_newer(
        event("order", order("o1"), source="poll")
    )
    sources = DynamoEntitySources(tables.names["EntitiesTable"], tables.client)
    assert sources.sources("s1", "order") == [("poll", NOW.isoformat())]


# ---------- ingest ledger ----------


def test_ingest_claims_upserts_and_marks_done_with_the_same_item_shapes(tables: Tables) -> None:
    ledger = DynamoIngestLedger(
        tables.names["LedgerTable"], tables.names["EntitiesTable"], tables.client, ttl_seconds=1000, lease_seconds=60
    )
    first = event("customer", customer())
    key = first.idempotency_key
    assert ledger.claim_and_store(first, NOW) == "applied"
    assert tables.raw("LedgerTable", pk=f"ingest#{key}") == {
        "pk": {"S": f"ingest#{key}"},
        "status": {"S": "claimed"},
        "lease_until": {"N": str(EPOCH + 60)},
        "expires_at": {"N": str(EPOCH + 1000)},
        "raw_ref": {"S": "raw/2026/11/27/a.json"},
    }
    assert tables.raw("EntitiesTable", pk="s1#customer", entity_id="c1")["version"] == {"N": str(version_of(NOW))}
    assert ledger.claim_and_store(first, NOW) == "in_progress"

    digest = content_digest(first.entity.model_dump_json())  # type: ignore[union-attr]
    ledger.mark_done([DoneMark(key, "applied", first.raw_ref, first.event_id, digest)], NOW)
    assert tables.raw("LedgerTable", pk=f"ingest#{key}") == {
        "pk": {"S": f"ingest#{key}"},
        "status": {"S": "applied"},
        "event_id": {"S": first.event_id},
        "expires_at": {"N": str(EPOCH + 1000)},
        "raw_ref": {"S": "raw/2026/11/27/a.json"},
        "digest": {"S": digest},
    }
    assert ledger.claim_and_store(first, NOW) == "duplicate"


def test_a_done_mark_without_ref_or_digest_has_neither_attribute(tables: Tables) -> None:
    ledger = DynamoIngestLedger(tables.names["LedgerTable"], tables.names["EntitiesTable"], tables.client)
    ledger.mark_done([DoneMark("k-1", "stale", None, "e-1")], NOW)
    assert tables.raw("LedgerTable", pk="ingest#k-1") == {
        "pk": {"S": "ingest#k-1"},
        "status": {"S": "stale"},
        "event_id": {"S": "e-1"},
        "expires_at": {"N": str(EPOCH + 7 * 24 * 3600)},
    }


def test_an_older_version_is_stale_and_a_crashed_claim_is_taken_over(tables: Tables) -> None:
    ledger = DynamoIngestLedger(
        tables.names["LedgerTable"], tables.names["EntitiesTable"], tables.client, lease_seconds=60
    )
    assert ledger.claim_and_store(event("customer", customer()), NOW) == "applied"
    earlier = NOW - timedelta(hours=1)
    older = event("customer", customer(earlier), at=earlier, raw_ref=None)
    assert ledger.claim_and_store(older, NOW) == "stale"
    crashed = event("cart", cart())
    assert ledger.claim_and_store(crashed, NOW) == "applied"
    assert ledger.claim_and_store(crashed, NOW + timedelta(seconds=30)) == "in_progress"
    assert ledger.claim_and_store(crashed, NOW + timedelta(seconds=61)) == "applied"


def test_a_poll_with_other_content_in_the_same_second_revises_the_entity(tables: Tables) -> None:
    ledger = DynamoIngestLedger(tables.names["LedgerTable"], tables.names["EntitiesTable"], tables.client)
    first = event("customer", customer(first_name="Ann"))
    assert ledger.claim_and_store(first, NOW) == "applied"
    digest = content_digest(first.entity.model_dump_json())  # type: ignore[union-attr]
    ledger.mark_done([DoneMark(first.idempotency_key, "applied", first.raw_ref, first.event_id, digest)], NOW)
    edited = event("customer", customer(first_name="Anna"), source="poll")
    assert ledger.claim_and_store(edited, NOW) == "applied"
    body = json.loads(tables.raw("EntitiesTable", pk="s1#customer", entity_id="c1")["body"]["S"])
    assert body["first_name"] == "Anna"
    assert ledger.claim_and_store(event("customer", customer(first_name="Anna"), source="webhook"), NOW) == (
        "in_progress"
    )


# ---------- flows ----------


def test_send_ledger_items_and_outcomes(tables: Tables) -> None:
    ledger = DynamoSendLedger(tables.names["LedgerTable"], tables.client, lease_seconds=60, ttl_seconds=500)
    assert ledger.claim("send#r#0", NOW) == ("claimed", None)
    assert tables.raw("LedgerTable", pk="send#r#0") == {
        "pk": {"S": "send#r#0"},
        "status": {"S": "claimed"},
        "lease_until": {"N": str(EPOCH + 60)},
        "expires_at": {"N": str(EPOCH + 500)},
    }
    assert ledger.claim("send#r#0", NOW) == ("in_progress", None)
    assert ledger.claim("send#r#0", NOW + timedelta(seconds=61)) == ("claimed", None)
    ledger.release("send#r#0")
    assert ledger.claim("send#r#0", NOW) == ("claimed", None)
    ledger.delivered("send#r#0", "ses-1", NOW)
    assert tables.raw("LedgerTable", pk="send#r#0") == {
        "pk": {"S": "send#r#0"},
        "status": {"S": "delivered"},
        "provider_id": {"S": "ses-1"},
        "delivered_at": {"N": str(EPOCH)},
        "expires_at": {"N": str(EPOCH + 500)},
    }
    ledger.release("send#r#0")
    assert ledger.claim("send#r#0", NOW) == ("delivered", "ses-1")


def test_run_log_decisions_and_sends(tables: Tables) -> None:
    log = DynamoRunLog(tables.names["FlowRunsTable"], tables.client, ttl_seconds=100)
    decision = Decision(
        store_id="s1", flow_id="abandoned_cart", run_id="r1", flow_version=1, step=0, kind="sent", at=NOW
    )
    log.record(decision)
    assert tables.raw("FlowRunsTable", pk="s1#decisions", sk=decision.sort_key) == {
        "pk": {"S": "s1#decisions"},
        "sk": {"S": decision.sort_key},
        "body": {"S": decision.model_dump_json()},
        "expires_at": {"N": str(EPOCH + 100)},
    }
    assert log.list("s1") == [decision] and log.list("s1", "abandoned_cart") == [decision]
    assert log.list("s1", "other") == []

    record = SendRecord(at=NOW, medium="email", flow_id="abandoned_cart", run_id="r1", step=2)
    log.record_send("s1", "email#abc", record)
    assert tables.raw("FlowRunsTable", pk="s1#contact#email#abc", sk=f"{format_utc(NOW)}#r1#2") == {
        "pk": {"S": "s1#contact#email#abc"},
        "sk": {"S": f"{format_utc(NOW)}#r1#2"},
        "medium": {"S": "email"},
        "flow_id": {"S": "abandoned_cart"},
        "run_id": {"S": "r1"},
        "step": {"N": "2"},
        "expires_at": {"N": str(EPOCH + 100)},
    }
    sends = log.sends("s1", "email#abc", NOW - timedelta(days=1))
    assert list(sends) == [record] and isinstance(sends[0].step, int)
    assert list(log.sends("s1", "email#abc", NOW + timedelta(seconds=1))) == []


def test_outbox_messages(tables: Tables) -> None:
    outbox = DynamoOutbox(tables.names["OutboxTable"], tables.client)
    message = outbound_message(
        message_id="m1", run_id="r1", subject="Your cart", text="t", html="<p>t</p>", created_at=NOW
    )
    assert outbox.deliver(message) == "m1"
    assert tables.raw("OutboxTable", store_id="s1", sk=f"{format_utc(NOW)}#m1") == {
        "store_id": {"S": "s1"},
        "sk": {"S": f"{format_utc(NOW)}#m1"},
        "body": {"S": message.model_dump_json()},
    }
    assert outbox.list("s1") == [message]


def test_suppressions(tables: Tables) -> None:
    suppressions = DynamoSuppressionList(tables.names["SuppressionTable"], tables.client)
    assert not suppressions.is_suppressed("s1", "email#abc")
    suppressions.add("s1", "email#abc", "complaint")
    assert suppressions.is_suppressed("s1", "email#abc")
    assert tables.raw("SuppressionTable", store_id="s1", contact_key="email#abc") == {
        "store_id": {"S": "s1"},
        "contact_key": {"S": "email#abc"},
        "reason": {"S": "complaint"},
    }


def test_flow_config_versions_and_head(tables: Tables) -> None:
    store = DynamoFlowConfigStore(tables.names["FlowConfigTable"], tables.client)
    first = store.save(FlowConfig(store_id="s1", delays_seconds=[60]))
    second = store.save(first.model_copy(update={"delays_seconds": [5, 10]}))
    assert (first.version, second.version) == (1, 2)
    head = tables.client.get_item(
        TableName=tables.names["FlowConfigTable"], Key={"pk": {"S": "s1#abandoned_cart"}, "version": {"N": "0"}}
    )["Item"]
    assert head == {
        "pk": {"S": "s1#abandoned_cart"},
        "version": {"N": "0"},
        "body": {"S": second.model_dump_json()},
        "body_version": {"N": "2"},
    }
    assert store.current("s1", "abandoned_cart") == second
    assert store.version("s1", "abandoned_cart", 1) == first
    assert store.version("s1", "abandoned_cart", 3) is None


def test_a_config_saved_over_a_stale_head_is_refused(tables: Tables, monkeypatch: pytest.MonkeyPatch) -> None:
    store = DynamoFlowConfigStore(tables.names["FlowConfigTable"], tables.client)
    first = store.save(FlowConfig(store_id="s1"))
    store.save(first)
    monkeypatch.setattr(store, "current", lambda _store, _flow: first)
    with pytest.raises(StaleConfigWrite):
        store.save(first)


# ---------- polling ----------


def test_checkpoints_round_trip_and_keep_their_types(tables: Tables) -> None:
    checkpoints = DynamoCheckpointStore(tables.names["CheckpointsTable"], tables.client)
    full = Checkpoint(
        store_id="s1",
        key="orders",
        cursor=Cursor(NOW, "42"),
        resume=Cursor(NOW + timedelta(seconds=1), "43"),
        resume_token="page-2",
        since=NOW - timedelta(days=1),
        last_run_at=NOW,
        last_fetched=5,
        last_enqueued=4,
        last_requests=2,
        total_enqueued=40,
        total_estimate=100,
    )
    checkpoints.save(full)
    checkpoints.save(Checkpoint(store_id="s1", key="products"))
    raw = tables.raw("CheckpointsTable", store_id="s1", entity="orders")
    assert raw == {
        "store_id": {"S": "s1"},
        "entity": {"S": "orders"},
        "cursor": {"S": full.cursor.to_text()},  # type: ignore[union-attr]
        "resume": {"S": full.resume.to_text()},  # type: ignore[union-attr]
        "resume_token": {"S": "page-2"},
        "since": {"S": format_utc(full.since, timespec="microseconds")},  # type: ignore[arg-type]
        "last_run_at": {"S": format_utc(NOW, timespec="microseconds")},
        "last_fetched": {"N": "5"},
        "last_enqueued": {"N": "4"},
        "last_requests": {"N": "2"},
        "total_enqueued": {"N": "40"},
        "total_estimate": {"N": "100"},
    }
    assert checkpoints.get("s1", "orders") == full
    empty = tables.raw("CheckpointsTable", store_id="s1", entity="products")
    assert sorted(empty) == ["entity", "last_enqueued", "last_fetched", "last_requests", "store_id", "total_enqueued"]
    assert checkpoints.get("s1", "products") == Checkpoint(store_id="s1", key="products")
    assert checkpoints.get("s1", "nope") is None


def test_the_health_log_adds_repairs_and_is_not_listed_as_a_checkpoint(tables: Tables) -> None:
    health = DynamoHealthLog(tables.names["CheckpointsTable"], tables.client)
    nothing = {"credentials_error": "", "credentials_checked_at": ""}
    assert health.read("s1") == {"repaired_total": 0, "last_checked_at": "", "last_repaired": "", **nothing}
    health.record_repairs("s1", ["orders/create", "carts/update"], NOW)
    health.record_repairs("s1", ["orders/create"], NOW)
    raw = tables.raw("CheckpointsTable", store_id="s1", entity="#subscriptions")
    assert raw["repaired_total"] == {"N": "3"} and raw["last_repaired"] == {"S": "orders/create"}
    assert health.read("s1") == {
        "repaired_total": 3,
        "last_checked_at": format_utc(NOW, timespec="microseconds"),
        "last_repaired": "orders/create",
        **nothing,
    }
    health.record_credentials("s1", "HTTP 401 from /orders", NOW)
    assert health.read("s1")["credentials_error"] == "HTTP 401 from /orders"
    health.record_credentials("s1", None, NOW)
    assert health.read("s1")["credentials_error"] == "" and health.read("s1")["repaired_total"] == 3
    checkpoints = DynamoCheckpointStore(tables.names["CheckpointsTable"], tables.client)
    checkpoints.save(Checkpoint(store_id="s1", key="orders"))
    assert [c.key for c in checkpoints.list("s1")] == ["orders"]


def test_store_records_stay_as_they_were(tables: Tables) -> None:
    registry = DynamoStoreRegistry(tables.names["StoresTable"], tables.client)
    record = StoreRecord("s1", "shopify", "https://s1.example", "arn:secret", 5, {"region": "eu"})
    registry.put(record)
    assert tables.raw("StoresTable", store_id="s1") == {
        "store_id": {"S": "s1"},
        "platform": {"S": "shopify"},
        "api_url": {"S": "https://s1.example"},
        "secret_arn": {"S": "arn:secret"},
        "poll_interval_minutes": {"N": "5"},
        "extra": {"M": {"region": {"S": "eu"}}},
    }
    assert registry.get("s1") == record and registry.all() == [record]
    registry.delete("s1")
    assert registry.get("s1") is None


def test_the_webhook_receiver_wiring_never_imports_boto3() -> None:
    probe = "import sys, storeloom.bootstrap.receiver; print('boto3' in sys.modules)"
    path = os.pathsep.join([str(ROOT / "layers/storeloom"), os.environ.get("PYTHONPATH", "")])
    result = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": path},
    )
    assert result.stdout.strip() == "False"
