"""Post-purchase and win-back over in-memory adapters: entry rules, exits, related products, exclusions."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from storeloom.domain.flow_config import DAY, POST_PURCHASE, WINBACK, FlowConfig
from storeloom.domain.model import CommerceEvent, Order
from storeloom.domain.person import ActiveRun, OrderFacts, PersonProfile
from storeloom.domain.run import RunState, Subject
from storeloom.services.flows.starter import FlowStarter, SegmentChange
from tests.fakes.flows import MemoryCommerce, MemoryDecisions, MemoryExecutions, MemoryFlowConfigs, MemoryPeople
from tests.unit.flows_builders import NOW, STORE, World, customer, order, product

MUG, SAUCER, BEANS, SPOON = "p1", "p2", "p3", "p4"


def profile(**overrides: Any) -> PersonProfile:
    data: dict[str, Any] = {
        "store_id": STORE,
        "person_id": "person-1",
        "customer_ids": ["cust-1"],
        "emails": ["ann@example.com"],
        "email_consent": "subscribed",
        "timezone": "Europe/Paris",
        "timezone_source": "country",
    }
    return PersonProfile.model_validate({**data, **overrides})


def facts(order_id: str, placed_at: datetime, products: list[str], status: str = "paid") -> OrderFacts:
    return OrderFacts(
        order_id=order_id,
        placed_at=placed_at,
        updated_at=placed_at,
        total=Decimal("20"),
        currency="USD",
        payment_status=status,
        product_ids=products,
    )


def bought_order(**overrides: Any) -> Order:
    line = {"product_id": MUG, "variant_id": "v1", "title": "Mug", "quantity": 1, "unit_price": money()}
    return order(**{"line_items": [line], "placed_at": NOW - timedelta(days=14), **overrides})


def money(amount: str = "12.50") -> dict[str, str]:
    return {"amount": amount, "currency": "USD"}


def order_event(the_order: Order) -> CommerceEvent:
    return CommerceEvent(
        event_id=f"e-{the_order.id}-{the_order.updated_at.timestamp()}",
        idempotency_key="k",
        store_id=STORE,
        platform="woocommerce",
        entity_type="order",
        entity_id=the_order.id,
        action="updated",
        source="webhook",
        occurred_at=the_order.updated_at,
        received_at=NOW,
        entity=the_order,
    )


def catalog_world(**order_overrides: Any) -> World:
    w = World()
    w.commerce.orders.append(bought_order(**order_overrides))
    w.commerce.customers["cust-1"] = customer()
    w.commerce.products[MUG] = product(id=MUG, related_product_ids=[SAUCER], tags=["kitchen"])
    w.commerce.products[SAUCER] = product(id=SAUCER, title="Saucer", variants=[variant("v2", "4.00")])
    w.commerce.products[BEANS] = product(id=BEANS, title="Beans", variants=[variant("v3", "9.00")])
    w.commerce.products[SPOON] = product(id=SPOON, title="Spoon", variants=[variant("v4", "2.00")])
    w.people.add(profile(orders={"o-1": facts("o-1", NOW - timedelta(days=14), [MUG])}))
    return w


def variant(variant_id: str, price: str, in_stock: bool = True) -> dict[str, Any]:
    return {"id": variant_id, "price": money(price), "in_stock": in_stock}


def pp_state(**config_overrides: Any) -> RunState:
    subject = Subject(
        store_id=STORE,
        order_id="o-1",
        person_id="person-1",
        customer_id="cust-1",
        email="ann@example.com",
        product_ids=[MUG],
        catalog=["tag:kitchen"],
        active_since=NOW - timedelta(days=14),
    )
    cfg = FlowConfig(store_id=STORE, flow_id=POST_PURCHASE, version=2, **config_overrides)
    return RunState(
        run_id="pp-1", subject=subject, config=cfg, entered_at=NOW - timedelta(days=14), anchor=subject.active_since
    )


def reasons(w: World) -> list[tuple[str, str | None]]:
    return [(d.kind, d.reason) for d in w.decisions.list(STORE)]


# ---- post-purchase steps ----


def test_post_purchase_suggests_the_platforms_linked_product_in_stock_at_its_current_price() -> None:
    w = catalog_world()
    after = w.runner().run(pp_state())
    assert after.done and reasons(w) == [("sent", None), ("exited", "completed")]
    message = w.channel.delivered[0]
    assert [(i.product_id, str(i.unit_price.amount)) for i in message.items] == [(SAUCER, "4.00")]
    sent = w.decisions.list(STORE)[0]
    assert sent.detail["related"] == "links" and sent.detail["tz_source"] == "country"
    assert MUG not in [i.product_id for i in message.items]


def test_out_of_stock_links_fall_back_to_co_purchase_then_category() -> None:
    w = catalog_world()
    w.commerce.products[SAUCER] = product(id=SAUCER, title="Saucer", variants=[variant("v2", "4.00", False)])
    w.catalog.together[MUG] = {BEANS: 3}
    w.runner().run(pp_state(related_limit=1))
    assert [i.product_id for i in w.channel.delivered[0].items] == [BEANS]
    assert w.decisions.list(STORE)[0].detail["related"] == "copurchase"

    w2 = catalog_world()
    w2.commerce.products[SAUCER] = product(id=SAUCER, title="Saucer", status="archived")
    w2.catalog.groups["tag:kitchen"] = [MUG, SPOON]
    w2.runner().run(pp_state())
    assert [i.product_id for i in w2.channel.delivered[0].items] == [SPOON]
    assert w2.decisions.list(STORE)[0].detail["related"] == "category"


def test_refunded_or_cancelled_order_exits_without_a_send() -> None:
    for overrides, reason in (
        ({"payment_status": "refunded"}, "refunded"),
        ({"cancelled_at": NOW - timedelta(days=1)}, "cancelled"),
    ):
        w = catalog_world(**overrides)
        w.runner().run(pp_state())
        assert reasons(w) == [("exited", reason)] and w.channel.delivered == []


def test_a_newer_order_that_has_the_only_suggestion_exits_already_bought() -> None:
    w = catalog_world()
    newer = facts("o-2", NOW - timedelta(days=2), [SAUCER])
    w.people.add(profile(orders={"o-1": facts("o-1", NOW - timedelta(days=14), [MUG]), "o-2": newer}))
    w.runner().run(pp_state())
    assert reasons(w) == [("exited", "already_bought")]


def test_nothing_related_in_stock_exits_no_related_in_stock() -> None:
    w = catalog_world()
    w.commerce.products[SAUCER] = product(id=SAUCER, title="Saucer", variants=[variant("v2", "4.00", False)])
    w.runner().run(pp_state())
    assert reasons(w) == [("exited", "no_related_in_stock")]


def test_an_active_abandonment_run_defers_the_lifecycle_message_a_day() -> None:
    w = catalog_world()
    run = ActiveRun(flow_id="abandoned_cart", run_id="cart-run", entered_at=NOW, until=NOW + timedelta(days=3))
    w.people.add(profile(runs={"cart-run": run}, orders={"o-1": facts("o-1", NOW - timedelta(days=14), [MUG])}))
    after = w.runner().run(pp_state())
    assert reasons(w) == [("waited", "abandonment_active")] and after.wait_seconds == DAY
    assert w.channel.delivered == []


def test_an_unsubscribed_person_exits_before_any_product_is_picked() -> None:
    w = catalog_world()
    w.people.add(profile(email_consent="unsubscribed"))
    w.runner().run(pp_state())
    assert reasons(w) == [("exited", "unsubscribed")]


# ---- entry ----


def starter(people: MemoryPeople | None = None, **config: Any) -> tuple[FlowStarter, MemoryExecutions, MemoryPeople]:
    configs, decisions, people = MemoryFlowConfigs(), MemoryDecisions(), people or MemoryPeople()
    executions = {POST_PURCHASE: MemoryExecutions(), WINBACK: MemoryExecutions()}
    for flow_id in (POST_PURCHASE, WINBACK):
        configs.save(FlowConfig(store_id=STORE, flow_id=flow_id, **config.get(flow_id, {})))
    commerce = MemoryCommerce()
    commerce.products[MUG] = product(id=MUG, tags=["consumable"])
    flow_starter = FlowStarter(
        configs, executions, decisions, clock=lambda: NOW, people=people, runs=people, commerce=commerce
    )
    return flow_starter, executions[POST_PURCHASE], people


def test_a_paid_order_enters_once_and_its_tag_sets_the_first_delay() -> None:
    people = MemoryPeople()
    people.add(profile())
    flow_starter, executions, _ = starter(people, post_purchase={"category_delays": {"tag:consumable": 30 * DAY}})
    placed = bought_order(placed_at=NOW - timedelta(hours=1), updated_at=NOW - timedelta(hours=1))
    first = flow_starter.handle(order_event(placed))
    again = flow_starter.handle(order_event(placed.model_copy(update={"fulfillment_status": "fulfilled"})))
    assert (first.status, again.status) == ("started", "duplicate")
    state = RunState.model_validate_json(executions.started[first.run_id or ""])
    assert state.config.delays_seconds == [30 * DAY] and state.wait_seconds == 30 * DAY - 3600
    assert state.subject.person_id == "person-1" and state.subject.catalog == ["tag:consumable"]
    assert first.run_id in people.profiles["person-1"].runs


def test_unpaid_or_cancelled_orders_do_not_enter() -> None:
    flow_starter, executions, _ = starter()
    for overrides in ({"payment_status": "pending"}, {"cancelled_at": NOW}, {"payment_status": "refunded"}):
        outcome = flow_starter.handle(order_event(bought_order(**overrides)))
        assert (outcome.status, outcome.reason) == ("ignored", "not_paid")
    assert executions.started == {}


def change(segment: str = "at_risk", segments: tuple[str, ...] = ("vip", "at_risk")) -> SegmentChange:
    return SegmentChange(
        event_id="s1", store_id=STORE, person_id="person-1", segment=segment, segments=list(segments), at=NOW
    )


def test_a_vip_entering_at_risk_enters_winback_at_most_once_per_180_days() -> None:
    people = MemoryPeople()
    people.add(profile())
    flow_starter, _, _ = starter(people)
    assert flow_starter.handle_segment(change(segments=("at_risk",))).reason == "not_a_vip_at_risk"
    assert flow_starter.handle_segment(change(segment="vip")).reason == "not_a_vip_at_risk"
    assert flow_starter.handle_segment(change()).status == "started"
    later = change().model_copy(update={"at": NOW + timedelta(days=1), "event_id": "s2"})
    assert flow_starter.handle_segment(later).reason == "entered_within_reentry"


# ---- win-back steps ----


def wb_state(step: int = 0) -> RunState:
    subject = Subject(store_id=STORE, person_id="person-1", email="ann@example.com", active_since=NOW)
    cfg = FlowConfig(store_id=STORE, flow_id=WINBACK, version=1, incentive="COMEBACK10")
    return RunState(run_id="wb-1", subject=subject, config=cfg, entered_at=NOW, anchor=NOW, step=step)


def test_winback_sends_its_steps_at_0_7_and_14_days() -> None:
    w = World()
    w.people.add(profile())
    after = w.runner().run(wb_state())
    assert reasons(w) == [("sent", None)] and (after.step, after.wait_seconds) == (1, 7 * DAY)
    assert "COMEBACK10" in w.channel.delivered[0].text


def test_winback_exits_purchased_on_a_qualifying_order_since_entry_only() -> None:
    w = World()
    pending = facts("o-9", NOW + timedelta(hours=1), [MUG], status="pending")
    w.people.add(profile(orders={"o-9": pending}))
    w.now = NOW + timedelta(days=7)
    w.runner().run(wb_state(step=1))
    assert reasons(w)[0] == ("sent", None)

    w2 = World()
    w2.people.add(profile(orders={"o-9": facts("o-9", NOW + timedelta(days=2), [MUG])}))
    w2.now = NOW + timedelta(days=7)
    w2.runner().run(wb_state(step=1))
    assert reasons(w2) == [("exited", "purchased")] and w2.channel.delivered == []
