"""Where the raw archive keeps each webhook body: keys that sort by receive time inside a day."""

from __future__ import annotations

import uuid
from datetime import datetime

ACCEPTED_PREFIX = "raw"


REJECTED_PREFIX = "rejected"


def archive_key(prefix: str, platform: str, store_id: str, received_at: datetime) -> str:
    """Keys sort by receive time inside a day, so replay can list from a date onwards."""
    day = received_at.strftime("%Y/%m/%d")
    stamp = received_at.strftime("%H%M%S%f")
    return f"{prefix}/{day}/{platform}/{store_id}/{stamp}-{uuid.uuid4().hex[:12]}.json"
