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

import operator
from itertools import compress, repeat
from typing import TYPE_CHECKING, Any, Final

import orjson

if TYPE_CHECKING:
    from collections.abc import Sequence

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
    return _counted(value, raw)


def _counted(value: dict[str, Any], raw: bytes) -> dict[str, Any] | None:
    """The counting half of the duplicate-key guard (see :func:`fast_loads`)."""
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


def _loads_each(lines: Sequence[bytes]) -> list[Any]:
    """``orjson.loads`` of every line, None where it raised, with the loop in C (``map``).

    A line orjson rejects stops ``list.extend`` after the values before it were
    appended; it becomes None and the same iterator goes on after it. Should an
    interpreter not keep those values, the lengths differ and a plain loop decides.
    """
    values: list[Any] = []
    rest = iter(lines)
    while True:
        try:
            values.extend(map(orjson.loads, rest))
        except orjson.JSONDecodeError:
            values.append(None)
        else:
            break
    if len(values) != len(lines):  # pragma: no cover - CPython keeps what extend appended
        values = []
        for raw in lines:
            try:
                values.append(orjson.loads(raw))
            except orjson.JSONDecodeError:
                values.append(None)
    return values


def fast_loads_many(lines: Sequence[bytes]) -> list[dict[str, Any] | None]:
    """:func:`fast_loads` of every line, in order, with the per-line loops in C where it can.

    Equal to ``[fast_loads(raw) for raw in lines]`` (a test compares them):
    the parse and the re-serialization proof run as ``map`` over the block;
    only lines the proof does not settle take the counting guard one by one.
    """
    values = _loads_each(lines)
    try:
        proven = list(map(operator.eq, map(orjson.dumps, values), lines))
    except orjson.JSONEncodeError:  # a value nested deeper than orjson writes: line by line
        return [fast_loads(raw) for raw in lines]
    types = list(map(type, values))
    if proven.count(True) == len(lines) and types.count(dict) == len(lines):  # the common chunk
        return values
    other = list(map(operator.is_not, types, repeat(dict)))
    # Lines left to settle: not proven by re-serialization, or not an object.
    for position in compress(range(len(values)), map(operator.or_, map(operator.not_, proven), other)):
        value = values[position]
        values[position] = None if other[position] else _counted(value, lines[position])
    return values
