"""Consent an operator can manage: suppress, unsuppress and list contacts; take SES feedback and
unsubscribe links into the same list.

Every entry is keyed by the contact's hash (storeloom.domain.eligibility.contact_key), the key the flow
step checks before each send, and carries a masked hint, never the address.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from storeloom.domain import unsubscribe
from storeloom.domain.ses_feedback import Feedback, FeedbackError, parse_feedback
from storeloom.domain.suppression import Suppression, email_contact, medium_of, sms_contact
from storeloom.services.ingest.ports import DeadLetterSink
from storeloom.services.ingest.sqs_batch import dead_letter_if_spent


class SuppressionStore(Protocol):
    def put(self, entry: Suppression) -> None: ...

    def delete(self, store_id: str, contact_key: str) -> bool:
        """False when the contact was not suppressed."""
        ...

    def list(self, store_id: str) -> list[Suppression]: ...


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Contact:
    """A contact an operator named: its hash key and its masked hint."""

    key: str
    hint: str

    @classmethod
    def parse(cls, emails: Sequence[str] = (), phones: Sequence[str] = ()) -> list[Contact]:
        """ValueError for an address that is not one; the CLI names the flag."""
        return [cls(*email_contact(e)) for e in emails] + [cls(*sms_contact(p)) for p in phones]


@dataclass
class SuppressionService:
    store: SuppressionStore
    clock: Callable[[], datetime] = _utcnow

    def add(self, store_id: str, contacts: Sequence[Contact], reason: str, source: str = "manual") -> list[Suppression]:
        now = self.clock()
        entries = [
            Suppression(
                store_id=store_id,
                contact_key=c.key,
                medium=medium_of(c.key),
                reason=reason,
                source=source,
                at=now,
                hint=c.hint,
            )
            for c in contacts
        ]
        for entry in entries:
            self.store.put(entry)
        return entries

    def remove(self, store_id: str, contacts: Sequence[Contact]) -> dict[str, bool]:
        """Each contact's hint, and whether it was suppressed before this call."""
        return {c.hint: self.store.delete(store_id, c.key) for c in contacts}

    def entries(self, store_id: str) -> list[Suppression]:
        return sorted(self.store.list(store_id), key=lambda e: (e.at is None, e.at, e.contact_key))

    def record_feedback(self, feedback: Feedback) -> list[Suppression]:
        if feedback.reason is None or feedback.source is None:
            return []
        contacts = []
        for address in feedback.addresses:
            try:
                contacts.append(Contact(*email_contact(address)))
            except ValueError as error:
                raise FeedbackError(f"recipient: {error}") from error
        return self.add(feedback.store_id, contacts, feedback.reason, feedback.source)


@dataclass
class UnsubscribeLinks:
    """Signs and verifies the links in every marketing email. ``key`` is read once, on first use."""

    key: Callable[[], bytes]
    base_url: str
    _key: bytes | None = field(default=None, init=False, repr=False)

    def url_for(self, store_id: str, contact_key: str) -> str:
        token = unsubscribe.sign(self._secret(), store_id, contact_key)
        return unsubscribe.unsubscribe_url(self.base_url, store_id, token)

    def contact_of(self, store_id: str, token: str) -> str:
        """The contact key the token names; unsubscribe.InvalidToken when it is not this store's."""
        return unsubscribe.verify(self._secret(), store_id, token)

    def _secret(self) -> bytes:
        if self._key is None:
            self._key = self.key()
        return self._key


@dataclass
class Unsubscriber:
    """What the unsubscribe link's function runs: verify the token, then suppress its contact."""

    links: UnsubscribeLinks
    service: SuppressionService

    def unsubscribe(self, store_id: str, token: str) -> Suppression:
        key = self.links.contact_of(store_id, token)
        entry = Suppression(
            store_id=store_id,
            contact_key=key,
            medium=medium_of(key),
            reason="unsubscribed",
            source="link",
            at=self.service.clock(),
        )
        self.service.store.put(entry)
        return entry


@dataclass
class FeedbackWorker:
    service: SuppressionService
    dead_letters: DeadLetterSink | None = None
    max_attempts: int = 3


@dataclass(frozen=True)
class FeedbackOutcome:
    """What one notification did; no address, so it is safe to log."""

    message_id: str
    kind: str
    store_id: str
    suppressed: int


def process_feedback_batch(
    event: dict[str, Any], worker: FeedbackWorker
) -> tuple[dict[str, Any], list[FeedbackOutcome], dict[str, str]]:
    """The partial-failure response, each notification's outcome, and the reason of each that failed.

    A notification that cannot be read is dead-lettered at once (retrying cannot fix it); one whose write
    failed is retried by SQS and dead-lettered with its reason on its ``max_attempts``-th receive."""
    outcomes: list[FeedbackOutcome] = []
    errors: dict[str, str] = {}

    def record_handler(record: SQSRecord) -> None:
        try:
            feedback = parse_feedback(record.body)
            suppressed = worker.service.record_feedback(feedback)
        except Exception as error:
            reason = (str(error).splitlines() or [type(error).__name__])[0]
            errors[record.message_id] = reason
            attempts = 1 if isinstance(error, FeedbackError) else worker.max_attempts
            if not dead_letter_if_spent(record.raw_event, worker.dead_letters, attempts, type(error).__name__, reason):
                raise
            return
        outcomes.append(FeedbackOutcome(record.message_id, feedback.kind, feedback.store_id, len(suppressed)))

    processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
    response = process_partial_response(event=event, record_handler=record_handler, processor=processor)
    return dict(response), outcomes, errors
