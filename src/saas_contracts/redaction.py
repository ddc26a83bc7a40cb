"""Keyed redaction of raw ids into the redacted-reference grammar.

Product adapters turn a raw user, workspace or subscription id into a stable
reference before anything reaches a shared artifact::

    reference = kind + "_ref_" + base32(HMAC-SHA256(key, kind + ":" + raw_id)[:16])

where ``key`` is a product-held secret of at least 16 bytes, ``kind`` matches
``[a-z][a-z0-9]{1,15}``, the message is UTF-8, and ``base32`` is RFC 4648
base32 in lower case with the ``=`` padding removed (26 characters). The same
inputs give the same reference in every run and every language; in
TypeScript (Web Crypto)::

    const mac = await crypto.subtle.sign("HMAC", hmacKey, new TextEncoder().encode(`${kind}:${rawId}`));
    const ref = `${kind}_ref_${base32Lower(new Uint8Array(mac).slice(0, 16))}`;

Without the key a reference cannot be reversed or recomputed from a guessed id;
keep the key out of every artifact, and rotate it only with a re-keying plan
(references change when the key does).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from typing import Final

from saas_contracts.errors import RedactionError

__all__ = [
    "MIN_KEY_BYTES",
    "REFERENCE_PATTERN",
    "RedactionError",
    "Redactor",
    "is_redacted_reference",
    "redact",
]

MIN_KEY_BYTES: Final = 16
REFERENCE_PATTERN: Final = re.compile(r"[a-z][a-z0-9]{1,15}_ref_[a-z2-7]{26}\Z", re.ASCII)
"""The grammar of ``common/v1/common#/$defs/redacted_reference`` (anchored, no trailing newline)."""
_KIND: Final = re.compile(r"[a-z][a-z0-9]{1,15}\Z", re.ASCII)
_DIGEST_BYTES: Final = 16


def _checked_key(key: object) -> bytes:
    # Adapters are often untyped JavaScript-minded code: check at run time too.
    if not isinstance(key, (bytes, bytearray)) or len(key) < MIN_KEY_BYTES:
        raise RedactionError(f"the redaction key must be at least {MIN_KEY_BYTES} bytes")
    return bytes(key)


def redact(kind: str, raw_id: str, *, key: bytes) -> str:
    """Return the redacted reference for ``raw_id`` of the given ``kind``."""
    secret = _checked_key(key)
    checked_kind: object = kind
    checked_id: object = raw_id
    if not isinstance(checked_kind, str) or not _KIND.match(checked_kind):
        raise RedactionError("kind must be a letter followed by 1 to 15 lower-case letters or digits")
    if not isinstance(checked_id, str) or not checked_id:
        raise RedactionError("raw_id must be a non-empty string")
    mac = hmac.new(secret, f"{kind}:{raw_id}".encode(), hashlib.sha256).digest()
    encoded = base64.b32encode(mac[:_DIGEST_BYTES]).decode("ascii").rstrip("=").lower()
    return f"{kind}_ref_{encoded}"


def is_redacted_reference(value: object) -> bool:
    """True when ``value`` is a string in the redacted-reference grammar."""
    return isinstance(value, str) and REFERENCE_PATTERN.match(value) is not None


class Redactor:
    """Holds a product's key so adapters can redact without passing it around.

    The key never appears in ``repr`` or in any error message.
    """

    __slots__ = ("_key",)

    def __init__(self, key: bytes) -> None:
        """Keep ``key`` (at least 16 bytes) for later :meth:`redact` calls."""
        self._key = _checked_key(key)

    def __repr__(self) -> str:
        """Never show the key."""
        return "Redactor(key=<hidden>)"

    def redact(self, kind: str, raw_id: str) -> str:
        """Redact ``raw_id`` of ``kind`` with this redactor's key."""
        return redact(kind, raw_id, key=self._key)
