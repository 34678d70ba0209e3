"""Daily: move every registered store's persons whose segments time alone changes, and recompute VIP."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from storeloom.adapters.stores import DynamoStoreRegistry
from storeloom.bootstrap import services
from storeloom.bootstrap.runtime import ColdStart
from storeloom.domain.types import parse_utc
from storeloom.services.segments import SegmentRefresher

logger = Logger(service="segment_sweep")


@logger.inject_lambda_context
def handle(
    event: dict[str, Any], context: LambdaContext, service: tuple[SegmentRefresher, DynamoStoreRegistry]
) -> dict[str, Any]:
    refresher, stores = service
    now = parse_utc(event["now"]) if event.get("now") else datetime.now(UTC)
    swept = {}
    for store in stores.all():
        outcome = refresher.sweep(store.store_id, now)
        swept[store.store_id] = {"due": outcome.due, "changed": outcome.changed, "published": outcome.published}
        logger.info("segments swept", extra={"store_id": store.store_id, **swept[store.store_id]})
    return {"stores": swept}


lambda_handler = ColdStart(services.segment_sweep, handle)
