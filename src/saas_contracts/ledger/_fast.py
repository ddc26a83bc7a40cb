"""The bulk-path JSON parser: ``orjson`` behind a duplicate-key guard.

The yes/no schema check of the bulk path (jsonschema-rs when installed, the
reference otherwise) is :func:`saas_contracts._validation.schema_check`.

The bulk path parses with ``orjson`` (:func:`fast_loads`):
it is ~3x faster than the standard library decoder behind
:func:`saas_contracts._jsonio.loads`, rejects ``NaN``/``Infinity``, invalid
UTF-8 and control characters just as strictly, but silently keeps the last of
duplicate object keys. A cheap guard closes that gap (see :func:`fast_loads`);
whenever orjson or the guard declines a line, the strict parser decides.
"""

from __future__ import annotations

from typing import Any, Final

import orjson

_KEY_ENDS: Final = (b'":', b'" ', b'"\t', b'"\r')


def fast_loads(raw: bytes) -> dict[str, Any] | None:
    """Parse one JSON Lines line (no newline) to an object, or return None to defer to the strict parser.

    Returns a value only when orjson parses ``raw`` to an object and the
    duplicate-key guard proves that no object in it repeated a key; then the
    value equals what :func:`saas_contracts._jsonio.loads` returns, with one
    exception: an integer literal outside the 64-bit range (below ``-2**63`` or
    above ``2**64 - 1``) comes back as a float. The event schema rejects every
    such value (its only number is ``quantity``, at most ``2**53 - 1``), and a
    rejected line is parsed again strictly, so replay verdicts and messages do
    not depend on it; do not use this parser for general JSON. Anything
    else - not JSON, not an object, a guard mismatch - is None,
    and the caller runs the strict parser for the verdict and the message.

    The guard, first: when ``raw`` is byte for byte orjson's own compact
    serialization of the parsed value, no object in it repeated a key (a
    serialized dict names each key once). That holds for compact lines as
    ``JSON.stringify`` and ``json.dumps(..., separators=(",", ":"))`` write
    them and costs one encode and one ``memcmp``. Otherwise: every key
    occurrence in the text ends with a ``"`` followed by
    ``:`` or JSON whitespace (space, tab, CR; a line holds no LF), so counting
    those two-byte sequences gives an upper bound ``U`` of the key occurrences.
    Counting the keys of the parsed top-level object and of the objects at
    ``/plan``, ``/plan/features`` and ``/attributes`` gives a lower bound
    ``P`` of the distinct keys per object summed. A duplicate makes the
    distinct keys fewer than the occurrences, so ``U == P`` proves there is
    none, whatever the shape (other nested objects only make ``P`` smaller,
    which declines the fast path, never wrongly accepts it).
    """
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None
    if type(value) is not dict:
        return None
    try:
        if orjson.dumps(value) == raw:  # the common compact line: proof by re-serialization
            return value
    except orjson.JSONEncodeError:  # nested deeper than orjson writes: the counting guard decides
        pass
    keys = len(value)
    if type(attributes := value.get("attributes")) is dict:
        keys += len(attributes)
    if type(plan := value.get("plan")) is dict:
        keys += len(plan)
        if type(features := plan.get("features")) is dict:
            keys += len(features)
    ends = raw.count(_KEY_ENDS[0]) + raw.count(_KEY_ENDS[1])
    if b"\t" in raw or b"\r" in raw:
        ends += raw.count(_KEY_ENDS[2]) + raw.count(_KEY_ENDS[3])
    return value if ends == keys else None
