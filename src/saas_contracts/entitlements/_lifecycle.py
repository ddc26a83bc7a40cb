"""Lifecycle normalization: neutral events moved through a small, explicit state machine.

A record's stored status plus its scheduled changes describe it at every
instant: :func:`materialize` applies the changes that are due at a given time.
:func:`transition` applies one neutral event to a record (or creates one) and
either returns the new record or an :class:`IllegalTransition` naming why the
event does not fit the record's status. Access is only revoked when it truly
ends (expiry, immediate cancellation, a scheduled end reached, an operator
revoke, a full refund); a scheduled cancellation, a pause scheduled for later
or a billing issue still in grace keep access.

A pause may carry ``resume_at``: the resume is then a scheduled change of its
own, so from that instant the record is active again without a resume event
(a decision is made as of the instant it is given). A pause may also keep
access (``keeps_access``: billing stops, service continues); the record then
carries ``pause_keeps_access`` while paused. A pause on a paused source
re-states it: whether access is kept and when it resumes follow the newer
event, when it began (``paused_at``) stays.

Events whose target state already holds (billing_recovered on an active
source, resume with nothing paused, cancel_revoked with nothing scheduled)
are applied as no-ops: they change no access but advance what the record
reflects, so the older event they overtook (the payment failure, the pause,
the cancellation) is then recognized as stale instead of being applied late.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from saas_contracts._time import parse_utc_ns

if TYPE_CHECKING:
    from collections.abc import Mapping

    from saas_contracts.entitlements._vocab import Record

_CHANGE_ORDER: Final = {"plan_change": 0, "pause": 1, "resume": 2, "cancel": 3}
_LIVE: Final = frozenset({"trialing", "active", "past_due", "paused"})
_STATE_FIELDS: Final = ("grace_end", "paused_at", "pause_keeps_access", "ended_at", "end_reason")
CREATING_KINDS: Final = frozenset({"purchase", "trial_start", "manual_grant"})
ENDING_KINDS: Final = frozenset({"cancel_scheduled", "cancel_immediate", "expiry", "manual_revoke"})


@dataclass(frozen=True, kw_only=True)
class IllegalTransition:
    """Why an event cannot be applied to a record in its current status."""

    reason: str
    """A short public-safe sentence (no instance values)."""


def _sorted_schedule(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(items, key=lambda item: (parse_utc_ns(item["effective_at"]), _CHANGE_ORDER[item["change"]]))


def _set_schedule(record: Record, items: list[dict[str, Any]]) -> None:
    if items:
        record["scheduled"] = _sorted_schedule(items)
    else:
        record.pop("scheduled", None)


def _end(record: Record, at: str, reason: str) -> None:
    for name in _STATE_FIELDS:
        record.pop(name, None)
    record["status"] = "ended"
    record["ended_at"] = at
    record["end_reason"] = reason
    record.pop("scheduled", None)


def refund_ends_access(event: Mapping[str, Any]) -> bool:
    """Whether a refund ends access: ``ends_access`` when the adapter says so, else a full refund does."""
    return bool(event.get("ends_access", event["refund_scope"] == "full"))


def _pause(record: Record, at: str, *, keeps_access: bool) -> None:
    if record["status"] != "paused":
        record.pop("grace_end", None)
        record["status"] = "paused"
        record["paused_at"] = at
    if keeps_access:
        record["pause_keeps_access"] = True
    else:
        record.pop("pause_keeps_access", None)


def _unpause(record: Record) -> None:
    record["status"] = "active"
    record.pop("paused_at", None)
    record.pop("pause_keeps_access", None)


def materialize(record: Mapping[str, Any], at: str) -> Record:
    """Return the record as it stands at ``at``: scheduled changes due by then are applied (a copy)."""
    result: Record = dict(record)
    if "scheduled" not in result:
        return result
    # The scheduled items are never changed in place (a change replaces the list), so a shallow copy
    # of the record is an independent copy.
    moment = parse_utc_ns(at)
    remaining: list[dict[str, Any]] = []
    for item in _sorted_schedule(list(result["scheduled"])):
        if result["status"] == "ended":
            break
        if parse_utc_ns(item["effective_at"]) > moment:
            remaining.append(item)
        elif item["change"] == "plan_change":
            result["plan"] = item["plan"]
        elif item["change"] == "pause":
            _pause(result, item["effective_at"], keeps_access=bool(item.get("keeps_access")))
        elif item["change"] == "resume":
            # A resume due with nothing paused (the pause it ended was withdrawn or resumed) is a no-op.
            if result["status"] == "paused":
                _unpause(result)
        else:
            _end(result, item["effective_at"], "scheduled_end")
    if result["status"] != "ended":
        _set_schedule(result, remaining)
    return result


def scheduled(record: Mapping[str, Any], change: str) -> dict[str, Any] | None:
    """Return the pending scheduled change of one kind, if any."""
    item: dict[str, Any]
    for item in record.get("scheduled", ()):
        if item["change"] == change:
            return item
    return None


def _schedule(record: Record, item: dict[str, Any]) -> None:
    others = [existing for existing in record.get("scheduled", []) if existing["change"] != item["change"]]
    _set_schedule(record, [*others, item])


def _unschedule(record: Record, change: str) -> None:
    _set_schedule(record, [item for item in record.get("scheduled", []) if item["change"] != change])


def _create(event: Mapping[str, Any], effective: str) -> Record:
    record: Record = {
        "record_id": event["record_id"],
        "workspace": event["workspace"],
        "source_kind": event["source_kind"],
        "plan": event["plan"],
        "status": "trialing" if event["kind"] == "trial_start" else "active",
        "effective_start": effective,
    }
    if "provider" in event:
        record["provider"] = event["provider"]
    end = event.get("trial_end") if event["kind"] == "trial_start" else event.get("ends_at")
    if end is not None:
        record["effective_end"] = end
    if "period_end" in event:
        record["current_period_end"] = event["period_end"]
    return record


def _restart(record: Record, event: Mapping[str, Any], effective: str) -> Record:
    fresh = _create(event, effective)
    for name in ("sequence", "last_event_id", "last_event_at", "last_event_sequence"):
        if name in record:
            fresh[name] = record[name]
    return fresh


def _replace(record: Record, fresh: Record) -> None:
    record.clear()
    record.update(fresh)


def _apply_plan_change(record: Record, event: Mapping[str, Any], effective: str) -> None:
    if event["timing"] == "immediate":
        record["plan"] = event["plan"]
        _unschedule(record, "plan_change")
    else:
        _schedule(
            record,
            {
                "change": "plan_change",
                "effective_at": effective,
                "plan": event["plan"],
                "direction": event["direction"],
            },
        )


def _apply_pause(record: Record, event: Mapping[str, Any], effective: str) -> IllegalTransition | None:
    status = record["status"]
    if status not in _LIVE:
        return IllegalTransition(reason=f"pause of a source that is {status}")
    resume_at = event.get("resume_at")
    if resume_at is not None and parse_utc_ns(resume_at) <= parse_utc_ns(effective):
        return IllegalTransition(reason="the pause resumes before it takes effect")
    keeps_access = bool(event.get("keeps_access", False))
    if event["timing"] == "immediate":
        # On a paused source this re-states the pause: access and resume follow it, paused_at stays.
        _pause(record, effective, keeps_access=keeps_access)
    elif status == "paused":
        return IllegalTransition(reason="pause scheduled on a source that is already paused")
    else:
        item: dict[str, Any] = {"change": "pause", "effective_at": effective}
        if keeps_access:
            item["keeps_access"] = True
        _schedule(record, item)
    if resume_at is None:
        _unschedule(record, "resume")
    else:
        _schedule(record, {"change": "resume", "effective_at": resume_at})
    return None


def _apply_existing(  # noqa: C901, PLR0911, PLR0912, PLR0915 - one branch per lifecycle kind reads as the state table
    record: Record,
    event: Mapping[str, Any],
    effective: str,
) -> IllegalTransition | None:
    kind = event["kind"]
    status = record["status"]
    live = status in _LIVE
    if kind == "purchase":
        if status in {"trialing", "paused"}:
            # A trial converts; so does a source paused for want of a payment method once it is paid.
            _unpause(record)
            _unschedule(record, "resume")
            record["plan"] = event["plan"]
            record.pop("effective_end", None)
            if "period_end" in event:
                record["current_period_end"] = event["period_end"]
        elif status == "ended":
            _replace(record, _restart(record, event, effective))
        else:
            return IllegalTransition(reason=f"purchase on a source that is already {status}")
    elif kind == "trial_start":
        return IllegalTransition(reason="a trial can only start a new source")
    elif kind == "renewal":
        if status not in {"active", "past_due"}:
            return IllegalTransition(reason=f"renewal of a source that is {status}")
        if scheduled(record, "cancel") is not None:
            return IllegalTransition(reason="renewal while a cancellation is scheduled")
        record["status"] = "active"
        record.pop("grace_end", None)
        if "period_end" in event:
            record["current_period_end"] = event["period_end"]
    elif kind == "plan_change":
        if not live:
            return IllegalTransition(reason="plan change on an ended source")
        _apply_plan_change(record, event, effective)
    elif kind == "cancel_scheduled":
        if not live:
            return IllegalTransition(reason="cancellation scheduled on an ended source")
        _schedule(record, {"change": "cancel", "effective_at": effective})
    elif kind == "schedule_withdrawn":
        # A withdrawn scheduled plan change (Stripe schedule release, Paddle scheduled_change removed) or a
        # pause scheduled before it starts; nothing scheduled of that kind is the target state (a no-op).
        if not live:
            return IllegalTransition(reason="scheduled change withdrawn on an ended source")
        _unschedule(record, event["change"])
        if event["change"] == "pause" and status != "paused":
            _unschedule(record, "resume")  # the resume that would have ended the withdrawn pause
    elif kind == "cancel_revoked":
        # Already uncanceled is the target state: a no-op that still advances what the record reflects.
        if not live:
            return IllegalTransition(reason="cancellation revoked after the source has already ended")
        _unschedule(record, "cancel")
    elif kind in {"cancel_immediate", "manual_revoke"}:
        if not live:
            return IllegalTransition(reason=f"{kind} on a source that has already ended")
        _end(record, effective, "canceled" if kind == "cancel_immediate" else "revoked")
    elif kind == "expiry":
        if live:
            _end(record, effective, "expired")
        elif record.get("end_reason") == "scheduled_end":
            record["end_reason"] = "expired"
        else:
            return IllegalTransition(reason="expiry of a source that has already ended")
    elif kind == "pause":
        return _apply_pause(record, event, effective)
    elif kind == "resume":
        if status == "paused":
            _unpause(record)
        elif not live:
            return IllegalTransition(reason="resume of a source that has already ended")
        else:
            _unschedule(record, "pause")
        _unschedule(record, "resume")
    elif kind == "billing_issue":
        if status not in {"active", "trialing", "past_due"}:
            return IllegalTransition(reason=f"billing issue on a source that is {status}")
        if status == "trialing":
            record.pop("effective_end", None)
        if status != "past_due":
            # Grace is anchored at the first failure of the cycle: retries while past due do not slide it.
            record["grace_end"] = event["grace_end"]
        record["status"] = "past_due"
    elif kind == "billing_recovered":
        if status not in {"past_due", "active"}:
            return IllegalTransition(reason=f"billing recovered on a source that is {status}")
        record["status"] = "active"
        record.pop("grace_end", None)
    elif kind == "refund":
        if refund_ends_access(event) and live:
            _end(record, effective, "refunded")
    elif kind == "manual_grant":
        if status == "ended":
            _replace(record, _restart(record, event, effective))
        else:
            for name in _STATE_FIELDS:
                record.pop(name, None)
            record.pop("scheduled", None)
            record["status"] = "active"
            record["plan"] = event["plan"]
            if "ends_at" in event:
                record["effective_end"] = event["ends_at"]
            else:
                record.pop("effective_end", None)
    return None


def transition(record: Mapping[str, Any] | None, event: Mapping[str, Any]) -> Record | IllegalTransition:
    """Apply one schema-valid neutral event to ``record`` (None: the source is new).

    Returns the new record (a copy; bookkeeping fields updated) or why the
    event is illegal for the record's status. Pure: no clock, no I/O.
    """
    occurred = event["occurred_at"]
    effective = event.get("effective_at", occurred)
    if record is None:
        if event["kind"] not in CREATING_KINDS:
            return IllegalTransition(reason=f"{event['kind']} for a source that has no record yet")
        result = _create(event, effective)
        sequence = 1
    else:
        if record["workspace"] != event["workspace"]:
            return IllegalTransition(reason="the event names another workspace than the record")
        if record["source_kind"] != event["source_kind"]:
            return IllegalTransition(reason="the event names another source kind than the record")
        result = materialize(record, occurred)
        illegal = _apply_existing(result, event, effective)
        if illegal is not None:
            return illegal
        sequence = int(record["sequence"]) + 1
    result["sequence"] = sequence
    result["last_event_id"] = event["event_id"]
    result["last_event_at"] = occurred
    if "provider_sequence" in event:
        result["last_event_sequence"] = event["provider_sequence"]
    else:
        result.pop("last_event_sequence", None)
    # ``result`` is this call's own dict: without a schedule there is nothing due to apply, nothing to copy.
    return materialize(result, occurred) if "scheduled" in result else result
