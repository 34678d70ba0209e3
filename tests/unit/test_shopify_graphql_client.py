"""The Shopify GraphQL Admin client: documented variables, keyset paging with ties, cost-based pacing,
THROTTLED answers, and rows that normalize to the same canonical entities as REST's."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import graphql
import httpx
import pytest

from storeloom.domain.ingest_message import IngestMessage
from storeloom.domain.model import Cart, Customer, Entity, Order
from storeloom.domain.stores import StoreRecord, StoreSecrets
from storeloom.domain.types import loads
from storeloom.platforms.descriptor import ClientContext
from storeloom.platforms.http import ApiTransport
from storeloom.platforms.ratelimit import RateLimiter
from storeloom.platforms.registry import get_adapter
from storeloom.platforms.shopify import ShopifyAdapter, graphql_client
from storeloom.platforms.shopify import graphql_queries as q
from storeloom.platforms.shopify.api_client import ShopifyClient, read_call_limit
from storeloom.platforms.shopify.graphql_client import (
    LISTINGS,
    THROTTLE_ATTEMPTS,
    ShopifyGraphqlClient,
    client_for,
    graphql_transport,
)
from storeloom.platforms.shopify.graphql_mapping import (
    checkout_row,
    customer_row,
    legacy_id,
    order_row,
    product_row,
    rest_amount,
)
from storeloom.services.platform_port import ApiError, NormalizeContext
from storeloom.services.polling.health import SubscriptionHealth
from storeloom.services.polling.sync import SyncReport, SyncRequest, SyncService
from storeloom_tools.fakes import FakeShopify, VirtualClock, seed_shopify
from storeloom_tools.fakes.shopify_graphql import FakeShopifyGraphql, customer_node, order_node, product_node
from tests.fakes.polling import IngestReplica, MemoryCheckpoints, MemorySink

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus" / "shopify"
CONTEXT = NormalizeContext(store_id="shop-1", source="poll", received_at=datetime(2026, 1, 5, 12, tzinfo=UTC))
SINCE = datetime(2025, 1, 1, tzinfo=UTC)


@dataclass
class Store:
    """One fake shop read through both APIs on a virtual clock, with the sync service over in-memory ports."""

    orders: int = 0
    customers: int = 1
    products: int = 3
    checkouts: int = 0
    page_size: int = 250
    bucket: float = 2000.0
    clock: VirtualClock = field(default_factory=VirtualClock)
    checkpoints: MemoryCheckpoints = field(default_factory=MemoryCheckpoints)

    def __post_init__(self) -> None:
        self.rest = FakeShopify(clock=self.clock)
        seed_shopify(self.rest.data, self.orders, self.customers, self.products, checkouts=self.checkouts)
        self.api = FakeShopifyGraphql(clock=self.clock, rest=self.rest, maximum_available=self.bucket)
        self.http = httpx.Client(transport=httpx.MockTransport(self.api))
        context = ClientContext(self.http, sleep=self.clock.sleep, monotonic=self.clock.monotonic)
        self.client = ShopifyGraphqlClient(
            "https://fake.example", "shpat_local", graphql_transport(context), self.page_size
        )

    def rest_client(self) -> ShopifyClient:
        limiter = RateLimiter(monotonic=self.clock.monotonic, sleep=self.clock.sleep)
        transport = ApiTransport(self.http, limiter, read_call_limit, sleep=self.clock.sleep)
        return ShopifyClient("https://fake.example", "shpat_local", transport)

    def sync(
        self,
        entity: str = "orders",
        source: Any = None,
        sink: MemorySink | None = None,
        remaining_ms: Callable[[], int] = lambda: 1 << 30,
        on_page: Callable[[SyncReport], None] | None = None,
    ) -> tuple[SyncReport, MemorySink]:
        sink = sink if sink is not None else MemorySink()
        service = SyncService(self.checkpoints, sink, self.clock.now, first_lookback=timedelta(days=60))
        report = service.run(SyncRequest("shop-1", entity), source or self.client, remaining_ms, on_page)
        return report, sink

    def variables(self) -> list[dict[str, Any]]:
        return [op["variables"] for op in self.api.operations]


def canonical(bodies: list[str]) -> dict[str, Entity]:
    """What ingest would store from the enqueued messages: the latest version per entity id."""
    adapter = get_adapter("shopify", currency="USD")
    found: dict[str, Entity] = {}
    for body in bodies:
        message = IngestMessage.model_validate_json(body)
        for event in adapter.normalize(message.topic, loads(message.body or ""), CONTEXT):
            assert event.entity is not None
            found[event.entity_id] = event.entity
    return found


def normalized(entity_type: str, row: dict[str, Any]) -> Entity:
    [event] = ShopifyAdapter(currency="USD").normalize_resource(entity_type, row, CONTEXT)
    entity: Entity | None = event.entity
    assert entity is not None
    return entity


# --- what is sent ----------------------------------------------------------------------------------------


def test_a_listing_posts_its_document_with_the_documented_variables() -> None:
    store = Store(orders=60)

    store.sync()

    sent = store.api.requests
    assert sent and all(url == "https://fake.example/admin/api/2026-07/graphql.json" for url in sent)
    first, *rest = store.variables()
    assert first == {"first": 23, "after": None, "query": "updated_at:>='2025-11-06T12:00:00Z'"}
    assert [v["after"] is not None for v in rest] == [True, True] and all(v["query"] == first["query"] for v in rest)
    document = graphql.parse(LISTINGS["orders"].operation.text)
    [root] = document.definitions[0].selection_set.selections  # type: ignore[attr-defined]
    arguments = {a.name.value: graphql.print_ast(a.value) for a in root.arguments}
    assert arguments == {"first": "$first", "after": "$after", "query": "$query", "sortKey": "UPDATED_AT"}


def test_the_api_version_is_a_constructor_parameter_and_the_token_a_header() -> None:
    seen: list[httpx.Request] = []
    store = Store()

    def spy(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return store.api(request)

    context = ClientContext(httpx.Client(transport=httpx.MockTransport(spy)))
    client = ShopifyGraphqlClient(
        "https://x.example/", "shpat_local", graphql_transport(context), api_version="2025-10"
    )

    client.count("orders", SINCE)

    assert seen[0].url.path == "/admin/api/2025-10/graphql.json" and seen[0].method == "POST"
    assert seen[0].headers["x-shopify-access-token"] == "shpat_local"
    assert json.loads(seen[0].content)["variables"] == {"query": "updated_at:>='2025-01-01T00:00:00Z'"}


def test_every_document_parses_and_stays_under_the_single_query_ceiling() -> None:
    operations = [listing.operation for listing in LISTINGS.values()]
    operations += [op for listing in LISTINGS.values() for op in listing.followups.values()]
    operations += [q.SUBSCRIPTIONS, q.CREATE_SUBSCRIPTION, q.UPDATE_SUBSCRIPTION, q.RUN_BULK, q.BULK_STATUS]

    for operation in operations:
        graphql.parse(operation.text)
        first = operation.fit(250)
        assert operation.cost(first) <= q.MAX_QUERY_COST
        assert first == 250 or operation.cost(first + 1) > q.MAX_QUERY_COST  # no smaller page than needed


def test_the_client_prices_its_order_page_as_the_fake_prices_it_from_the_document() -> None:
    store = Store(orders=30)
    orders = LISTINGS["orders"].operation

    store.client.fetch("orders", SINCE, None, None)

    assert store.api.operations[0]["requested"] == orders.cost(23) == 968
    assert orders.cost(250) == 10_502  # 250 orders would ask ten times the 1,000-point ceiling


def test_a_query_over_the_ceiling_is_an_api_error_naming_the_code_and_not_the_token() -> None:
    store = Store(orders=3)

    with pytest.raises(ApiError, match="MAX_COST_EXCEEDED") as raised:
        store.client.execute(LISTINGS["orders"].operation, {"first": 250, "after": None, "query": None}, 250)

    assert "shpat_local" not in str(raised.value)


def test_a_wrong_token_is_an_api_error_and_is_not_retried() -> None:
    store = Store(orders=3)
    store.api.access_token = "shpat_other"

    with pytest.raises(ApiError, match="401"):
        store.client.fetch("orders", SINCE, None, None)
    assert store.client.requests == 1


# --- paging ----------------------------------------------------------------------------------------------


def test_ties_across_page_boundaries_are_neither_missed_nor_doubled() -> None:
    store = Store(orders=69)
    same_second = store.clock.now() - timedelta(hours=1)
    for order_id in list(store.rest.data.rows["orders"])[:50]:  # 50 orders in one second, over 3 pages of 23
        store.rest.data.touch("orders", order_id, same_second)

    report, sink = store.sync()

    ids = [json.loads(IngestMessage.model_validate_json(b).body or "")["id"] for b in sink.bodies]
    assert report.complete and report.pages == 3
    assert sorted(ids) == sorted(store.rest.data.rows["orders"]) and len(ids) == len(set(ids))


def test_a_run_stopped_by_its_time_budget_resumes_without_losing_any_order() -> None:
    store = Store(orders=70)
    budget = iter([1 << 30, 1 << 30, 0])  # two pages, then the Lambda is out of time

    first, sink = store.sync(remaining_ms=lambda: next(budget, 0))
    second, _ = store.sync(sink=sink)

    assert first.stopped == "time budget" and second.complete
    replica = IngestReplica()
    replica.consume(sink.bodies)
    assert set(replica.latest) == set(store.rest.data.rows["orders"])


def test_a_5xx_in_the_middle_of_a_walk_is_retried_and_the_walk_completes() -> None:
    store = Store(orders=60)
    store.api.faults.at_request(2, 502)

    report, sink = store.sync()

    assert report.complete and len(sink.bodies) == 60
    assert store.client.transport.retries == 1


def test_an_order_edited_during_the_walk_is_read_again_in_its_new_version() -> None:
    store = Store(orders=60)
    edited: list[str] = []

    def edit_once(report: SyncReport) -> None:
        if not edited:
            first_id = min(
                store.rest.data.rows["orders"], key=lambda i: store.rest.data.rows["orders"][i]["updated_at"]
            )
            store.rest.data.touch("orders", first_id, financial_status="refunded")
            edited.append(first_id)

    report, sink = store.sync(on_page=edit_once)

    latest = canonical(sink.bodies)
    assert report.complete and set(latest) == set(store.rest.data.rows["orders"])
    assert latest[edited[0]].payment_status == "refunded"  # type: ignore[union-attr]


def test_a_walk_deeper_than_the_platform_pages_starts_a_new_search_and_misses_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store = Store(orders=130)
    store.api.walk_limit = 50
    monkeypatch.setattr(graphql_client, "WALK_LIMIT", 50)

    report, sink = store.sync()

    searches = [v["query"] for v in store.variables()]
    assert report.complete and len(set(searches)) >= 3  # 130 orders, at most 50 a search
    assert set(canonical(sink.bodies)) == set(store.rest.data.rows["orders"])
    monkeypatch.setattr(graphql_client, "WALK_LIMIT", 10**9)
    store.checkpoints.items.clear()
    with pytest.raises(ApiError, match="limited to 50 objects"):
        store.sync()  # without the new search, the fake refuses the page past its limit, as Shopify does


def test_a_page_token_this_client_did_not_write_restarts_the_listing_at_since() -> None:
    store = Store(orders=1, checkouts=4)
    rest_page_info = "eyJsYXN0X2lkIjo0NTA3ODk0NjksImRpcmVjdGlvbiI6Im5leHQifQ"

    page = store.client.fetch("checkouts", SINCE, None, rest_page_info)

    assert len(page.items) == 4 and store.variables()[0]["after"] is None


def test_orders_with_more_line_items_than_a_page_carries_are_read_to_the_end() -> None:
    store = Store(orders=2)
    order_id = next(iter(store.rest.data.rows["orders"]))
    lines = [
        {"id": 700 + n, "product_id": 1, "variant_id": 2, "sku": f"S{n}", "title": f"T{n}", "quantity": 1}
        | {"price": "1.00"}
        for n in range(12)
    ]
    store.rest.data.touch("orders", order_id, line_items=lines)

    page = store.client.fetch("orders", SINCE, None, None)

    row = next(json.loads(i.body) for i in page.items if json.loads(i.body)["id"] == order_id)
    assert [line["sku"] for line in row["line_items"]] == [f"S{n}" for n in range(12)]
    assert [op["name"] for op in store.api.operations] == ["Page", "Children"]


def test_inventory_levels_are_walked_location_after_location() -> None:
    store = Store()
    for location, item in ((11, 1), (11, 2), (12, 3)):
        row = {"id": f"{item}:{location}", "inventory_item_id": item, "location_id": location, "available": item}
        store.rest.data.put("inventory_levels", row)
    context = ClientContext(store.http, sleep=store.clock.sleep, monotonic=store.clock.monotonic)
    client = ShopifyGraphqlClient("https://x", "shpat_local", graphql_transport(context), 1, location_ids="11,12")

    found, token = [], None
    for _ in range(5):
        page = client.fetch("inventory_levels", SINCE, None, token)
        found += [(p.position.id, json.loads(p.body)["available"]) for p in page.items]
        if (token := page.next_token) is None:
            break

    assert sorted(found) == [("1:11", 1), ("2:11", 2), ("3:12", 3)]
    assert {v["location"] for v in store.variables()} == {"gid://shopify/Location/11", "gid://shopify/Location/12"}


# --- rate limit ------------------------------------------------------------------------------------------


def test_a_throttled_answer_is_sent_again_once_its_cost_is_restored() -> None:
    store = Store(orders=10)
    store.api.throttle(2, wait_seconds=3.0)

    page = store.client.fetch("orders", SINCE, None, None)

    assert len(page.items) == 10 and store.client.throttles == 2
    assert store.clock.elapsed == pytest.approx(6.0, abs=0.05)  # two 3 s restores, no more


def test_throttled_answers_that_never_end_are_an_api_error() -> None:
    store = Store(orders=1)
    store.api.throttle(THROTTLE_ATTEMPTS, wait_seconds=1.0)

    with pytest.raises(ApiError, match="THROTTLED"):
        store.client.fetch("orders", SINCE, None, None)


def test_pacing_by_requested_cost_keeps_the_walk_inside_the_bucket() -> None:
    store = Store(orders=40, bucket=1500.0)
    for order_id in store.rest.data.rows["orders"]:  # five line items each: the actual cost is near the request
        line = store.rest.data.rows["orders"][order_id]["line_items"][0]
        store.rest.data.rows["orders"][order_id]["line_items"] = [{**line, "id": line["id"] * 10 + n} for n in range(5)]

    for _ in range(30):
        store.client.fetch("orders", SINCE, None, None)

    assert store.api.throttled == 0 and store.api.peak_used <= 1500
    assert store.client.limiter.capacity == 1500 and store.client.limiter.leak_per_second == 100
    spent = sum(op["actual"] for op in store.api.operations)
    assert spent > 15 * 1500  # without waiting, the walk would have overflowed the bucket many times
    assert store.clock.elapsed >= (spent - 1500) / 100 - 1  # paced at the restore rate once the bucket filled


# --- ids, money and canonical equality -------------------------------------------------------------------


def test_global_ids_become_the_rest_ids() -> None:
    assert legacy_id("gid://shopify/Order/450789469") == "450789469"
    assert legacy_id("gid://shopify/InventoryLevel/523463154?inventory_item_id=30322695") == "523463154"
    assert legacy_id("450789469") == "450789469" and legacy_id(None) is None
    assert rest_amount("10.0") == "10.00" and rest_amount("0.5") == "0.50" and rest_amount("1.125") == "1.125"


def test_one_store_read_through_rest_and_graphql_gives_equal_canonical_entities() -> None:
    store = Store(orders=80, customers=12, products=5)
    order_id = next(iter(store.rest.data.rows["orders"]))
    store.rest.data.touch("orders", order_id, financial_status="partially_refunded", fulfillment_status="partial")
    store.rest.data.rows["orders"][order_id]["refunds"] = [
        {"transactions": [{"kind": "refund", "status": "success", "amount": "4.50"}]}
        | {"note": "second transaction failed"},
        {"transactions": [{"kind": "refund", "status": "failure", "amount": "9.00"}]},
    ]

    read: dict[str, tuple[dict[str, Entity], dict[str, Entity]]] = {}
    for entity in ("orders", "customers", "products"):
        rest = canonical(store.sync(entity, source=store.rest_client())[1].bodies)
        store.checkpoints.items.clear()
        read[entity] = (canonical(store.sync(entity)[1].bodies), rest)

    for entity, (graph, rest) in read.items():
        assert graph == rest and len(graph) == len(store.rest.data.rows[entity])
        dumped = [json.dumps({k: v.model_dump(mode="json") for k, v in side.items()}) for side in (graph, rest)]
        assert dumped[0] == dumped[1]  # the same JSON too: amounts keep REST's two decimals
    refunded = read["orders"][0][order_id]
    assert str(refunded.refunded_total.amount) == "4.50" and refunded.payment_status == "partially_refunded"  # type: ignore[union-attr]


def test_a_graphql_checkout_keeps_its_checkout_token_for_id_as_graphql_has_no_cart_token() -> None:
    store = Store(orders=1, checkouts=3)
    rows = list(store.rest.data.rows["checkouts"].values())

    page = store.client.fetch("checkouts", SINCE, None, None)

    graph = {loads(item.body)["id"]: normalized("cart", loads(item.body)) for item in page.items}
    for row in rows:
        rest = normalized("cart", row)
        assert graph[str(row["id"])].id == row["token"] != rest.id == row["cart_token"]
        # AbandonedCheckout has no buyer_accepts_marketing either: a GraphQL cart's consent is unknown.
        assert graph[str(row["id"])] == normalized("cart", {**row, "cart_token": None, "buyer_accepts_marketing": None})
        assert isinstance(rest, Cart) and rest.email_consent != "unknown"
    assert not page.ordered


# Hand-written pairs: the GraphQL node as the 2026-07 schema returns it, and the REST order for the same data.
GRAPHQL_ORDER: dict[str, Any] = {
    "id": "gid://shopify/Order/8100000000000001",
    "name": "#2041",
    "email": "Ines.Okafor@Example.net",
    "phone": None,
    "customerAcceptsMarketing": True,
    "billingAddress": None,
    "shippingAddress": {"countryCodeV2": "FR", "phone": "+33 6 12 34 56 78"},
    "createdAt": "2026-01-04T09:15:00Z",
    "updatedAt": "2026-01-04T10:02:31Z",
    "processedAt": "2026-01-04T09:15:02Z",
    "cancelledAt": None,
    "closedAt": None,
    "currencyCode": "EUR",
    "presentmentCurrencyCode": "EUR",
    "displayFinancialStatus": "PARTIALLY_REFUNDED",
    "displayFulfillmentStatus": "PARTIALLY_FULFILLED",
    "cartToken": "c1-7f3e9a",
    "checkoutToken": "9d0b44e1",
    "subtotalPriceSet": {"shopMoney": {"amount": "84.5", "currencyCode": "EUR"}},
    "totalDiscountsSet": {"shopMoney": {"amount": "5.0", "currencyCode": "EUR"}},
    "totalPriceSet": {"shopMoney": {"amount": "79.5", "currencyCode": "EUR"}},
    "totalOutstandingSet": {"shopMoney": {"amount": "0.0", "currencyCode": "EUR"}},
    "totalRefundedSet": {"shopMoney": {"amount": "12.25", "currencyCode": "EUR"}},
    "customer": {"id": "gid://shopify/Customer/8100000000000777", "defaultEmailAddress": None},
    "lineItems": {
        "nodes": [
            {
                "id": "gid://shopify/LineItem/8100000000010001",
                "name": "Linen shirt - M",
                "title": "Linen shirt",
                "quantity": 2,
                "sku": "LIN-M",
                "variant": {"id": "gid://shopify/ProductVariant/8100000000020001"},
                "product": {"id": "gid://shopify/Product/8100000000030001"},
                "originalUnitPriceSet": {"shopMoney": {"amount": "42.25", "currencyCode": "EUR"}},
            },
            {
                "id": "gid://shopify/LineItem/8100000000010002",
                "name": "Gift wrap",
                "title": "Gift wrap",
                "quantity": 1,
                "sku": None,
                "variant": None,
                "product": None,
                "originalUnitPriceSet": {"shopMoney": {"amount": "0.0", "currencyCode": "EUR"}},
            },
        ],
        "pageInfo": {"hasNextPage": False, "endCursor": "eyJsYXN0X2lkIjo4MTAwfQ=="},
    },
}
REST_ORDER: dict[str, Any] = {
    "id": 8100000000000001,
    "name": "#2041",
    "email": "Ines.Okafor@Example.net",
    "phone": None,
    "buyer_accepts_marketing": True,
    "shipping_address": {"country_code": "FR", "phone": "+33 6 12 34 56 78", "country": "France"},
    "created_at": "2026-01-04T10:15:00+01:00",
    "updated_at": "2026-01-04T11:02:31+01:00",
    "processed_at": "2026-01-04T10:15:02+01:00",
    "cancelled_at": None,
    "closed_at": None,
    "currency": "EUR",
    "financial_status": "partially_refunded",
    "fulfillment_status": "partial",
    "cart_token": "c1-7f3e9a",
    "checkout_token": "9d0b44e1",
    "subtotal_price": "84.50",
    "total_discounts": "5.00",
    "total_price": "79.50",
    "total_outstanding": "0.00",
    "customer": {"id": 8100000000000777, "email": None},
    "refunds": [
        {"id": 1, "transactions": [{"kind": "refund", "status": "success", "amount": "12.25"}]},
        {"id": 2, "transactions": [{"kind": "refund", "status": "failure", "amount": "3.00"}]},
    ],
    "line_items": [
        {"id": 8100000000010001, "product_id": 8100000000030001, "variant_id": 8100000000020001, "sku": "LIN-M"}
        | {"title": "Linen shirt", "name": "Linen shirt - M", "quantity": 2, "price": "42.25"},
        {"id": 8100000000010002, "product_id": None, "variant_id": None, "sku": None, "title": "Gift wrap"}
        | {"name": "Gift wrap", "quantity": 1, "price": "0.00"},
    ],
}


def test_a_hand_written_graphql_order_and_its_rest_twin_are_the_same_canonical_order() -> None:
    graph, rest = normalized("order", order_row(GRAPHQL_ORDER)), normalized("order", REST_ORDER)

    assert graph == rest and graph.model_dump(mode="json") == rest.model_dump(mode="json")
    assert graph.id == "8100000000000001" and graph.customer_id == "8100000000000777"  # type: ignore[union-attr]
    assert graph.cart_id == "c1-7f3e9a" and str(graph.refunded_total.amount) == "12.25"  # type: ignore[union-attr]
    # no billing address: the shipping country; no order or billing phone (a recipient's is not the buyer's)
    assert isinstance(graph, Order) and (graph.email_consent, graph.country, graph.phone) == ("subscribed", "FR", None)


def test_a_hand_written_customer_product_and_checkout_match_their_rest_twins() -> None:
    customer = {
        "id": "gid://shopify/Customer/8100000000000777",
        "firstName": "Inès",
        "lastName": "Okafor",
        "state": "ENABLED",
        "tags": ["vip", "newsletter"],
        "createdAt": "2025-11-01T08:00:00Z",
        "updatedAt": "2026-01-04T10:02:31Z",
        "defaultEmailAddress": {"emailAddress": "Ines.Okafor@Example.net", "marketingState": "SUBSCRIBED"},
        "defaultPhoneNumber": {"phoneNumber": "+33612345678", "marketingState": "UNSUBSCRIBED"},
        "defaultAddress": {"countryCodeV2": "FR"},
    }
    rest_customer = {"id": 8100000000000777, "first_name": "Inès", "last_name": "Okafor", "tags": "vip, newsletter"} | {
        "email": "Ines.Okafor@Example.net",
        "phone": "+33612345678",
        "email_marketing_consent": {"state": "subscribed", "opt_in_level": "single_opt_in"},
        "sms_marketing_consent": {"state": "unsubscribed"},
        "created_at": "2025-11-01T09:00:00+01:00",
        "updated_at": "2026-01-04T11:02:31+01:00",
        "default_address": {"country_code": "FR", "country": "France"},
    }
    graph_customer = normalized("customer", customer_row(customer))
    assert graph_customer == normalized("customer", rest_customer)
    assert isinstance(graph_customer, Customer) and graph_customer.country == "FR"
    product = product_node(
        {"id": 81, "title": "Linen shirt", "status": "active", "tags": "summer, linen"}
        | {
            "updated_at": "2026-01-02T00:00:00Z",
            "image": {"src": "https://cdn.example/l.jpg"},
            "product_type": "Shirts",
            "variants": [
                {"id": 82, "sku": "LIN-M", "price": "42.25", "inventory_quantity": 0, "inventory_item_id": 83}
                | {"inventory_management": "shopify", "inventory_policy": "continue", "title": "M"}
            ],
        }
    )
    rest_product = {"id": 81, "title": "Linen shirt", "status": "active", "tags": "summer, linen"} | {
        "updated_at": "2026-01-02T00:00:00Z",
        "image": {"src": "https://cdn.example/l.jpg"},
        "product_type": "Shirts",
        "variants": [
            {"id": 82, "sku": "LIN-M", "price": "42.25", "inventory_quantity": 0, "title": "M"}
            | {"inventory_management": "shopify", "inventory_policy": "continue"}
        ],
    }
    graph_product = normalized("product", product_row(product))
    assert graph_product == normalized("product", rest_product) and graph_product.variants[0].in_stock  # type: ignore[union-attr]
    checkout: dict[str, Any] = {
        "id": "gid://shopify/AbandonedCheckout/8100000000040001",
        "abandonedCheckoutUrl": "https://shop.example/81/checkouts/ac/2a1ace5225/recover?key=k",
        "createdAt": "2026-01-04T09:00:00Z",
        "updatedAt": "2026-01-04T09:05:00Z",
        "completedAt": None,
        "customer": {
            "id": "gid://shopify/Customer/8100000000000777",
            "defaultEmailAddress": {"emailAddress": "i@ex.net"},
        },
        "subtotalPriceSet": {"shopMoney": {"amount": "42.25", "currencyCode": "EUR"}},
        "totalPriceSet": {"shopMoney": {"amount": "42.25", "currencyCode": "EUR"}},
        "lineItems": {"nodes": []},
    }
    rest_checkout = {"id": 8100000000040001, "token": "2a1ace5225", "email": "i@ex.net", "currency": "EUR"} | {
        "subtotal_price": "42.25",
        "total_price": "42.25",
        "customer": {"id": 8100000000000777},
        "abandoned_checkout_url": checkout["abandonedCheckoutUrl"],
        "line_items": [],
        "created_at": "2026-01-04T09:00:00Z",
        "updated_at": "2026-01-04T09:05:00Z",
    }
    assert normalized("cart", checkout_row(checkout)) == normalized("cart", rest_checkout)


def _corpus(name: str, key: str) -> list[dict[str, Any]]:
    path = CORPUS / name
    if not path.exists():
        pytest.skip(f"corpus file {path} is absent")
    body = loads(path.read_bytes())
    return body[key] if isinstance(body[key], list) else [body[key]]


@pytest.mark.parametrize(
    ("name", "key", "entity", "kind", "to_node"),
    [
        ("rest_2025_07_order_single.json", "order", "orders", "order", order_node),
        ("rest_2025_07_orders_list_status_any.json", "orders", "orders", "order", order_node),
        ("rest_2025_07_order_cancelled_refunded.json", "order", "orders", "order", order_node),
        ("rest_2025_07_order_created_eur_guest_no_email.json", "order", "orders", "order", order_node),
        ("rest_2025_07_order_created_partially_paid_new_customer.json", "order", "orders", "order", order_node),
        ("rest_2025_07_customers_list_two.json", "customers", "customers", "customer", customer_node),
        ("rest_2025_07_product_single.json", "product", "products", "product", product_node),
    ],
)
def test_corpus_rest_payloads_read_back_through_graphql_are_the_same_canonical_entities(
    name: str, key: str, entity: str, kind: str, to_node: Callable[[dict[str, Any]], dict[str, Any]]
) -> None:
    store = Store()
    store.rest.data.rows.clear()
    for row in _corpus(name, key):
        store.rest.data.rows.setdefault(entity, {})[str(row["id"])] = row
        assert to_node(row)["id"].endswith(f"/{row['id']}")

    page = store.client.fetch(entity, datetime(2000, 1, 1, tzinfo=UTC), None, None)

    graph = {loads(item.body)["id"]: normalized(kind, loads(item.body)) for item in page.items}
    rest = {str(row["id"]): normalized(kind, row) for row in _corpus(name, key)}
    assert graph == rest and graph


# --- re-check reads --------------------------------------------------------------------------------------


def test_product_and_a_persons_orders_are_read_as_rest_rows() -> None:
    store = Store(orders=40, customers=4)
    product_id = next(iter(store.rest.data.rows["products"]))
    some = next(iter(store.rest.data.rows["orders"].values()))
    customer_id, email = str(some["customer"]["id"]), some["email"]

    product = store.client.product(product_id)
    by_customer = store.client.customer_orders(customer_id)
    by_email = store.client.email_orders(email.upper())

    assert product is not None and product["id"] == product_id and product["variants"]
    assert store.client.product("999") is None and store.client.product("not-a-number") is None
    expected = {i for i, r in store.rest.data.rows["orders"].items() if str(r["customer"]["id"]) == customer_id}
    assert {r["id"] for r in by_customer} == expected and len(expected) == 10
    assert [r["created_at"] for r in by_customer] == sorted((r["created_at"] for r in by_customer), reverse=True)
    assert {r["id"] for r in by_email} == {i for i, r in store.rest.data.rows["orders"].items() if r["email"] == email}
    assert store.client.customer_orders("gid-ish") == []
    assert any(v.get("query") == f'email:"{email.upper()}"' for v in store.variables())


def test_a_recheck_reads_past_one_page_up_to_its_limit() -> None:
    store = Store(orders=60, customers=1)

    found = store.client.customer_orders(str(next(iter(store.rest.data.rows["customers"]))), limit=50)

    assert len(found) == 50 and len({r["id"] for r in found}) == 50
    assert [v["first"] for v in store.variables()] == [23, 23, 4]


# --- webhook subscriptions -------------------------------------------------------------------------------


class _Log:
    def record_repairs(self, store_id: str, topics: list[str], now: datetime) -> None:
        self.repaired = topics


def test_subscriptions_are_listed_created_and_repaired_after_shopify_drops_one() -> None:
    store = Store()
    address = "https://hooks.example/webhooks/shopify/shop-1"
    health = SubscriptionHealth(_Log())

    first = health.repair("shop-1", store.client, address, ["orders/updated", "checkouts/create"])
    dropped = next(s for s in store.client.list_webhooks() if s.topic == "checkouts/create")
    store.api.drop_subscription(dropped.id)
    second = health.repair("shop-1", store.client, address, ["orders/updated", "checkouts/create"])

    assert first.created == ["orders/updated", "checkouts/create"]
    assert second.healthy == ["orders/updated"] and second.created == ["checkouts/create"]
    listed = store.client.list_webhooks()
    assert sorted(s.topic for s in listed) == ["checkouts/create", "orders/updated"] and {
        s.address for s in listed
    } == {address}
    assert {h["topic"] for h in store.rest.webhooks.values()} == {
        "orders/updated",
        "checkouts/create",
    }  # REST sees them
    created = [op["variables"]["topic"] for op in store.api.operations if op["name"] == "CreateSubscription"]
    assert created == ["ORDERS_UPDATED", "CHECKOUTS_CREATE", "CHECKOUTS_CREATE"]


def test_reactivating_points_a_subscription_back_at_its_address_or_recreates_a_deleted_one() -> None:
    store = Store()
    kept = store.client.create_webhook("orders/updated", "https://old.example/hook")
    store.api.webhooks[kept.id]["address"] = "https://elsewhere.example/hook"

    repointed = store.client.reactivate_webhook(kept)
    store.api.drop_subscription(kept.id)
    recreated = store.client.reactivate_webhook(kept)

    assert repointed.id == kept.id and repointed.address == "https://old.example/hook"
    assert recreated.id != kept.id and recreated.topic == "orders/updated"
    with pytest.raises(ApiError, match="already been taken"):
        store.client.create_webhook("orders/updated", "https://old.example/hook")


# --- wiring ----------------------------------------------------------------------------------------------


def test_the_factory_builds_graphql_by_default_and_rest_when_the_store_asks_for_it() -> None:
    context = ClientContext(httpx.Client(transport=httpx.MockTransport(FakeShopifyGraphql())), page_size=100)
    secrets = StoreSecrets(api_key="shpat_local")

    default = client_for(StoreRecord("s", "shopify", "https://x", "arn"), secrets, context)
    rest = client_for(StoreRecord("s", "shopify", "https://x", "arn", extra={"shopify_api": "rest"}), secrets, context)
    pinned = client_for(
        StoreRecord("s", "shopify", "https://x", "arn", extra={"shopify_api_version": "2026-10"}), secrets, context
    )

    assert isinstance(default, ShopifyGraphqlClient) and default.page_size == 100
    assert isinstance(rest, ShopifyClient) and rest.page_size == 100
    assert isinstance(pinned, ShopifyGraphqlClient) and "/2026-10/" in pinned._url
    with pytest.raises(TypeError, match="CostLimiter"):
        ShopifyGraphqlClient("https://x", "t", ApiTransport(context.http, RateLimiter()))
