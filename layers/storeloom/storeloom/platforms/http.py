"""HTTP plumbing shared by the platform API clients: rate limiting and retries, counted.

Retries (tenacity) cover 429, 5xx and timeouts only, with exponential backoff and full jitter; a 429's
``Retry-After`` is honoured as the lower bound. Everything else is raised at once.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any, Generic, TypeVar

import httpx
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt, wait_random_exponential

from storeloom.platforms.ratelimit import RateLimiter
from storeloom.services.platform_port import ApiError

R = TypeVar("R")

HeaderReader = Callable[[httpx.Response, RateLimiter], None]


class RetryableStatus(Exception):
    def __init__(self, response: httpx.Response) -> None:
        super().__init__(f"HTTP {response.status_code} from {response.request.url.path}")
        self.status_code = response.status_code
        self.retry_after = _retry_after(response.headers.get("retry-after"))


def _retry_after(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None


def _retryable(error: BaseException) -> bool:
    return isinstance(error, RetryableStatus | httpx.TimeoutException)


class ApiTransport:
    """One store's HTTP session: every request goes through its rate limiter and retry policy."""

    def __init__(
        self,
        http: httpx.Client,
        limiter: RateLimiter,
        read_headers: HeaderReader | None = None,
        attempts: int = 8,
        max_backoff: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.http = http
        self.limiter = limiter
        self.requests = 0
        self.retries = 0
        self._read_headers = read_headers
        self._backoff = wait_random_exponential(multiplier=0.5, max=max_backoff)
        self._retrying = Retrying(
            retry=retry_if_exception(_retryable),
            wait=self._wait,
            stop=stop_after_attempt(attempts),
            sleep=sleep,
            reraise=True,
            before_sleep=self._count_retry,
        )

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        try:
            return self._retrying(self._attempt, method, url, kwargs)
        except RetryableStatus as error:
            raise ApiError(f"{error} (gave up after {self.retries} retries)", error.status_code) from error
        except httpx.TimeoutException as error:
            raise ApiError(f"timeout calling {httpx.URL(url).path}") from error
        except httpx.TransportError as error:  # refused, reset, DNS: the platform is unreachable, not broken
            where = httpx.URL(url)
            raise ApiError(
                f"cannot connect to {where.scheme}://{where.netloc.decode()} ({type(error).__name__})"
            ) from error

    def _attempt(self, method: str, url: str, kwargs: dict[str, Any]) -> httpx.Response:
        self.limiter.acquire()
        self.requests += 1
        response = self.http.request(method, url, **kwargs)
        if self._read_headers:
            self._read_headers(response, self.limiter)
        if response.status_code == 429:
            self.limiter.throttled(_retry_after(response.headers.get("retry-after")))
        if response.status_code == 429 or response.status_code >= 500:
            raise RetryableStatus(response)
        if response.status_code >= 400:
            message = f"HTTP {response.status_code} from {response.request.url.path}: {response.text[:200]}"
            raise ApiError(message, response.status_code)
        return response

    def _wait(self, state: RetryCallState) -> float:
        backoff = float(self._backoff(state))
        error = state.outcome.exception() if state.outcome else None
        floor = error.retry_after if isinstance(error, RetryableStatus) else None
        return max(backoff, floor or 0.0)

    def _count_retry(self, state: RetryCallState) -> None:
        self.retries += 1


class PollingClient(Generic[R]):
    """What every platform client shares: one store's transport, a page size capped at the platform's
    maximum, and the table of resources it can poll.

    Rows handed straight to an adapter are read with ``storeloom.domain.types.loads``, as money refuses
    floats. Polled rows may use ``response.json()``: they travel as ``json.dumps`` text, which writes each
    float back as the shortest digits that read as it (those the platform sent), and ingest reads that with
    ``loads``."""

    platform: str
    resources: Mapping[str, R]

    def __init__(self, transport: ApiTransport, page_size: int, max_page_size: int) -> None:
        self.transport = transport
        self.page_size = min(page_size, max_page_size)

    @property
    def requests(self) -> int:
        return self.transport.requests

    def resource(self, entity: str) -> R:
        if entity not in self.resources:
            raise ValueError(
                f"entity: {self.platform} has no pollable resource {entity!r}; use one of {sorted(self.resources)}"
            )
        return self.resources[entity]
