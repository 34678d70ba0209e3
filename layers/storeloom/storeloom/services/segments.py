"""The segment refresher and the time sweep: one person record per store, kept current event by event.

Every customer, order and cart event resolves its identity keys to one person (creating or merging persons
as the keys say), applies the entity to that person's profile, re-evaluates their lifecycle segments and
writes it all in one transaction with the event's idempotency marker, so an event delivered twice moves no
counter twice. The work touches that person's items and the store's counters only, never a scan.

Transitions are published through an outbox: they are written on the profile in the same transaction as the
change, published after it, then cleared. A publish that fails leaves them on the profile; the redelivered
event (or the next change to the person) publishes them again, under the same deterministic event ids.
Publishing before the commit was the alternative, but a ``vip`` entry's ``since`` is the moment it was
first seen, so a retried attempt would publish a different id for the same entry.

The sweep reads the due partitions from the last swept day to today and re-evaluates only those persons.
The VIP threshold, when the store sets none, is recomputed once a day from the spend index; when it moves,
only the persons whose spend lies between the old and the new threshold are re-evaluated.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, Protocol

from storeloom.domain.attribution import Credit, credit, still_creditable, touches_of
from storeloom.domain.entities import Cart, Customer, Order, Product
from storeloom.domain.event import CommerceEvent
from storeloom.domain.identity import IdentityKey, customer_key, keys_of, merge, merge_winner, person_id_for, tombstone
from storeloom.domain.measurement import Attribution
from storeloom.domain.person import PersonProfile
from storeloom.domain.person_events import apply, event_keys, is_new_order, order_facts
from storeloom.domain.segments import SegmentThresholds, Transition, membership, transitions, vip_rank_from_top
from storeloom.domain.types import format_utc

_ATTEMPTS = 5
_READ_CHUNK = 100  # BatchGetItem's limit
# Co-purchase pairs are counted for at most this many distinct products of one order (one transaction).
MAX_COPURCHASE_PRODUCTS = 20
INACTIVE_PRODUCT_STATUSES = frozenset({"archived", "draft", "deleted", "trash", "disabled", "inactive", "private"})


class ConcurrentChange(Exception):
    """Another writer changed an item this commit expected unchanged: read again and retry."""


# ---------- what the store reads and writes ----------


@dataclass(frozen=True)
class StoredProfile:
    profile: PersonProfile
    outbox: list[dict[str, Any]] = field(default_factory=list)
    credited_runs: frozenset[str] = frozenset()  # runs an order was credited to (each converts once)


@dataclass(frozen=True)
class StoreState:
    """A store's segment settings and counters (the ``<store>#segments`` partition)."""

    thresholds: SegmentThresholds = field(default_factory=SegmentThresholds)
    store_timezone: str | None = None
    vip_threshold: Decimal | None = None
    vip_computed_at: datetime | None = None
    counts: dict[str, int] = field(default_factory=dict)
    swept_through: str | None = None  # the day (YYYY-MM-DD) the sweep last started from
    first_day: str | None = None  # the first day the store's counters moved

    @property
    def current_vip(self) -> Decimal | None:
        configured = self.thresholds.vip_spend
        return configured if configured is not None else self.vip_threshold


@dataclass(frozen=True)
class Snapshot:
    seen: bool
    owners: dict[IdentityKey, str]
    profiles: dict[str, StoredProfile]
    state: StoreState
    related_existing: frozenset[str] = frozenset()
    attributes: bool = False  # the store records attribution (the refresher has the FlowRunsTable)
    previous_attribution: Attribution | None = None  # the order's record, as its last version left it


@dataclass(frozen=True)
class ProfileWrite:
    """One profile's new state. ``before`` None creates it; ``full`` also rewrites sends and runs (a merge);
    ``credited_runs`` None leaves the list as it is."""

    after: PersonProfile
    before: PersonProfile | None
    outbox: list[dict[str, Any]] = field(default_factory=list)
    full: bool = False
    credited_runs: frozenset[str] | None = None


@dataclass(frozen=True)
class Change:
    store_id: str
    event_id: str | None
    at: datetime
    profiles: list[ProfileWrite]
    keys: dict[IdentityKey, tuple[str, str | None]] = field(default_factory=dict)  # key -> (new owner, old)
    copurchase: dict[str, list[str]] = field(default_factory=dict)  # product -> the others bought with it
    related_existing: frozenset[str] = frozenset()
    credit: Credit | None = None  # the order's attribution record and its run's counters


@dataclass(frozen=True)
class DueItem:
    person_id: str
    sort_key: str
    at: datetime


@dataclass(frozen=True)
class CatalogChange:
    store_id: str
    event_id: str
    product_id: str
    updated_at: datetime
    categories: frozenset[str]
    tags: frozenset[str]


class PeopleStore(Protocol):
    """The person records, identity keys, segment items and counters (storeloom.adapters.people)."""

    def read(
        self,
        store_id: str,
        event_id: str | None,
        keys: Sequence[IdentityKey],
        candidate: str,
        products: Sequence[str],
        order_id: str | None = None,
    ) -> Snapshot:
        """Everything one event needs, in one read; with ``order_id``, that order's attribution record too."""
        ...

    def profiles(self, store_id: str, person_ids: Iterable[str]) -> dict[str, StoredProfile]: ...

    def commit(self, change: Change) -> bool:
        """Write the change in one transaction; False when its event was already applied.
        Raises ConcurrentChange when an item moved since it was read."""
        ...

    def clear_outbox(self, store_id: str, person_id: str, version: int) -> None: ...

    def store_state(self, store_id: str) -> StoreState: ...

    def catalog(self, change: CatalogChange) -> bool: ...

    def due(self, store_id: str, day: str, until: datetime) -> list[DueItem]:
        """The day's due items up to ``until``."""
        ...

    def drop_due(self, store_id: str, day: str, sort_key: str) -> None: ...

    def spend_at_rank(self, store_id: str, rank_from_top: int) -> Decimal | None: ...

    def spend_between(self, store_id: str, low: Decimal, high: Decimal | None) -> list[str]:
        """Persons whose net spend is in [low, high] (no upper bound when ``high`` is None)."""
        ...

    def save_vip(self, store_id: str, threshold: Decimal | None, at: datetime) -> None: ...

    def save_sweep(self, store_id: str, day: str) -> None: ...


class SegmentPublisher(Protocol):
    def publish(self, entries: Sequence[dict[str, Any]]) -> list[str]:
        """Put ``segment.entered`` / ``segment.exited`` on the bus; the event ids that failed."""
        ...


# ---------- outcomes ----------


@dataclass
class Outcome:
    status: str  # applied | duplicate | ignored
    person_id: str | None = None
    transitions: list[str] = field(default_factory=list)
    merged: list[str] = field(default_factory=list)


@dataclass
class SweepOutcome:
    store_id: str
    due: int = 0
    changed: int = 0
    published: int = 0
    vip_threshold: Decimal | None = None
    vip_reevaluated: int = 0


def transition_entry(profile: PersonProfile, transition: Transition) -> dict[str, Any]:
    """The bus entry of one transition: ``segment.entered`` or ``segment.exited`` and its detail."""
    return {
        "detail_type": f"segment.{transition.kind}",
        "detail": {
            "event_id": transition.event_id(profile.store_id, profile.person_id),
            "store_id": profile.store_id,
            "person_id": profile.person_id,
            "customer_ids": list(profile.customer_ids),
            "segment": transition.segment,
            "since": format_utc(transition.since),
            "segments": sorted(profile.segments),
            "at": format_utc(transition.at),
        },
    }


def reevaluated(stored: StoredProfile, state: StoreState, now: datetime) -> ProfileWrite:
    """The profile with its segments re-judged at ``now``; its transitions join the pending outbox."""
    profile = stored.profile
    judged = membership(profile, now, state.thresholds, state.current_vip)
    after = profile.model_copy(update={"segments": judged.segments, "next_change_at": judged.next_change_at})
    moved = [transition_entry(after, t) for t in transitions(profile.segments, judged.segments, now)]
    return ProfileWrite(after=after, before=profile, outbox=[*stored.outbox, *moved])


class SegmentRefresher:
    def __init__(
        self, store: PeopleStore, publisher: SegmentPublisher, clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    ) -> None:
        self._store = store
        self._publisher = publisher
        self._clock = clock

    # ---------- events ----------

    def handle(self, event: CommerceEvent) -> Outcome:
        entity = event.entity
        if event.entity_type == "product":
            return self._product(event)
        if isinstance(entity, Customer | Order | Cart):
            if isinstance(entity, Customer) and event.action == "deleted" and entity.merged_into is None:
                return Outcome("ignored")
            if isinstance(entity, Cart) and not entity.email and not entity.customer_id:
                return self._for_known_token(event, entity)
            return self._person_event(event, entity)
        return Outcome("ignored")

    def _for_known_token(self, event: CommerceEvent, cart: Cart) -> Outcome:
        # A cart with no contact is only a browser session: it joins a person its token already names,
        # and creates none.
        return self._person_event(event, cart, create=False)

    def _person_event(self, event: CommerceEvent, entity: Customer | Order | Cart, create: bool = True) -> Outcome:
        keys = event_keys(entity)
        prefer_key = None
        if isinstance(entity, Customer) and entity.merged_into is not None:
            prefer_key = customer_key(entity.merged_into)
            keys = [*keys, prefer_key]
        if not keys:
            return Outcome("ignored")
        products = _products(entity)
        order_id = entity.id if isinstance(entity, Order) else None
        for _attempt in range(_ATTEMPTS):
            now = self._clock()
            snapshot = self._store.read(
                event.store_id, event.event_id, keys, person_id_for(event.store_id, keys), products, order_id
            )
            if snapshot.seen:
                self._flush(event.store_id, snapshot.profiles.values())
                return Outcome("duplicate")
            snapshot = self._follow_tombstones(event.store_id, snapshot)
            change = self._plan(event, entity, keys, prefer_key, snapshot, now, create)
            if change is None:
                return Outcome("ignored")
            try:
                if not self._store.commit(change):
                    return Outcome("duplicate")
            except ConcurrentChange:
                continue
            main = change.profiles[0].after
            self._publish(change.store_id, change.profiles)
            return Outcome(
                "applied",
                main.person_id,
                [entry["detail_type"] + ":" + entry["detail"]["segment"] for entry in change.profiles[0].outbox],
                [w.after.person_id for w in change.profiles[1:]],
            )
        raise ConcurrentChange(f"person of event {event.event_id}: kept changing over {_ATTEMPTS} attempts")

    def _follow_tombstones(self, store_id: str, snapshot: Snapshot) -> Snapshot:
        profiles = dict(snapshot.profiles)
        wanted = {pid for pid in snapshot.owners.values() if pid not in profiles}
        for _round in range(3):
            wanted |= {p.profile.merged_into for p in profiles.values() if p.profile.merged_into} - set(profiles)
            if not wanted:
                break
            profiles |= self._store.profiles(store_id, wanted)
            wanted = set()
        return replace(snapshot, profiles=profiles)

    def _plan(
        self,
        event: CommerceEvent,
        entity: Customer | Order | Cart,
        keys: list[IdentityKey],
        prefer_key: IdentityKey | None,
        snapshot: Snapshot,
        now: datetime,
        create: bool,
    ) -> Change | None:
        store_id = event.store_id
        live = {pid: s for pid, s in snapshot.profiles.items() if s.profile.merged_into is None}
        owners = {key: _live_owner(pid, snapshot.profiles) for key, pid in snapshot.owners.items()}
        owners = _without_shared_phones(owners, keys, live)
        found = sorted({pid for pid in owners.values() if pid in live})
        candidate = person_id_for(store_id, keys)
        if not found and candidate in live:
            found = [candidate]
        if not found and not create:
            return None
        prefer = owners.get(prefer_key) if prefer_key else None
        if found:
            winner = merge_winner([live[pid].profile for pid in found], prefer)
            absorbed = [live[pid] for pid in found if pid != winner.person_id]
            base = merge(winner, [a.profile for a in absorbed]) if absorbed else winner
            before: PersonProfile | None = winner
            outbox = [entry for pid in found for entry in live[pid].outbox]
        else:
            base = PersonProfile(store_id=store_id, person_id=candidate)
            before, absorbed, outbox = None, [], []
        applied = apply(base, entity, snapshot.state.store_timezone)
        write = reevaluated(StoredProfile(applied, outbox), snapshot.state, now)
        order_credit, credited_runs = None, None
        if isinstance(entity, Order) and snapshot.attributes:
            order_credit, credited_runs = _credit(entity, write.after, snapshot, [live[pid] for pid in found])
        write = ProfileWrite(write.after, before, write.outbox, full=bool(absorbed), credited_runs=credited_runs)
        writes = [write] + [_absorbed_write(a, write.after) for a in absorbed]
        target = write.after.person_id
        kept = [key for key in keys if key.kind != "phone" or key in owners or key not in snapshot.owners]
        claimed = {key: (target, snapshot.owners.get(key)) for key in kept if snapshot.owners.get(key) != target}
        for a in absorbed:
            claimed |= {k: (target, a.profile.person_id) for k in keys_of(a.profile) if k not in claimed}
        copurchase = _copurchase(entity, base) if isinstance(entity, Order) else {}
        return Change(
            store_id, event.event_id, now, writes, claimed, copurchase, snapshot.related_existing, order_credit
        )

    # ---------- products ----------

    def _product(self, event: CommerceEvent) -> Outcome:
        product = event.entity if isinstance(event.entity, Product) else None
        active = product is not None and (product.status or "active").lower() not in INACTIVE_PRODUCT_STATUSES
        change = CatalogChange(
            event.store_id,
            event.event_id,
            event.entity_id,
            product.updated_at if product else event.occurred_at,
            frozenset(product.categories) if product and active else frozenset(),
            frozenset(product.tags) if product and active else frozenset(),
        )
        return Outcome("applied" if self._store.catalog(change) else "duplicate")

    # ---------- the time sweep ----------

    def sweep(self, store_id: str, now: datetime | None = None) -> SweepOutcome:
        now = now or self._clock()
        state = self._store.store_state(store_id)
        outcome = SweepOutcome(store_id)
        state = self._refresh_vip(store_id, state, now, outcome)
        today = now.date()
        day = min(_day(state.swept_through or state.first_day) or today, today)
        while day <= today:
            label = day.isoformat()
            due = self._store.due(store_id, label, now)
            outcome.due += len(due)
            loaded = self._store.profiles(store_id, {item.person_id for item in due}) if due else {}
            for item in due:
                self._drop_if_stale(store_id, label, item, loaded.get(item.person_id))
            live = {pid: s for pid, s in loaded.items() if s.profile.merged_into is None}
            self._judge(store_id, live, state, now, outcome)
            day += timedelta(days=1)
        self._store.save_sweep(store_id, today.isoformat())
        return outcome

    def _drop_if_stale(self, store_id: str, day: str, item: DueItem, stored: StoredProfile | None) -> None:
        # The write that moves a person's due moment deletes the old due item; one left behind (its person
        # merged away or erased) is dropped here, so the next sweep does not read it again.
        due_at = stored.profile.next_change_at if stored and not stored.profile.merged_into else None
        if due_at != item.at:
            self._store.drop_due(store_id, day, item.sort_key)

    def _refresh_vip(self, store_id: str, state: StoreState, now: datetime, outcome: SweepOutcome) -> StoreState:
        if state.thresholds.vip_spend is not None:
            outcome.vip_threshold = state.thresholds.vip_spend
            return state
        if state.vip_computed_at is not None and state.vip_computed_at.date() >= now.date():
            outcome.vip_threshold = state.vip_threshold
            return state
        rank = vip_rank_from_top(state.counts.get("with_orders", 0))
        threshold = self._store.spend_at_rank(store_id, rank) if rank else None
        old = state.vip_threshold
        updated = replace(state, vip_threshold=threshold, vip_computed_at=now)
        if threshold != old:
            # Only spends between the two thresholds change sides; with no threshold before (or after), every
            # spend from the other one up does.
            bounds = [v for v in (old, threshold) if v is not None]
            high = max(bounds) if len(bounds) == 2 else None
            affected = self._store.spend_between(store_id, min(bounds), high)
            outcome.vip_reevaluated = len(affected)
            self.reevaluate(store_id, affected, now, updated, outcome)
        self._store.save_vip(store_id, threshold, now)
        outcome.vip_threshold = threshold
        return updated

    def reevaluate(
        self,
        store_id: str,
        person_ids: Iterable[str],
        now: datetime | None = None,
        state: StoreState | None = None,
        outcome: SweepOutcome | None = None,
    ) -> SweepOutcome:
        """Re-judge the given persons (``segments configure`` re-judges every person with an order)."""
        outcome = outcome or SweepOutcome(store_id)
        state = state or self._store.store_state(store_id)
        now = now or self._clock()
        ids = sorted(set(person_ids))
        for start in range(0, len(ids), _READ_CHUNK):
            loaded = self._store.profiles(store_id, ids[start : start + _READ_CHUNK])
            live = {pid: s for pid, s in loaded.items() if s.profile.merged_into is None}
            self._judge(store_id, live, state, now, outcome)
        return outcome

    def _judge(
        self, store_id: str, loaded: dict[str, StoredProfile], state: StoreState, now: datetime, outcome: SweepOutcome
    ) -> None:
        for _attempt in range(_ATTEMPTS):
            written: list[ProfileWrite] = []
            conflicted: list[str] = []
            for pid, stored in loaded.items():
                write = reevaluated(stored, state, now)
                if write.after == stored.profile and write.outbox == stored.outbox:
                    continue
                try:
                    self._store.commit(Change(store_id, None, now, [write]))
                except ConcurrentChange:
                    conflicted.append(pid)
                    continue
                written.append(write)
            outcome.changed += len(written)
            outcome.published += self._publish(store_id, written)
            if not conflicted:
                return
            fresh = self._store.profiles(store_id, conflicted)
            loaded = {pid: s for pid, s in fresh.items() if s.profile.merged_into is None}
        raise ConcurrentChange(f"{store_id}: persons {sorted(loaded)} kept changing while being re-judged")

    # ---------- the outbox ----------

    def _publish(self, store_id: str, writes: Sequence[ProfileWrite]) -> int:
        """Publish the committed writes' outboxes together (ten entries a request), then clear each."""
        return self._send(store_id, [(w.after.person_id, w.after.version + 1, w.outbox) for w in writes if w.outbox])

    def _flush(self, store_id: str, stored: Iterable[StoredProfile]) -> None:
        """Publish what an earlier attempt committed but could not publish (a redelivered event)."""
        self._send(store_id, [(s.profile.person_id, s.profile.version, s.outbox) for s in stored if s.outbox])

    def _send(self, store_id: str, batches: list[tuple[str, int, list[dict[str, Any]]]]) -> int:
        if not batches:
            return 0
        failed = set(self._publisher.publish([entry for _pid, _version, entries in batches for entry in entries]))
        for person_id, version, entries in batches:
            if not failed & {entry["detail"]["event_id"] for entry in entries}:
                self._store.clear_outbox(store_id, person_id, version)
        if failed:
            raise PublishFailed(
                f"segment events {sorted(failed)} were not accepted by the bus; they stay in the outbox"
            )
        return sum(len(entries) for _pid, _version, entries in batches)


class PublishFailed(RuntimeError):
    """The bus refused transitions; they stay on the profile and go out on the next attempt."""


def _credit(
    order: Order, after: PersonProfile, snapshot: Snapshot, found: Sequence[StoredProfile]
) -> tuple[Credit | None, frozenset[str] | None]:
    """The order's attribution change, and the person's new list of credited runs (None: unchanged).

    The facts are the profile's (an older version arriving late never replaces a newer one). The list of
    credited runs is the union of the merged persons' lists, so a run converts once whichever record it was on.
    """
    facts = after.orders.get(order.id) or order_facts(order)
    known = frozenset(run for stored in found for run in stored.credited_runs)
    change = credit(facts, touches_of(after), snapshot.previous_attribution, known, store_id=after.store_id)
    runs = known | ({change.converted_run} if change and change.converted_run else set())
    runs = still_creditable(runs, after)
    was = found[0].credited_runs if len(found) == 1 and found[0].profile.person_id == after.person_id else None
    return change, (None if runs == was else runs)


def _live_owner(person_id: str, profiles: dict[str, StoredProfile]) -> str:
    seen = set()
    while person_id in profiles and profiles[person_id].profile.merged_into and person_id not in seen:
        seen.add(person_id)
        person_id = profiles[person_id].profile.merged_into or person_id
    return person_id


def _absorbed_write(absorbed: StoredProfile, winner: PersonProfile) -> ProfileWrite:
    return ProfileWrite(after=tombstone(absorbed.profile, winner.person_id), before=absorbed.profile, full=True)


def _products(entity: Customer | Order | Cart) -> list[str]:
    if not isinstance(entity, Order):
        return []
    return list(dict.fromkeys(i.product_id for i in entity.line_items if i.product_id))[:MAX_COPURCHASE_PRODUCTS]


def _copurchase(order: Order, before: PersonProfile | None) -> dict[str, list[str]]:
    if not is_new_order(before, order.id):
        return {}
    products = _products(order)
    return {p: [o for o in products if o != p] for p in products if len(products) > 1}


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def _without_shared_phones(
    owners: dict[IdentityKey, str], keys: list[IdentityKey], live: dict[str, StoredProfile]
) -> dict[IdentityKey, str]:
    """A phone joins the event to its owner only when that owner has no email or shares one with the event.

    Households, shops' front-desk lines and placeholder numbers put one phone on several people; merging on
    it alone would let one person's unsubscribe or purchase stand for another's. Emails and customer ids are
    the keys that merge; a phone that would bridge two different email addresses stays with its owner.
    """
    emails = {key.value for key in keys if key.kind == "email"}
    if not emails:
        return owners
    kept: dict[IdentityKey, str] = {}
    for key, person_id in owners.items():
        stored = live.get(person_id)
        theirs = set(stored.profile.emails) if stored else set()
        if key.kind == "phone" and theirs and not theirs & emails:
            continue
        kept[key] = person_id
    return kept
