"""Backfills through Shopify bulk operations (docs/platforms.md#shopify; shopify.dev bulk-operations/queries).

``bulkOperationRunQuery`` runs the whole ``orders`` (``customers``, ``products``) connection, filtered on
updated_at, on Shopify's side; ``bulkOperation(id)`` is polled until it is COMPLETED, and its ``url`` (a
signed storage address, valid 7 days: the shop's access token is not sent there) holds JSONL: one object
per line, a nested connection's children on their own lines naming their parent in ``__parentId``.

The file is streamed, never held: a parent is handed on, with its children attached, when the next parent's
line arrives, so memory holds one parent at a time. That needs the children right after their parent, which
``groupObjects: true`` asks for (the default has been ungrouped since 2026-01); a child arriving after
another parent is refused rather than attached late. Lines are split on ``\\n`` bytes, not with
``iter_lines``, which splits like ``str.splitlines`` and so inside a JSON string holding U+2028.

``BulkSource`` is the backfill's PlatformSource: each page is the next parents of the file, and its token
is the byte offset the page ended at, so a resumed backfill asks for the rest with ``Range: bytes=N-``.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Generator, Iterator, Mapping
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx

from storeloom.domain.cursor import ApiPage, Cursor, PolledItem
from storeloom.domain.types import loads
from storeloom.platforms.shopify import graphql_mapping as rows
from storeloom.platforms.shopify import graphql_queries as q
from storeloom.platforms.shopify.api_client import position_of
from storeloom.platforms.shopify.graphql_client import LISTINGS, ShopifyGraphqlClient, updated_since
from storeloom.services.platform_port import ApiError

# A child line's connection, told by the type in its global id.
CHILD_CONNECTIONS = {"LineItem": "lineItems", "ProductVariant": "variants"}
EXPORTABLE = ("orders", "customers", "products")
FINISHED = {"COMPLETED", "FAILED", "CANCELED", "EXPIRED"}
CHUNK_BYTES = 64 * 1024


class BulkFailed(ApiError):
    """The operation ended without a result (FAILED, CANCELED, EXPIRED), or its result was malformed."""


@dataclass(frozen=True)
class Parent:
    """One complete parent, REST-shaped, and the byte offset just past its last line."""

    row: rows.Row
    end: int
    last: bool


def bulk_query(entity: str, since: datetime) -> str:
    listing = LISTINGS[entity]
    return q.bulk_document(listing.root, listing.fields, updated_since(since), listing.sort)


def _child_key(line: Mapping[str, Any]) -> str:
    kind = str(line.get("id") or "").removeprefix("gid://shopify/").split("/", 1)[0]
    if kind not in CHILD_CONNECTIONS:
        raise BulkFailed(f"bulk result: a child line of unknown type {kind!r}")
    return CHILD_CONNECTIONS[kind]


def _lines(response: httpx.Response, offset: int) -> Iterator[tuple[bytes, int]]:
    """Each non-empty line with the byte offset just past it (its newline included)."""
    buffer, position = b"", offset
    for chunk in response.iter_bytes(CHUNK_BYTES):
        buffer += chunk
        *complete, buffer = buffer.split(b"\n")
        for line in complete:
            position += len(line) + 1
            if line.strip():
                yield line, position
    if buffer.strip():
        yield buffer, position + len(buffer)


def parents(response: httpx.Response, entity: str, offset: int = 0) -> Iterator[Parent]:
    """The REST-shaped parents of a JSONL stream, one at a time, each with its children attached."""
    mapper = LISTINGS[entity].row
    current: dict[str, Any] | None = None
    end = offset
    for raw, position in _lines(response, offset):
        line = loads(raw)
        parent_id = line.pop("__parentId", None)
        if parent_id is None:
            if current is not None:
                yield Parent(mapper(current), end, last=False)
            current = line
        elif current is None or parent_id != current.get("id"):
            raise BulkFailed("bulk result: a child line does not follow its parent (ask with groupObjects: true)")
        else:
            current.setdefault(_child_key(line), []).append(line)
        end = position
    if current is not None:
        yield Parent(mapper(current), end, last=True)


@dataclass
class ShopifyBulk:
    """Start, wait for and read bulk exports through one store's GraphQL client (its transport and limiter).
    ``poll_seconds`` grows by half each poll, up to ``max_poll_seconds``."""

    client: ShopifyGraphqlClient
    poll_seconds: float = 2.0
    max_poll_seconds: float = 30.0
    polls: int = 0

    def start(self, entity: str, since: datetime) -> str:
        """The new operation's id."""
        if entity not in EXPORTABLE:
            raise ValueError(f"entity: bulk exports serve {list(EXPORTABLE)}, not {entity!r}")
        data = self.client.execute(q.RUN_BULK, {"query": bulk_query(entity, since)})
        payload = data.get("bulkOperationRunQuery") or {}
        problems = payload.get("userErrors") or []
        if problems:
            raise ApiError(f"bulkOperationRunQuery: {'; '.join(str(p.get('message'))[:160] for p in problems)}")
        return str(payload["bulkOperation"]["id"])

    def status(self, operation_id: str) -> dict[str, Any]:
        self.polls += 1
        found = self.client.execute(q.BULK_STATUS, {"id": operation_id}).get("bulkOperation")
        if not found:
            raise BulkFailed(f"bulk operation {operation_id} does not exist")
        return dict(found)

    def wait(self, operation_id: str, max_seconds: float) -> tuple[bool, str | None]:
        """(finished, result url); the url is None when the operation matched nothing."""
        waited, delay = 0.0, self.poll_seconds
        while True:
            found = self.status(operation_id)
            if found["status"] == "COMPLETED":
                return True, found.get("url")
            if found["status"] in FINISHED:
                raise BulkFailed(f"bulk operation {operation_id}: {found['status']} ({found.get('errorCode')})")
            if waited >= max_seconds:
                return False, None
            self.client.limiter.sleep(delay)
            waited, delay = waited + delay, min(delay * 1.5, self.max_poll_seconds)

    def rows(self, entity: str, since: datetime, max_seconds: float = 24 * 3600.0) -> Iterator[rows.Row]:
        """Every ``entity`` changed since ``since``, REST-shaped, one complete parent at a time."""
        finished, url = self.wait(self.start(entity, since), max_seconds)
        if not finished:
            raise BulkFailed(f"bulk export of {entity} did not finish within {max_seconds:.0f} s")
        if url:
            for parent in self.read(url, entity):
                yield parent.row

    def read(self, url: str, entity: str, offset: int = 0) -> Generator[Parent, None, None]:
        """The result from byte ``offset`` (the start of a parent's line) on."""
        headers = {"Range": f"bytes={offset}-"} if offset else {}
        try:
            with self.client.transport.http.stream("GET", url, headers=headers) as response:
                if response.status_code not in (200, 206):
                    raise ApiError(f"bulk result: HTTP {response.status_code} from storage", response.status_code)
                if offset and response.status_code == 200:  # Range ignored: skip to the offset ourselves
                    yield from _after_skip(response, entity, offset)
                    return
                yield from parents(response, entity, offset)
        except httpx.HTTPError as error:
            raise ApiError(f"bulk result: download failed ({type(error).__name__})") from error


def _after_skip(response: httpx.Response, entity: str, offset: int) -> Iterator[Parent]:
    for parent in parents(response, entity, 0):
        if parent.end > offset:
            yield parent


def _encode(state: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(state, separators=(",", ":")).encode()).decode()


def _decode(token: str) -> dict[str, Any] | None:
    """The export a token names, or None for a token this source did not write (a paged listing's)."""
    try:
        state = json.loads(base64.urlsafe_b64decode(token.encode()))
    except ValueError:
        return None
    return state if isinstance(state, dict) and isinstance(state.get("op"), str) else None


@dataclass
class BulkSource:
    """The backfill's PlatformSource over bulk exports. The first fetch starts the operation and waits up
    to ``max_wait_seconds`` for it (an empty page with a token if it is still running, so the sync service
    saves its place and a later run polls on); then each page is the next ``page_size`` parents."""

    bulk: ShopifyBulk
    page_size: int = 250
    max_wait_seconds: float = 600.0
    platform: str = "shopify"

    @property
    def requests(self) -> int:
        return self.bulk.client.requests

    def topic_for(self, entity: str) -> str:
        return self.bulk.client.topic_for(entity)

    def count(self, entity: str, since: datetime) -> int | None:
        return self.bulk.client.count(entity, since)

    def fetch(self, entity: str, since: datetime, after: Cursor | None, token: str | None) -> ApiPage:
        before = self.requests
        state = (_decode(token) if token else None) or {"op": self.bulk.start(entity, since)}
        if "url" not in state:
            finished, url = self.bulk.wait(state["op"], self.max_wait_seconds)
            if not finished:
                return ApiPage([], _encode(state), self.requests - before, ordered=False)
            if url is None:
                return ApiPage([], None, self.requests - before, ordered=False)
            state = {**state, "url": url, "offset": 0}
        items, following = self._page(entity, state)
        return ApiPage(items, _encode(following) if following else None, self.requests - before, ordered=False)

    def _page(self, entity: str, state: dict[str, Any]) -> tuple[list[PolledItem], dict[str, Any] | None]:
        items: list[PolledItem] = []
        with closing(self.bulk.read(state["url"], entity, state["offset"])) as found:
            for parent in found:
                items.append(PolledItem(position_of(parent.row, entity), json.dumps(parent.row)))
                if parent.last:
                    return items, None
                if len(items) >= self.page_size:
                    return items, {**state, "offset": parent.end}
        return items, None


def backfill_source(client: Any, entity: str, page_size: int = 250) -> BulkSource | None:
    """The bulk source a backfill of ``entity`` should read, or None to page the client as usual (a REST
    client, or an entity bulk exports do not serve)."""
    if isinstance(client, ShopifyGraphqlClient) and entity in EXPORTABLE:
        return BulkSource(ShopifyBulk(client), page_size)
    return None
