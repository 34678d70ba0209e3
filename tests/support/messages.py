"""One outbound message for channel and outbox tests, with any field changed."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from storeloom.domain.outbound import OutboundMessage


def outbound_message(**changes: Any) -> OutboundMessage:
    fields: dict[str, Any] = {
        "message_id": "msg_run-1_0",
        "store_id": "s1",
        "flow_id": "abandoned_cart",
        "run_id": "run-1",
        "step": 0,
        "flow_version": 1,
        "variant": "A",
        "medium": "email",
        "to": "ann@example.com",
        "sender": "shop@example.com",
        "subject": "You left something behind",
        "text": "Mug: 12.50 USD",
        "html": "<p>Mug: 12.50 USD</p>",
        "created_at": datetime.now(UTC),
    }
    return OutboundMessage(**{**fields, **changes})
