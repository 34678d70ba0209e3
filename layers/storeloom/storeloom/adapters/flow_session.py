"""A flow step's unit of work: one BatchGetItem for what the step reads, one TransactWriteItems for what it
writes, so a step costs at most five AWS requests (read, send claim, the send itself, write; plus one
query for a person with no record yet).

Before the step runs, ``prefetch`` reads the subject (cart or order), the person record, the suppression
items of the subject's address, the products and the post-purchase catalog items across the Entities,
People and Suppression tables in one BatchGetItem. The step's reads are served from that; anything it was
not told about is read directly (correct, just dearer). Its decisions, the send's delivered mark, the
contact record and the end of its run on the person record are buffered and written by ``flush`` in one
transaction, so they land together or not at all.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from botocore.exceptions import ClientError
from pydantic import BaseModel

from storeloom.adapters.dynamo_items import from_item, to_item
from storeloom.adapters.entities import PURCHASE_MARKS, entity_partition
from storeloom.adapters.flow_entities import DynamoCommerceReader, purchase_marks_of
from storeloom.adapters.people import DynamoPeople, catalog_key, profile_from_item, profile_key, related_key
from storeloom.adapters.runs import DynamoRunLog
from storeloom.adapters.sends import DynamoSendLedger
from storeloom.adapters.suppressions import DynamoSuppressionList
from storeloom.domain.decisions import Decision, SendRecord
from storeloom.domain.eligibility import contact_key
from storeloom.domain.identity import IdentityKey, customer_key, email_key, phone_key, token_key
from storeloom.domain.measurement import counters_partition
from storeloom.domain.model import Cart, Customer, Order, Product, format_utc
from storeloom.domain.person import ActiveRun, PersonProfile
from storeloom.domain.purchases import PurchaseMark
from storeloom.services.flows.ports import ReadPlan

_BATCH_GET_LIMIT = 100
_TRANSACTION_LIMIT = 100
_FLUSH_ATTEMPTS = 4
_COUNTED_TTL = 44 * 86400  # as the run log: the abandonment window and 30 days
_MERGE_HOPS = 4


E = TypeVar("E", bound=BaseModel)
_List = list  # the class defines DecisionLog.list, which hides the builtin in its annotations


@dataclass
class _StepState:
    cache: dict[tuple[str, str], dict[str, Any] | None] = field(default_factory=dict)
    profile: PersonProfile | None = None
    writes: list[dict[str, Any]] = field(default_factory=list)
    profile_sets: dict[str, Any] = field(default_factory=dict)
    absorbed: list[str] = field(default_factory=list)
    counts: dict[tuple[str, str], dict[str, int]] = field(default_factory=dict)
    once: tuple[str, str] | None = None


def _key_text(key: dict[str, Any]) -> str:
    return "|".join(f"{name}={value['S']}" for name, value in sorted(key.items()))


class DynamoStepSession:
    """CommerceReader, SuppressionList, ContactHistory, DecisionLog, SendLedger, PersonReader, RunTracker,
    CatalogReader and StepSession for one step at a time (a warm function reuses it step after step)."""

    def __init__(
        self,
        client: Any,
        *,
        entities: DynamoCommerceReader,
        people: DynamoPeople,
        suppressions: DynamoSuppressionList,
        runs: DynamoRunLog,
        ledger: DynamoSendLedger,
        tables: dict[str, str],
    ) -> None:
        self._client = client
        self._entities = entities
        self._people = people
        self._suppressions = suppressions
        self._runs = runs
        self._ledger = ledger
        self._tables = tables  # entities, people, suppression, flow_runs, ledger
        self._local = threading.local()

    def _reset(self) -> None:
        self._local.step = _StepState()

    @property
    def _s(self) -> _StepState:
        """This thread's step: a Lambda container runs one step at a time, the local stack several at once."""
        state: _StepState | None = getattr(self._local, "step", None)
        if state is None:
            state = self._local.step = _StepState()
        return state

    # ---------- StepSession ----------

    def prefetch(self, plan: ReadPlan) -> None:
        self._reset()
        store = plan.store_id
        self._s.once = (store, plan.once) if plan.once else None
        wanted: _List[tuple[str, dict[str, Any]]] = []
        for entity_type, ids in (
            ("cart", plan.carts),
            ("order", plan.orders),
            ("customer", plan.customers),
            ("product", plan.products),
        ):
            partition = entity_partition(store, entity_type)
            wanted += [("entities", to_item({"pk": partition, "entity_id": i})) for i in dict.fromkeys(ids)]
        marks = entity_partition(store, PURCHASE_MARKS)
        wanted += [("entities", to_item({"pk": marks, "entity_id": m})) for m in dict.fromkeys(plan.purchases)]
        if plan.person_id:
            wanted.append(("people", profile_key(store, plan.person_id)))
        wanted += [("people", related_key(store, p)) for p in dict.fromkeys(plan.copurchase)]
        wanted += [("people", catalog_key(store, *k.split(":", 1))) for k in dict.fromkeys(plan.catalog)]
        wanted += [("suppression", to_item({"store_id": store, "contact_key": k})) for k in plan.contact_keys]
        self._batch_read(wanted)
        if plan.person_id:
            self._s.profile = self._follow(store, self._cached("people", profile_key(store, plan.person_id)))

    def flush(self) -> None:
        writes = list(self._s.writes)
        if self._s.profile_sets and self._s.profile is not None:
            writes.append(self._profile_update(self._s.profile))
        counted = [self._count_update(pk, sk, deltas) for (pk, sk), deltas in self._s.counts.items()]
        once, self._s.once = self._s.once, None
        self._s.writes, self._s.profile_sets = [], {}
        self._s.counts = {}
        if counted and once is not None and self._transact_counted(writes, [self._once_put(*once), *counted]):
            return
        for start in range(0, len(writes), _TRANSACTION_LIMIT):
            self._transact(writes[start : start + _TRANSACTION_LIMIT])

    # ---------- Counters ----------

    def add(self, store_id: str, flow_id: str, bucket: str, deltas: dict[str, int]) -> None:
        """In a step: added with the step's other writes, once per (run, step, attempt). Outside (the starter,
        which counts an entry only when its entry decision is new): at once."""
        key = (counters_partition(store_id, flow_id), bucket)
        if not deltas:
            return
        if self._s.once is None:
            self._transact([self._count_update(*key, deltas)])
            return
        summed = self._s.counts.setdefault(key, {})
        for name, n in deltas.items():
            summed[name] = summed.get(name, 0) + n

    def _count_update(self, pk: str, sk: str, deltas: dict[str, int]) -> dict[str, Any]:
        names = {f"#c{i}": name for i, name in enumerate(sorted(deltas))}
        values = {f":c{i}": deltas[name] for i, name in enumerate(sorted(deltas))}
        return {
            "Update": {
                "TableName": self._tables["flow_runs"],
                "Key": to_item({"pk": pk, "sk": sk}),
                "UpdateExpression": "ADD " + ", ".join(f"#c{i} :c{i}" for i in range(len(names))),
                "ExpressionAttributeNames": names,
                "ExpressionAttributeValues": to_item(values),
            }
        }

    def _once_put(self, store_id: str, once: str) -> dict[str, Any]:
        item = {"pk": f"{store_id}#counted", "sk": once, "expires_at": int(time.time()) + _COUNTED_TTL}
        return {
            "Put": {
                "TableName": self._tables["flow_runs"],
                "Item": to_item(item),
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        }

    def _transact_counted(self, writes: _List[dict[str, Any]], counted: _List[dict[str, Any]]) -> bool:
        """The writes with the counters (``counted[0]`` the once-guard); False when this step was counted
        before (it is being run again), so the caller writes the rest without them."""
        if len(writes) + len(counted) > _TRANSACTION_LIMIT:
            return False  # a step never writes this much; counting is given up rather than split
        try:
            self._transact(writes + counted)
        except ClientError as error:
            reasons = list(error.response.get("CancellationReasons") or [])
            guard = reasons[len(writes)] if len(reasons) > len(writes) else {}
            if guard.get("Code") != "ConditionalCheckFailed":
                raise
            return False
        return True

    # ---------- CommerceReader ----------

    def cart(self, store_id: str, cart_id: str) -> Cart | None:
        return self._entity(store_id, "cart", cart_id, Cart) or self._miss(store_id, "cart", cart_id, Cart)

    def order(self, store_id: str, order_id: str) -> Order | None:
        return self._entity(store_id, "order", order_id, Order) or self._miss(store_id, "order", order_id, Order)

    def customer(self, store_id: str, customer_id: str) -> Customer | None:
        found = self._entity(store_id, "customer", customer_id, Customer)
        return found or self._miss(store_id, "customer", customer_id, Customer)

    def product(self, store_id: str, product_id: str) -> Product | None:
        found = self._entity(store_id, "product", product_id, Product)
        return found or self._miss(store_id, "product", product_id, Product)

    def products_by_id(self, store_id: str, product_ids: Sequence[str]) -> dict[str, Product]:
        found: dict[str, Product] = {}
        unread: _List[str] = []
        for product_id in dict.fromkeys(product_ids):
            key = ("entities", _key_text(self._entity_key(store_id, "product", product_id)))
            if key not in self._s.cache:
                unread.append(product_id)
            elif (product := self._entity(store_id, "product", product_id, Product)) is not None:
                found[product_id] = product
        if unread:
            wanted = [("entities", self._entity_key(store_id, "product", i)) for i in unread]
            self._batch_read(wanted)
            found.update({i: p for i in unread if (p := self._entity(store_id, "product", i, Product))})
        return found

    def purchases(self, store_id: str, marks: Sequence[str]) -> _List[PurchaseMark]:
        partition = entity_partition(store_id, PURCHASE_MARKS)
        keys = {m: to_item({"pk": partition, "entity_id": m}) for m in dict.fromkeys(marks)}
        unread = [("entities", k) for k in keys.values() if ("entities", _key_text(k)) not in self._s.cache]
        if unread:
            self._batch_read(unread)
        found: _List[PurchaseMark] = []
        for key in keys.values():
            item = self._cached("entities", key)
            found += purchase_marks_of(item) if item else []
        return found

    def customers_by_email(self, store_id: str, email: str) -> _List[Customer]:
        return self._entities.customers_by_email(store_id, email)

    def orders_for(self, store_id: str, customer_ids: Sequence[str], email: str | None) -> _List[Order]:
        return self._entities.orders_for(store_id, customer_ids, email)

    # ---------- SuppressionList ----------

    def is_suppressed(self, store_id: str, key: str) -> bool:
        cache_key = ("suppression", _key_text(to_item({"store_id": store_id, "contact_key": key})))
        if cache_key in self._s.cache:
            return self._s.cache[cache_key] is not None
        return self._suppressions.is_suppressed(store_id, key)

    # ---------- ContactHistory ----------

    def sends(self, store_id: str, key: str, since: datetime) -> Sequence[SendRecord]:
        if self._owns(key):
            assert self._s.profile is not None
            first: dict[tuple[str, int], SendRecord] = {}
            for s in sorted(self._s.profile.sends, key=lambda s: s.at):
                if s.at >= since:
                    first.setdefault((s.run_id, s.step), SendRecord(s.at, s.medium, s.flow_id, s.run_id, s.step))
            return list(first.values())
        return self._runs.sends(store_id, key, since)

    def record_send(self, store_id: str, key: str, record: SendRecord) -> None:
        if self._owns(key):
            self._s.profile_sets["sends"] = [*self._s.profile_sets.get("sends", []), _send_value(record)]
            return
        self._s.writes.append(
            {"Put": {"TableName": self._tables["flow_runs"], "Item": self._runs.send_item(store_id, key, record)}}
        )

    # ---------- DecisionLog ----------

    def record(self, decision: Decision) -> None:
        self._s.writes.append(
            {"Put": {"TableName": self._tables["flow_runs"], "Item": self._runs.decision_item(decision)}}
        )

    def record_first(self, decision: Decision) -> bool:
        return self._runs.record_first(decision)

    def list(self, store_id: str, flow_id: str | None = None) -> _List[Decision]:
        return self._runs.list(store_id, flow_id)

    # ---------- SendLedger ----------

    def claim(self, key: str, now: datetime) -> tuple[str, str | None]:
        return self._ledger.claim(key, now)

    def delivered(self, key: str, provider_id: str, now: datetime) -> None:
        item = self._ledger.delivered_item(key, provider_id, now)
        self._s.writes.append({"Put": {"TableName": self._tables["ledger"], "Item": item}})

    def release(self, key: str) -> None:
        self._ledger.release(key)

    # ---------- PersonReader, RunTracker, CatalogReader ----------

    def person(self, store_id: str, person_id: str) -> PersonProfile | None:
        if self._s.profile is not None and person_id in (self._s.profile.person_id, *self._s.absorbed):
            return self._s.profile
        return self._follow(store_id, self._get("people", profile_key(store_id, person_id)))

    def find(self, store_id: str, keys: Sequence[tuple[str, str]]) -> PersonProfile | None:
        for key in _identity_keys(keys):
            stored = self._people.person_for(store_id, key)
            if stored is not None:
                return stored.profile
        return None

    def entered(self, store_id: str, person_id: str, run: ActiveRun) -> None:
        value = {**run.model_dump(), "entered_at": format_utc(run.entered_at), "until": format_utc(run.until)}
        self._update_profile(store_id, person_id, "SET runs.#r = :run", {"#r": run.run_id}, {":run": value})

    def ended(self, store_id: str, person_id: str, run_id: str, at: datetime) -> None:
        if self._s.profile is not None and self._s.profile.person_id == person_id and run_id in self._s.profile.runs:
            self._s.profile_sets.setdefault("ended", {})[run_id] = format_utc(at)
            return
        names = {"#r": run_id, "#until": "until"}
        self._update_profile(store_id, person_id, "SET runs.#r.#until = :u", names, {":u": format_utc(at)})

    def _update_profile(
        self, store_id: str, person_id: str, expression: str, names: dict[str, str], values: dict[str, Any]
    ) -> None:
        try:
            self._client.update_item(
                TableName=self._tables["people"],
                Key=profile_key(store_id, person_id),
                UpdateExpression=expression,
                ConditionExpression="attribute_exists(pk)",
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=to_item(values),
            )
        except ClientError as error:
            # No record (redacted since), or a run the record never listed: nothing to track.
            if error.response["Error"]["Code"] not in ("ConditionalCheckFailedException", "ValidationException"):
                raise

    def copurchase(self, store_id: str, product_ids: Sequence[str]) -> dict[str, dict[str, int]]:
        found: dict[str, dict[str, int]] = {}
        for product_id in product_ids:
            item = self._cached_or_read("people", related_key(store_id, product_id))
            counts = from_item(item).get("counts") if item else None
            if counts:
                found[product_id] = {other: int(n) for other, n in counts.items()}
        return found

    def members(self, store_id: str, keys: Sequence[str]) -> dict[str, _List[str]]:
        found: dict[str, _List[str]] = {}
        for key in keys:
            kind, _, name = key.partition(":")
            item = self._cached_or_read("people", catalog_key(store_id, kind, name))
            members = from_item(item).get("product_ids") if item else None
            if members:
                found[key] = sorted(members)
        return found

    # ---------- internals ----------

    def _owns(self, key: str) -> bool:
        """The contact key is the prefetched person's (their sends live on their record)."""
        if self._s.profile is None:
            return False
        owned = {contact_key("email", e) for e in self._s.profile.emails}
        owned |= {contact_key("sms", p) for p in self._s.profile.phones}
        return key in owned

    def _profile_update(self, profile: PersonProfile) -> dict[str, Any]:
        names: dict[str, str] = {}
        values: dict[str, Any] = {}
        sets: _List[str] = []
        if sends := self._s.profile_sets.get("sends"):
            sets.append("sends = list_append(sends, :sends)")
            values[":sends"] = sends
        for n, (run_id, until) in enumerate(sorted(self._s.profile_sets.get("ended", {}).items())):
            names[f"#r{n}"] = run_id
            sets.append(f"runs.#r{n}.#until = :u{n}")
            values[f":u{n}"] = until
        if self._s.profile_sets.get("ended"):
            names["#until"] = "until"
        update: dict[str, Any] = {
            "TableName": self._tables["people"],
            "Key": profile_key(profile.store_id, profile.person_id),
            "UpdateExpression": "SET " + ", ".join(sets),
            "ConditionExpression": "attribute_exists(pk)",
            "ExpressionAttributeValues": to_item(values),
        }
        if names:
            update["ExpressionAttributeNames"] = names
        return {"Update": update}

    def _transact(self, writes: _List[dict[str, Any]]) -> None:
        if not writes:
            return
        for attempt in range(_FLUSH_ATTEMPTS):
            try:
                self._client.transact_write_items(TransactItems=writes)
                return
            except ClientError as error:
                # Another writer touched an item at the same moment (the refresher, on the person record):
                # try again. A failed condition is an answer, not a race: the caller decides.
                codes = {r.get("Code") for r in error.response.get("CancellationReasons") or []}
                if "TransactionConflict" not in codes or attempt + 1 == _FLUSH_ATTEMPTS:
                    raise
                time.sleep(0.05 * 2**attempt)

    def _follow(self, store_id: str, item: dict[str, Any] | None) -> PersonProfile | None:
        self._s.absorbed = []
        for _hop in range(_MERGE_HOPS):
            if item is None:
                return None
            profile = profile_from_item(item)
            if profile.merged_into is None:
                return profile
            self._s.absorbed.append(profile.person_id)
            item = self._get("people", profile_key(store_id, profile.merged_into))
        return None

    def _entity_key(self, store_id: str, entity_type: str, entity_id: str) -> dict[str, Any]:
        return to_item({"pk": entity_partition(store_id, entity_type), "entity_id": entity_id})

    def _entity(self, store_id: str, entity_type: str, entity_id: str, model: type[E]) -> E | None:
        item = self._s.cache.get(("entities", _key_text(self._entity_key(store_id, entity_type, entity_id))))
        body = from_item(item).get("body") if item else None
        return model.model_validate_json(body) if body else None

    def _miss(self, store_id: str, entity_type: str, entity_id: str, model: type[E]) -> E | None:
        key = self._entity_key(store_id, entity_type, entity_id)
        if ("entities", _key_text(key)) in self._s.cache:
            return None
        item = self._get("entities", key)
        body = from_item(item).get("body") if item else None
        return model.model_validate_json(body) if body else None

    def _cached(self, table: str, key: dict[str, Any]) -> dict[str, Any] | None:
        return self._s.cache.get((table, _key_text(key)))

    def _cached_or_read(self, table: str, key: dict[str, Any]) -> dict[str, Any] | None:
        if (table, _key_text(key)) in self._s.cache:
            return self._s.cache[(table, _key_text(key))]
        return self._get(table, key)

    def _get(self, table: str, key: dict[str, Any]) -> dict[str, Any] | None:
        response = self._client.get_item(TableName=self._tables[table], Key=key, ConsistentRead=True)
        item: dict[str, Any] | None = response.get("Item")
        self._s.cache[(table, _key_text(key))] = item
        return item

    def _batch_read(self, wanted: _List[tuple[str, dict[str, Any]]]) -> None:
        """One BatchGetItem across the tables (again for what DynamoDB leaves unprocessed)."""
        for start in range(0, len(wanted), _BATCH_GET_LIMIT):
            chunk = wanted[start : start + _BATCH_GET_LIMIT]
            for table, key in chunk:
                self._s.cache[(table, _key_text(key))] = None
            by_name = {self._tables[t]: t for t, _ in chunk}
            request: dict[str, Any] = {}
            for table, key in chunk:
                request.setdefault(self._tables[table], {"Keys": [], "ConsistentRead": True})["Keys"].append(key)
            for _attempt in range(5):
                response = self._client.batch_get_item(RequestItems=request)
                for name, items in response.get("Responses", {}).items():
                    for item in items:
                        self._store(by_name[name], item, chunk)
                request = response.get("UnprocessedKeys") or {}
                if not request:
                    break
            else:
                raise RuntimeError("BatchGetItem left keys unprocessed after 5 attempts")

    def _store(self, table: str, item: dict[str, Any], chunk: _List[tuple[str, dict[str, Any]]]) -> None:
        for wanted_table, key in chunk:
            if wanted_table == table and all(item.get(name) == value for name, value in key.items()):
                self._s.cache[(table, _key_text(key))] = item
                return


def _send_value(record: SendRecord) -> dict[str, Any]:
    return {
        "at": format_utc(record.at),
        "medium": record.medium,
        "flow_id": record.flow_id,
        "run_id": record.run_id,
        "step": record.step,
        **{name: value for name, value in _optional(record).items() if value is not None},
    }


def _optional(record: SendRecord) -> dict[str, Any]:
    entered = format_utc(record.entered_at) if record.entered_at else None
    return {
        "flow_version": record.flow_version,
        "variant": record.variant,
        "channel": record.channel,
        "entered_at": entered,
    }


def _identity_keys(keys: Sequence[tuple[str, str]]) -> list[IdentityKey]:
    found: list[IdentityKey | None] = []
    for kind, value in keys:
        if kind == "customer":
            found.append(customer_key(value))
        elif kind == "token":
            found.append(token_key(value))
        elif kind == "email":
            found.append(email_key(value))
        elif kind == "phone":
            found.append(phone_key(value))
    return [key for key in found if key is not None]
