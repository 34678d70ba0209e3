"""Every platform's client, built as the poller builds it (descriptor.client), walked by the real SyncService
over its fake: many orders sharing modified seconds, pages small enough that the ties straddle them, and the
platform's own throttling, server errors, edits and a kill in the middle of the walk.

"Once" is counted in the queue: each (order id, modified time) version enqueued exactly once. Where the
design allows a re-read (a resumed run's own second; the next run's overlap) it is judged after ingest's
dedupe instead: every order present at its real versions, none other.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from storeloom.services.polling.sync import SyncReport
from tests.conformance.conftest import Store

# Longer than any pause between two requests of an unthrottled walk, and short enough for every platform to
# name: Shopify's GraphQL can only say how many points are missing, so a wait of at most cost / restoreRate.
WAIT_SECONDS = 3.0
THROTTLED = 2


class Killed(Exception):
    """The poller's process dies between two pages."""


def assert_each_order_once(store: Store) -> None:
    enqueued, truth = store.enqueued(), store.truth()
    missing = sorted(set(truth.items()) - set(enqueued))
    assert not missing, f"{len(missing)} of {len(truth)} order versions never enqueued, e.g. {missing[:3]}"
    doubled = sorted(version for version, count in enqueued.items() if count > 1)
    assert not doubled, f"{len(doubled)} order versions enqueued more than once, e.g. {doubled[:3]}"
    stale = sorted(set(enqueued) - set(truth.items()))
    assert not stale, f"versions that are no order's current one: {stale[:3]}"


def ties_straddle_pages(store: Store) -> bool:
    moments = sorted(store.truth().values())
    return any(moments[i - 1] == moments[i] for i in range(store.page_size, len(moments), store.page_size))


def test_a_full_sync_enqueues_every_order_once_with_ties_across_pages(store: Store) -> None:
    assert ties_straddle_pages(store), f"the {store.kit.platform} seed puts no tie across a page boundary"

    report = store.sync()

    assert report.complete and report.pages > 2
    assert_each_order_once(store)


def test_the_platforms_own_429_wait_is_honoured(store: Store) -> None:
    unthrottled = Store(store.kit)
    unthrottled.sync()
    assert max(unthrottled.pauses()) < WAIT_SECONDS  # so only the named wait explains a pause that long
    store.kit.throttle(store.api, THROTTLED, WAIT_SECONDS)

    report = store.sync()

    assert report.complete
    waits = [pause for pause in store.pauses() if pause >= WAIT_SECONDS - 1e-6]
    assert len(waits) >= THROTTLED, (
        f"{THROTTLED} throttled answers, but the client paused {WAIT_SECONDS}s {len(waits)}x"
    )
    assert_each_order_once(store)


def test_a_5xx_in_the_middle_of_the_walk_loses_nothing(store: Store) -> None:
    store.api.faults.at_request(3, 500)

    report = store.sync()

    assert report.complete and not store.api.faults.scheduled  # the fault was served
    assert_each_order_once(store)


def test_an_order_edited_during_the_walk_arrives_in_its_new_version(store: Store) -> None:
    edited: dict[str, datetime] = {}

    def edit_one_read_on_page_one(report: SyncReport) -> None:
        if report.pages == 1:
            [first, *_] = [event.entity_id for event in store.events() if event.entity_type == "order"]
            edited[first] = store.edit(first)

    store.sync(on_page=edit_one_read_on_page_one)
    store.clock.advance(300)  # the next poll (Amazon also hides the last two minutes)
    store.sync()

    [(order_id, new_version)] = edited.items()
    versions = store.versions()
    assert new_version in versions[order_id] and store.stored() == store.truth()
    assert set(versions) == set(store.truth())
    assert all(len(found) == 1 for i, found in versions.items() if i != order_id), "an unedited order has 2 versions"


def test_a_run_killed_between_pages_resumes_from_its_checkpoint(store: Store) -> None:
    def die_after_page_one(report: SyncReport) -> None:
        if report.pages == 1:
            raise Killed

    with pytest.raises(Killed):
        store.sync(on_page=die_after_page_one)
    checkpoint = store.checkpoint()
    assert checkpoint is not None and checkpoint.resume is not None, "page 1 left no resume point"
    store.restart()

    report = store.sync()

    assert report.complete
    enqueued = store.enqueued()
    assert store.stored() == store.truth(), "the two runs together missed orders"
    again = {version for version, count in enqueued.items() if count > 1}
    # Only the resume point's own second may be read again (ingest dedupes it: same idempotency key).
    assert all(moment == checkpoint.resume.updated_at for _, moment in again), f"re-read beyond the resume: {again}"
