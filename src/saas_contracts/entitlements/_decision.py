"""Entitlement decisions: a pure function of records, policy, snapshot, capability and ``as_of``.

Each record is first materialized at ``as_of`` (scheduled changes due by then
applied: a plan change, a pause, the resume a pause scheduled, a cancellation),
then one reason is chosen by this precedence, first match wins:

====  ================================================  =====  ====================
step  the record at ``as_of``                           grant  reason
====  ================================================  =====  ====================
1     before ``effective_start``                        no     not_started
2     ended                                             no     the end's reason
3     ``effective_end`` reached, trialing, inside the   yes    in_conversion_grace
      policy's ``trial_conversion_grace`` after it
4     ``effective_end`` reached                         no     source_expired
5     paused by a pause that keeps access               yes    paused_with_access
6     paused                                            no     paused
7     past due, before ``grace_end``                    yes    in_grace
8     past due, at or after ``grace_end``               no     grace_ended
9     trialing                                          yes    in_trial
10    active with a cancellation scheduled              yes    cancel_scheduled
11    active                                            yes    granted
====  ================================================  =====  ====================

The conversion grace is the product's policy (data, bounded to PT72H by the
schema, default none); core only owns the mechanism.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from saas_contracts._time import format_utc_ns, parse_utc_ns
from saas_contracts._validation import ensure_valid
from saas_contracts.entitlements._lifecycle import materialize, scheduled
from saas_contracts.entitlements._priority import conversion_grace_ns, resolve
from saas_contracts.entitlements._vocab import REQUEST_SCHEMA, Record
from saas_contracts.errors import DuplicateRecordError
from saas_contracts.models._core import as_json

if TYPE_CHECKING:
    from collections.abc import Mapping

_END_REASONS: Final = {
    "scheduled_end": "source_expired",
    "expired": "source_expired",
    "canceled": "canceled",
    "revoked": "revoked",
    "refunded": "refunded",
}
_LAST_INSTANT: Final = parse_utc_ns("9999-12-31T23:59:59.999999999Z")
"""The latest instant a timestamp can spell: a boundary after it is never reached."""


@dataclass(frozen=True, kw_only=True)
class SourceState:
    """One record evaluated at an instant."""

    record: Record
    """The record as it stands at the instant (scheduled changes due by then applied)."""
    active: bool
    reason: str
    """An allow reason when active (granted, in_trial, in_grace, cancel_scheduled, paused_with_access,
    in_conversion_grace), else a deny reason."""


def _conversion_grace_end(record: Mapping[str, Any], grace_ns: int) -> int | None:
    """The instant a trialing record's conversion grace ends (None: no grace or not a trial with an end)."""
    if grace_ns <= 0 or record["status"] != "trialing" or "effective_end" not in record:
        return None
    return parse_utc_ns(record["effective_end"]) + grace_ns


def evaluate_record(  # noqa: PLR0911 - one return per row of the precedence table
    record: Mapping[str, Any], as_of: str, *, conversion_grace_ns: int = 0
) -> SourceState:
    """Whether ``record`` grants its plan at ``as_of``, and why (pure; precedence in the module docstring).

    ``conversion_grace_ns`` is the policy's trial conversion grace (0: none).
    """
    current = materialize(record, as_of)
    moment = parse_utc_ns(as_of)
    status = current["status"]
    if moment < parse_utc_ns(current["effective_start"]):
        return SourceState(record=current, active=False, reason="not_started")
    if status == "ended":
        return SourceState(record=current, active=False, reason=_END_REASONS[current["end_reason"]])
    if "effective_end" in current and moment >= parse_utc_ns(current["effective_end"]):
        grace_end = _conversion_grace_end(current, conversion_grace_ns)
        if grace_end is not None and moment < grace_end:
            return SourceState(record=current, active=True, reason="in_conversion_grace")
        return SourceState(record=current, active=False, reason="source_expired")
    if status == "paused":
        keeps = bool(current.get("pause_keeps_access"))
        return SourceState(record=current, active=keeps, reason="paused_with_access" if keeps else "paused")
    if status == "past_due":
        in_grace = moment < parse_utc_ns(current["grace_end"])
        return SourceState(record=current, active=in_grace, reason="in_grace" if in_grace else "grace_ended")
    if status == "trialing":
        return SourceState(record=current, active=True, reason="in_trial")
    reason = "cancel_scheduled" if scheduled(current, "cancel") is not None else "granted"
    return SourceState(record=current, active=True, reason=reason)


def _boundaries(record: Mapping[str, Any], grace_ns: int) -> list[str]:
    found = [record["effective_start"]]
    found.extend(record[name] for name in ("effective_end", "grace_end") if name in record)
    found.extend(item["effective_at"] for item in record.get("scheduled", []))
    grace_end = _conversion_grace_end(record, grace_ns)
    if grace_end is not None and grace_end <= _LAST_INSTANT:
        found.append(format_utc_ns(grace_end))
    return found


def next_change(records: list[Record], as_of: str, *, conversion_grace_ns: int = 0) -> str | None:
    """Return the earliest instant after ``as_of`` at which any record changes by itself (None: never).

    With a trial conversion grace, a trial's grace end is such an instant too.
    """
    moment = parse_utc_ns(as_of)
    later = [
        (parse_utc_ns(stamp), stamp)
        for record in records
        if materialize(record, as_of)["status"] != "ended"
        for stamp in _boundaries(materialize(record, as_of), conversion_grace_ns)
        if parse_utc_ns(stamp) > moment
    ]
    return min(later)[1] if later else None


def _workspace_records(request: Mapping[str, Any]) -> list[Record]:
    records = [dict(record) for record in request["records"] if record["workspace"] == request["workspace"]]
    seen: set[str] = set()
    for record in records:
        if record["record_id"] in seen:
            raise DuplicateRecordError("two records of the decision request share one record_id")
        seen.add(record["record_id"])
    return sorted(records, key=lambda record: str(record["record_id"]))


def _capability_check(
    request: Mapping[str, Any],
    plan: str,
    decision: dict[str, Any],
    allow_reason: str,
) -> None:
    plans = request["snapshot"]["plans"]
    capability = request["capability"]
    if plan not in plans:
        decision.update(outcome="deny", reason="plan_not_in_snapshot")
        return
    entry = plans[plan]
    if capability not in entry["capabilities"]:
        decision.update(outcome="deny", reason="capability_not_in_plan")
        return
    limits = entry.get("limits", {})
    if capability in limits:
        used = int(request.get("usage", {}).get(capability, 0))
        requested = int(request.get("quantity", 1))
        decision["limit"] = {"limit": limits[capability], "used": used, "requested": requested}
        if used + requested > int(limits[capability]):
            decision.update(outcome="deny", reason="limit_reached")
            return
    decision.update(outcome="allow", reason=allow_reason)


def decide(request: object) -> dict[str, Any]:
    """Decide one request (see ``entitlements/v1/decision-request``); returns a decision document.

    ``request`` is parsed JSON or a ``DecisionRequest`` model (decided on its
    exact JSON, ``to_json(request)``); the decision is returned as JSON, which
    ``load_model(Decision, ...)`` turns into a model. Raises
    :class:`~saas_contracts.ContractViolationError` for an invalid request and
    :class:`DuplicateRecordError` when record ids repeat.
    """
    request = as_json(request)
    ensure_valid(request, REQUEST_SCHEMA)
    assert isinstance(request, dict)  # noqa: S101 - narrowed by the schema
    as_of = request["as_of"]
    records = _workspace_records(request)
    grace_ns = conversion_grace_ns(request["policy"])
    states = [evaluate_record(record, as_of, conversion_grace_ns=grace_ns) for record in records]
    rank = set(request["policy"]["order"])
    decision: dict[str, Any] = {
        "workspace": request["workspace"],
        "capability": request["capability"],
        "as_of": as_of,
        "considered": [
            {
                "record_id": state.record["record_id"],
                "source_kind": state.record["source_kind"],
                "active": state.active and state.record["source_kind"] in rank,
                "reason": state.reason if state.record["source_kind"] in rank else "not_in_policy",
            }
            for state in states
        ],
    }
    until = next_change(records, as_of, conversion_grace_ns=grace_ns)
    if until is not None:
        decision["valid_until"] = until
    by_id = {state.record["record_id"]: state for state in states}
    winner = resolve((state.record for state in states if state.active), request["policy"])
    if winner is None:
        fallback = resolve((state.record for state in states), request["policy"])
        reason = by_id[fallback.winner["record_id"]].reason if fallback is not None else "no_active_source"
        decision.update(outcome="deny", reason=reason)
        return decision
    state = by_id[winner.winner["record_id"]]
    decision["plan"] = state.record["plan"]
    decision["source"] = {
        "record_id": state.record["record_id"],
        "source_kind": state.record["source_kind"],
        "status": state.record["status"],
    }
    decision["tie_break"] = winner.tie_break
    _capability_check(request, state.record["plan"], decision, state.reason)
    return decision
