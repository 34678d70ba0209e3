"""BigCommerce's rate-limit headers fed into the store's limiter (docs/platforms.md#bigcommerce-rate-limits).

Every answer reports the store's fixed window, shared by every app on the store: ``X-Rate-Limit-Requests-Left``
of ``X-Rate-Limit-Requests-Quota`` requests, a window of ``X-Rate-Limit-Time-Window-Ms`` that starts afresh
in ``X-Rate-Limit-Time-Reset-Ms``. The limiter is a leaky bucket, so the window becomes a bucket of the quota
draining at quota per window (150 per 30 s is 5 per second), filled to what the window has used. When nothing
is left, the bucket is set so that the next request waits out the reset.

A 429 names its wait only in ``X-Rate-Limit-Time-Reset-Ms``, while ApiTransport honours ``Retry-After``: the
reset is copied into ``Retry-After`` when the answer has none, so the retry waits for the new window.
"""

from __future__ import annotations

import httpx

from storeloom.platforms.ratelimit import RateLimiter

LEFT = "x-rate-limit-requests-left"
QUOTA = "x-rate-limit-requests-quota"
WINDOW_MS = "x-rate-limit-time-window-ms"
RESET_MS = "x-rate-limit-time-reset-ms"


def _number(response: httpx.Response, header: str) -> float | None:
    try:
        value = float(response.headers.get(header, ""))
    except ValueError:
        return None
    return value if value >= 0 else None


def read_rate_limit(response: httpx.Response, limiter: RateLimiter) -> None:
    left, quota = _number(response, LEFT), _number(response, QUOTA)
    window_ms, reset_ms = _number(response, WINDOW_MS), _number(response, RESET_MS)
    if response.status_code == 429 and reset_ms is not None and "retry-after" not in response.headers:
        response.headers["Retry-After"] = f"{reset_ms / 1000:g}"
    if not quota or left is None:
        return
    if window_ms:
        limiter.leak_per_second = quota / (window_ms / 1000)
    limiter.observe(max(0.0, quota - left), quota)
    if left < 1 and reset_ms:
        # acquire() waits (level - (capacity - 1)) / leak: this level makes that wait the reset time.
        limiter.observe(quota - 1 + reset_ms / 1000 * limiter.leak_per_second, quota)
