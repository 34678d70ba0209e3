"""Data-subject requests (GDPR, CPRA): who a request is about, and whether a stored value mentions them.

Pure: no I/O. The redaction service (storeloom.services.redaction) asks every table holding personal data
to export or redact what it holds about a ``Person``; the adapters use ``Person.mentions`` to tell which
stored bodies are about that person.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, get_args

from storeloom.domain.eligibility import contact_key

ComplianceKind = Literal["data_request", "customer_redact", "shop_redact"]
COMPLIANCE_KINDS: tuple[ComplianceKind, ...] = get_args(ComplianceKind)

# A phone number in text: digits and the punctuation people write between them, at least 7 digits.
_PHONE_RUN = re.compile(r"\+?\d[\d\s().\-/]{5,}\d")
# Characters that may sit next to an address inside a longer address (joann@... or ...@example.com.au).
_EMAIL_LOCAL = r"A-Za-z0-9._%+\-"
_EMAIL_DOMAIN = r"A-Za-z0-9\-"
_MIN_PHONE_DIGITS = 7
# A national number may be written without its country code: match it as a suffix only when long enough.
_MIN_SUFFIX_DIGITS = 9
_MAX_COUNTRY_CODE_DIGITS = 3
# Keys naming the customer an object belongs to, and the Shopify global id form of a customer id.
_CUSTOMER_KEYS = frozenset({"customer_id", "customerId"})
_CUSTOMER_GID = re.compile(r"^gid://[a-z]+/Customer/(?P<id>[^/?#]+)$")
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._\-]{0,127}$")
EXPORTS_PREFIX = "exports"


def normalize_email(address: str) -> str:
    """The form every table keys and compares emails by (storeloom.domain.types.Email, contact_key)."""
    return address.strip().lower()


def normalize_phone(number: str) -> str:
    """Digits only, as contact_key hashes a phone."""
    return "".join(c for c in number if c.isdigit())


def _same_phone(a: str, b: str) -> bool:
    """Equal digits, or one is the other without its country code (+1 613 555 0142 and 613-555-0142)."""
    if a == b:
        return True
    short, long = sorted((a, b), key=len)
    return (
        len(short) >= _MIN_SUFFIX_DIGITS and long.endswith(short) and len(long) - len(short) <= _MAX_COUNTRY_CODE_DIGITS
    )


def _unique(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v for v in values if v))


@dataclass(frozen=True)
class Person:
    """Everyone a request is about, in one store: their platform customer ids, normalized emails and phones.

    ``order_ids`` are orders the platform names as theirs (Shopify's orders_to_redact), found even when
    they carry another email or none.
    """

    store_id: str
    customer_ids: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    order_ids: tuple[str, ...] = ()

    @classmethod
    def of(
        cls,
        store_id: str,
        customer_ids: Iterable[str] = (),
        emails: Iterable[str | None] = (),
        phones: Iterable[str | None] = (),
        order_ids: Iterable[str] = (),
    ) -> Person:
        """A person with emails lower-cased, phones reduced to digits, blanks and repeats dropped."""
        return cls(
            store_id=store_id,
            customer_ids=_unique(str(c).strip() for c in customer_ids),
            emails=_unique(normalize_email(e) for e in emails if e),
            phones=_unique(p for p in (normalize_phone(p) for p in phones if p) if len(p) >= _MIN_PHONE_DIGITS),
            order_ids=_unique(str(o).strip() for o in order_ids),
        )

    def merge(
        self,
        customer_ids: Iterable[str] = (),
        emails: Iterable[str | None] = (),
        phones: Iterable[str | None] = (),
        order_ids: Iterable[str] = (),
    ) -> Person:
        """This person, knowing more identifiers (found in the tables: the customer record's phone...)."""
        more = Person.of(self.store_id, customer_ids, emails, phones, order_ids)
        return Person(
            store_id=self.store_id,
            customer_ids=_unique((*self.customer_ids, *more.customer_ids)),
            emails=_unique((*self.emails, *more.emails)),
            phones=_unique((*self.phones, *more.phones)),
            order_ids=_unique((*self.order_ids, *more.order_ids)),
        )

    @property
    def empty(self) -> bool:
        return not (self.customer_ids or self.emails or self.phones or self.order_ids)

    @property
    def contact_keys(self) -> tuple[str, ...]:
        """The hashed keys the flows' contact history and the suppression list use for this person."""
        return (
            *(contact_key("email", e) for e in self.emails),
            *(contact_key("sms", p) for p in self.phones),
        )

    def is_address(self, address: str | None) -> bool:
        """Whether ``address`` (a message's ``to``) is one of this person's emails or phones."""
        if not address:
            return False
        if "@" in address:
            return normalize_email(address) in self.emails
        digits = normalize_phone(address)
        return any(_same_phone(digits, phone) for phone in self.phones)

    def mentions_text(self, text: str) -> bool:
        """Whether free text holds one of the person's emails (as a whole address) or phones."""
        return any(_email_pattern(e).search(text) for e in self.emails) or any(
            _same_phone(normalize_phone(run), phone) for run in _PHONE_RUN.findall(text) for phone in self.phones
        )

    def mentions(self, value: Any, *, customer_resource: bool = False) -> bool:
        """Whether a decoded JSON value holds the person's email, phone or customer id anywhere.

        A customer id counts under a key naming a customer (``customer_id``, ``customer: {"id": ...}``), as
        a customer global id (``gid://shopify/Customer/<id>``), or, with ``customer_resource``, as the
        top-level ``id`` of a customer webhook body. A bare number elsewhere (a quantity, another entity's
        id) is not taken for a customer id.
        """
        if customer_resource and isinstance(value, Mapping) and self._is_customer_id(value.get("id")):
            return True
        return self._walk(value)

    def mentions_body(self, body: bytes | str, *, customer_resource: bool = False) -> bool:
        """``mentions`` on a JSON body; ``mentions_text`` when the body is not JSON (a rejected webhook)."""
        text = body.decode("utf-8", errors="replace") if isinstance(body, bytes) else body
        try:
            value = json.loads(text)
        except ValueError:
            return self.mentions_text(text)
        return self.mentions(value, customer_resource=customer_resource)

    def _walk(self, value: Any) -> bool:
        if isinstance(value, Mapping):
            for key, item in value.items():
                if key in _CUSTOMER_KEYS and self._is_customer_id(item):
                    return True
                if key == "customer" and isinstance(item, Mapping) and self._is_customer_id(item.get("id")):
                    return True
                if self._walk(item):
                    return True
            return False
        if isinstance(value, list | tuple):
            return any(self._walk(item) for item in value)
        if isinstance(value, str):
            return self._string_mentions(value)
        return False

    def _string_mentions(self, text: str) -> bool:
        """An email or phone anywhere in the text (a note saying "call 613-555-0142" counts), or a customer gid."""
        if self.mentions_text(text):
            return True
        gid = _CUSTOMER_GID.match(text.strip())
        return bool(gid and gid.group("id") in self.customer_ids)

    def _is_customer_id(self, value: Any) -> bool:
        if isinstance(value, bool) or not isinstance(value, str | int):
            return False
        return str(value).strip() in self.customer_ids


def _email_pattern(email: str) -> re.Pattern[str]:
    return re.compile(
        rf"(?<![{_EMAIL_LOCAL}]){re.escape(email)}(?![{_EMAIL_DOMAIN}]|\.[{_EMAIL_DOMAIN}])", re.IGNORECASE
    )


@dataclass(frozen=True)
class ComplianceRequest:
    """One data-subject request from a platform (Shopify's mandatory compliance webhooks).

    ``data_request``: export everything held about ``person``; ``customer_redact``: erase it;
    ``shop_redact``: erase the personal data of the whole store (``person`` is None). ``orders`` are the
    order ids the platform names (orders_requested, orders_to_redact). ``request_id`` is safe in an S3 key.
    """

    kind: ComplianceKind
    store_id: str
    person: Person | None
    request_id: str
    orders: tuple[str, ...] = ()
    received_at: datetime | None = None

    def __post_init__(self) -> None:
        if self.kind not in COMPLIANCE_KINDS:
            raise ValueError(f"kind: not a compliance request kind: {self.kind!r}")
        if not _SAFE_REQUEST_ID.match(self.request_id):
            raise ValueError(f"request_id: must be 1-128 of [A-Za-z0-9._-]: {self.request_id!r}")
        if self.kind == "shop_redact":
            if self.person is not None:
                raise ValueError("person: a shop_redact request is about the whole store, not one person")
            return
        if self.person is None or self.person.empty:
            raise ValueError(f"person: a {self.kind} request needs a customer id, email or phone")
        if self.person.store_id != self.store_id:
            raise ValueError("person: belongs to another store than the request")

    def subject(self) -> Person:
        """The person with the request's orders: what the tables export or redact."""
        if self.person is None:
            raise ValueError(f"{self.kind} names no person")
        return self.person.merge(order_ids=self.orders)


def export_key(store_id: str, request_id: str) -> str:
    """Where the archive bucket keeps the export of a data request."""
    if "/" in store_id or not store_id:
        raise ValueError(f"store_id: not usable in a key: {store_id!r}")
    if not _SAFE_REQUEST_ID.match(request_id):
        raise ValueError(f"request_id: must be 1-128 of [A-Za-z0-9._-]: {request_id!r}")
    return f"{EXPORTS_PREFIX}/{store_id}/{request_id}.json"
