"""The audited plan-source writer: one event in, one counted outcome and (when applied) one envelope out.

Order of checks for every delivered event: schema-valid (else ``invalid``);
an already-seen ``event_id`` with the same fingerprint is a ``duplicate``, with
another fingerprint a ``conflict``. Otherwise the event joins its record's log
and the record is folded in canonical order (:mod:`saas_contracts.entitlements._fold`):
the delivery is ``applied`` (possibly late, folded in before newer events;
it yields a write envelope), ``stale`` (late and superseded: no access
changes), ``parked`` (no creating event before it yet) or ``illegal`` (its
record's status at its place does not allow it). Parked and illegal events
stay in the log and are re-evaluated at every later fold; every first-seen
event gets a receipt holding its current place in the fold, so a redelivery
is a duplicate and the receipts, like the records, do not depend on order.
"""

from __future__ import annotations

import functools
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final, Literal, NamedTuple, Protocol, cast

from saas_contracts._digest import canonical_bytes, canonical_digest, sha256_digest
from saas_contracts._mask import flagged
from saas_contracts._validation import ensure_valid, is_valid, schema_check, schema_check_trusting, validate
from saas_contracts.entitlements._fold import Entry, Refold, canonical_key, fold, fold_onto, same_access
from saas_contracts.entitlements._lifecycle import ENDING_KINDS, refund_ends_access
from saas_contracts.entitlements._render import apply_markdown, apply_text
from saas_contracts.entitlements._vocab import (
    EVENT_OUTCOMES,
    EVENT_SCHEMA,
    LIFECYCLE_KINDS,
    OPERATOR_KINDS,
    WRITE_SCHEMA,
    Record,
)
from saas_contracts.errors import ApprovalRequiredError, Violation
from saas_contracts.models._core import as_json

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping, Sequence

    from saas_contracts.entitlements._state import PlanSourceState


@dataclass(frozen=True, kw_only=True)
class AuditContext:
    """What every write envelope records about the writer itself."""

    now: str
    """written_at (UTC timestamp); an argument, never read from a clock in core."""
    commit_sha: str
    """The 40-hex commit of the code that wrote."""

    def __post_init__(self) -> None:
        """Check both fields against the common vocabulary."""
        ensure_valid(self.now, "common/v1/common#/$defs/utc_timestamp")
        ensure_valid(self.commit_sha, "common/v1/common#/$defs/commit_sha")


@dataclass(frozen=True, kw_only=True)
class EventResult:
    """The one outcome of one delivered event."""

    index: int
    """0-based position in the delivered stream."""
    outcome: str
    event_id: str | None = None
    kind: str | None = None
    record_id: str | None = None
    detail: str = ""
    violations: tuple[Violation, ...] = ()
    envelope: dict[str, Any] | None = field(default=None, compare=False)

    def to_json(self) -> dict[str, Any]:
        """Plain JSON form (the envelope is reported separately)."""
        result: dict[str, Any] = {"index": self.index, "outcome": self.outcome, "detail": self.detail}
        for name in ("event_id", "kind", "record_id"):
            value = getattr(self, name)
            if value is not None:
                result[name] = value
        if self.violations:
            result["violations"] = [violation.to_json() for violation in self.violations]
        return result


@dataclass(frozen=True, kw_only=True)
class ApplyOutcomes:
    """Outcome of replaying a stream: one result per event (or, for bulk runs, only their counts)."""

    results: tuple[EventResult, ...]
    totals: Mapping[str, int] | None = None
    """Events per outcome when ``results`` were not kept (a bulk run); None: count ``results``."""

    @property
    def counts(self) -> dict[str, int]:
        """Events per outcome (every outcome listed, zeros included)."""
        counted = self.totals if self.totals is not None else Counter(r.outcome for r in self.results)
        return {outcome: counted.get(outcome, 0) for outcome in EVENT_OUTCOMES}

    @property
    def envelopes(self) -> list[dict[str, Any]]:
        """The write envelopes of applied events, in delivery order (empty without an audit context)."""
        return [result.envelope for result in self.results if result.envelope is not None]

    @property
    def clean(self) -> bool:
        """True when nothing was a conflict, illegal or invalid (stale, parked, duplicate are expected)."""
        counts = self.counts
        return not (counts["conflict"] or counts["illegal"] or counts["invalid"])

    def render(self, output_format: Literal["text", "markdown"]) -> str:
        """Every event's outcome and the counts (``text``), or a Markdown table (``markdown``)."""
        return apply_markdown(self) if output_format == "markdown" else apply_text(self)

    def to_json(self) -> dict[str, Any]:
        """Report document: counts and per-event results."""
        return {
            "report": "entitlements-apply/v1",
            "counts": self.counts,
            "results": [result.to_json() for result in self.results],
        }


@dataclass(frozen=True, kw_only=True)
class ApplyReport(ApplyOutcomes):
    """Outcome of replaying a stream onto an in-memory state: the new state, one result per event."""

    state: PlanSourceState


def fingerprint(event: Mapping[str, Any]) -> str:
    """``sha256:`` + hex SHA-256 of the RFC 8785 canonical JSON of the event."""
    return canonical_digest(event if type(event) is dict else dict(event))


def _default_reason(event: Mapping[str, Any]) -> str:
    if "reason" in event:
        return str(event["reason"])
    if event["kind"] == "plan_change":
        return str(event["direction"])
    return str(event["kind"])


def _operation(before: Record | None, after: Record, event: Mapping[str, Any]) -> str:
    if before is None:
        return "create"
    ending = event["kind"] in ENDING_KINDS or (event["kind"] == "refund" and refund_ends_access(event))
    if ending or (after["status"] == "ended" and before["status"] != "ended"):
        return "end"
    return "update"


def build_envelope(  # noqa: PLR0913 - the write and its options, passed by name
    before: Record | None,
    after: Record,
    event: Mapping[str, Any],
    audit: AuditContext,
    *,
    event_fingerprint: str | None = None,
    before_checked: bool = False,
) -> dict[str, Any]:
    """Build the audited write envelope for an applied event (validated against ``entitlements/v1/write``).

    ``event_fingerprint``: the event's :func:`fingerprint`, when the caller already took it.
    ``before_checked``: ``before`` is the very record object the ``after`` of an
    envelope this run validated was (records are never changed in place), so the
    compiled check takes it as valid; a "no" still goes to the reference, which
    checks all of it.
    """
    operator_action = event["kind"] in OPERATOR_KINDS or "operator" in event
    if operator_action and not ("operator" in event and "approval_ref" in event):
        raise ApprovalRequiredError("an operator write needs an operator label and an approval reference")
    cause: dict[str, Any] = {
        "type": "operator_action" if operator_action else "lifecycle_event",
        "event_kind": event["kind"],
        "event_id": event["event_id"],
        "occurred_at": event["occurred_at"],
    }
    for name in ("provider", "direction", "timing"):
        if name in event:
            cause[name] = event[name]
    audit_block: dict[str, Any] = {
        "written_at": audit.now,
        "commit_sha": audit.commit_sha,
        "reason": _default_reason(event),
    }
    for name in ("operator", "approval_ref"):
        if name in event:
            audit_block[name] = event[name]
    envelope: dict[str, Any] = {
        "idempotency_key": event["event_id"],
        "fingerprint": fingerprint(event) if event_fingerprint is None else event_fingerprint,
        "workspace": event["workspace"],
        "record_id": event["record_id"],
        "source_kind": event["source_kind"],
        "operation": _operation(before, after, event),
        "cause": cause,
        "effective_at": event.get("effective_at", event["occurred_at"]),
        "after": after,
        "audit": audit_block,
    }
    if before is not None:
        envelope["before"] = before
    check = _write_check_trusting_before() if before_checked else _schema_check(WRITE_SCHEMA)
    if not check(envelope):
        ensure_valid(envelope, WRITE_SCHEMA)  # the reference decides and explains
    return envelope


def _receipt(event: Mapping[str, Any], print_: str, outcome: str) -> dict[str, Any]:
    return {
        "event_id": event["event_id"],
        "fingerprint": print_,
        "kind": event["kind"],
        "record_id": event["record_id"],
        "outcome": outcome,
    }


def _unsafe_event_id(event: Any) -> tuple[Violation, ...]:
    """Refuse an event_id the privacy rules flag (schema-valid, yet shaped like a provider id or secret).

    Reports echo the event_id and the state stores it: only public-safe ids go through.
    """
    rule_ids = flagged(event["event_id"])
    if not rule_ids:
        return ()
    return (
        Violation(
            pointer="/event_id",
            keyword="publicSafety",
            message="must be public-safe (a redacted reference or a reference label); "
            f"flagged by {', '.join(rule_ids)}",
            rule=EVENT_SCHEMA,
        ),
    )


def _fast_valid(event: object) -> bool:
    """Tell whether the compiled check alone accepts ``event`` (see :func:`_fast_canonical`)."""
    return _fast_canonical(event) is not None


def _fast_canonical(event: object) -> bytes | None:
    """The event's RFC 8785 bytes when the compiled yes/no schema check accepts it, else None.

    The compiled check is the ledger's jsonschema-rs one, made as strict as the
    reference: jsonschema-rs accepts one ``date-time`` spelling the reference
    refuses, year 0000 (leap seconds, the other one, fail the timestamp
    pattern; month lengths it checks itself). So its "yes" stands only when
    the canonical bytes hold no ``"0000`` (no string, timestamp or not, starts
    with ``0000``: a string is spelled from its opening quote), and is then the
    reference's "yes"; ``tests/entitlements/test_writer.py`` checks that the
    two agree over generated timestamps. None sends the event to the reference
    validator, which decides and explains. The bytes are the ones the
    fingerprint digests and the store keeps (one serialization per event).
    """
    if not _schema_check()(event):
        return None
    data = canonical_bytes(event)
    return None if b'"0000' in data else data


@functools.cache
def _schema_check(schema: str = EVENT_SCHEMA) -> Callable[[object], bool]:
    return schema_check(schema)


@functools.cache
def _write_check_trusting_before() -> Callable[[object], bool]:
    return schema_check_trusting(WRITE_SCHEMA, frozenset({"before"}))


class StateStore(Protocol):
    """What the writer reads and writes: the in-memory state and the SQLite store both provide it."""

    def receipt(self, event_id: str) -> dict[str, Any] | None:
        """The receipt of an event, if it was seen."""

    def put_receipt(self, receipt: dict[str, Any]) -> None:
        """Store (or replace) a receipt."""

    def record(self, record_id: str) -> Record | None:
        """The current record, if any (the writer never changes it in place)."""

    def put_record(self, record: Record) -> None:
        """Store (or replace) a record."""

    def base(self, record_id: str) -> Record | None:
        """The pre-log base a record's fold starts from, if any."""

    def add_to_log(self, record_id: str, entry: Entry) -> Refold | None:
        """Log ``entry``: None when it went last, else what to fold again (:class:`~._fold.Refold`)."""


def screen_event_ids(items: Sequence[object]) -> list[bool]:
    """For each item, True when its ``event_id`` is a string no privacy rule flags (one scan for all).

    One :func:`saas_contracts.privacy.scan` over the list of ids costs about
    what one per-id check costs, and it finds at least what the per-id check
    does (the same rules over each string, plus embedded JSON), so an id it
    leaves clean is clean; the rest (False) get the exact per-event check.
    """
    from saas_contracts.privacy import scan  # noqa: PLC0415 - rules load lazily

    ids = [item.get("event_id") if isinstance(item, dict) else None for item in items]
    texts = [value if isinstance(value, str) else "" for value in ids]
    hit = {
        int(finding.pointer.split("/")[1])
        for finding in scan(texts).findings
        if finding.pointer.count("/") == 1
    }
    return [isinstance(value, str) and position not in hit for position, value in enumerate(ids)]


def apply_event(  # noqa: PLR0913 - the event and its options, passed by name
    state: StateStore,
    event: object,
    *,
    index: int = 0,
    audit: AuditContext | None = None,
    id_screened: bool = False,
    checked: dict[str, Record] | None = None,
) -> EventResult:
    """Apply one delivered event to ``state`` in place; return its single outcome.

    ``id_screened``: the caller already proved the event_id clean with
    :func:`screen_event_ids` (bulk runs), so the per-event privacy check is skipped.
    ``checked``: a run's map of record_id to the ``after`` record of the last
    envelope it validated (bulk runs; updated here): when that record is the
    next envelope's ``before``, it is not checked again.

    With ``audit``, an applied event's result carries its write envelope.
    ``event`` is parsed JSON or a ``LifecycleEvent`` model (applied as ``to_json(event)``).
    """
    return cast(
        "EventResult",
        _apply(
            state, event, index=index, audit=audit, id_screened=id_screened, checked=checked, explain=True
        ),
    )


class Counted(NamedTuple):
    """A delivery's outcome and envelope only: what a bulk run that keeps counts needs (no detail text)."""

    outcome: str
    envelope: dict[str, Any] | None = None


def count_event(
    state: StateStore,
    event: object,
    *,
    audit: AuditContext | None,
    id_screened: bool,
    checked: dict[str, Record] | None,
) -> Counted:
    """:func:`apply_event` for bulk runs that keep only counts: the same changes to ``state``, no details."""
    return cast(
        "Counted", _apply(state, event, audit=audit, id_screened=id_screened, checked=checked, explain=False)
    )


def _apply(  # noqa: PLR0913 - the event and its options, passed by name
    state: StateStore,
    event: object,
    *,
    index: int = 0,
    audit: AuditContext | None,
    id_screened: bool,
    checked: dict[str, Record] | None,
    explain: bool,
) -> EventResult | Counted:
    """The writer: :func:`apply_event` with ``explain``, else the :class:`Counted` of :func:`count_event`.

    The count path builds no result fields it would drop (ids, detail text): a bulk run's per-event cost.
    """
    if type(event) is not dict:
        event = as_json(event)
    canonical = _fast_canonical(event)
    violations = () if canonical is not None else validate(event, EVENT_SCHEMA)
    if not (violations or id_screened):
        violations = _unsafe_event_id(event)
    if violations:
        if not explain:
            return _INVALID
        kind = event.get("kind") if isinstance(event, dict) else None
        return EventResult(
            index=index,
            outcome="invalid",
            kind=kind if kind in LIFECYCLE_KINDS else None,
            detail=f"not a valid lifecycle event ({len(violations)} violation(s))",
            violations=violations,
        )
    assert isinstance(event, dict)  # noqa: S101 - narrowed by the schema
    if canonical is None:  # valid, yet not through the compiled check (a year-0000 look-alike)
        canonical = canonical_bytes(event)
    print_ = sha256_digest(canonical)
    seen = state.receipt(event["event_id"])
    if seen is not None:
        return _seen_result(event, seen, print_, index=index, explain=explain)
    record_id = event["record_id"]
    before = state.record(record_id)
    base = state.base(record_id)
    entry = Entry(canonical_key(event, print_), event, print_, canonical)
    refold = state.add_to_log(record_id, entry)
    if refold is None:  # it went last: fold it onto the record; its receipt is new (it was not seen)
        after, label, reason = fold_onto(before, entry, base)
        state.put_receipt(_receipt(event, print_, label))
        changed: Counter[str] = _NO_CHANGES
    else:  # late: fold the log again (or only its tail from a prefix that sorts before the event)
        folded = fold(refold.entries, base, start=refold.start)
        after, label, reason = (
            folded.record,
            folded.labels[entry.event_id],
            folded.reasons.get(entry.event_id, ""),
        )
        changed = _relabel(state, refold.entries, folded.labels)
    if after is not None and after is not before:
        state.put_record(after)
    return _delivery_result(
        event,
        before,
        after,
        label,
        reason,
        late=refold is not None,
        changed=changed,
        audit=audit,
        ids=_ids(event, index) if explain else None,
        print_=print_,
        checked=checked,
    )


_NO_CHANGES: Final[Counter[str]] = Counter()
"""No other event's outcome changed (an in-order fold); read only."""
_INVALID: Final = Counted("invalid")
_DUPLICATE: Final = Counted("duplicate")
_CONFLICT: Final = Counted("conflict")
_COUNTED: Final = {label: Counted(label) for label in ("parked", "illegal", "stale")}
"""The count path's outcomes without an envelope (tuples, shared)."""


def _ids(event: Mapping[str, Any], index: int) -> dict[str, Any]:
    """The identifying fields of a delivery's :class:`EventResult`."""
    return {
        "index": index,
        "event_id": event["event_id"],
        "kind": event["kind"],
        "record_id": event["record_id"],
    }


def _seen_result(
    event: Mapping[str, Any], seen: Mapping[str, Any], print_: str, *, index: int, explain: bool
) -> EventResult | Counted:
    """A redelivery: ``duplicate`` with the same fingerprint as its receipt, else ``conflict``."""
    same = seen["fingerprint"] == print_
    if not explain:
        return _DUPLICATE if same else _CONFLICT
    ids = _ids(event, index)
    if same:
        return EventResult(outcome="duplicate", detail=f"already received ({seen['outcome']})", **ids)
    return EventResult(outcome="conflict", detail="same event_id, different content; not applied", **ids)


def _relabel(state: StateStore, entries: Iterable[Entry], labels: Mapping[str, str]) -> Counter[str]:
    """Write every label into its receipt; count the other events whose outcome the fold changed."""
    changed: Counter[str] = Counter()
    for entry in entries:
        label = labels.get(entry.event_id)
        if label is None:
            continue
        receipt = state.receipt(entry.event_id)
        if receipt is None:
            state.put_receipt(_receipt(entry.event, entry.fingerprint, label))
        elif receipt["outcome"] != label:
            state.put_receipt(receipt | {"outcome": label})
            changed[label] += 1
    return changed


def _delivery_result(  # noqa: PLR0913 - the fold's findings for one delivery, passed by name
    event: Mapping[str, Any],
    before: Record | None,
    after: Record | None,
    label: str,
    reason: str,
    *,
    late: bool,
    changed: Counter[str],
    audit: AuditContext | None,
    ids: dict[str, Any] | None,
    print_: str,
    checked: dict[str, Record] | None = None,
) -> EventResult | Counted:
    """The delivery's :class:`EventResult` with the ``ids`` given; without (None), its :class:`Counted`."""
    if label != "applied" or (late and not changed and same_access(before, after)):
        if ids is None:
            return _COUNTED["stale" if label == "applied" else label]
        return _not_applied(label, reason, changed, ids)
    assert after is not None  # noqa: S101 - an applied event leaves a record
    envelope = None
    if audit is not None:
        record_id = event["record_id"]
        trusted = checked is not None and before is not None and checked.get(record_id) is before
        envelope = build_envelope(
            before, after, event, audit, event_fingerprint=print_, before_checked=trusted
        )
        if checked is not None:
            checked[record_id] = after
    if ids is None:
        return Counted("applied", envelope)
    when = "applied late (folded in before newer events): " if late else ""
    detail = f"{when}{after['status']} on plan {after['plan']}{_held(changed)}"
    return EventResult(outcome="applied", detail=detail, envelope=envelope, **ids)


def _held(changed: Counter[str]) -> str:
    """The detail suffix naming the other events a fold relabelled."""
    return "".join(f"; {count} other event(s) now {outcome}" for outcome, count in sorted(changed.items()))


def _not_applied(label: str, reason: str, changed: Counter[str], ids: dict[str, Any]) -> EventResult:
    """The :class:`EventResult` of a delivery the fold did not apply (parked, illegal or stale)."""
    if label == "parked":
        detail = f"held until its record exists ({reason}); re-evaluated when events land{_held(changed)}"
    elif label == "illegal":
        detail = f"{reason}; kept and re-evaluated when events land{_held(changed)}"
    elif label == "stale":
        detail = f"{reason}; not applied"
    else:  # applied late, and superseded: no access changes
        label = "stale"
        detail = "older than newer events of its record that supersede it; folded in, no effect"
    return EventResult(outcome=label, detail=detail, **ids)


def unreadable_result(index: int, reason: str) -> EventResult:
    """Return the ``invalid`` outcome of a delivered line that is not JSON at all."""
    return EventResult(index=index, outcome="invalid", detail=f"not a JSON document: {reason}")


def apply_events(
    state: PlanSourceState,
    events: Iterable[object],
    *,
    audit: AuditContext | None = None,
) -> ApplyReport:
    """Apply ``events`` in delivery order to a copy of ``state``; ``state`` itself is not changed.

    Each event is parsed JSON or a ``LifecycleEvent`` model (see :func:`apply_event`).
    """
    working = state.copy()
    results = tuple(
        apply_event(working, event, index=index, audit=audit) for index, event in enumerate(events)
    )
    return ApplyReport(state=working, results=results)


def is_valid_event(event: object) -> bool:
    """Tell whether ``event`` is a schema-valid lifecycle event."""
    return is_valid(event, EVENT_SCHEMA)
