"""The messages of the lifecycle flows: post-purchase suggestions and the win-back note."""

from __future__ import annotations

from datetime import datetime

from storeloom.domain.model import LineItem
from storeloom.domain.outbound import OutboundMessage
from storeloom.domain.related import Suggestion
from storeloom.domain.run import RunState
from storeloom.services.flows.message import compose

_SUBJECTS = {
    "post_purchase": "Picked for you, to go with your order",
    "winback": "We miss you: here is something for your next order",
}


def suggestion_items(suggestions: list[Suggestion]) -> list[LineItem]:
    """Each suggestion at its current price; one without a price cannot be offered."""
    items = []
    for s in suggestions:
        price = s.variant.price if s.variant is not None else None
        if price is None:
            continue
        items.append(
            LineItem(
                product_id=s.product.id,
                variant_id=s.variant.id if s.variant else None,
                sku=s.variant.sku if s.variant else None,
                title=s.product.title,
                quantity=1,
                unit_price=price,
                image_url=s.product.image_url,
            )
        )
    return items


def lifecycle_message(
    state: RunState, to: str, items: list[LineItem], link: str | None, variant: str, now: datetime
) -> OutboundMessage:
    subject = _SUBJECTS.get(state.config.flow_id, "News from the shop")
    return compose(state, to, subject, items, link, variant, now)
