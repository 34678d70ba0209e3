"""The step service over in-memory adapters: re-checks, eligibility, enrichment, one send per step."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from storeloom.domain.decisions import SendRecord
from storeloom.domain.eligibility import contact_key
from storeloom.domain.flow_config import QuietHours
from storeloom.services.flows.ports import ProviderError
from tests.unit.flows_builders import NOW, STORE, cart, config, customer, order, product, state, world


def test_due_step_sends_enriched_message_and_schedules_the_next_one() -> None:
    w = world()
    after = w.runner().run(state())
    assert [(d.kind, d.message_id is not None) for d in w.decisions.list(STORE)] == [("sent", True)]
    sent = w.decisions.list(STORE)[0]
    assert (sent.channel, sent.variant, sent.flow_version) == ("outbox", "A", 3)
    message = w.channel.delivered[0]
    assert message.items[0].title == "Big Mug" and str(message.items[0].unit_price.amount) == "11.00"
    assert "https://shop.example/recover/cart-1" in message.html and "mug.png" in message.html
    assert (after.step, after.wait_seconds, after.sent, after.done) == (1, 23 * 3600, 1, False)


def test_order_since_cart_activity_exits_converted_without_sending() -> None:
    w = world()
    w.commerce.orders.append(order())
    after = w.runner().run(state())
    assert after.done and w.reasons() == [(0, "exited", "converted")]
    assert w.channel.delivered == []


def test_old_order_before_the_cart_does_not_count_as_conversion() -> None:
    w = world()
    w.commerce.orders.append(order(placed_at=NOW - timedelta(days=30), updated_at=NOW - timedelta(days=30)))
    w.runner().run(state())
    assert w.reasons()[0] == (0, "sent", None)


def test_guest_who_registered_and_bought_is_found_by_normalized_email() -> None:
    w = world(customer_id=None, email="  Ann@Example.COM ")
    del w.commerce.customers["cust-1"]
    w.commerce.customers["cust-9"] = customer(id="cust-9", email="ann@example.com")
    w.commerce.orders.append(order(customer_id="cust-9", email=None))
    w.runner().run(state())
    assert w.reasons() == [(0, "exited", "converted")]


def test_unsubscribed_customer_exits() -> None:
    w = world()
    w.commerce.customers["cust-1"] = customer(email_consent="unsubscribed")
    w.runner().run(state())
    assert w.reasons() == [(0, "exited", "unsubscribed")] and w.channel.delivered == []


def test_a_marketplace_only_buyer_exits_as_a_marketplace_buyer_even_if_subscribed() -> None:
    w = world()
    w.commerce.customers["cust-1"] = customer(tags=["marketplace_buyer"], email_consent="subscribed")
    w.runner().run(state())
    assert w.reasons() == [(0, "exited", "marketplace_buyer")] and w.channel.delivered == []


def test_an_amazon_relay_address_is_never_a_send_target() -> None:
    w = world()
    relay = "0x9f3c1a@marketplace.amazon.co.uk"
    w.commerce.customers["cust-1"] = customer(email=relay)
    w.commerce.carts["cart-1"] = cart(email=relay)
    w.runner().run(state())
    assert w.reasons() == [(0, "exited", "marketplace_buyer")] and w.channel.delivered == []


def test_a_buyer_known_to_another_store_too_is_not_excluded_by_the_marketplace_rule() -> None:
    w = world()
    w.commerce.customers["cust-1"] = customer()
    w.commerce.customers["amz-1"] = customer(id="amz-1", tags=["marketplace_buyer"], email_consent="unsubscribed")
    w.runner().run(state())
    assert w.reasons()[0][2] != "marketplace_buyer"


def test_non_subscriber_gets_the_single_allowed_reminder_only() -> None:
    w = world()
    w.commerce.customers["cust-1"] = customer(email_consent="not_subscribed")
    runner = w.runner()
    after = runner.run(state(config(allow_non_subscriber_reminder=True)))
    w.now = NOW + timedelta(hours=23)
    runner.run(after)
    assert w.reasons() == [(0, "sent", None), (1, "exited", "no_consent")]


def test_non_subscriber_without_the_store_setting_is_not_messaged() -> None:
    w = world()
    w.commerce.customers["cust-1"] = customer(email_consent="unknown")
    w.runner().run(state())
    assert w.reasons() == [(0, "exited", "no_consent")]


def test_suppressed_contact_exits() -> None:
    w = world()
    w.suppressions.keys.add((STORE, contact_key("email", "ann@example.com")))
    w.runner().run(state())
    assert w.reasons() == [(0, "exited", "suppressed")]


def test_frequency_cap_skips_the_step_and_moves_on() -> None:
    w = world()
    key = contact_key("email", "ann@example.com")
    w.history.record_send(STORE, key, SendRecord(NOW - timedelta(hours=2), "email", "post_purchase", "r9", 0))
    after = w.runner().run(state())
    assert w.reasons() == [(0, "suppressed", "frequency_cap")]
    assert (after.step, after.done) == (1, False) and w.channel.delivered == []


def test_another_abandonment_run_within_14_days_excludes() -> None:
    w = world()
    key = contact_key("email", "ann@example.com")
    w.history.record_send(STORE, key, SendRecord(NOW - timedelta(days=5), "email", "abandoned_cart", "r0", 0))
    w.runner().run(state())
    assert w.reasons() == [(0, "exited", "excluded")]


def test_quiet_hours_defer_in_customer_time_zone_and_never_drop() -> None:
    w = world()
    w.commerce.customers["cust-1"] = customer(timezone="America/New_York")
    w.now = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)  # 22:00 in New York
    quiet = {"email": QuietHours(start_hour=20, end_hour=8)}
    the_state = state(config(quiet_hours=quiet), anchor=w.now - timedelta(hours=1))
    after = w.runner().run(the_state)
    assert w.reasons() == [(0, "waited", "quiet_hours")]
    assert (after.step, after.attempt, after.wait_seconds) == (0, 1, 10 * 3600)


def test_out_of_stock_items_are_dropped_and_none_left_exits() -> None:
    w = world()
    w.commerce.products["p1"] = product(in_stock=False)
    w.runner().run(state())
    assert w.reasons() == [(0, "exited", "out_of_stock")]


def test_partly_out_of_stock_cart_sends_what_remains() -> None:
    items = [
        {
            "product_id": "p1",
            "variant_id": "v1",
            "title": "Mug",
            "quantity": 1,
            "unit_price": {"amount": "1", "currency": "USD"},
        },
        {
            "product_id": "p2",
            "variant_id": "v2",
            "title": "Cup",
            "quantity": 2,
            "unit_price": {"amount": "2", "currency": "USD"},
        },
    ]
    w = world(line_items=items)
    w.commerce.products["p2"] = product(id="p2", in_stock=False, variants=[{"id": "v2", "in_stock": False}])
    w.runner().run(state())
    sent = w.decisions.list(STORE)[0]
    assert sent.kind == "sent" and sent.detail["dropped"] == "v2"
    assert [i.title for i in w.channel.delivered[0].items] == ["Big Mug"]


class _DownCatalog:
    def product(self, store_id: str, product_id: str) -> None:
        raise ConnectionError("platform API down")

    def orders_for(self, *args: object) -> list[object]:
        raise ConnectionError("platform API down")


def test_enrichment_failure_falls_back_to_fresh_entity_store_data() -> None:
    w = world()
    w.runner(live=_DownCatalog()).run(state())
    sent = w.decisions.list(STORE)[0]
    assert (sent.kind, sent.detail["enrichment"]) == ("sent", "fallback")


def test_enrichment_failure_with_stale_store_data_defers_the_step() -> None:
    w = world()
    w.commerce.products["p1"] = product(updated_at=NOW - timedelta(days=10))
    after = w.runner(live=_DownCatalog()).run(state())
    assert w.reasons() == [(0, "waited", "enrichment_unavailable")]
    assert (after.step, after.attempt, after.wait_seconds) == (0, 1, 15 * 60)


def test_replayed_step_never_sends_twice() -> None:
    w = world()
    runner = w.runner()
    runner.run(state())
    runner.run(state())
    assert len(w.channel.delivered) == 1
    assert [d.kind for d in w.decisions.list(STORE)] == ["sent"]


def test_provider_failure_releases_the_claim_so_a_retry_delivers_once() -> None:
    w = world()
    w.channel.failures = 2
    runner = w.runner()
    for _ in range(2):
        with pytest.raises(ProviderError):
            runner.run(state())
    runner.run(state())
    assert len(w.channel.delivered) == 1 and w.reasons() == [(0, "sent", None)]


def test_cart_touched_again_reanchors_the_schedule() -> None:
    w = world(updated_at=NOW - timedelta(minutes=10))
    after = w.runner().run(state())
    assert w.reasons() == [(0, "waited", "cart_active")]
    assert (after.step, after.wait_seconds, after.anchor) == (0, 50 * 60, NOW - timedelta(minutes=10))


def test_last_step_completes_the_run() -> None:
    w = world(updated_at=NOW - timedelta(hours=72), created_at=NOW - timedelta(hours=73))
    after = w.runner().run(state(step=2, anchor=NOW - timedelta(hours=72)))
    assert after.done and w.reasons() == [(2, "sent", None), (3, "exited", "completed")]


def test_next_step_overdue_beyond_staleness_is_skipped_as_stale() -> None:
    w = world()
    w.now = NOW + timedelta(hours=30)  # step 0 ran 30 h late; step 1 (at +24 h) is 7 h overdue
    after = w.runner().run(state())
    assert w.reasons() == [(0, "sent", None), (1, "suppressed", "stale")]
    assert (after.step, after.wait_seconds) == (2, 41 * 3600)


def test_a_step_deferred_too_often_is_skipped_not_retried_forever() -> None:
    w = world()
    w.commerce.products["p1"] = product(updated_at=NOW - timedelta(days=10))
    after = w.runner(live=_DownCatalog()).run(state(config(max_defers=2), attempt=2))
    assert w.reasons() == [(0, "suppressed", "defer_limit")]
    assert (after.step, after.attempt) == (1, 0)
