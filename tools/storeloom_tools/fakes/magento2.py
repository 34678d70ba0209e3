"""A fake Magento 2 REST V1 API (docs/platforms.md#magento2), seeded by magento2_data.

- ``searchCriteria`` filter groups (filters ORed in a group, groups ANDed) with eq, neq, gt, gteq, lt, lteq,
  in, nin and like; sort orders; ``pageSize``/``currentPage`` with ``total_count``. As Magento's collections
  do, a ``currentPage`` past the end answers the LAST page again (magento/magento2#3787, #26986), and a
  list without any ``searchCriteria`` is refused;
- ``GET /V1/orders``, ``/V1/customers/search``, ``/V1/products``, ``/V1/products/{sku}``,
  ``/V1/carts/search`` and ``/V1/inventory/source-items``, under ``/rest`` or ``/rest/<store code>``;
- the integration token as a bearer token (refused when ``bearer_enabled`` is False, the 2.4.4+ default),
  or OAuth 1.0a HMAC-SHA256, checked as Magento checks it: the query is read with ``rawurldecode``, so a
  ``+`` stays a plus (magento/magento2#34896), and a nonce is accepted once;
- faults (``Faults``): the injected status with ``Retry-After``.

An httpx handler (``httpx.MockTransport(api)``) that also runs behind ``LoopbackServer``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import quote, unquote, unquote_plus

import httpx

from storeloom_tools.fakes.catalog import FakeStoreData, Row
from storeloom_tools.fakes.clock import VirtualClock
from storeloom_tools.fakes.faults import Faults
from storeloom_tools.fakes.magento2_data import stamp

_PATH = re.compile(r"^/rest(?:/(?P<store>[a-z0-9_]+))?/V1/(?P<route>.+?)/?$")
_FILTER = re.compile(
    r"^searchCriteria\[filter_?groups\]\[(\d+)\]\[filters\]\[(\d+)\]\[(field|value|condition_type)\]$", re.I
)
_SORT = re.compile(r"^searchCriteria\[sort_?orders\]\[(\d+)\]\[(field|direction)\]$", re.I)
ROUTES = {
    "orders": "orders",
    "customers/search": "customers",
    "products": "products",
    "carts/search": "carts",
    "inventory/source-items": "inventory_levels",
}
# Keys FakeStoreData needs that Magento does not send for these resources.
HIDDEN = {"orders": ("id",), "inventory_levels": ("id", "updated_at", "created_at")}
Getter = Callable[[Row], Any]


def _key(name: str) -> Getter:
    return lambda row: row.get(name)


def _fields(*names: str, **renamed: Getter) -> dict[str, Getter]:
    return {name: _key(name) for name in names} | renamed


# The search fields each listing accepts (its table's columns); any other is refused with a 400.
FIELDS: dict[str, dict[str, Getter]] = {
    "orders": _fields("entity_id", "updated_at", "created_at", "customer_id", "customer_email", "state", "status"),
    "customers": _fields("updated_at", "created_at", "email", "firstname", "lastname", entity_id=_key("id")),
    "products": _fields("sku", "name", "updated_at", "created_at", "status", "type_id", entity_id=_key("id")),
    "carts": _fields(
        "updated_at",
        "created_at",
        "is_active",
        "items_count",
        entity_id=_key("id"),
        customer_id=lambda row: (row.get("customer") or {}).get("id"),
    ),
    "inventory_levels": _fields("sku", "source_code", "quantity", "status"),
}


class BadSearch(ValueError):
    pass


def _error(status: int, message: str, headers: dict[str, str] | None = None, **parameters: str) -> httpx.Response:
    body: dict[str, Any] = {"message": message}
    if parameters:
        body["parameters"] = parameters
    return httpx.Response(status, json=body, headers=headers)


@dataclass
class FakeMagento2:
    clock: VirtualClock | None = None
    access_token: str = "m2_integration_token"
    access_token_secret: str = "m2_token_secret"
    consumer_key: str = "m2_consumer_key"
    consumer_secret: str = "m2_consumer_secret"
    bearer_enabled: bool = True
    faults: Faults = field(default_factory=Faults)
    data: FakeStoreData = field(init=False)
    requests: list[str] = field(default_factory=list)
    nonces: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.data = FakeStoreData(stamp, self.clock.now if self.clock else lambda: datetime.now(UTC))

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(str(request.url))
        refused = self._refusal(request)
        if refused:
            return refused
        injected = self.faults.next_status()
        if injected:
            headers = {"Retry-After": str(self.faults.retry_after)}
            return _error(injected, "Too Many Requests" if injected == 429 else "Service Unavailable", headers)
        match = _PATH.match(request.url.path)
        if request.method != "GET" or not match:
            return _error(404, "Request does not match any route.")
        route = match["route"]
        if route.startswith("products/") and route.count("/") == 1:
            return self._product(unquote(route.removeprefix("products/")))
        if route not in ROUTES:
            return _error(404, "Request does not match any route.")
        try:
            return self._search(ROUTES[route], request.url.query.decode())
        except BadSearch as error:
            return _error(400, str(error))

    def public(self, entity: str, row: Row) -> Row:
        """The row as Magento answers it (without the keys only the fake keeps)."""
        return {key: value for key, value in row.items() if key not in HIDDEN.get(entity, ())}

    def _refusal(self, request: httpx.Request) -> httpx.Response | None:
        header = request.headers.get("authorization", "")
        if header.startswith("OAuth "):
            if oauth_valid(request, self._secrets_for, self.nonces):
                return None
            return _error(401, "The signature is invalid. Verify and try again.")
        bearer = header.removeprefix("Bearer ") if header.startswith("Bearer ") else None
        if bearer is not None and self.bearer_enabled and hmac.compare_digest(bearer, self.access_token):
            return None
        return _error(401, "The consumer isn't authorized to access %resources.", resources="Magento_Backend::admin")

    def _secrets_for(self, consumer_key: str, token: str) -> tuple[str, str] | None:
        if consumer_key == self.consumer_key and token == self.access_token:
            return self.consumer_secret, self.access_token_secret
        return None

    def _product(self, sku: str) -> httpx.Response:
        for row in self.data.all("products"):
            if row["sku"] == sku:
                return httpx.Response(200, json=row)
        return _error(404, "The product that was requested doesn't exist. Verify the product and try again.")

    def _search(self, entity: str, query: str) -> httpx.Response:
        criteria = parse_criteria(query)
        fields = FIELDS[entity]
        rows = [row for row in self.data.all(entity) if _matches(row, criteria["filter_groups"], fields)]
        for sort in reversed(criteria["sort_orders"]):
            getter = _getter(fields, sort["field"])
            rows.sort(key=lambda row: _comparable(getter(row)), reverse=sort["direction"].upper() == "DESC")
        page_rows = _page(rows, criteria.get("page_size"), criteria.get("current_page", 1))
        body = {
            "items": [self.public(entity, row) for row in page_rows],
            "search_criteria": criteria,
            "total_count": len(rows),
        }
        return httpx.Response(200, json=body)


def _page(rows: list[Row], size: int | None, page: int) -> list[Row]:
    """Past the last page, the last page again: Magento's collections clamp ``currentPage``."""
    if not size:
        return rows
    last = max(1, math.ceil(len(rows) / size))
    page = min(max(page, 1), last)
    return rows[(page - 1) * size : page * size]


def query_pairs(query: str, plus_is_space: bool) -> list[tuple[str, str]]:
    """PHP reads the query with ``urldecode`` (a ``+`` is a space); Magento's OAuth check with ``rawurldecode``."""
    decode = unquote_plus if plus_is_space else unquote
    pairs = []
    for pair in filter(None, query.split("&")):
        key, _, value = pair.partition("=")
        pairs.append((decode(key), decode(value)))
    return pairs


def parse_criteria(query: str) -> dict[str, Any]:
    """``searchCriteria[...]`` keys into Magento's own echo of them (``search_criteria`` in the answer)."""
    pairs = query_pairs(query, plus_is_space=True)
    if not any(key.startswith("searchCriteria") for key, _ in pairs):
        raise BadSearch('"searchCriteria" is required. Enter and try again.')
    groups: dict[int, dict[int, dict[str, str]]] = {}
    sorts: dict[int, dict[str, str]] = {}
    criteria: dict[str, Any] = {}
    for key, value in pairs:
        if found := _FILTER.match(key):
            groups.setdefault(int(found[1]), {}).setdefault(int(found[2]), {})[found[3].lower()] = value
        elif found := _SORT.match(key):
            sorts.setdefault(int(found[1]), {})[found[2].lower()] = value
        elif key.lower() in ("searchcriteria[pagesize]", "searchcriteria[page_size]"):
            criteria["page_size"] = _integer(key, value)
        elif key.lower() in ("searchcriteria[currentpage]", "searchcriteria[current_page]"):
            criteria["current_page"] = _integer(key, value)
    criteria["filter_groups"] = [
        {"filters": [{"condition_type": "eq", **groups[g][f]} for f in sorted(groups[g])]} for g in sorted(groups)
    ]
    criteria["sort_orders"] = [{"direction": "ASC", **sorts[s]} for s in sorted(sorts)]
    return criteria


def _integer(key: str, value: str) -> int:
    try:
        return int(value)
    except ValueError as error:
        raise BadSearch(f'The "{value}" value\'s type is invalid. The "int" type was expected. ({key})') from error


def _getter(fields: dict[str, Getter], name: str) -> Getter:
    if name not in fields:
        raise BadSearch(f"Column not found: {name}")
    return fields[name]


def _matches(row: Row, groups: list[dict[str, Any]], fields: dict[str, Getter]) -> bool:
    return all(
        any(_holds(_getter(fields, f["field"])(row), f["condition_type"], f.get("value", "")) for f in group["filters"])
        for group in groups
    )


def _comparable(value: Any) -> tuple[int, Any]:
    """Numbers compare as numbers and everything else as case-insensitive text (MySQL's default collation)."""
    if isinstance(value, bool):
        return (0, Decimal(int(value)))
    try:
        return (
            (0, Decimal(str(value)))
            if isinstance(value, int | float | str) and value != ""
            else (1, str(value).casefold())
        )
    except InvalidOperation:
        return (1, str(value).casefold())


def _holds(value: Any, condition: str, wanted: str) -> bool:
    if condition in ("in", "nin"):
        inside = _comparable(value) in {_comparable(part.strip()) for part in wanted.split(",")}
        return inside if condition == "in" else not inside
    if condition == "like":
        pattern = "^" + ".*".join(re.escape(part) for part in wanted.split("%")) + "$"
        return value is not None and re.match(pattern, str(value), re.I) is not None
    comparisons: dict[str, Callable[[Any, Any], bool]] = {
        "eq": lambda a, b: a == b,
        "neq": lambda a, b: a != b,
        "gt": lambda a, b: a > b,
        "gteq": lambda a, b: a >= b,
        "lt": lambda a, b: a < b,
        "lteq": lambda a, b: a <= b,
    }
    if condition not in comparisons:
        raise BadSearch(f"Invalid condition type: {condition}")
    if value is None:
        return False
    left, right = _comparable(value), _comparable(wanted)
    return left[0] == right[0] and comparisons[condition](left[1], right[1])


def _rfc3986(text: str) -> str:
    return quote(text, safe="~")


def _oauth_header(header: str) -> dict[str, str]:
    pairs = re.findall(r'([A-Za-z_]+)="([^"]*)"', header.removeprefix("OAuth "))
    return {key: unquote(value) for key, value in pairs}


def oauth_base_string(method: str, url: httpx.URL, oauth: dict[str, str]) -> str:
    """RFC 5849 3.4.1, with the query decoded as Magento decodes it (``rawurldecode``: ``+`` stays ``+``)."""
    pairs = query_pairs(url.query.decode(), plus_is_space=False)
    pairs += [(key, value) for key, value in oauth.items() if key not in ("oauth_signature", "realm")]
    normalized = "&".join(f"{k}={v}" for k, v in sorted((_rfc3986(k), _rfc3986(v)) for k, v in pairs))
    port = f":{url.port}" if url.port else ""
    base_uri = f"{url.scheme.lower()}://{url.host.lower()}{port}{url.path}"
    return "&".join(_rfc3986(part) for part in (method.upper(), base_uri, normalized))


def oauth_valid(
    request: httpx.Request, secrets_for: Callable[[str, str], tuple[str, str] | None], nonces: set[str]
) -> bool:
    oauth = _oauth_header(request.headers["authorization"])
    secrets = secrets_for(oauth.get("oauth_consumer_key", ""), oauth.get("oauth_token", ""))
    nonce = oauth.get("oauth_nonce", "")
    if secrets is None or oauth.get("oauth_signature_method") != "HMAC-SHA256" or not nonce or nonce in nonces:
        return False
    key = "&".join(_rfc3986(secret) for secret in secrets).encode()
    digest = hmac.new(key, oauth_base_string(request.method, request.url, oauth).encode(), hashlib.sha256).digest()
    if not hmac.compare_digest(base64.b64encode(digest).decode(), oauth.get("oauth_signature", "")):
        return False
    nonces.add(nonce)
    return True
