"""Login with Amazon (LWA) access tokens for SP-API calls, as an httpx auth flow.

The seller's refresh token is traded at the LWA token endpoint (``POST /auth/o2/token``, form-encoded
``grant_type=refresh_token, refresh_token, client_id, client_secret``) for an access token that lives
``expires_in`` seconds (3600 today). Every SP-API request carries it in ``x-amz-access-token``.

- The token is cached and reused until ``REFRESH_MARGIN`` before it expires (by the injected monotonic
  clock), so a sync makes one token request however many API calls it makes.
- An SP-API answer of 401/403 ``Unauthorized`` (the token expired early or was invalidated) refreshes the
  token once and repeats the request once; a second refusal goes back to the caller as it is.
- LWA's own refusals become ApiError with a plain reason. Secrets never appear in a message: only LWA's
  error code (``invalid_grant``, ``invalid_client``) is repeated, never its free text.
- A throttled or failing token endpoint (429, 5xx) raises RetryableStatus, so ApiTransport retries the
  whole call with its usual backoff.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import Any

import httpx

from storeloom.platforms.http import RetryableStatus
from storeloom.services.platform_port import ApiError

DEFAULT_TOKEN_URL = "https://api.amazon.com/auth/o2/token"
ACCESS_TOKEN_HEADER = "x-amz-access-token"
REFRESH_MARGIN = 60.0  # seconds before expiry at which a cached token counts as spent
_ERROR_CODE = re.compile(r"^[a-z_]{1,40}$")


@dataclass(frozen=True)
class LwaCredentials:
    client_id: str
    client_secret: str = field(repr=False)
    refresh_token: str = field(repr=False)
    token_url: str = DEFAULT_TOKEN_URL


class LwaAuth(httpx.Auth):
    """Adds a cached LWA access token to each request; refreshes it when due or refused."""

    requires_response_body = True

    def __init__(self, credentials: LwaCredentials, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._credentials = credentials
        self._monotonic = monotonic
        self._token: str | None = None
        self._expires_at = 0.0
        self.refreshes = 0

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if self._token is None or self._monotonic() >= self._expires_at:
            yield from self._refresh()
        response = yield self._signed(request)
        if _refused_token(response):
            yield from self._refresh()
            yield self._signed(request)

    def _signed(self, request: httpx.Request) -> httpx.Request:
        request.headers[ACCESS_TOKEN_HEADER] = self._token or ""
        return request

    def _refresh(self) -> Generator[httpx.Request, httpx.Response, None]:
        requested_at = self._monotonic()
        response = yield self._token_request()
        token, lifetime = _read_token(response)
        self._token, self._expires_at = token, requested_at + lifetime - REFRESH_MARGIN
        self.refreshes += 1

    def _token_request(self) -> httpx.Request:
        form = {
            "grant_type": "refresh_token",
            "refresh_token": self._credentials.refresh_token,
            "client_id": self._credentials.client_id,
            "client_secret": self._credentials.client_secret,
        }
        return httpx.Request("POST", self._credentials.token_url, data=form)


def _read_token(response: httpx.Response) -> tuple[str, float]:
    if response.status_code == 429 or response.status_code >= 500:
        raise RetryableStatus(response)
    body = _json_object(response)
    if response.status_code != 200:
        raise ApiError(_refusal(response.status_code, body.get("error")), response.status_code)
    token, lifetime = body.get("access_token"), body.get("expires_in", 3600)
    if not isinstance(token, str) or not token or not isinstance(lifetime, int | float) or lifetime <= 0:
        raise ApiError("Login with Amazon answered without a usable access_token and expires_in", 502)
    return token, float(lifetime)


def _refusal(status: int, code: Any) -> str:
    if code == "invalid_grant":
        return (
            "Login with Amazon refused the refresh token (invalid_grant): the seller revoked the app's "
            "authorization or the token belongs to another app; the seller must authorize the app again"
        )
    if code == "invalid_client":
        return "Login with Amazon refused the client id or secret (invalid_client): check the app's LWA credentials"
    named = f" ({code})" if isinstance(code, str) and _ERROR_CODE.match(code) else ""
    return f"Login with Amazon refused the token request: HTTP {status}{named}"


def _refused_token(response: httpx.Response) -> bool:
    """SP-API's answer to an expired or invalid access token: 403 (sometimes 401) with code Unauthorized."""
    if response.status_code not in (401, 403):
        return False
    errors = _json_object(response).get("errors")
    codes = {e.get("code") for e in errors if isinstance(e, dict)} if isinstance(errors, list) else set()
    return "Unauthorized" in codes or "expired" in response.text.lower()


def _json_object(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
