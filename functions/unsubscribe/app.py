"""HTTP API: GET /unsubscribe/{store_id}/{token} (the link in every email) and its one-click POST (RFC 8058)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.utilities.typing import LambdaContext

from storeloom.bootstrap import services
from storeloom.bootstrap.runtime import ColdStart
from storeloom.domain.unsubscribe import InvalidToken
from storeloom.services.suppression import Unsubscriber

logger = Logger(service="unsubscribe")
PAGE = "<!doctype html><title>Unsubscribed</title><p>You are unsubscribed and will get no more of these emails.</p>"


def build_app(unsubscriber: Unsubscriber) -> APIGatewayHttpResolver:
    app = APIGatewayHttpResolver()

    @app.route("/unsubscribe/<store_id>/<token>", method=["GET", "POST"])
    def unsubscribe(store_id: str, token: str) -> Response[str]:
        entry = unsubscriber.unsubscribe(store_id, token)
        logger.info("unsubscribed", extra={"store_id": store_id, "contact_key": entry.contact_key})
        if app.current_event.http_method == "POST":
            return Response(200, "text/plain", "unsubscribed")
        return Response(200, "text/html; charset=utf-8", PAGE)

    @app.exception_handler(InvalidToken)  # type: ignore[untyped-decorator]
    def bad_token(error: InvalidToken) -> Response[str]:
        return Response(400, "text/plain", str(error))

    return app


@logger.inject_lambda_context
def handle(event: dict[str, Any], context: LambdaContext, app: APIGatewayHttpResolver) -> dict[str, Any]:
    return app.resolve(event, context)


lambda_handler = ColdStart(lambda runtime: build_app(services.unsubscriber(runtime)), handle)
