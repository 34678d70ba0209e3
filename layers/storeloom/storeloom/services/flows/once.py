"""Deliver a message at most once per (run, step), whatever the retries."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from storeloom.domain.outbound import OutboundMessage
from storeloom.services.flows.ports import Channel, ProviderError, SendInProgress, SendLedger


def send_key(run_id: str, step: int) -> str:
    return f"send#{run_id}#{step}"


class OnceSender:
    def __init__(self, ledger: SendLedger, channels: Callable[[str, str | None], Channel]) -> None:
        self._ledger = ledger
        self._channels = channels

    def send(
        self, message: OutboundMessage, provider: str, now: datetime, target: str | None = None
    ) -> tuple[str, bool]:
        """The provider's message id, and whether this call delivered it (False: delivered before)."""
        key = send_key(message.run_id, message.step)
        status, provider_id = self._ledger.claim(key, now)
        if status == "delivered" and provider_id is not None:
            return provider_id, False
        if status == "in_progress":
            raise SendInProgress(f"send {message.message_id} is claimed by another attempt")
        try:
            provider_id = self._channels(provider, target).deliver(message)
        except Exception as error:
            self._ledger.release(key)
            if isinstance(error, ProviderError):
                raise
            raise ProviderError(f"{provider}: {type(error).__name__}") from error
        self._ledger.delivered(key, provider_id, now)
        return provider_id, True
