"""Canonical JSON bytes and the ``sha256:`` digests taken over them.

Every digest this package publishes (event fingerprints, audited-write event
digests, the privacy rules digest) is ``"sha256:" + hex(SHA-256(JCS(value)))``
where JCS is RFC 8785 canonical JSON: key order and number spelling do not
change it, and npm ``canonicalize`` + WebCrypto reproduce it byte for byte.
"""

from __future__ import annotations

import hashlib
from typing import Any, Final, cast

import rfc8785

__all__ = ["DIGEST_PREFIX", "canonical_bytes", "canonical_digest", "sha256_digest"]

DIGEST_PREFIX: Final = "sha256:"


def canonical_bytes(value: object) -> bytes:
    """RFC 8785 (JCS) canonical UTF-8 bytes of any JSON value."""
    result: bytes = rfc8785.dumps(cast("Any", value))
    return result


def sha256_digest(data: bytes) -> str:
    """``sha256:<64 lower-case hex>`` of ``data``."""
    return DIGEST_PREFIX + hashlib.sha256(data).hexdigest()


def canonical_digest(value: object) -> str:
    """``sha256:<64 hex>`` over the RFC 8785 bytes of a JSON value."""
    return sha256_digest(canonical_bytes(value))
