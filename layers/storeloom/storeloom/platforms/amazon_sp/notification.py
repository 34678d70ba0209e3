"""The Notifications API ``ORDER_CHANGE`` message (docs/platforms.md#amazon-notifications), read into an
OrderChange: which order changed, when, how and to what status.

It carries no money (no OrderTotal, no item prices) and no buyer, so it cannot build an order version: a
canonical order needs its total, and a version made up with a zero total would, at the change's own
moment, tie with or outrank the full version the next poll reads (ingest keeps the first of equal
versions), leaving the stored order wrong. It is a thin payload, handled as BigCommerce's thin webhooks
are: ``resource_refs`` names the order, the client's ``read("order", id)`` fetches it (getOrder and
getOrderItems), and the fetched order normalizes under the same topic. Normalizing the notification
itself raises ThinPayload, which names what to fetch; the next poll brings the order in any case.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storeloom.platforms.timeparse import optional_time, required_id, required_time, text
from storeloom.services.platform_port import NormalizationError

NOTIFICATION_TOPIC = "ORDER_CHANGE"


def is_fetched_order(payload: Any) -> bool:
    """The order fetched for a notification (a v0 order or getOrder's answer), not the notification."""
    return isinstance(payload, Mapping) and ("AmazonOrderId" in payload or "payload" in payload)


@dataclass(frozen=True)
class OrderChange:
    order_id: str
    seller_id: str | None
    change_type: str | None  # OrderStatusChange or BuyerRequestedChange
    reason: str | None
    changed_at: datetime
    status: str | None  # the order's status word after the change
    notification_id: str | None


def order_change(payload: Any) -> OrderChange:
    """A whole notification (``{"NotificationType": "ORDER_CHANGE", "Payload": {...}}``) or its Payload."""
    if not isinstance(payload, Mapping):
        raise NormalizationError("Payload: an ORDER_CHANGE notification must be a JSON object")
    if payload.get("NotificationType") not in (None, NOTIFICATION_TOPIC):
        raise NormalizationError(f"NotificationType: {payload.get('NotificationType')!r} is not ORDER_CHANGE")
    change = _object(_object(payload.get("Payload", payload), "Payload").get("OrderChangeNotification"))
    trigger = _object(change.get("OrderChangeTrigger") or {}, "OrderChangeTrigger")
    changed_at = optional_time(trigger, "TimeOfOrderChange") or required_time(payload, "EventTime")
    metadata = payload.get("NotificationMetadata") or {}
    return OrderChange(
        order_id=required_id(change, "AmazonOrderId"),
        seller_id=text(change.get("SellerId")),
        change_type=text(change.get("OrderChangeType")),
        reason=text(trigger.get("ChangeReason")),
        changed_at=changed_at,
        status=text((change.get("Summary") or {}).get("OrderStatus")),
        notification_id=text(metadata.get("NotificationId")) if isinstance(metadata, Mapping) else None,
    )


def _object(value: Any, field: str = "OrderChangeNotification") -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise NormalizationError(f"{field}: missing or not an object")
    return value
