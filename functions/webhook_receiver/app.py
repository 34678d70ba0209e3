"""Function URL: POST /webhooks/{platform}/{store_id}. Verify, archive, enqueue, answer fast."""

from __future__ import annotations

import base64
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import LambdaFunctionUrlResolver, Response, content_types
from aws_lambda_powertools.utilities.typing import LambdaContext

from storeloom.bootstrap import metrics
from storeloom.bootstrap.receiver import webhook_receiver
from storeloom.bootstrap.runtime import ColdStart
from storeloom.services.ingest.receiver import WebhookReceiver, WebhookRejected

SERVICE = "webhook_receiver"
logger = Logger(service=SERVICE)
app = LambdaFunctionUrlResolver()


@app.post("/webhooks/<platform>/<store_id>")
def receive_webhook(platform: str, store_id: str) -> Response[Any]:
    event = app.current_event
    body = base64.b64decode(event.body or "") if event.is_base64_encoded else (event.body or "").encode()
    receiver: WebhookReceiver = app.context["receiver"]
    receipt = receiver.receive(platform, store_id, event.headers, body)
    logger.info("webhook accepted", extra={"store_id": store_id, "topic": receipt.topic, "raw_ref": receipt.raw_ref})
    metrics.emit(SERVICE, metrics.WEBHOOKS_ACCEPTED, 1, platform=platform)
    return Response(200, content_types.APPLICATION_JSON, {"status": "accepted", "raw_ref": receipt.raw_ref})


@app.route("/webhooks/<platform>/<store_id>", method=["GET", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"])
def wrong_method(platform: str, store_id: str) -> Response[Any]:
    return _error(405, "method_not_allowed", "webhooks are delivered with POST")


@app.not_found
def no_route(error: Exception) -> Response[Any]:
    return _error(404, "not_found", "webhooks are posted to /webhooks/<platform>/<store_id>")


@app.exception_handler(WebhookRejected)  # type: ignore[untyped-decorator]
def reject(error: WebhookRejected) -> Response[Any]:
    logger.warning("webhook rejected", extra={"code": error.code, "path": app.current_event.path[:200]})
    return _error(error.status, error.code, str(error))


@app.exception_handler(Exception)  # type: ignore[untyped-decorator]
def fail(error: Exception) -> Response[Any]:
    # The platform retries a 5xx, and the body was either archived or not acknowledged: nothing is lost.
    logger.exception("webhook could not be taken in")
    return _error(500, "internal_error", "the webhook could not be taken in; it will be retried")


def _error(status: int, code: str, message: str) -> Response[Any]:
    metrics.emit(SERVICE, metrics.WEBHOOKS_REJECTED, 1, reason=code)
    return Response(status, content_types.APPLICATION_JSON, {"error": code, "message": message})


@logger.inject_lambda_context
def handle(event: dict[str, Any], context: LambdaContext, receiver: WebhookReceiver) -> dict[str, Any]:
    app.context["receiver"] = receiver  # read by the route; resolve() clears it after each event
    return app.resolve(event, context)


lambda_handler = ColdStart(webhook_receiver, handle)
