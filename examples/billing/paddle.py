"""Paddle Billing notifications -> neutral lifecycle events (example product adapter).

Reads the documented notification shape (``event_id``, ``event_type``,
``occurred_at``, ``data`` = the subscription entity with ``status``,
``items[].price.id``, ``current_billing_period``, ``scheduled_change``,
``custom_data.workspace_id``). Paddle sends whole entities without previous
values, so ``subscription.updated`` is compared with the product's current
record (``current``) to find what changed. A whole entity is an assertion of
the current state, so an update without a scheduled cancellation emits a
``cancel_revoked`` whenever it is newer than the record: a no-op for core when
nothing was scheduled, and what makes a late, older "cancel scheduled" update
stale instead of wrongly applied.

Pauses: ``scheduled_change`` ``{"action": "pause", "effective_at", "resume_at"}``
schedules a pause that resumes by itself at ``resume_at``; a paused entity with
``{"action": "resume", "effective_at"}`` resumes at that instant (the pause
event carries it as ``resume_at``, so core needs no resume event). When the
scheduled resume of a paused subscription changes or is removed, the pause is
re-stated. Paddle stops billing and leaves access to the product; this adapter
keeps Paddle's recommendation (no access while paused), so it never sets
``keeps_access``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._neutral import (
    Emitter,
    Origin,
    ProductPlans,
    add_days,
    is_later,
    load_table,
    normalize_iso,
    record_id_for,
)

if TYPE_CHECKING:
    from collections.abc import Mapping

    from saas_contracts.redaction import Redactor

    from ._neutral import CurrentRecord

PROVIDER = "paddle"
TABLE = load_table(PROVIDER)


def _plan(entity: Mapping[str, Any], product: ProductPlans) -> str:
    return product.plan_for(PROVIDER, str(entity["items"][0]["price"]["id"]))


def _period_end(entity: Mapping[str, Any]) -> str | None:
    period = entity.get("current_billing_period")
    return normalize_iso(period["ends_at"]) if period else None


def _has_scheduled(record: Mapping[str, Any] | None, change: str) -> bool:
    return _scheduled_at(record, change) is not None


def _scheduled_at(record: Mapping[str, Any] | None, change: str) -> str | None:
    items = [] if record is None else record.get("scheduled", [])
    return next((str(item["effective_at"]) for item in items if item["change"] == change), None)


def _resume_at(change: Mapping[str, Any]) -> str | None:
    """When a scheduled change ends a pause: a pause's resume_at, or a paused entity's resume."""
    if change.get("action") == "resume":
        return normalize_iso(change["effective_at"])
    stamp = change.get("resume_at") if change.get("action") == "pause" else None
    return normalize_iso(stamp) if stamp else None


def _pause_updates(
    emit: Emitter, entity: Mapping[str, Any], record: Mapping[str, Any], change: Mapping[str, Any]
) -> None:
    resume_at = _resume_at(change)
    if change.get("action") == "pause":
        effective = normalize_iso(change["effective_at"])
        if _scheduled_at(record, "pause") != effective or _scheduled_at(record, "resume") != resume_at:
            emit("pause", timing="period_end", effective_at=effective, resume_at=resume_at)
    elif entity["status"] != "paused" and _has_scheduled(record, "pause"):
        emit("schedule_withdrawn", change="pause")  # the scheduled pause (and its resume) was removed
    elif (
        entity["status"] == "paused"
        and record["status"] == "paused"
        and _scheduled_at(record, "resume") != resume_at
    ):
        # The paused entity's scheduled resume was set, moved or removed: re-state the pause.
        paused_at = entity.get("paused_at") or record["paused_at"]
        emit("pause", timing="immediate", effective_at=normalize_iso(paused_at), resume_at=resume_at)


def _updated(
    emit: Emitter, entity: Mapping[str, Any], record: Mapping[str, Any] | None, product: ProductPlans
) -> None:
    if record is None:
        return
    occurred = emit.origin.occurred_at
    if record["status"] == "past_due" and entity["status"] == "active":
        emit("billing_recovered")
    plan = _plan(entity, product)
    if plan != record["plan"]:
        emit("plan_change", plan=plan, timing="immediate", direction=product.direction(record["plan"], plan))
    change = entity.get("scheduled_change") or {}
    action = TABLE["scheduled_actions"].get(change.get("action", ""))
    if action == "cancel_scheduled" and not _has_scheduled(record, "cancel"):
        emit("cancel_scheduled", effective_at=normalize_iso(change["effective_at"]))
    elif action != "cancel_scheduled" and (
        _has_scheduled(record, "cancel") or is_later(occurred, record["last_event_at"])
    ):
        # A whole entity without a scheduled cancellation asserts "not canceled". Emitting the
        # (possibly no-op) cancel_revoked advances what the record reflects, so an older update
        # that scheduled a cancellation and arrives late is recognized as stale.
        emit("cancel_revoked")
    _pause_updates(emit, entity, record, change)
    period_end = _period_end(entity)
    known_end = record.get("current_period_end")
    if entity["status"] == "active" and period_end and known_end and period_end > known_end:
        emit("renewal", period_end=period_end)


def map_event(
    payload: Mapping[str, Any],
    *,
    product: ProductPlans,
    redactor: Redactor,
    current: CurrentRecord = lambda _record_id: None,
) -> list[dict[str, Any]]:
    """Map one Paddle notification to zero or more neutral lifecycle events."""
    handling = TABLE["event_types"].get(payload["event_type"])
    if handling is None:
        return []
    entity = payload["data"]
    occurred = normalize_iso(payload["occurred_at"])
    origin = Origin(
        provider=PROVIDER,
        provider_event_id=str(payload["event_id"]),
        workspace_id=str(entity["custom_data"]["workspace_id"]),
        source_id=str(entity["id"]),
        occurred_at=occurred,
    )
    emit = Emitter(redactor, origin)

    record = current(record_id_for(redactor, PROVIDER, str(entity["id"])))
    if handling == "created":
        if entity["status"] == "trialing":
            trial_end = entity.get("next_billed_at") or entity["current_billing_period"]["ends_at"]
            emit("trial_start", plan=_plan(entity, product), trial_end=normalize_iso(trial_end))
    elif handling == "purchase":
        emit("purchase", plan=_plan(entity, product), period_end=_period_end(entity))
    elif handling == "billing_issue":
        emit("billing_issue", grace_end=add_days(occurred, product.grace_days))
    elif handling == "pause":
        paused_at = entity.get("paused_at")
        emit(
            "pause",
            timing="immediate",
            effective_at=normalize_iso(paused_at) if paused_at else None,
            resume_at=_resume_at(entity.get("scheduled_change") or {}),
        )
    elif handling == "resume":
        emit("resume")
    elif handling == "canceled":
        # Decided from the payload alone, so a redelivery maps to the very same event.
        canceled_at = normalize_iso(entity.get("canceled_at") or payload["occurred_at"])
        period_end = _period_end(entity)
        at_period_end = period_end is not None and not is_later(period_end, canceled_at)
        emit("expiry" if at_period_end else "cancel_immediate", effective_at=canceled_at)
    else:
        _updated(emit, entity, record, product)
    return emit.events
