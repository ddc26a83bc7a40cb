"""Convergence: a record is the fold of its event log in one canonical order, whatever the delivery order.

Webhooks arrive late, twice and out of order. Instead of judging each event
against whatever the record happened to reflect when it arrived, every
schema-valid, first-seen event is kept in its record's log, and the record is
the left fold of :func:`~saas_contracts.entitlements._lifecycle.transition`
over that log sorted by :func:`canonical_key`: ``occurred_at``, then
``provider_sequence`` (an event without one sorts first among equal
instants), then the event's fingerprint (its RFC 8785 canonical digest), a
tie-break every delivery order agrees on. So the record, and every receipt
outcome, is a function of the *set* of delivered events.

An event whose key is after every logged one (the usual, in-order case) is
folded onto the current record; a late one is inserted at its place and the
log is folded again from the start (or, the same result, from the record a
prefix sorting before it folds to: :class:`Refold`). An event that does not fit its record at
its canonical place is not dropped: it stays in the log, labelled ``parked``
(its record has no creating event before it yet: a cancellation delivered
before its purchase) or ``illegal`` (the record's status at that place does not
allow it), and is evaluated again at every fold, so it takes effect once the
event it waited for lands.

Records written before logs were kept (state files without ``events``) are
*bases*: the fold starts from the stored record, and an event older than what
the base reflects cannot be placed before it and stays ``stale`` (the
pre-log, per-record rule).
"""

from __future__ import annotations

from bisect import insort
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final, Literal

from saas_contracts._time import parse_utc_ns
from saas_contracts.entitlements._lifecycle import IllegalTransition, transition

if TYPE_CHECKING:
    from collections.abc import Mapping

    from saas_contracts.entitlements._vocab import Record

__all__ = [
    "BOOKKEEPING",
    "Entry",
    "Fold",
    "Refold",
    "canonical_key",
    "fold",
    "fold_onto",
    "insert",
    "is_stale",
    "same_access",
    "whole_log",
]

BOOKKEEPING: Final = frozenset({"sequence", "last_event_id", "last_event_at", "last_event_sequence"})
"""Record fields that say which events a record reflects, not what access it grants."""

CanonicalKey = tuple[int, int, str]


def canonical_key(event: Mapping[str, Any], fingerprint: str) -> CanonicalKey:
    """The total order of a record's events: occurred_at (ns), provider_sequence (absent: -1), fingerprint."""
    sequence = event.get("provider_sequence")
    return parse_utc_ns(event["occurred_at"]), -1 if sequence is None else int(sequence), fingerprint


@dataclass(frozen=True, order=True, slots=True)
class Entry:
    """One logged event with its canonical key (entries sort by key)."""

    key: CanonicalKey
    event: dict[str, Any]
    fingerprint: str
    canonical: bytes | None = field(default=None, compare=False)
    """The event's RFC 8785 bytes when the writer took them (what the SQLite store keeps as the log row)."""

    @property
    def event_id(self) -> str:
        """The event's idempotency key."""
        return str(self.event["event_id"])


@dataclass(frozen=True, kw_only=True, slots=True)
class Fold:
    """A folded log: the record (None while nothing created it) and each event's outcome and reason."""

    record: Record | None
    labels: dict[str, str]
    """event_id -> applied, parked, illegal or stale."""
    reasons: dict[str, str]
    """event_id -> why an event was not applied (public-safe sentence)."""


def is_stale(record: Mapping[str, Any], event: Mapping[str, Any]) -> bool:
    """Tell whether ``event`` is older than what the base ``record`` reflects (the pre-log, per-record rule).

    Compared on occurred_at; on equal instants, on provider_sequence when both
    carry one. Equal keys are not stale (two changes in the same instant).
    """
    record_at = parse_utc_ns(record["last_event_at"])
    event_at = parse_utc_ns(event["occurred_at"])
    if event_at != record_at:
        return event_at < record_at
    record_seq = record.get("last_event_sequence")
    event_seq = event.get("provider_sequence")
    return record_seq is not None and event_seq is not None and int(event_seq) < int(record_seq)


def fold_onto(record: Record | None, entry: Entry, base: Record | None) -> tuple[Record | None, str, str]:
    """Fold one entry onto ``record``: (the new record, its label, why not applied)."""
    if base is not None and is_stale(base, entry.event):
        return record, "stale", "older than what the record reflected before its log was kept"
    after = transition(record, entry.event)
    if isinstance(after, IllegalTransition):
        return record, "parked" if record is None else "illegal", after.reason
    return after, "applied", ""


@dataclass(frozen=True, slots=True)
class Refold:
    """What a late event makes the writer fold again: ``entries`` (sorted by key), starting at ``start``.

    Either the whole log from its base (``start`` is a copy of the base, or None),
    or only the log's tail after a prefix that sorts before the late event, from
    the record that prefix folds to. A left fold gives every event before the
    late one the same record and label either way, so both give the same record
    and the same labels for ``entries``; the prefix's labels do not change.
    """

    entries: list[Entry]
    start: Record | None


def whole_log(entries: list[Entry], base: Record | None) -> Refold:
    """A refold of the whole log ``entries`` from ``base``."""
    return Refold(entries, None if base is None else dict(base))


def fold(
    entries: list[Entry], base: Record | None = None, *, start: Record | Literal[False] | None = False
) -> Fold:
    """Fold ``entries`` (sorted by key) from ``start`` (default: from ``base``; None: an empty record)."""
    record: Record | None = (None if base is None else dict(base)) if start is False else start
    labels: dict[str, str] = {}
    reasons: dict[str, str] = {}
    for entry in entries:
        record, label, reason = fold_onto(record, entry, base)
        labels[entry.event_id] = label
        if reason:
            reasons[entry.event_id] = reason
    return Fold(record=record, labels=labels, reasons=reasons)


def insert(entries: list[Entry], entry: Entry) -> bool:
    """Insert ``entry`` at its canonical place; True when it went last (no refold needed)."""
    last = not entries or entries[-1].key < entry.key
    if last:
        entries.append(entry)
    else:
        insort(entries, entry)
    return last


def same_access(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> bool:
    """Tell whether two records are equal once the bookkeeping fields are left out."""
    if before is None or after is None:
        return before is after
    return {k: v for k, v in before.items() if k not in BOOKKEEPING} == {
        k: v for k, v in after.items() if k not in BOOKKEEPING
    }
