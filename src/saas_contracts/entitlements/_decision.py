"""Entitlement decisions: a pure function of records, policy, snapshot, capability and ``as_of``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from saas_contracts._time import parse_utc_ns
from saas_contracts._validation import ensure_valid
from saas_contracts.entitlements._lifecycle import materialize, scheduled
from saas_contracts.entitlements._priority import resolve
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


@dataclass(frozen=True, kw_only=True)
class SourceState:
    """One record evaluated at an instant."""

    record: Record
    """The record as it stands at the instant (scheduled changes due by then applied)."""
    active: bool
    reason: str
    """An allow reason when active (granted, in_trial, in_grace, cancel_scheduled), else a deny reason."""


def evaluate_record(record: Mapping[str, Any], as_of: str) -> SourceState:  # noqa: PLR0911 - one return per status
    """Whether ``record`` grants its plan at ``as_of``, and why (pure)."""
    current = materialize(record, as_of)
    moment = parse_utc_ns(as_of)
    status = current["status"]
    if moment < parse_utc_ns(current["effective_start"]):
        return SourceState(record=current, active=False, reason="not_started")
    if status == "ended":
        return SourceState(record=current, active=False, reason=_END_REASONS[current["end_reason"]])
    if "effective_end" in current and moment >= parse_utc_ns(current["effective_end"]):
        return SourceState(record=current, active=False, reason="source_expired")
    if status == "paused":
        return SourceState(record=current, active=False, reason="paused")
    if status == "past_due":
        in_grace = moment < parse_utc_ns(current["grace_end"])
        return SourceState(record=current, active=in_grace, reason="in_grace" if in_grace else "grace_ended")
    if status == "trialing":
        return SourceState(record=current, active=True, reason="in_trial")
    reason = "cancel_scheduled" if scheduled(current, "cancel") is not None else "granted"
    return SourceState(record=current, active=True, reason=reason)


def _boundaries(record: Mapping[str, Any]) -> list[str]:
    found = [record["effective_start"]]
    found.extend(record[name] for name in ("effective_end", "grace_end") if name in record)
    found.extend(item["effective_at"] for item in record.get("scheduled", []))
    return found


def next_change(records: list[Record], as_of: str) -> str | None:
    """Return the earliest instant after ``as_of`` at which any record changes by itself (None: never)."""
    moment = parse_utc_ns(as_of)
    later = [
        (parse_utc_ns(stamp), stamp)
        for record in records
        if materialize(record, as_of)["status"] != "ended"
        for stamp in _boundaries(materialize(record, as_of))
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
    states = [evaluate_record(record, as_of) for record in records]
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
    until = next_change(records, as_of)
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
