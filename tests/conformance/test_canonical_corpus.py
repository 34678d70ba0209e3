"""Every platform's real payloads (../shared/corpus/<kit.corpus>/, read in place) leave its adapter as canonical
JSON under the contract: string ids, Decimal strings for money, UTC ``Z`` timestamps, lower-cased emails and
the fixed vocabularies (tests/unit/contract_checks.py).

A file is read as what its name says, in the adapter's own words: a topic of the adapter (``orders_paid`` is
``orders/paid``, ``getOrders`` is ``getOrders``) goes through ``normalize``, else the longest resource name
it mentions (``abandoned_checkouts``; of equals, the first) through ``normalize_resource``; a batch body's
items are read one by one. A file that names neither, or that the adapter refuses, is skipped with the
adapter's reason; a platform with no file that maps fails. A kit's ``corpus_expectations`` name, for some
files, the values their entities must carry (consent, contact, country, related products).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from storeloom.domain.model import CommerceEvent
from storeloom.domain.types import loads
from storeloom.services.platform_port import NormalizationError, NormalizeContext
from tests.conformance.conftest import CORPUS, kit_names, load_kit
from tests.conformance.kit import PlatformKit
from tests.unit.contract_checks import assert_contract

CONTEXT = NormalizeContext(store_id="corpus", source="poll", received_at=datetime(2025, 1, 1, tzinfo=UTC))
BATCH_KEYS = ("create", "update", "delete")


def words(text: str) -> list[str]:
    return [word.lower() for word in re.split(r"[^A-Za-z0-9]+", text) if word]


def position(phrase: str, file_name: str) -> int | None:
    """Where the words of ``phrase`` start, consecutively, among the file name's words (None: nowhere)."""
    wanted, found = words(phrase), words(file_name)
    return next((i for i in range(len(found) - len(wanted) + 1) if found[i : i + len(wanted)] == wanted), None)


def longest_named(candidates: Any, file_name: str) -> str | None:
    """The candidate of most words the file name holds; of equals, the one it names first."""
    named = [(-len(words(c)), at, c) for c in candidates if (at := position(c, file_name)) is not None]
    return min(named)[2] if named else None


def corpus_files(corpus: str) -> list[Path]:
    folder = CORPUS / corpus
    return sorted(folder.glob("*.json")) if folder.is_dir() else []


def cases() -> list[Any]:
    """(kit name, corpus file) for every file of every kit's corpus; one placeholder per kit without any."""
    found = []
    for name in kit_names():
        try:
            files = corpus_files(load_kit(name).corpus)
        except Exception:  # the kit fixture fails it, with the reason
            files = []
        found += [pytest.param(name, path, id=f"{name}/{path.name}") for path in files]
        found += [] if files else [pytest.param(name, None, id=f"{name}/no-corpus")]
    return found


@dataclass(frozen=True)
class Reading:
    """How a corpus file is read: through a topic (``normalize``) or as a polled resource."""

    topic: str | None = None
    resource: str | None = None


def reading_of(kit: PlatformKit, adapter: Any, path: Path) -> Reading | None:
    """The adapter's topics, else its resource names (the aliases it accepts and the descriptor's polled
    entities), that the file name holds; None when it holds none."""
    topic = longest_named(adapter.topics, path.stem)
    if topic is not None:
        return Reading(topic=topic)
    resources = set(getattr(adapter, "resource_aliases", ())) | set(kit.descriptor.polled_entities)
    resource = longest_named(resources, path.stem)
    return Reading(resource=resource) if resource is not None else None


def normalized(adapter: Any, reading: Reading, payload: Any) -> list[CommerceEvent]:
    if reading.topic is not None:
        events: list[CommerceEvent] = adapter.normalize(reading.topic, payload, CONTEXT)
        return events
    items = [payload]
    if isinstance(payload, Mapping) and set(BATCH_KEYS) & set(payload):  # a batch answer: its items, one by one
        items = [item for key in BATCH_KEYS for item in payload.get(key, [])]
    return [event for item in items for event in adapter.normalize_resource(reading.resource, item, CONTEXT)]


def mapped(kit: PlatformKit, path: Path) -> list[CommerceEvent] | str:
    """The file's events, or why it is not mapped."""
    adapter = kit.descriptor.adapter(currency="USD")
    reading = reading_of(kit, adapter, path)
    if reading is None:
        return f"{path.name}: names no topic or resource of the {kit.platform} adapter"
    try:
        return normalized(adapter, reading, loads(path.read_bytes()))
    except NormalizationError as error:
        return f"{path.name} as {reading.topic or reading.resource}: refused ({type(error).__name__}): {error}"


@pytest.mark.parametrize(("kit", "path"), cases(), indirect=["kit"])
def test_corpus_file_leaves_the_adapter_under_the_canonical_contract(kit: PlatformKit, path: Path | None) -> None:
    if path is None:
        pytest.skip(f"no corpus at {CORPUS / kit.corpus}")
    events = mapped(kit, path)
    if isinstance(events, str):
        pytest.skip(events)
    assert events, f"{path.name}: mapped to no events"
    for event in events:
        assert event.platform == kit.platform
        assert_contract(event)


def expectation_cases() -> list[Any]:
    """(kit name, corpus file name) for every file a kit states expectations for."""
    return [
        pytest.param(name, file_name, id=f"{name}/{file_name}")
        for name in kit_names()
        for file_name in load_kit(name).corpus_expectations
    ]


@pytest.mark.parametrize(("kit", "file_name"), expectation_cases(), indirect=["kit"])
def test_corpus_file_maps_to_the_values_its_kit_expects(kit: PlatformKit, file_name: str) -> None:
    path = CORPUS / kit.corpus / file_name
    if not path.is_file():
        pytest.skip(f"no corpus file {path}")
    events = mapped(kit, path)
    assert not isinstance(events, str), events
    found = {f"{e.entity_type}/{e.entity_id}": e.entity.model_dump(mode="json") for e in events if e.entity}
    for key, fields in kit.corpus_expectations[file_name].items():
        assert key in found, f"{file_name}: no {key} among {sorted(found)}"
        assert {name: found[key][name] for name in fields} == dict(fields), f"{file_name}: {key}"


def test_at_least_one_corpus_file_maps(kit: PlatformKit) -> None:
    files = corpus_files(kit.corpus)
    if not files:
        pytest.skip(f"no corpus at {CORPUS / kit.corpus}")
    outcomes = [mapped(kit, path) for path in files]
    assert any(not isinstance(outcome, str) for outcome in outcomes), "no corpus file maps:\n" + "\n".join(
        str(outcome) for outcome in outcomes
    )
