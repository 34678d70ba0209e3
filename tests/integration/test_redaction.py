"""GDPR redaction on template.yaml's resources in moto: export, customer redaction and shop redaction.

Ann has a customer record, two orders, a guest order under her email, an order under her work address,
a cart, an outbox message, run decisions, contact history, a suppression, archived webhook bodies (one
overwritten, so two versions) and a running flow execution in shop-1. Bob has his own in shop-1, and Ann
also shops at shop-2. Requests come in as Shopify compliance payloads, through the platform parser.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from storeloom.adapters.archive import S3Archive
from storeloom.adapters.entities import DynamoEntityStore
from storeloom.adapters.outbox import DynamoOutbox
from storeloom.adapters.runs import DynamoRunLog
from storeloom.adapters.suppressions import DynamoSuppressionList
from storeloom.bootstrap import services
from storeloom.domain.archive import ACCEPTED_PREFIX, REJECTED_PREFIX, archive_key
from storeloom.domain.decisions import Decision, SendRecord
from storeloom.domain.eligibility import contact_key
from storeloom.domain.event import event_id_for
from storeloom.domain.flow_config import FlowConfig
from storeloom.domain.model import CommerceEvent
from storeloom.domain.run import RunState, Subject
from storeloom.platforms.shopify.compliance import compliance_request
from storeloom.services.ingest.replay import replay_archive
from storeloom.services.redaction import ExportResult, RedactionService
from storeloom_tools.cli import main
from storeloom_tools.local import endpoint, moto_patches
from tests.support.aws import AwsStack
from tests.support.messages import outbound_message
from tests.support.webhooks import register_store

STORE, OTHER_STORE = "shop-1", "shop-2"
NOW = datetime.now(UTC).replace(microsecond=0)
ANN_ID, BOB_ID = "7039151751330", "7039151784098"
ANN_EMAIL, ANN_WORK, BOB_EMAIL = "ann@example.com", "ann.work@example.org", "bob@example.com"
ANN_PHONE, BOB_PHONE = "+16135550142", "+16135550199"
ORDER_1, ORDER_2, GUEST_ORDER, WORK_ORDER, BOB_ORDER = (
    "5614891204770",
    "5614891237538",
    "5614891270306",
    "5614891303074",
    "5614891335842",
)
ANN_CART = "c7a1e0f2b9d84c3e9f1a"
ANN_RUN, BOB_RUN = f"abandoned_cart-{STORE}-{ANN_CART}-w0", f"abandoned_cart-{STORE}-bobcart-w0"
# Everything that identifies Ann, as it may be written (lower-cased before searching).
ANN_TRACES = (ANN_EMAIL, ANN_WORK, "lovelace", ANN_PHONE, "613-555-0142", "6135550142")
BOB_TRACES = (BOB_EMAIL, "marchetti", "6135550199")


def ts(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def money(amount: str) -> dict[str, str]:
    return {"amount": amount, "currency": "CAD"}


def line(title: str, price: str, quantity: int = 1) -> dict[str, Any]:
    return {"product_id": "8840012611746", "title": title, "quantity": quantity, "unit_price": money(price)}


@dataclass
class World:
    aws: AwsStack
    service: RedactionService
    archived: dict[str, str]

    @property
    def bucket(self) -> str:
        return self.aws.env("ARCHIVE_BUCKET")

    def entities(self) -> DynamoEntityStore:
        return DynamoEntityStore(self.aws.env("ENTITIES_TABLE"), self.aws.client("dynamodb"))

    def texts(self) -> list[str]:
        """Every item of every table and every version of every object (with its metadata), as text."""
        dynamodb, s3 = self.aws.client("dynamodb"), self.aws.client("s3")
        texts = []
        for table in dynamodb.list_tables()["TableNames"]:
            for page in dynamodb.get_paginator("scan").paginate(TableName=table):
                texts += [f"{table}: {json.dumps(item, sort_keys=True)}" for item in page.get("Items", [])]
        for page in s3.get_paginator("list_object_versions").paginate(Bucket=self.bucket):
            for version in page.get("Versions", []):
                got = s3.get_object(Bucket=self.bucket, Key=version["Key"], VersionId=version["VersionId"])
                body = got["Body"].read().decode("utf-8", errors="replace")
                texts.append(f"s3://{version['Key']} {json.dumps(got['Metadata'], sort_keys=True)} {body}")
        return texts

    def running(self) -> list[str]:
        sfn = self.aws.client("stepfunctions")
        machine = self.aws.ref("AbandonedCartStateMachine")
        return [e["name"] for e in sfn.list_executions(stateMachineArn=machine, statusFilter="RUNNING")["executions"]]

    def versions(self, key: str) -> list[dict[str, Any]]:
        listed = self.aws.client("s3").list_object_versions(Bucket=self.bucket, Prefix=key)
        return [*listed.get("Versions", []), *listed.get("DeleteMarkers", [])]


def mentioning(texts: list[str], traces: tuple[str, ...]) -> list[str]:
    return [text for text in texts if any(trace in text.lower() for trace in traces)]


@pytest.fixture
def world(aws_stack: AwsStack) -> Iterator[World]:
    aws_stack.client("s3").put_bucket_versioning(
        Bucket=aws_stack.env("ARCHIVE_BUCKET"), VersioningConfiguration={"Status": "Enabled"}
    )
    world = World(aws_stack, services.redaction_service(aws_stack.runtime), {})
    # Two executions wait at once: without the patch, moto's StartExecution may fail to copy the first one.
    restore = moto_patches.install()
    try:
        seed(world)
        yield world
    finally:
        sfn = aws_stack.client("stepfunctions")
        machine = aws_stack.ref("AbandonedCartStateMachine")
        for execution in sfn.list_executions(stateMachineArn=machine, statusFilter="RUNNING")["executions"]:
            sfn.stop_execution(executionArn=execution["executionArn"])
        restore()


def put(world: World, store: str, entity_type: str, entity: dict[str, Any]) -> None:
    occurred = entity["updated_at"]
    event = CommerceEvent.model_validate(
        {
            # As ingest names events: a uuid5 of the fact, so no id of hers is in the key of what consumers record.
            "event_id": event_id_for(f"{entity_type}:{entity['id']}:{occurred}"),
            "idempotency_key": f"{entity_type}:{entity['id']}:{occurred}",
            "store_id": store,
            "platform": "shopify",
            "entity_type": entity_type,
            "entity_id": entity["id"],
            "action": "updated",
            "source": "webhook",
            "occurred_at": occurred,
            "received_at": NOW,
            "entity": entity,
        }
    )
    assert world.entities().put_if_newer(event)
    # The segment refresher keeps a person record of the same events (its bus is not what is tested here).
    if entity_type in ("customer", "order", "cart"):
        services.segment_refresher(world.aws.runtime).handle(event)


def seed(world: World) -> None:
    seed_entities(world)
    seed_flows(world)
    seed_archive(world)


def seed_entities(world: World) -> None:
    day = ts(NOW - timedelta(days=3))
    for store in (STORE, OTHER_STORE):
        put(
            world,
            store,
            "customer",
            {
                "id": ANN_ID,
                "email": "Ann@Example.com",
                "phone": ANN_PHONE,
                "first_name": "Ann",
                "last_name": "Lovelace",
                "email_consent": "subscribed",
                "timezone": "America/Toronto",
                "updated_at": day,
            },
        )
    put(
        world,
        STORE,
        "customer",
        {"id": BOB_ID, "email": BOB_EMAIL, "phone": BOB_PHONE, "last_name": "Marchetti", "updated_at": day},
    )
    orders = [
        (ORDER_1, ANN_ID, ANN_EMAIL, "30.00"),
        (ORDER_2, ANN_ID, ANN_EMAIL, "45.50"),
        (GUEST_ORDER, None, ANN_EMAIL, "12.00"),
        (WORK_ORDER, None, ANN_WORK, "99.95"),
        (BOB_ORDER, BOB_ID, BOB_EMAIL, "18.25"),
    ]
    for order_id, customer_id, email, total in orders:
        put(
            world,
            STORE,
            "order",
            {
                "id": order_id,
                "number": f"#{order_id[-4:]}",
                "customer_id": customer_id,
                "email": email,
                "is_guest": customer_id is None,
                "line_items": [line("Maple mug", total)],
                "total": money(total),
                "payment_status": "paid",
                "placed_at": day,
                "updated_at": day,
            },
        )
    put(
        world,
        STORE,
        "cart",
        {
            "id": ANN_CART,
            "customer_id": ANN_ID,
            "email": ANN_EMAIL,
            "line_items": [line("Maple mug", "15.00", 2)],
            "total": money("30.00"),
            "recovery_url": "https://maple-mugs.example/60121006242/checkouts/ac/c7a1e0f2/recover?key=5f1e",
            "created_at": ts(NOW - timedelta(hours=2)),
            "updated_at": ts(NOW - timedelta(hours=1)),
        },
    )


def seed_flows(world: World) -> None:
    aws, dynamodb = world.aws, world.aws.client("dynamodb")
    outbox = DynamoOutbox(aws.env("OUTBOX_TABLE"), dynamodb)
    for store, to, name, run in ((STORE, ANN_EMAIL, "Ann", ANN_RUN), (STORE, BOB_EMAIL, "Bob", BOB_RUN)):
        outbox.deliver(
            outbound_message(
                message_id=f"msg_{run}_0", store_id=store, run_id=run, to=to, text=f"Hi {name}, your mug waits"
            )
        )
    outbox.deliver(outbound_message(message_id="msg_other_0", store_id=OTHER_STORE, to=ANN_EMAIL))
    runs = DynamoRunLog(aws.env("FLOW_RUNS_TABLE"), dynamodb)
    base = {"store_id": STORE, "flow_id": "abandoned_cart", "flow_version": 1, "at": NOW - timedelta(minutes=30)}
    runs.record(Decision(**base, run_id=ANN_RUN, step=-1, kind="entered"))
    runs.record(Decision(**base, run_id=ANN_RUN, step=0, kind="sent", message_id=f"msg_{ANN_RUN}_0", channel="outbox"))
    runs.record(
        Decision(
            **base, run_id=ANN_RUN, step=1, kind="exited", reason="error", detail={"error": f"{ANN_EMAIL} rejected"}
        )
    )
    runs.record(
        Decision(
            **base, run_id=BOB_RUN, step=1, kind="exited", reason="error", detail={"error": f"{BOB_EMAIL} bounced"}
        )
    )
    sent = SendRecord(NOW - timedelta(minutes=30), "email", "abandoned_cart", ANN_RUN, 0)
    runs.record_send(STORE, contact_key("email", ANN_EMAIL), sent)
    runs.record_send(STORE, contact_key("sms", ANN_PHONE), SendRecord(NOW, "sms", "abandoned_cart", ANN_RUN, 1))
    runs.record_send(STORE, contact_key("email", BOB_EMAIL), SendRecord(NOW, "email", "abandoned_cart", BOB_RUN, 0))
    suppressions = DynamoSuppressionList(aws.env("SUPPRESSION_TABLE"), dynamodb)
    suppressions.add(STORE, contact_key("email", ANN_EMAIL), f"complaint from {ANN_EMAIL}")
    suppressions.add(STORE, contact_key("email", BOB_EMAIL), "unsubscribed")
    suppressions.add(OTHER_STORE, contact_key("email", ANN_EMAIL), f"complaint from {ANN_EMAIL}")
    sfn, machine = aws.client("stepfunctions"), aws.ref("AbandonedCartStateMachine")
    for run, cart, customer, email in ((ANN_RUN, ANN_CART, ANN_ID, ANN_EMAIL), (BOB_RUN, "bobcart", BOB_ID, BOB_EMAIL)):
        subject = Subject(store_id=STORE, cart_id=cart, customer_id=customer, email=email, active_since=NOW)
        state = RunState(
            run_id=run,
            subject=subject,
            config=FlowConfig(store_id=STORE),
            entered_at=NOW,
            anchor=NOW,
            wait_seconds=3600,
        )
        sfn.start_execution(stateMachineArn=machine, name=run, input=state.model_dump_json())


def customer_webhook(email: str, note: str) -> bytes:
    body = {
        "id": int(ANN_ID),
        "email": email,
        "first_name": "Ann",
        "last_name": "Lovelace",
        "phone": "+1 613-555-0142",
        "note": note,
        "updated_at": "2026-02-27T10:15:20-05:00",
        "addresses": [{"customer_id": int(ANN_ID), "address1": "12 Rideau St", "city": "Ottawa", "zip": "K1N 5Y3"}],
        "admin_graphql_api_id": f"gid://shopify/Customer/{ANN_ID}",
    }
    return json.dumps(body).encode()


def bob_order_webhook() -> bytes:
    body = {
        "id": int(BOB_ORDER),
        "email": BOB_EMAIL,
        "total_price": "18.25",
        "customer": {"id": int(BOB_ID), "first_name": "Bob", "last_name": "Marchetti", "phone": BOB_PHONE},
        # A number equal to Ann's customer id, in a field that is not a customer: not hers.
        "line_items": [{"product_id": int(ANN_ID), "quantity": 2, "price": "9.12"}],
    }
    return json.dumps(body).encode()


def seed_archive(world: World) -> None:
    archive = S3Archive(world.bucket, world.aws.client("s3"))

    def write(name: str, prefix: str, store: str, body: bytes, topic: str, minutes: int) -> None:
        received = NOW - timedelta(minutes=minutes)
        key = world.archived.get(name) or archive_key(prefix, "shopify", store, received)
        labels = {"platform": "shopify", "store-id": store, "received-at": ts(received), "topic": topic}
        world.archived[name] = archive.write(key, body, labels)

    write("ann", ACCEPTED_PREFIX, STORE, customer_webhook(ANN_EMAIL, ""), "customers/update", 50)
    # Overwritten: the bucket keeps both versions, and both mention her.
    write("ann", ACCEPTED_PREFIX, STORE, customer_webhook(ANN_EMAIL, "VIP"), "customers/update", 50)
    write("bob", ACCEPTED_PREFIX, STORE, bob_order_webhook(), "orders/create", 40)
    truncated = b'{"id": 5614891303074, "phone": "613-555-0142", "shipping_address": {"last_name": "Lovelace"'
    write("rejected", REJECTED_PREFIX, STORE, truncated, "orders/create", 30)
    work = json.dumps({"id": int(WORK_ORDER), "email": ANN_WORK, "total_price": "99.95"}).encode()
    write("work", ACCEPTED_PREFIX, STORE, work, "orders/create", 20)
    write("other", ACCEPTED_PREFIX, OTHER_STORE, customer_webhook(ANN_EMAIL, ""), "customers/update", 10)


def shopify(topic: str, payload: dict[str, Any]) -> Any:
    return compliance_request(topic, payload, STORE, NOW)


# Shopify names the customer by id and email only (no phone); her phone is found on her customer record, and
# her work address on an order Shopify lists.
CUSTOMER = {"id": int(ANN_ID), "email": ANN_EMAIL, "phone": None}
DATA_REQUEST = {
    "shop_id": 60121006242,
    "shop_domain": "maple-mugs.myshopify.com",
    "orders_requested": [int(ORDER_1), int(ORDER_2), int(WORK_ORDER)],
    "customer": CUSTOMER,
    "data_request": {"id": 4117},
}
CUSTOMER_REDACT = {
    "shop_id": 60121006242,
    "shop_domain": "maple-mugs.myshopify.com",
    "customer": CUSTOMER,
    "orders_to_redact": [int(ORDER_1), int(ORDER_2), int(WORK_ORDER)],
}


def test_a_data_request_exports_everything_held_about_her_and_nothing_else(world: World) -> None:
    result = world.service.data_request(shopify("customers/data_request", DATA_REQUEST))

    assert isinstance(result, ExportResult)
    assert result.key == f"exports/{STORE}/data_request-4117.json"
    assert result.counts == {
        "outbox": 1,
        "flow_runs": 3,  # the decision naming her, and her email and sms history
        "suppressions": 1,
        "archive": 4,  # both versions of her customer webhook, the rejected body, the work-address order
        "executions": 1,
        "entities": 6,  # customer, two orders, the guest order, the work-address order, the cart
        # her person (the customer and her guest order) and the work address's, which no record ties to her
        # but the request names through its order
        "people": 2,
    }
    s3 = world.aws.client("s3")
    head = s3.head_object(Bucket=world.bucket, Key=result.key)
    assert head["ServerSideEncryption"] == "AES256"
    text = s3.get_object(Bucket=world.bucket, Key=result.key)["Body"].read().decode()
    export = json.loads(text)
    assert export["request_id"] == "data_request-4117"
    assert export["subject"]["phones"] == ["16135550142"]
    assert set(export["subject"]["emails"]) == {ANN_EMAIL, ANN_WORK}
    entities = {(e["entity_type"], e["entity_id"]) for e in export["data"]["entities"]}
    assert entities == {
        ("customer", ANN_ID),
        ("order", ORDER_1),
        ("order", ORDER_2),
        ("order", GUEST_ORDER),
        ("order", WORK_ORDER),
        ("cart", ANN_CART),
    }
    assert {r["key"] for r in export["data"]["archive"]} == {world.archived[n] for n in ("ann", "rejected", "work")}
    assert export["data"]["outbox"][0]["to"] == ANN_EMAIL
    assert export["data"]["executions"][0]["execution"] == ANN_RUN
    assert not mentioning([text], BOB_TRACES)
    assert world.archived["other"] not in text
    assert OTHER_STORE not in text


def test_redacting_her_leaves_no_trace_and_keeps_revenue_suppression_and_everyone_else(world: World) -> None:
    world.service.data_request(shopify("customers/data_request", DATA_REQUEST))
    before = world.texts()

    counts = world.service.redact_customer(shopify("customers/redact", CUSTOMER_REDACT))

    assert counts == {
        "outbox": 1,
        "flow_runs": 3,
        "suppressions": 1,
        "archive": 4,  # three archived keys and the export of her data request
        "executions": 1,
        # her six entities, and the purchase marks of her customer id and her two addresses
        "entities": 9,
        "people": 2,
    }
    after = world.texts()
    mine = [text for text in mentioning(after, ANN_TRACES) if OTHER_STORE not in text]
    assert mine == []
    # Shop-2 and Bob are exactly as they were.
    untouched = [text for text in before if OTHER_STORE in text or mentioning([text], BOB_TRACES)]
    assert untouched and set(untouched) <= set(after)
    # Her customer id survives only as the key of her customer's tombstone (which keeps replays from writing
    # her back); her orders no longer point at it.
    entities = world.entities()
    assert entities.get(STORE, "customer", ANN_ID) is None
    with_id = [t for t in after if ANN_ID in t and OTHER_STORE not in t and not mentioning([t], BOB_TRACES)]
    assert len(with_id) == 1 and '"redacted": {"BOOL": true}' in with_id[0]
    # Revenue and line items stay.
    for order_id, total in ((ORDER_1, "30.00"), (ORDER_2, "45.50"), (GUEST_ORDER, "12.00"), (WORK_ORDER, "99.95")):
        order = entities.get(STORE, "order", order_id)
        assert order is not None
        assert order["total"] == money(total)
        assert order["line_items"][0]["title"] == "Maple mug"
        assert (order["email"], order["customer_id"]) == (None, None)
    cart = entities.get(STORE, "cart", ANN_CART)
    assert cart is not None and cart["total"] == money("30.00") and cart["recovery_url"] is None
    # She stays suppressed, by hash only.
    suppressions = DynamoSuppressionList(world.aws.env("SUPPRESSION_TABLE"), world.aws.client("dynamodb"))
    assert suppressions.is_suppressed(STORE, contact_key("email", ANN_EMAIL))
    # The decision without her address stays for measurement; her run no longer runs.
    decisions = DynamoRunLog(world.aws.env("FLOW_RUNS_TABLE"), world.aws.client("dynamodb")).list(STORE)
    assert {(d.run_id, d.kind) for d in decisions} == {(ANN_RUN, "entered"), (ANN_RUN, "sent"), (BOB_RUN, "exited")}
    assert world.running() == [BOB_RUN]


def test_an_archived_body_about_her_becomes_a_placeholder_that_replay_skips(world: World) -> None:
    request = shopify("customers/redact", CUSTOMER_REDACT)
    world.service.redact_customer(request)

    key = world.archived["ann"]
    assert len(world.versions(key)) == 1
    body = world.aws.client("s3").get_object(Bucket=world.bucket, Key=key)["Body"].read()
    assert json.loads(body) == {"redacted": True, "request_id": request.request_id}
    assert len(world.versions(world.archived["bob"])) == 1

    replayed: list[str] = []

    class Sender:
        def send_many(self, bodies: Sequence[str]) -> int:
            replayed.extend(bodies)
            return len(bodies)

    archive = S3Archive(world.bucket, world.aws.client("s3"))
    report = replay_archive(archive, Sender(), NOW - timedelta(days=1), store_id=STORE)
    assert [json.loads(b)["raw_ref"] for b in replayed] == [world.archived["bob"]]
    assert report.skipped >= 2


def test_redaction_twice_changes_nothing_more(world: World) -> None:
    request = shopify("customers/redact", CUSTOMER_REDACT)
    world.service.redact_customer(request)
    before = world.texts()

    again = world.service.redact_customer(request)

    assert set(again.values()) == {0}
    assert world.texts() == before


def test_a_replayed_version_cannot_write_her_back(world: World) -> None:
    world.service.redact_customer(shopify("customers/redact", CUSTOMER_REDACT))
    day = ts(NOW - timedelta(days=3))
    stale = {"id": ANN_ID, "email": ANN_EMAIL, "last_name": "Lovelace", "updated_at": day}
    event = CommerceEvent.model_validate(
        {
            "event_id": "replayed",
            "idempotency_key": "replayed",
            "store_id": STORE,
            "platform": "shopify",
            "entity_type": "customer",
            "entity_id": ANN_ID,
            "action": "updated",
            "source": "replay",
            "occurred_at": day,
            "received_at": NOW,
            "entity": stale,
        }
    )
    assert world.entities().put_if_newer(event) is False
    assert world.entities().get(STORE, "customer", ANN_ID) is None


def test_a_shop_redaction_removes_the_stores_personal_data_everywhere(world: World) -> None:
    world.service.data_request(shopify("customers/data_request", DATA_REQUEST))
    before = world.texts()

    counts = world.service.redact_shop(STORE, "shop_redact-60121006242")

    assert counts["entities"] == 8  # two customers tombstoned, five orders and a cart stripped
    assert counts["executions"] == 2
    after = world.texts()
    assert [t for t in mentioning(after, ANN_TRACES + BOB_TRACES) if OTHER_STORE not in t] == []
    assert world.running() == []
    # Shop-2's copy of Ann is untouched.
    others = [text for text in before if OTHER_STORE in text]
    assert others and set(others) <= set(after)
    # Suppressed contacts stay suppressed, by hash only; revenue stays.
    suppressions = DynamoSuppressionList(world.aws.env("SUPPRESSION_TABLE"), world.aws.client("dynamodb"))
    assert suppressions.is_suppressed(STORE, contact_key("email", BOB_EMAIL))
    order = world.entities().get(STORE, "order", BOB_ORDER)
    assert order is not None and order["total"] == money("18.25") and order["email"] is None
    # No export survives, and every archived key of the store is a placeholder.
    listed = world.aws.client("s3").list_objects_v2(Bucket=world.bucket, Prefix=f"exports/{STORE}/")
    assert listed.get("KeyCount", 0) == 0
    assert all(len(world.versions(world.archived[n])) == 1 for n in ("ann", "bob", "rejected", "work"))
    assert world.service.redact_shop(STORE, "shop_redact-60121006242") == dict.fromkeys(counts, 0)


def test_storeloom_redact_does_what_the_customers_redact_webhook_does(
    world: World, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    register_store(world.aws, STORE, "shopify", "app-secret")
    connection = world.aws.connection()
    monkeypatch.setattr(endpoint, "connect", lambda *_args: connection)

    orders = [flag for order in (ORDER_1, ORDER_2, WORK_ORDER) for flag in ("--order", order)]
    assert main(["redact", "--store", STORE, "--customer", ANN_ID, *orders]) == 0

    redacted = json.loads(capsys.readouterr().out.splitlines()[-1])["redacted"]
    assert redacted["entities"] >= 1 and redacted["outbox"] == 1
    assert [text for text in mentioning(world.texts(), ANN_TRACES) if OTHER_STORE not in text] == []


def test_storeloom_redact_of_an_unregistered_store_is_one_line(
    world: World, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    connection = world.aws.connection()
    monkeypatch.setattr(endpoint, "connect", lambda *_args: connection)

    assert main(["redact", "--store", "nowhere", "--customer", ANN_ID]) == 2
    assert capsys.readouterr().err.strip().startswith("storeloom: error: --store: no store 'nowhere' is registered")
