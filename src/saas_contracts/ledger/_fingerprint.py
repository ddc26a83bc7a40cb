"""Idempotency scope and fingerprint of a usage event.

* **Scope.** An idempotency key is unique within its producer: the scope of an
  event is the pair ``(source, idempotency_key)``. Two producers may use the
  same key for different events without colliding.
* **Fingerprint.** ``"sha256:" + hex(SHA-256(JCS(business content)))`` where
  JCS is RFC 8785 canonical JSON and the business content is the event without
  the receipt fields in :data:`FINGERPRINT_EXCLUDED_FIELDS` (``event_id`` - an
  emission id a retry may renew - and ``recorded_at`` - when the producer wrote
  it down). Everything else counts: type, subject, the whole plan snapshot,
  quantity, occurred_at, source, key and attributes. Canonical JSON makes key
  order and number spelling irrelevant: ``5`` and ``5.0`` are the same number,
  reordered keys the same object. Hashing raw lines would not.
* **Millisecond precision.** Idempotency compares instants to the millisecond:
  inside the fingerprinted content ``occurred_at`` and ``plan.captured_at`` are
  replaced by their canonical form (:func:`idempotency_timestamp`: the fraction
  truncated, not rounded, to at most 3 digits, trailing zeros removed, the ``.``
  dropped when nothing is left). ``...:05Z``, ``...:05.000Z`` and
  ``...:05.000000Z`` are one instant, ``...:05.123456789Z`` is ``...:05.123Z``;
  two events 1 ms apart differ. This makes an event round-tripped through the
  official CloudEvents SDKs a duplicate of the original: the JavaScript SDK
  rewrites ``time`` with ``Date.toISOString()`` (always 3 digits), the Python
  SDK through ``datetime`` (microseconds, 6 digits or none). The event itself is
  never rewritten; a timestamp with at most 3 fraction digits and no trailing
  zero is already canonical, so such events keep the fingerprint they had
  before (:data:`FINGERPRINT_VERSION` 2; version 1 hashed the timestamps as
  written).
* **Verdicts.** Same scope and same fingerprint: ``duplicate`` (success
  equivalent, applied once). Same scope, different fingerprint: ``conflict``
  (the first one stays; the later one is reported, never dropped silently nor
  written over).
"""

from __future__ import annotations

import functools
import hashlib
import operator
import re
from collections import deque
from collections.abc import Mapping
from itertools import repeat
from typing import TYPE_CHECKING, Any, Final

import orjson

from saas_contracts._digest import canonical_digest
from saas_contracts.models._core import to_json

if TYPE_CHECKING:
    from collections.abc import Sequence

    from saas_contracts.models.usage_ledger.v1 import UsageEvent

FINGERPRINT_EXCLUDED_FIELDS: Final = ("event_id", "recorded_at")
"""Receipt fields left out of the fingerprint, in sorted order."""

_EXCLUDED = frozenset(FINGERPRINT_EXCLUDED_FIELDS)
FINGERPRINT_VERSION: Final = 2
"""Version of the fingerprint rule (2: timestamps compared to the millisecond; 1: as written)."""
_TIMESTAMP: Final = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,9})?Z\Z", re.ASCII
)
SCOPE_KEY_BYTES: Final = 16
"""Index keys are the first 16 bytes of SHA-256 over the scope (no raw key is stored)."""


def idempotency_timestamp(stamp: str) -> str:
    """Return the canonical millisecond form of a contract UTC timestamp (see the module docstring).

    ``stamp`` must have the timestamp shape ``YYYY-MM-DDTHH:MM:SS[.f{1,9}]Z``:
    the fraction is truncated to 3 digits, trailing zeros and an empty ``.``
    are dropped. Idempotent; a canonical timestamp is returned unchanged.
    """
    if len(stamp) == 20:  # no fraction: the common case
        return stamp
    fraction = stamp[20:23].rstrip("0Z")
    return f"{stamp[:19]}.{fraction}Z" if fraction else stamp[:19] + "Z"


def _canonical_time(value: object) -> object:
    # Only a value of the timestamp shape is rewritten: an invalid event keeps what it has.
    return idempotency_timestamp(value) if isinstance(value, str) and _TIMESTAMP.match(value) else value


def business_content(event: Mapping[str, Any]) -> dict[str, Any]:
    """Return the content an event's fingerprint covers.

    The receipt fields are removed and ``occurred_at`` and ``plan.captured_at``
    replaced by their canonical millisecond form (:func:`idempotency_timestamp`).
    ``event`` is not modified.
    """
    content = {name: value for name, value in event.items() if name not in _EXCLUDED}
    if "occurred_at" in content:
        content["occurred_at"] = _canonical_time(content["occurred_at"])
    plan = content.get("plan")
    if isinstance(plan, Mapping) and "captured_at" in plan:
        content["plan"] = {**plan, "captured_at": _canonical_time(plan["captured_at"])}
    return content


def fingerprint(event: Mapping[str, Any] | UsageEvent) -> str:
    """Return the event's fingerprint: ``sha256:<64 hex>`` over the JCS bytes of its business content.

    ``event`` is parsed JSON or a ``UsageEvent`` model (fingerprinted as ``to_json(event)``,
    so both give the same fingerprint).
    """
    content = event if isinstance(event, Mapping) else to_json(event)
    return canonical_digest(business_content(content))


def fast_canonical_bytes(event: Mapping[str, Any]) -> bytes:
    """JCS bytes of a *schema-valid* event's business content, without the general encoder.

    A schema-valid envelope is a closed object whose strings all match ASCII
    patterns without quote, backslash or control characters, and whose only
    number is the integral ``quantity``. For that domain orjson's compact
    output with sorted keys *is* the canonical form (``5.0`` written as ``5``
    first, timestamps in their millisecond form as in :func:`business_content`);
    tests prove the bytes equal the ``rfc8785`` package's and npm
    ``canonicalize``'s. Do not call this on arbitrary JSON: use
    :func:`saas_contracts._digest.canonical_bytes`. ``event`` is not modified
    (see :func:`consume_canonical_bytes` for the replay's in-place variant).
    """
    copy = dict(event)
    if isinstance(plan := copy.get("plan"), Mapping):
        copy["plan"] = dict(plan)
    return consume_canonical_bytes(copy)


def consume_canonical_bytes(event: dict[str, Any]) -> bytes:
    """:func:`fast_canonical_bytes` that reuses ``event``, a parsed line the caller owns.

    The receipt fields are removed from ``event``, ``quantity`` becomes an int
    and ``occurred_at``/``plan.captured_at`` their millisecond form. The bulk
    path calls this last, after it has read what it needs from the event.
    """
    event.pop("event_id", None)
    event.pop("recorded_at", None)
    quantity = event["quantity"]
    if type(quantity) is not int:
        event["quantity"] = int(quantity)
    occurred = event["occurred_at"]
    if len(occurred) != 20:  # a timestamp without fraction is canonical already
        event["occurred_at"] = idempotency_timestamp(occurred)
    plan = event["plan"]
    captured = plan["captured_at"]
    if len(captured) != 20:
        plan["captured_at"] = idempotency_timestamp(captured)
    return orjson.dumps(event, option=orjson.OPT_SORT_KEYS)


def scope_key(source: str, idempotency_key: str) -> bytes:
    """Return the 16-byte index key of an idempotency scope ``(source, idempotency_key)``."""
    return hashlib.sha256(f"{source}\n{idempotency_key}".encode()).digest()[:SCOPE_KEY_BYTES]


_DIGEST: Final = operator.methodcaller("digest")
_SCOPE_FIELDS: Final = operator.itemgetter("source", "idempotency_key")
_SCOPE_SLICE: Final = slice(SCOPE_KEY_BYTES)
_PLAN: Final = operator.itemgetter("plan")
_OCCURRED: Final = operator.itemgetter("occurred_at")
_CAPTURED: Final = operator.itemgetter("captured_at")
_QUANTITY: Final = operator.itemgetter("quantity")
_WHOLE_SECOND: Final = 20  # len("YYYY-MM-DDTHH:MM:SSZ"): a stamp without fraction, canonical already


def scope_keys(events: Sequence[Mapping[str, Any]]) -> list[bytes]:
    """:func:`scope_key` of each event's ``(source, idempotency_key)``, the loop in C (``map``)."""
    texts = map(str.encode, map("\n".join, map(_SCOPE_FIELDS, events)))
    return list(map(operator.getitem, map(_DIGEST, map(hashlib.sha256, texts)), repeat(_SCOPE_SLICE)))


def consume_canonical_many(events: Sequence[dict[str, Any]]) -> list[bytes]:
    """:func:`consume_canonical_bytes` of each event, in order, with the common steps as ``map``.

    The same bytes as ``[consume_canonical_bytes(event) for event in events]``
    (a test compares them); only events with a non-integer quantity or a
    timestamp with a fraction take a Python step each.
    """
    deque(map(dict.pop, events, repeat("event_id"), repeat(None)), maxlen=0)
    deque(map(dict.pop, events, repeat("recorded_at"), repeat(None)), maxlen=0)
    quantities = list(map(_QUANTITY, events))
    if list(map(type, quantities)).count(int) != len(quantities):
        for event, quantity in zip(events, quantities, strict=True):
            if type(quantity) is not int:
                event["quantity"] = int(quantity)
    if list(map(len, map(_OCCURRED, events))).count(_WHOLE_SECOND) != len(events):
        for event in events:
            if len(occurred := event["occurred_at"]) != _WHOLE_SECOND:
                event["occurred_at"] = idempotency_timestamp(occurred)
    plans = list(map(_PLAN, events))
    if list(map(len, map(_CAPTURED, plans))).count(_WHOLE_SECOND) != len(plans):
        for plan in plans:
            if len(captured := plan["captured_at"]) != _WHOLE_SECOND:
                plan["captured_at"] = idempotency_timestamp(captured)
    return list(map(_CANONICAL, events))


_CANONICAL: Final = functools.partial(orjson.dumps, option=orjson.OPT_SORT_KEYS)
