"""Canonical JSON bytes and the ``sha256:`` digests taken over them.

Every digest this package publishes (event fingerprints, audited-write event
digests, the privacy rules digest) is ``"sha256:" + hex(SHA-256(JCS(value)))``
where JCS is RFC 8785 canonical JSON: key order and number spelling do not
change it, and npm ``canonicalize`` + WebCrypto reproduce it byte for byte.
"""

from __future__ import annotations

import hashlib
from typing import Any, Final, cast

import orjson
import rfc8785

__all__ = ["DIGEST_PREFIX", "canonical_bytes", "canonical_digest", "sha256_digest"]

DIGEST_PREFIX: Final = "sha256:"


_MAX_EXACT: Final = 2**53 - 1


def _flat_canonical(value: object) -> bytes | None:
    """JCS bytes of a flat object (ASCII keys; string and safe-integer values), or None for anything else.

    For such an object orjson's compact output with sorted keys spells exactly what
    RFC 8785 does: ASCII keys sort the same by bytes, by UTF-16 code units and by
    code points; both write strings as UTF-8 and escape only the quote, the backslash
    and control characters (b, t, n, f, r short, the others as lower-case u00xx);
    integers up to 2**53 - 1 are plain decimals. A lone surrogate cannot be encoded
    and falls back too. ``tests/test_digest.py`` checks the equality (every code point,
    and generated objects), as it did for the ``json.dumps`` spelling this replaced.
    """
    if type(value) is not dict:
        return None
    for key, item in value.items():
        if type(key) is not str or not key.isascii():
            return None
        if type(item) is int:
            if not -_MAX_EXACT <= item <= _MAX_EXACT:
                return None
        elif type(item) is not str:
            return None
    try:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
    except orjson.JSONEncodeError:  # a lone surrogate
        return None


def canonical_bytes(value: object) -> bytes:
    """RFC 8785 (JCS) canonical UTF-8 bytes of any JSON value."""
    flat = _flat_canonical(value)
    if flat is not None:
        return flat
    result: bytes = rfc8785.dumps(cast("Any", value))
    return result


def sha256_digest(data: bytes) -> str:
    """``sha256:<64 lower-case hex>`` of ``data``."""
    return DIGEST_PREFIX + hashlib.sha256(data).hexdigest()


def canonical_digest(value: object) -> str:
    """``sha256:<64 hex>`` over the RFC 8785 bytes of a JSON value."""
    return sha256_digest(canonical_bytes(value))
