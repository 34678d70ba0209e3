"""The redactors: one per resource that holds personal data (storeloom.services.redaction.PERSONAL_DATA).

Each implements storeloom.services.redaction.PersonalDataTable over boto3, for the item shapes the other
adapters write (entities.py, outbox.py, runs.py, suppressions.py, the receiver's archive keys).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from botocore.exceptions import ClientError

from storeloom.adapters.dynamo_items import from_item, to_item
from storeloom.adapters.entities import PURCHASE_MARKS, entity_partition
from storeloom.adapters.people import DynamoPeople
from storeloom.domain.archive import ACCEPTED_PREFIX, REJECTED_PREFIX
from storeloom.domain.identity import customer_key, email_key, phone_key
from storeloom.domain.privacy import EXPORTS_PREFIX, Person
from storeloom.domain.purchases import marks_for
from storeloom.services.redaction import PersonalDataTable
from storeloom.services.segments import StoredProfile

# Entity types that hold a person (products and inventory levels do not).
_PERSON_TYPES = ("customer", "order", "cart")
# Body fields overwritten with null on kept orders and carts; the canonical model allows null for each.
# recovery_url: a checkout link opens the person's checkout, with their contact and address, at the platform.
_PERSONAL_FIELDS = frozenset(
    {
        "email",
        "phone",
        "first_name",
        "last_name",
        "name",
        "customer_id",
        "recovery_url",
        "billing_address",
        "shipping_address",
        "addresses",
        "note",
    }
)
_BATCH_WRITE_LIMIT = 25
_S3_DELETE_LIMIT = 1000
_UPDATE_ATTEMPTS = 5
_FIXPOINT_ROUNDS = 3
_PLACEHOLDER_MAX_BYTES = 512
_CUSTOMER_TOPICS = ("customers/", "customer.")
_TOPIC_LABELS = ("topic", "x-shopify-topic", "x-wc-webhook-topic")


def plain(value: Any) -> Any:
    """A DynamoDB-read value as plain JSON: Decimal to int (or text when fractional), sets to lists."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else str(value)
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [plain(v) for v in value]
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(bytes(value)).decode()
    if hasattr(value, "value") and isinstance(value.value, bytes):  # boto3's Binary
        return base64.b64encode(value.value).decode()
    return value


def _pages(client: Any, operation: str, key: str, **arguments: Any) -> Iterator[dict[str, Any]]:
    for page in client.get_paginator(operation).paginate(**arguments):
        yield from page.get(key, [])


def _partition(client: Any, table: str, attribute: str, value: str, **extra: Any) -> Iterator[dict[str, Any]]:
    """Every item of one partition (``attribute`` = ``value``) of the table or an index, all pages."""
    return _pages(
        client,
        "query",
        "Items",
        TableName=table,
        KeyConditionExpression=f"{attribute} = :key",
        ExpressionAttributeValues=to_item({":key": value}),
        **extra,
    )


def _body_of(item: dict[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(from_item(item).get("body") or "{}")
    return body


def _batch_delete(client: Any, table: str, keys: list[dict[str, Any]]) -> None:
    for start in range(0, len(keys), _BATCH_WRITE_LIMIT):
        pending: dict[str, Any] = {
            table: [{"DeleteRequest": {"Key": key}} for key in keys[start : start + _BATCH_WRITE_LIMIT]]
        }
        for _attempt in range(8):
            pending = client.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
            if not pending:
                break
        else:
            raise RuntimeError(f"{table}: batch delete left {len(pending[table])} items unprocessed")


def _is_conditional_failure(error: ClientError) -> bool:
    return error.response["Error"]["Code"] == "ConditionalCheckFailedException"


# ---------- EntitiesTable ----------


class EntitiesRedactor:
    """Customers become redacted tombstones; orders and carts keep money and line items, lose the person.

    A tombstone (``deleted``, no body) is what a platform delete writes too. Its version, like a stripped
    order's, is one microsecond past the redacted one, so replaying an archived or dead-lettered version
    of the same entity is stale and cannot write the person back.
    """

    name = "entities"

    def __init__(self, table_name: str, client: Any) -> None:
        self._table = table_name
        self._client = client

    def identify(self, person: Person) -> Person:
        """The person with the ids, emails and phones their customer records, orders and carts hold."""
        for _round in range(_FIXPOINT_ROUNDS):
            grown = person
            for item in self._items(person).values():
                grown = _widen(grown, from_item(item))
            if grown == person:
                break
            person = grown
        return person

    def export(self, person: Person) -> list[dict[str, Any]]:
        records = []
        for item in self._items(person).values():
            values = from_item(item)
            if "body" in values:
                records.append(
                    {
                        "entity_type": values.get("entity_type"),
                        "entity_id": values.get("entity_id"),
                        "platform": values.get("platform"),
                        "entity": json.loads(values["body"]),
                    }
                )
        return records

    def redact(self, person: Person, *, request_id: str) -> int:
        changed = sum(self._redact_item(key) for key in self._items(person))
        return changed + self._drop_purchase_marks(person)

    def _drop_purchase_marks(self, person: Person) -> int:
        """The marks keyed by the person's email and customer ids (storeloom.domain.purchases) go entirely."""
        partition = entity_partition(person.store_id, PURCHASE_MARKS)
        dropped = 0
        for mark in marks_for(person.customer_ids, person.emails):
            key = to_item({"pk": partition, "entity_id": mark})
            response = self._client.delete_item(TableName=self._table, Key=key, ReturnValues="ALL_OLD")
            dropped += "Attributes" in response
        return dropped

    def redact_store(self, store_id: str, *, request_id: str) -> int:
        changed = 0
        marks = _partition(self._client, self._table, "pk", entity_partition(store_id, PURCHASE_MARKS))
        for item in marks:
            self._client.delete_item(TableName=self._table, Key={"pk": item["pk"], "entity_id": item["entity_id"]})
        for entity_type in _PERSON_TYPES:
            partition = entity_partition(store_id, entity_type)
            items = _partition(self._client, self._table, "pk", partition, ProjectionExpression="pk, entity_id")
            keys = [(from_item(i)["pk"], from_item(i)["entity_id"]) for i in items]
            changed += sum(self._redact_item(key) for key in keys)
        return changed

    def _items(self, person: Person) -> dict[tuple[str, str], dict[str, Any]]:
        """The person's customer, order and cart items: by email, by customer id, and the named orders."""
        store = person.store_id
        found: dict[tuple[str, str], dict[str, Any]] = {}
        lookups = [("by_email", "email_key", f"{store}#{email}") for email in person.emails]
        lookups += [("by_customer", "customer_key", f"{store}#{customer}") for customer in person.customer_ids]
        for index, attribute, value in lookups:
            for item in _partition(self._client, self._table, attribute, value, IndexName=index):
                found[_key_of(item)] = item
        named = [("customer", c) for c in person.customer_ids] + [("order", o) for o in person.order_ids]
        for entity_type, entity_id in named:
            named_item = self._get((entity_partition(store, entity_type), entity_id))
            if named_item is not None:
                found[_key_of(named_item)] = named_item
        return {key: item for key, item in found.items() if key[0].rpartition("#")[2] in _PERSON_TYPES}

    def _get(self, key: tuple[str, str]) -> dict[str, Any] | None:
        response = self._client.get_item(
            TableName=self._table, Key=to_item({"pk": key[0], "entity_id": key[1]}), ConsistentRead=True
        )
        item: dict[str, Any] | None = response.get("Item")
        return item

    def _redact_item(self, key: tuple[str, str]) -> int:
        """Tombstone a customer or strip an order or cart, re-reading if a newer version lands meanwhile."""
        for _attempt in range(_UPDATE_ATTEMPTS):
            item = self._get(key)
            if item is None:
                return 0
            values = from_item(item)
            update = _customer_tombstone(values) if key[0].endswith("#customer") else _stripped(values)
            if update is None:
                return 0
            try:
                self._client.update_item(
                    TableName=self._table,
                    Key=to_item({"pk": key[0], "entity_id": key[1]}),
                    **update,
                    ConditionExpression="attribute_exists(pk) AND version = :seen",
                )
            except ClientError as error:
                if not _is_conditional_failure(error):
                    raise
                continue
            return 1
        raise RuntimeError(f"{self._table}: {key} kept changing while being redacted")


def _key_of(item: Mapping[str, Any]) -> tuple[str, str]:
    return (item["pk"]["S"], item["entity_id"]["S"])


def _widen(person: Person, values: Mapping[str, Any]) -> Person:
    body = json.loads(values["body"]) if "body" in values else None
    if not isinstance(body, dict):
        return person
    if values.get("entity_type") == "customer":
        return person.merge(customer_ids=[str(body["id"])], emails=[body.get("email")], phones=[body.get("phone")])
    customer = body.get("customer_id")
    return person.merge(customer_ids=[str(customer)] if customer else [], emails=[body.get("email")])


def _update(version: int, sets: Mapping[str, Any], removes: Iterable[str]) -> dict[str, Any]:
    names = {f"#a{i}": name for i, name in enumerate(sets)}
    assignments = [f"{alias} = :v{i}" for i, alias in enumerate(names)]
    removed = list(removes)
    expression = "SET " + ", ".join(assignments)
    if removed:
        expression += " REMOVE " + ", ".join(f"#r{i}" for i in range(len(removed)))
        names |= {f"#r{i}": name for i, name in enumerate(removed)}
    values = {f":v{i}": value for i, value in enumerate(sets.values())} | {":seen": version}
    return {
        "UpdateExpression": expression,
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": to_item(values),
    }


def _customer_tombstone(values: Mapping[str, Any]) -> dict[str, Any] | None:
    if values.get("redacted") and "body" not in values:
        return None
    version = int(values.get("version", 0))
    sets = {"version": version + 1, "deleted": True, "redacted": True}
    kept = {"pk", "entity_id", "entity_type", "platform", *sets}
    return _update(version, sets, [name for name in values if name not in kept])


def _stripped(values: Mapping[str, Any]) -> dict[str, Any] | None:
    body = json.loads(values["body"]) if "body" in values else None
    keys = [name for name in ("email_key", "customer_key") if name in values]
    if not isinstance(body, dict):
        return None
    stripped = {name: (None if name in _PERSONAL_FIELDS else value) for name, value in body.items()}
    if stripped == body and not keys:
        return None
    version = int(values.get("version", 0))
    sets = {"body": json.dumps(stripped, separators=(",", ":")), "version": version + 1, "redacted": True}
    return _update(version, sets, keys)


# ---------- OutboxTable ----------


class OutboxRedactor:
    """Messages to the person (or naming them) are deleted."""

    name = "outbox"

    def __init__(self, table_name: str, client: Any) -> None:
        self._table = table_name
        self._client = client

    def export(self, person: Person) -> list[dict[str, Any]]:
        return [body for _key, body in self._messages(person.store_id) if _addressed_to(person, body)]

    def redact(self, person: Person, *, request_id: str) -> int:
        keys = [key for key, body in self._messages(person.store_id) if _addressed_to(person, body)]
        _batch_delete(self._client, self._table, keys)
        return len(keys)

    def redact_store(self, store_id: str, *, request_id: str) -> int:
        keys = [key for key, _body in self._messages(store_id)]
        _batch_delete(self._client, self._table, keys)
        return len(keys)

    def _messages(self, store_id: str) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
        for item in _partition(self._client, self._table, "store_id", store_id):
            yield {"store_id": item["store_id"], "sk": item["sk"]}, _body_of(item)


def _addressed_to(person: Person, message: Mapping[str, Any]) -> bool:
    return person.is_address(message.get("to")) or person.mentions(message)


# ---------- FlowRunsTable ----------


class FlowRunsRedactor:
    """Decisions that hold the person's email, phone or customer id, and their contact history, are deleted.

    Contact history rows are keyed by the hashed contact key; the rows go (the frequency cap and the
    exclusion forget the person), as do decisions naming them. Other decisions of their runs stay: they hold
    the run id, step and outcome, which measurement counts.
    """

    name = "flow_runs"

    def __init__(self, table_name: str, client: Any) -> None:
        self._table = table_name
        self._client = client

    def export(self, person: Person) -> list[dict[str, Any]]:
        decisions = [{"decision": body} for _key, body in self._decisions(person)]
        sends = [
            {"send": {"contact_key": contact, **plain(values)}}
            for contact, rows in self._history(person).items()
            for values in rows
        ]
        return decisions + sends

    def redact(self, person: Person, *, request_id: str) -> int:
        keys = [key for key, _body in self._decisions(person)]
        keys += [to_item({"pk": row["pk"], "sk": row["sk"]}) for rows in self._history(person).values() for row in rows]
        _batch_delete(self._client, self._table, keys)
        return len(keys)

    def redact_store(self, store_id: str, *, request_id: str) -> int:
        """Every decision and contact history row of the store (a table scan: shop redactions are rare)."""
        items = _pages(
            self._client,
            "scan",
            "Items",
            TableName=self._table,
            FilterExpression="begins_with(pk, :store)",
            ExpressionAttributeValues=to_item({":store": f"{store_id}#"}),
            ProjectionExpression="pk, sk",
        )
        keys = [{"pk": item["pk"], "sk": item["sk"]} for item in items]
        _batch_delete(self._client, self._table, keys)
        return len(keys)

    def _decisions(self, person: Person) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
        for item in _partition(self._client, self._table, "pk", f"{person.store_id}#decisions"):
            body = _body_of(item)
            if person.mentions(body):
                yield {"pk": item["pk"], "sk": item["sk"]}, body

    def _history(self, person: Person) -> dict[str, list[dict[str, Any]]]:
        history: dict[str, list[dict[str, Any]]] = {}
        for contact in person.contact_keys:
            rows = _partition(self._client, self._table, "pk", f"{person.store_id}#contact#{contact}")
            history[contact] = [from_item(row) for row in rows]
        return history


# ---------- SuppressionTable ----------


class SuppressionsRedactor:
    """The hashed entry stays, so a redacted person stays suppressed; every other attribute is dropped."""

    name = "suppressions"
    _KEYS = frozenset({"store_id", "contact_key"})

    def __init__(self, table_name: str, client: Any) -> None:
        self._table = table_name
        self._client = client

    def export(self, person: Person) -> list[dict[str, Any]]:
        return [plain(from_item(item)) for item in self._entries(person)]

    def redact(self, person: Person, *, request_id: str) -> int:
        return sum(self._keep_hash_only(item) for item in self._entries(person))

    def redact_store(self, store_id: str, *, request_id: str) -> int:
        items = _partition(self._client, self._table, "store_id", store_id)
        return sum(self._keep_hash_only(item) for item in items)

    def _entries(self, person: Person) -> list[dict[str, Any]]:
        entries = []
        for contact in person.contact_keys:
            key = to_item({"store_id": person.store_id, "contact_key": contact})
            item = self._client.get_item(TableName=self._table, Key=key, ConsistentRead=True).get("Item")
            if item:
                entries.append(item)
        return entries

    def _keep_hash_only(self, item: Mapping[str, Any]) -> int:
        if set(item) <= self._KEYS:
            return 0
        self._client.put_item(TableName=self._table, Item={name: item[name] for name in self._KEYS})
        return 1


# ---------- ArchiveBucket ----------


@dataclass
class _Stored:
    """One S3 key and every version of it (delete markers included)."""

    key: str
    versions: list[dict[str, Any]]

    @property
    def readable(self) -> list[dict[str, Any]]:
        return [v for v in self.versions if not v.get("marker")]


class ArchiveRedactor:
    """Archived webhook bodies about the person are deleted, every version, and replaced by a placeholder.

    The placeholder ``{"redacted": true, "request_id": ...}`` keeps the key (it is named by ledger raw_refs)
    and carries none of the receiver's labels, so replay skips it. Exports of earlier data requests that
    mention the person are deleted too (they are copies of the same data). Keys are
    ``<prefix>/YYYY/MM/DD/<platform>/<store_id>/...``: the store is not a key prefix, so each redaction lists
    the prefix and reads every body of the store (a cost that grows with the archive).
    """

    name = "archive"
    PREFIXES = (ACCEPTED_PREFIX, REJECTED_PREFIX)

    def __init__(self, bucket: str, client: Any) -> None:
        self._bucket = bucket
        self._client = client

    def export(self, person: Person) -> list[dict[str, Any]]:
        records = []
        for stored in self._archived(person.store_id):
            for version in stored.readable:
                body, metadata = self._read(stored.key, version["VersionId"])
                if self._mentions(person, body, metadata):
                    records.append(
                        {
                            "key": stored.key,
                            "version_id": version["VersionId"],
                            "last_modified": str(version.get("LastModified")),
                            "body": _decoded(body),
                        }
                    )
        return records

    def redact(self, person: Person, *, request_id: str) -> int:
        redacted = 0
        for stored in self._archived(person.store_id):
            if any(self._mentions(person, *self._read(stored.key, v["VersionId"])) for v in stored.readable):
                self._erase(stored, placeholder_for=request_id)
                redacted += 1
        for stored in self._exports(person.store_id):
            if any(person.mentions_body(self._read(stored.key, v["VersionId"])[0]) for v in stored.readable):
                self._erase(stored, placeholder_for=None)
                redacted += 1
        return redacted

    def redact_store(self, store_id: str, *, request_id: str) -> int:
        redacted = 0
        for stored in self._archived(store_id):
            if not self._only_placeholder(stored):
                self._erase(stored, placeholder_for=request_id)
                redacted += 1
        for stored in self._exports(store_id):
            self._erase(stored, placeholder_for=None)
            redacted += 1
        return redacted

    def _archived(self, store_id: str) -> Iterator[_Stored]:
        for prefix in self.PREFIXES:
            for stored in self._listed(f"{prefix}/"):
                if _store_of_key(stored.key) == store_id:
                    yield stored

    def _exports(self, store_id: str) -> Iterator[_Stored]:
        yield from self._listed(f"{EXPORTS_PREFIX}/{store_id}/")

    def _listed(self, prefix: str) -> Iterator[_Stored]:
        """Keys under ``prefix`` with all their versions, one key at a time (listings group a key's versions)."""
        current: _Stored | None = None
        for page in self._client.get_paginator("list_object_versions").paginate(Bucket=self._bucket, Prefix=prefix):
            entries = [*page.get("Versions", []), *({**m, "marker": True} for m in page.get("DeleteMarkers", []))]
            for entry in sorted(entries, key=lambda e: str(e["Key"])):
                if current is not None and current.key != entry["Key"]:
                    yield current
                    current = None
                current = current or _Stored(str(entry["Key"]), [])
                current.versions.append(entry)
        if current is not None:
            yield current

    def _read(self, key: str, version_id: str) -> tuple[bytes, dict[str, str]]:
        response = self._client.get_object(Bucket=self._bucket, Key=key, VersionId=version_id)
        body: bytes = response["Body"].read()
        return body, dict(response.get("Metadata") or {})

    def _mentions(self, person: Person, body: bytes, metadata: Mapping[str, str]) -> bool:
        topic = next((metadata[label] for label in _TOPIC_LABELS if metadata.get(label)), "")
        return person.mentions_body(body, customer_resource=topic.startswith(_CUSTOMER_TOPICS))

    def _only_placeholder(self, stored: _Stored) -> bool:
        versions = stored.versions
        if len(versions) != 1 or versions[0].get("marker") or int(versions[0].get("Size", 0)) > _PLACEHOLDER_MAX_BYTES:
            return False
        body, _metadata = self._read(stored.key, versions[0]["VersionId"])
        decoded = _decoded(body)
        return isinstance(decoded, dict) and decoded.get("redacted") is True

    def _erase(self, stored: _Stored, placeholder_for: str | None) -> None:
        """Delete every version and delete marker of the key, then write the placeholder if one is asked."""
        objects = [{"Key": stored.key, "VersionId": v["VersionId"]} for v in stored.versions]
        for start in range(0, len(objects), _S3_DELETE_LIMIT):
            response = self._client.delete_objects(
                Bucket=self._bucket, Delete={"Objects": objects[start : start + _S3_DELETE_LIMIT], "Quiet": True}
            )
            if response.get("Errors"):
                first = response["Errors"][0]
                raise RuntimeError(f"s3://{self._bucket}/{stored.key}: delete failed: {first.get('Code')}")
        if placeholder_for is not None:
            self._client.put_object(
                Bucket=self._bucket,
                Key=stored.key,
                Body=json.dumps({"redacted": True, "request_id": placeholder_for}).encode(),
                ContentType="application/json",
                ServerSideEncryption="AES256",
                Metadata={"redacted": "true", "request-id": placeholder_for},
            )


def _store_of_key(key: str) -> str | None:
    """The store segment of ``<prefix>/YYYY/MM/DD/<platform>/<store_id>/<file>`` (storeloom.domain.archive)."""
    parts = key.split("/")
    return parts[5] if len(parts) >= 7 else None


def _decoded(body: bytes) -> Any:
    text = body.decode("utf-8", errors="replace")
    try:
        return json.loads(text)
    except ValueError:
        return text


class S3ExportWriter:
    """Writes data-request exports to the archive bucket, encrypted at rest (SSE-S3)."""

    def __init__(self, bucket: str, client: Any) -> None:
        self._bucket = bucket
        self._client = client

    def write(self, key: str, document: Mapping[str, Any]) -> str:
        self._client.put_object(
            Bucket=self._bucket,
            Key=key,
            Body=json.dumps(plain(document), indent=1, sort_keys=True, default=str).encode(),
            ContentType="application/json",
            ServerSideEncryption="AES256",
        )
        return key


# ---------- AbandonedCartStateMachine ----------


class ExecutionsRedactor:
    """Running flow executions about the person are stopped, so no later step messages them.

    Step Functions cannot delete an execution's input or history: a closed Standard execution's history is
    kept 90 days. Only running executions are exported (their input is the run state: the cart's email,
    phone and customer id) and stopped.
    """

    name = "executions"
    ERROR = "Storeloom.Redacted"

    def __init__(self, state_machine_arns: str | Iterable[str], client: Any) -> None:
        arns = [state_machine_arns] if isinstance(state_machine_arns, str) else list(state_machine_arns)
        self._arns = [arn for arn in arns if arn]
        self._client = client

    def export(self, person: Person) -> list[dict[str, Any]]:
        return [
            {"execution": name, "status": "RUNNING", "input": state}
            for _arn, name, state in self._running(person.store_id)
            if person.mentions(state)
        ]

    def redact(self, person: Person, *, request_id: str) -> int:
        matching = [arn for arn, _name, state in self._running(person.store_id) if person.mentions(state)]
        return sum(self._stop(arn, request_id) for arn in matching)

    def redact_store(self, store_id: str, *, request_id: str) -> int:
        return sum(self._stop(arn, request_id) for arn, _name, _state in self._running(store_id))

    def _running(self, store_id: str) -> Iterator[tuple[str, str, dict[str, Any]]]:
        for machine in self._arns:
            yield from self._running_on(machine, store_id)

    def _running_on(self, machine: str, store_id: str) -> Iterator[tuple[str, str, dict[str, Any]]]:
        for execution in _pages(
            self._client, "list_executions", "executions", stateMachineArn=machine, statusFilter="RUNNING"
        ):
            arn = execution["executionArn"]
            try:
                described = self._client.describe_execution(executionArn=arn)
            except ClientError as error:
                if error.response["Error"]["Code"] == "ExecutionDoesNotExist":
                    continue
                raise
            state = _decoded((described.get("input") or "{}").encode())
            subject = state.get("subject") if isinstance(state, dict) else None
            if isinstance(subject, dict) and subject.get("store_id") == store_id:
                yield arn, str(execution.get("name", "")), state

    def _stop(self, arn: str, request_id: str) -> int:
        try:
            self._client.stop_execution(
                executionArn=arn, error=self.ERROR, cause=f"personal data erased by request {request_id}"
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "ExecutionDoesNotExist":
                return 0
            raise
        return 1


# ---------- PeopleTable ----------


class PeopleRedactor:
    """Person records go entirely: the profile, its identity keys, segment memberships and due item.

    The profile lists the person's other customer ids, emails and phones, so it widens the request too.
    Merge tombstones left behind hold only two hashed person ids, and catalog items no personal data.
    """

    name = "people"

    def __init__(self, table_name: str, client: Any) -> None:
        self._people = DynamoPeople(table_name, client)

    def identify(self, person: Person) -> Person:
        for stored in self._persons(person):
            profile = stored.profile
            person = person.merge(customer_ids=profile.customer_ids, emails=profile.emails, phones=profile.phones)
        return person

    def export(self, person: Person) -> list[dict[str, Any]]:
        return [stored.profile.model_dump(mode="json") for stored in self._persons(person)]

    def redact(self, person: Person, *, request_id: str) -> int:
        return sum(self._people.erase(person.store_id, stored) for stored in self._persons(person))

    def redact_store(self, store_id: str, *, request_id: str) -> int:
        return self._people.delete_partition_items(store_id)

    def _persons(self, person: Person) -> list[StoredProfile]:
        keys = [customer_key(c) for c in person.customer_ids]
        keys += [key for key in (email_key(e) for e in person.emails) if key]
        keys += [key for key in (phone_key(p if p.startswith("+") else f"+{p}") for p in person.phones) if key]
        found: dict[str, StoredProfile] = {}
        for key in keys:
            stored = self._people.person_for(person.store_id, key)
            if stored is not None:
                found[stored.profile.person_id] = stored
        return list(found.values())


# Typed by the port, so mypy checks each class against it.
REDACTORS: dict[str, type[PersonalDataTable]] = {
    redactor.name: redactor
    for redactor in (
        EntitiesRedactor,
        OutboxRedactor,
        FlowRunsRedactor,
        SuppressionsRedactor,
        ArchiveRedactor,
        ExecutionsRedactor,
        PeopleRedactor,
    )
}
