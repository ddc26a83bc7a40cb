"""Masked previews: the only way an instance value may appear in output.

Everything this package emits (violations, findings, reports, logs) goes
through these helpers so that a secret or raw id is never echoed in full.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING

from saas_contracts._pointer import escape_token

if TYPE_CHECKING:
    from collections.abc import Iterable

_SHORT = 12
_LONG = 24

# A pointer segment is shown verbatim only when it reads like a field name or
# an array index; anything else (a key that may itself be a secret) is masked.
_SAFE_SEGMENT = re.compile(r"(?:[0-9]{1,9}|[A-Za-z_$@][A-Za-z0-9_.$@:/~#-]{0,39})\Z", re.ASCII)
_MAX_SAFE_DIGITS = 5


def mask(value: object) -> str:
    """Return a preview that hints at a value's shape without revealing it.

    Strings of fewer than 12 characters show nothing but their length; longer
    ones keep a short head (2 characters, 4 from 24 on) so a reader can tell a
    ``sk_`` key from a ``cus_`` id. Non-strings are masked via their JSON text.
    """
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    length = len(text)
    if length < _SHORT:
        return f"…({length} chars)"
    head = 4 if length >= _LONG else 2
    visible = "".join(ch if ch.isascii() and ch.isprintable() else "?" for ch in text[:head])
    return f"{visible}…({length} chars)"


def is_safe_segment(segment: str) -> bool:
    """True when a JSON Pointer segment may be shown verbatim."""
    if not _SAFE_SEGMENT.match(segment):
        return False
    return segment.isdigit() or sum(ch.isdigit() for ch in segment) <= _MAX_SAFE_DIGITS


def pointer(parts: Iterable[str | int]) -> str:
    """Build a public-safe RFC 6901 pointer from path parts (keys and indices).

    Keys that do not look like field names are replaced by their masked preview,
    so a secret used as an object key never appears in a pointer.
    """
    tokens: list[str] = []
    for part in parts:
        segment = str(part)
        if not isinstance(part, int) and not is_safe_segment(segment):
            segment = mask(segment)
        tokens.append("/" + escape_token(segment))
    return "".join(tokens)
