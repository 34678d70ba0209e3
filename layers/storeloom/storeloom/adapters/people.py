"""PeopleTable: person records, the identity graph, segment membership, the due index and the related-products
catalog, all in one table keyed ``pk``/``sk`` (storeloom.services.segments.PeopleStore).

Item layout (the flows adapter reads the profile, related and catalog items):

- profile ``<store>#person#<person_id>`` / ``profile``: ``body`` (PersonProfile JSON without sends, runs and
  version), ``sends`` (list of maps), ``runs`` (map run_id -> map), ``version``, ``outbox`` (transitions not
  yet published), ``spend_store``/``spend_key`` (the by_spend index) while the person has a qualifying order;
- identity key ``<store>#key#<kind>#<sha256 of the value>`` / ``key``: ``person_id``;
- due ``<store>#due#<YYYY-MM-DD>`` / ``<next_change_at>#<person_id>``;
- membership ``<store>#segment#<name>`` / ``<person_id>``: ``since``;
- per store ``<store>#segments`` / ``config``, ``vip``, ``counts`` (ADD counters and ``with_orders``), ``sweep``;
- idempotency ``<store>#seen#<event_id>`` / ``segments`` with ``expires_at`` (7 days);
- ``<store>#related#<product_id>`` / ``copurchase``: ``counts`` map; ``<store>#catalog#category#<name>`` and
  ``<store>#catalog#tag#<name>`` / ``members``: ``product_ids`` string set; ``<store>#catalog#product#<id>`` /
  ``memberships``: the categories and tags last applied for that product, so a change can remove old ones.

The profile item also lists ``credited_runs``: the runs an order was credited to, so the refresher counts a
run's conversion once without reading its counters. With a FlowRunsTable, an order event's read includes the
order's attribution record and its transaction writes the record and the credited run's counters
(storeloom.adapters.attribution): cross-table, still one BatchGetItem and one TransactWriteItems.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from botocore.exceptions import ClientError

from storeloom.adapters.attribution import attribution_key, counters_update, record_from_item, record_put
from storeloom.adapters.dynamo_items import from_item, to_item
from storeloom.domain.identity import IdentityKey, keys_of
from storeloom.domain.person import ActiveRun, ContactRecord, PersonProfile
from storeloom.domain.segments import SEGMENTS, SegmentThresholds, net_spend, spend_key, spend_of_key
from storeloom.domain.types import format_utc, parse_utc
from storeloom.services.segments import (
    CatalogChange,
    Change,
    ConcurrentChange,
    DueItem,
    ProfileWrite,
    Snapshot,
    StoredProfile,
    StoreState,
)

SEEN_TTL = timedelta(days=7)
BY_SPEND = "by_spend"
_BATCH_GET_LIMIT = 100
_TRANSACTION_LIMIT = 100
_STORE_ITEMS = ("config", "vip", "counts", "sweep")
_BODY_EXCLUDE = {"sends", "runs", "version"}


# ---------- keys (the flows adapter uses these) ----------


def profile_key(store_id: str, person_id: str) -> dict[str, Any]:
    return to_item({"pk": f"{store_id}#person#{person_id}", "sk": "profile"})


def identity_key(store_id: str, kind: str, value: str) -> dict[str, Any]:
    digest = hashlib.sha256(value.encode()).hexdigest()  # as IdentityKey.digest
    return to_item({"pk": f"{store_id}#key#{kind}#{digest}", "sk": "key"})


def related_key(store_id: str, product_id: str) -> dict[str, Any]:
    return to_item({"pk": f"{store_id}#related#{product_id}", "sk": "copurchase"})


def catalog_key(store_id: str, kind: str, name: str) -> dict[str, Any]:
    if kind not in ("category", "tag"):
        raise ValueError(f"kind: a catalog key is a category or a tag, not {kind!r}")
    return to_item({"pk": f"{store_id}#catalog#{kind}#{name}", "sk": "members"})


def _product_memberships_key(store_id: str, product_id: str) -> dict[str, Any]:
    return to_item({"pk": f"{store_id}#catalog#product#{product_id}", "sk": "memberships"})


def store_key(store_id: str, what: str) -> dict[str, Any]:
    return to_item({"pk": f"{store_id}#segments", "sk": what})


def seen_key(store_id: str, event_id: str) -> dict[str, Any]:
    return to_item({"pk": f"{store_id}#seen#{event_id}", "sk": "segments"})


def member_key(store_id: str, segment: str, person_id: str) -> dict[str, Any]:
    return to_item({"pk": f"{store_id}#segment#{segment}", "sk": person_id})


def due_key(store_id: str, moment: datetime, person_id: str) -> dict[str, Any]:
    stamp = format_utc(moment, timespec="microseconds")
    return to_item({"pk": f"{store_id}#due#{stamp[:10]}", "sk": f"{stamp}#{person_id}"})


def _key_of(item: Mapping[str, Any], table: str | None = None) -> str:
    """How a batch read files an item: by its key, and by its table when it is not PeopleTable."""
    return f"{table + '|' if table else ''}{item['pk']['S']}|{item['sk']['S']}"


# ---------- profile items ----------


def profile_from_item(item: Mapping[str, Any]) -> PersonProfile:
    """The PersonProfile an item holds, its sends, runs and version included."""
    values = from_item(item)
    body = json.loads(values["body"])
    sends = [ContactRecord.model_validate(_plain(send)) for send in values.get("sends") or []]
    runs = {run_id: ActiveRun.model_validate(_plain(run)) for run_id, run in (values.get("runs") or {}).items()}
    return PersonProfile.model_validate({**body, "sends": sends, "runs": runs, "version": int(values["version"])})


def _plain(value: Mapping[str, Any]) -> dict[str, Any]:
    return {k: int(v) if isinstance(v, Decimal) else v for k, v in value.items()}


def _stored(item: Mapping[str, Any]) -> StoredProfile:
    outbox = [json.loads(entry) for entry in from_item({"o": item["outbox"]})["o"]] if "outbox" in item else []
    credited = frozenset(from_item({"c": item["credited_runs"]})["c"]) if "credited_runs" in item else frozenset()
    return StoredProfile(profile_from_item(item), outbox, credited)


def _sends(profile: PersonProfile) -> list[dict[str, Any]]:
    # JSON mode writes every time (``entered_at`` too) as the UTC text the flows write; unset fields stay out.
    return [send.model_dump(mode="json", exclude_none=True) for send in profile.sends]


def _runs(profile: PersonProfile) -> dict[str, Any]:
    return {run_id: run.model_dump(mode="json", exclude_none=True) for run_id, run in profile.runs.items()}


class DynamoPeople:
    """storeloom.services.segments.PeopleStore over one DynamoDB table; with ``flow_runs_table``, orders are
    attributed too (the segment refresher's; the sweep and the CLI's readers need none)."""

    def __init__(self, table_name: str, client: Any, flow_runs_table: str | None = None) -> None:
        self._table = table_name
        self._client = client
        self._flow_runs = flow_runs_table

    # ---------- reads ----------

    def read(
        self,
        store_id: str,
        event_id: str | None,
        keys: Sequence[IdentityKey],
        candidate: str,
        products: Sequence[str],
        order_id: str | None = None,
    ) -> Snapshot:
        wanted = [identity_key(store_id, key.kind, key.value) for key in keys]
        wanted += [profile_key(store_id, candidate)] + [store_key(store_id, what) for what in _STORE_ITEMS]
        wanted += [related_key(store_id, product) for product in products]
        if event_id:
            wanted.append(seen_key(store_id, event_id))
        attributes = self._flow_runs is not None and order_id is not None
        record_key = attribution_key(store_id, order_id or "")
        elsewhere = {self._flow_runs: [record_key]} if self._flow_runs and order_id else {}
        found = self._batch_get(wanted, elsewhere)
        record = found.get(_key_of(record_key, self._flow_runs)) if attributes else None
        owners = {}
        for key in keys:
            item = found.get(_key_of(identity_key(store_id, key.kind, key.value)))
            if item is not None:
                owners[key] = item["person_id"]["S"]
        profile_item = found.get(_key_of(profile_key(store_id, candidate)))
        profiles = {candidate: _stored(profile_item)} if profile_item else {}
        return Snapshot(
            seen=bool(event_id) and _key_of(seen_key(store_id, event_id or "")) in found,
            owners=owners,
            profiles=profiles,
            state=_state(store_id, found),
            related_existing=frozenset(p for p in products if _key_of(related_key(store_id, p)) in found),
            attributes=attributes,
            previous_attribution=record_from_item(record) if record else None,
        )

    def profiles(self, store_id: str, person_ids: Iterable[str]) -> dict[str, StoredProfile]:
        found = self._batch_get([profile_key(store_id, pid) for pid in dict.fromkeys(person_ids)])
        stored = (_stored(item) for item in found.values())
        return {s.profile.person_id: s for s in stored}

    def store_state(self, store_id: str) -> StoreState:
        return _state(store_id, self._batch_get([store_key(store_id, what) for what in _STORE_ITEMS]))

    def person_for(self, store_id: str, key: IdentityKey) -> StoredProfile | None:
        """The live person a key names, following merge tombstones."""
        item = self._get(identity_key(store_id, key.kind, key.value))
        person_id = item["person_id"]["S"] if item else None
        for _hop in range(4):
            if person_id is None:
                return None
            profile_item = self._get(profile_key(store_id, person_id))
            if profile_item is None:
                return None
            stored = _stored(profile_item)
            if stored.profile.merged_into is None:
                return stored
            person_id = stored.profile.merged_into
        return None

    def members(self, store_id: str, segment: str) -> list[str]:
        items = self._query(
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues=to_item({":pk": f"{store_id}#segment#{segment}"}),
        )
        return [item["sk"]["S"] for item in items]

    def spenders(self, store_id: str) -> list[str]:
        """Every person with a qualifying order (the by_spend partition of the store)."""
        return self._spend_query(store_id, "spend_store = :s", {":s": store_id})

    def due(self, store_id: str, day: str, until: datetime) -> list[DueItem]:
        upper = format_utc(until, timespec="microseconds") + "#~"
        items = self._query(
            KeyConditionExpression="pk = :pk AND sk <= :upper",
            ExpressionAttributeValues=to_item({":pk": f"{store_id}#due#{day}", ":upper": upper}),
        )
        due = []
        for item in items:
            stamp, _, person_id = item["sk"]["S"].partition("#")
            due.append(DueItem(person_id, item["sk"]["S"], parse_utc(stamp)))
        return due

    def spend_at_rank(self, store_id: str, rank_from_top: int) -> Decimal | None:
        seen = 0
        for page in self._client.get_paginator("query").paginate(
            TableName=self._table,
            IndexName=BY_SPEND,
            KeyConditionExpression="spend_store = :s",
            ExpressionAttributeValues=to_item({":s": store_id}),
            ScanIndexForward=False,
            PaginationConfig={"PageSize": min(rank_from_top, 1000)},
        ):
            for item in page.get("Items", []):
                seen += 1
                if seen == rank_from_top:
                    return spend_of_key(item["spend_key"]["S"])
        return None

    def spend_between(self, store_id: str, low: Decimal, high: Decimal | None) -> list[str]:
        upper = spend_key(high, "~") if high is not None else "~"
        bounds = {":s": store_id, ":low": spend_key(low, ""), ":high": upper}
        return self._spend_query(store_id, "spend_store = :s AND spend_key BETWEEN :low AND :high", bounds)

    def counts(self, store_id: str) -> dict[str, int]:
        return self.store_state(store_id).counts

    # ---------- writes ----------

    def commit(self, change: Change) -> bool:
        items = self._transaction(change)
        if len(items) > _TRANSACTION_LIMIT:
            raise ValueError(f"{change.store_id}: a change of {len(items)} items exceeds one transaction")
        try:
            self._client.transact_write_items(TransactItems=items)
        except ClientError as error:
            code = error.response["Error"]["Code"]
            if code not in ("TransactionCanceledException", "TransactionConflictException"):
                raise
            reasons = error.response.get("CancellationReasons") or []
            if change.event_id and reasons and reasons[0].get("Code") == "ConditionalCheckFailed":
                return False
            raise ConcurrentChange(f"{change.store_id}: {code}") from error
        return True

    def clear_outbox(self, store_id: str, person_id: str, version: int) -> None:
        try:
            self._client.update_item(
                TableName=self._table,
                Key=profile_key(store_id, person_id),
                UpdateExpression="REMOVE outbox",
                ConditionExpression="version = :v",
                ExpressionAttributeValues=to_item({":v": version}),
            )
        except ClientError as error:
            # A newer write took the pending entries into its own outbox and publishes them itself.
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise

    def drop_due(self, store_id: str, day: str, sort_key: str) -> None:
        self._client.delete_item(TableName=self._table, Key=to_item({"pk": f"{store_id}#due#{day}", "sk": sort_key}))

    def save_vip(self, store_id: str, threshold: Decimal | None, at: datetime) -> None:
        values: dict[str, Any] = {"computed_at": format_utc(at)}
        if threshold is not None:
            values["threshold"] = str(threshold)
        self._client.put_item(TableName=self._table, Item={**store_key(store_id, "vip"), **to_item(values)})

    def save_sweep(self, store_id: str, day: str) -> None:
        self._client.put_item(TableName=self._table, Item={**store_key(store_id, "sweep"), **to_item({"day": day})})

    def configure(self, store_id: str, thresholds: SegmentThresholds) -> None:
        values: dict[str, Any] = {
            "new_days": thresholds.new_days,
            "at_risk_days": thresholds.at_risk_days,
            "lapsed_days": thresholds.lapsed_days,
        }
        if thresholds.vip_spend is not None:
            values["vip_spend"] = str(thresholds.vip_spend)
        self._client.put_item(TableName=self._table, Item={**store_key(store_id, "config"), **to_item(values)})

    def catalog(self, change: CatalogChange) -> bool:
        store = change.store_id
        found = self._batch_get([seen_key(store, change.event_id), _product_memberships_key(store, change.product_id)])
        if _key_of(seen_key(store, change.event_id)) in found:
            return False
        previous = from_item(found.get(_key_of(_product_memberships_key(store, change.product_id))) or {})
        stamp = format_utc(change.updated_at, timespec="microseconds")
        items = [self._seen_put(store, change.event_id, change.updated_at)]
        if str(previous.get("updated_at", "")) <= stamp:
            items += self._catalog_items(change, previous, stamp)
        try:
            self._client.transact_write_items(TransactItems=items)
        except ClientError as error:
            if error.response["Error"]["Code"] not in ("TransactionCanceledException", "TransactionConflictException"):
                raise
            reasons = error.response.get("CancellationReasons") or []
            if reasons and reasons[0].get("Code") == "ConditionalCheckFailed":
                return False
            raise ConcurrentChange(f"{store}: product {change.product_id} changed meanwhile") from error
        return True

    def erase(self, store_id: str, stored: StoredProfile) -> bool:
        """Delete a person: profile, identity keys, memberships, due item, and their share of the counters.

        One transaction conditioned on the profile's version, so a retried erasure moves no counter twice.
        """
        profile = stored.profile
        keys = {_key_of(k): k for k in (identity_key(store_id, key.kind, key.value) for key in keys_of(profile))}
        items: list[dict[str, Any]] = [
            {
                "Delete": {
                    "TableName": self._table,
                    "Key": profile_key(store_id, profile.person_id),
                    "ConditionExpression": "version = :v",
                    "ExpressionAttributeValues": to_item({":v": profile.version}),
                }
            }
        ]
        items += [{"Delete": {"TableName": self._table, "Key": key}} for key in keys.values()]
        items += [
            {"Delete": {"TableName": self._table, "Key": member_key(store_id, segment, profile.person_id)}}
            for segment in profile.segments
        ]
        if profile.next_change_at is not None:
            items.append(
                {
                    "Delete": {
                        "TableName": self._table,
                        "Key": due_key(store_id, profile.next_change_at, profile.person_id),
                    }
                }
            )
        deltas = dict.fromkeys(profile.segments, -1)
        deltas["with_orders"] = -1 if profile.qualifying_orders() else 0
        counts = self._counts_update(store_id, deltas, datetime.now(UTC))
        items += [counts] if counts else []
        try:
            self._client.transact_write_items(TransactItems=items[:_TRANSACTION_LIMIT])
        except ClientError as error:
            if error.response["Error"]["Code"] not in ("TransactionCanceledException", "TransactionConflictException"):
                raise
            return False
        return True

    def delete_partition_items(self, store_id: str) -> int:
        """Every item of the store (a table scan: shop redactions are rare)."""
        deleted = 0
        pages = self._client.get_paginator("scan").paginate(
            TableName=self._table,
            FilterExpression="begins_with(pk, :store)",
            ExpressionAttributeValues=to_item({":store": f"{store_id}#"}),
            ProjectionExpression="pk, sk",
        )
        for page in pages:
            keys = page.get("Items", [])
            for start in range(0, len(keys), 25):
                pending: dict[str, Any] = {
                    self._table: [{"DeleteRequest": {"Key": key}} for key in keys[start : start + 25]]
                }
                for _attempt in range(8):
                    pending = self._client.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
                    if not pending:
                        break
                deleted += len(keys[start : start + 25])
        return deleted

    # ---------- the transaction ----------

    def _transaction(self, change: Change) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        if change.event_id:
            items.append(self._seen_put(change.store_id, change.event_id, change.at))
        deltas: dict[str, int] = {}
        for write in change.profiles:
            items += self._profile_items(change.store_id, write, deltas)
        for key, (owner, previous) in change.keys.items():
            items.append(self._key_put(change.store_id, key, owner, previous))
        counts = self._counts_update(change.store_id, deltas, change.at)
        if counts:
            items.append(counts)
        for product, others in change.copurchase.items():
            items.append(self._copurchase(change.store_id, product, others, product in change.related_existing))
        if change.credit is not None:
            if self._flow_runs is None:
                raise ValueError(f"{change.store_id}: an attribution to write, and no FlowRunsTable to write it to")
            items.append(record_put(self._flow_runs, change.credit.record, change.credit.previous))
            if change.credit.counters is not None:
                items.append(counters_update(self._flow_runs, change.credit.counters))
        return items

    def _seen_put(self, store_id: str, event_id: str, at: datetime) -> dict[str, Any]:
        expires = int((at + SEEN_TTL).timestamp())
        return {
            "Put": {
                "TableName": self._table,
                "Item": {**seen_key(store_id, event_id), **to_item({"expires_at": expires})},
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        }

    def _profile_items(self, store_id: str, write: ProfileWrite, deltas: dict[str, int]) -> list[dict[str, Any]]:
        after, before = write.after, write.before
        person_id = after.person_id
        items = [self._profile_write(store_id, write)]
        old_due = before.next_change_at if before else None
        if old_due != after.next_change_at:
            if old_due is not None:
                items.append({"Delete": {"TableName": self._table, "Key": due_key(store_id, old_due, person_id)}})
            if after.next_change_at is not None:
                item = {**due_key(store_id, after.next_change_at, person_id), **to_item({"person_id": person_id})}
                items.append({"Put": {"TableName": self._table, "Item": item}})
        old_segments = before.segments if before else {}
        for segment in SEGMENTS:
            was, now = old_segments.get(segment), after.segments.get(segment)
            if was is not None and now is None:
                items.append({"Delete": {"TableName": self._table, "Key": member_key(store_id, segment, person_id)}})
            elif now is not None and was != now:
                since = to_item({"since": format_utc(now)})
                items.append(
                    {"Put": {"TableName": self._table, "Item": {**member_key(store_id, segment, person_id), **since}}}
                )
            deltas[segment] = deltas.get(segment, 0) + (now is not None) - (was is not None)
        had = bool(before and before.qualifying_orders())
        deltas["with_orders"] = deltas.get("with_orders", 0) + bool(after.qualifying_orders()) - had
        return items

    def _profile_write(self, store_id: str, write: ProfileWrite) -> dict[str, Any]:
        after, before = write.after, write.before
        version = (before.version if before else 0) + 1
        body = after.model_dump_json(exclude=_BODY_EXCLUDE)
        spend = {"spend_store": store_id, "spend_key": spend_key(net_spend(after), after.person_id)}
        has_spend = bool(after.qualifying_orders()) and after.merged_into is None
        outbox = [json.dumps(entry, sort_keys=True) for entry in write.outbox]
        credited = sorted(write.credited_runs) if write.credited_runs is not None else None
        if before is None:
            item = {"body": body, "version": version, "sends": [], "runs": {}, **(spend if has_spend else {})}
            if outbox:
                item["outbox"] = outbox
            if credited:
                item["credited_runs"] = credited
            return {
                "Put": {
                    "TableName": self._table,
                    "Item": {**profile_key(store_id, after.person_id), **to_item(item)},
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            }
        sets: dict[str, Any] = {"body": body, "version": version}
        removes: list[str] = []
        if write.full:
            sets |= {"sends": _sends(after), "runs": _runs(after)}
        if has_spend:
            sets |= spend
        else:
            removes += ["spend_store", "spend_key"]
        if outbox:
            sets["outbox"] = outbox
        else:
            removes.append("outbox")
        if credited is not None:
            sets["credited_runs"] = credited
        names = {f"#s{i}": name for i, name in enumerate(sets)} | {f"#r{i}": name for i, name in enumerate(removes)}
        expression = "SET " + ", ".join(f"#s{i} = :s{i}" for i in range(len(sets)))
        if removes:
            expression += " REMOVE " + ", ".join(f"#r{i}" for i in range(len(removes)))
        values = {f":s{i}": value for i, value in enumerate(sets.values())} | {":v0": before.version}
        return {
            "Update": {
                "TableName": self._table,
                "Key": profile_key(store_id, after.person_id),
                "UpdateExpression": expression,
                "ConditionExpression": "version = :v0",
                "ExpressionAttributeNames": names,
                "ExpressionAttributeValues": to_item(values),
            }
        }

    def _key_put(self, store_id: str, key: IdentityKey, owner: str, previous: str | None) -> dict[str, Any]:
        item = {**identity_key(store_id, key.kind, key.value), **to_item({"person_id": owner, "kind": key.kind})}
        put: dict[str, Any] = {"TableName": self._table, "Item": item}
        if previous is None:
            put["ConditionExpression"] = "attribute_not_exists(pk)"
        else:
            put["ConditionExpression"] = "person_id = :previous"
            put["ExpressionAttributeValues"] = to_item({":previous": previous})
        return {"Put": put}

    def _counts_update(self, store_id: str, deltas: Mapping[str, int], at: datetime) -> dict[str, Any] | None:
        moved = {name: delta for name, delta in deltas.items() if delta}
        if not moved:
            return None
        names = {f"#c{i}": name for i, name in enumerate(moved)}
        values = {f":c{i}": delta for i, delta in enumerate(moved.values())} | {":day": format_utc(at)[:10]}
        adds = ", ".join(f"#c{i} :c{i}" for i in range(len(moved)))
        return {
            "Update": {
                "TableName": self._table,
                "Key": store_key(store_id, "counts"),
                "UpdateExpression": f"ADD {adds} SET first_day = if_not_exists(first_day, :day)",
                "ExpressionAttributeNames": names,
                "ExpressionAttributeValues": to_item(values),
            }
        }

    def _copurchase(self, store_id: str, product: str, others: Sequence[str], exists: bool) -> dict[str, Any]:
        if not exists:
            item = {**related_key(store_id, product), **to_item({"counts": dict.fromkeys(others, 1)})}
            return {"Put": {"TableName": self._table, "Item": item, "ConditionExpression": "attribute_not_exists(pk)"}}
        # ADD works on top-level attributes only, so each count in the map is SET from itself plus one.
        names = {"#counts": "counts"} | {f"#p{i}": other for i, other in enumerate(others)}
        sets = ", ".join(f"#counts.#p{i} = if_not_exists(#counts.#p{i}, :zero) + :one" for i in range(len(others)))
        return {
            "Update": {
                "TableName": self._table,
                "Key": related_key(store_id, product),
                "UpdateExpression": f"SET {sets}",
                "ConditionExpression": "attribute_exists(#counts)",
                "ExpressionAttributeNames": names,
                "ExpressionAttributeValues": to_item({":zero": 0, ":one": 1}),
            }
        }

    def _catalog_items(self, change: CatalogChange, previous: Mapping[str, Any], stamp: str) -> list[dict[str, Any]]:
        store, product = change.store_id, change.product_id
        record: dict[str, Any] = {"updated_at": stamp}
        record |= {"categories": set(change.categories)} if change.categories else {}
        record |= {"tags": set(change.tags)} if change.tags else {}
        items: list[dict[str, Any]] = [
            {"Put": {"TableName": self._table, "Item": {**_product_memberships_key(store, product), **to_item(record)}}}
        ]
        for kind, now, was in (
            ("category", change.categories, set(previous.get("categories") or ())),
            ("tag", change.tags, set(previous.get("tags") or ())),
        ):
            for name, action in [(n, "ADD") for n in sorted(now - was)] + [(n, "DELETE") for n in sorted(was - now)]:
                items.append(
                    {
                        "Update": {
                            "TableName": self._table,
                            "Key": catalog_key(store, kind, name),
                            "UpdateExpression": f"{action} product_ids :p",
                            "ExpressionAttributeValues": to_item({":p": {product}}),
                        }
                    }
                )
        return items

    # ---------- plumbing ----------

    def _batch_get(
        self, keys: Sequence[dict[str, Any]], elsewhere: Mapping[str, Sequence[dict[str, Any]]] | None = None
    ) -> dict[str, dict[str, Any]]:
        """PeopleTable's ``keys`` and other tables' (``elsewhere``, table -> keys) together: one request per
        hundred keys, whichever table they are in; items are filed by ``_key_of(item, table)``."""
        wanted = [(self._table, key) for key in keys]
        wanted += [(table, key) for table, others in (elsewhere or {}).items() for key in others]
        unique = list({_key_of(key, table): (table, key) for table, key in wanted}.values())  # dedupe only
        found: dict[str, dict[str, Any]] = {}
        for start in range(0, len(unique), _BATCH_GET_LIMIT):
            request: dict[str, Any] = {}
            for table, key in unique[start : start + _BATCH_GET_LIMIT]:
                request.setdefault(table, {"Keys": [], "ConsistentRead": True})["Keys"].append(key)
            for _attempt in range(8):
                response = self._client.batch_get_item(RequestItems=request)
                for table, items in response.get("Responses", {}).items():
                    for item in items:
                        found[_key_of(item, None if table == self._table else table)] = item
                request = response.get("UnprocessedKeys") or {}
                if not request:
                    break
            else:
                raise RuntimeError(f"{self._table}: batch get left keys unprocessed")
        return found

    def _get(self, key: dict[str, Any]) -> dict[str, Any] | None:
        item: dict[str, Any] | None = self._client.get_item(TableName=self._table, Key=key, ConsistentRead=True).get(
            "Item"
        )
        return item

    def _query(self, **arguments: Any) -> Iterator[dict[str, Any]]:
        for page in self._client.get_paginator("query").paginate(TableName=self._table, **arguments):
            yield from page.get("Items", [])

    def _spend_query(self, store_id: str, condition: str, values: Mapping[str, Any]) -> list[str]:
        items = self._query(
            IndexName=BY_SPEND, KeyConditionExpression=condition, ExpressionAttributeValues=to_item(values)
        )
        return [item["spend_key"]["S"].split("#", 1)[1] for item in items]


def _state(store_id: str, found: Mapping[str, dict[str, Any]]) -> StoreState:
    def values(what: str) -> dict[str, Any]:
        item = found.get(_key_of(store_key(store_id, what)))
        return from_item(item) if item else {}

    config, vip, counts, sweep = (values(what) for what in _STORE_ITEMS)
    thresholds = SegmentThresholds(
        **{name: int(config[name]) for name in ("new_days", "at_risk_days", "lapsed_days") if name in config},
        vip_spend=Decimal(config["vip_spend"]) if config.get("vip_spend") else None,
    )
    return StoreState(
        thresholds=thresholds,
        store_timezone=config.get("store_timezone"),
        vip_threshold=Decimal(vip["threshold"]) if vip.get("threshold") else None,
        vip_computed_at=parse_utc(vip["computed_at"]) if vip.get("computed_at") else None,
        counts={name: int(value) for name, value in counts.items() if isinstance(value, Decimal)},
        swept_through=sweep.get("day"),
        first_day=counts.get("first_day"),
    )


class EventBridgeSegmentPublisher:
    """``segment.entered`` / ``segment.exited`` on the bus, ten entries a request."""

    SOURCE = "storeloom.segments"

    def __init__(self, bus_name: str, client: Any) -> None:
        self._bus = bus_name
        self._client = client

    def publish(self, entries: Sequence[dict[str, Any]]) -> list[str]:
        failed: list[str] = []
        for start in range(0, len(entries), 10):
            chunk = entries[start : start + 10]
            response = self._client.put_events(Entries=[self._entry(entry) for entry in chunk])
            if response.get("FailedEntryCount"):
                results = response.get("Entries", [])
                failed += [e["detail"]["event_id"] for e, r in zip(chunk, results, strict=False) if r.get("ErrorCode")]
        return failed

    def _entry(self, entry: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "EventBusName": self._bus,
            "Source": self.SOURCE,
            "DetailType": entry["detail_type"],
            "Detail": json.dumps(entry["detail"], sort_keys=True),
            "Time": parse_utc(entry["detail"]["at"]),
        }
