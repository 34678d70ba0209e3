"""Unsubscribe tokens: an HMAC-SHA256 over the store id and the contact key, so a link names its contact
by hash only and cannot be forged or moved to another store.

A token is ``<medium>.<hash>.<mac>``: the contact key's medium, its 32-byte hash and the 32-byte MAC, both
base64url without padding. Pure: the key bytes come from the caller (a Secrets Manager secret).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from urllib.parse import quote

_MEDIA = ("email", "sms")
_DIGEST_BYTES = 32


class InvalidToken(ValueError):
    """The token is malformed or its MAC does not match this store; the message says which."""


def sign(key: bytes, store_id: str, contact_key: str) -> str:
    medium, _, digest = contact_key.partition("#")
    if medium not in _MEDIA or len(digest) != 2 * _DIGEST_BYTES:
        raise ValueError(f"not a contact key: {contact_key!r}")
    return f"{medium}.{_encode(bytes.fromhex(digest))}.{_encode(_mac(key, store_id, contact_key))}"


def verify(key: bytes, store_id: str, token: str) -> str:
    """The contact key ``token`` was signed for in ``store_id``; InvalidToken otherwise."""
    parts = token.split(".")
    if len(parts) != 3 or parts[0] not in _MEDIA:
        raise InvalidToken("token: not an unsubscribe token")
    digest, mac = _decode(parts[1]), _decode(parts[2])
    if len(digest) != _DIGEST_BYTES or len(mac) != _DIGEST_BYTES:
        raise InvalidToken("token: not an unsubscribe token")
    contact_key = f"{parts[0]}#{digest.hex()}"
    if not hmac.compare_digest(mac, _mac(key, store_id, contact_key)):
        raise InvalidToken("token: the signature does not match this store")
    return contact_key


def unsubscribe_url(base_url: str, store_id: str, token: str) -> str:
    """``{base}unsubscribe/{store_id}/{token}``, the route the unsubscribe function serves."""
    base = base_url if base_url.endswith("/") else base_url + "/"
    return f"{base}unsubscribe/{quote(store_id, safe='')}/{token}"


def _mac(key: bytes, store_id: str, contact_key: str) -> bytes:
    # The separator cannot occur in a store id or a contact key, so no two pairs sign the same bytes.
    return hmac.new(key, f"unsubscribe\n{store_id}\n{contact_key}".encode(), hashlib.sha256).digest()


def _encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _decode(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        return b""
