"""RevenueCat webhooks -> neutral lifecycle events (example product adapter).

Reads the documented webhook body ``{"api_version", "event": {...}}`` with
``event.type``, ``id`` (a retry keeps the first attempt's id and
``event_timestamp_ms``), ``app_user_id``/``aliases``, ``product_id``,
``period_type``, ``expiration_at_ms``, ``original_transaction_id``,
``environment`` and the type's own fields (``is_trial_conversion``,
``cancel_reason``, ``expiration_reason``, ``grace_period_expiration_at_ms``,
``auto_resume_at_ms``, ``new_product_id``). ``mappings/revenuecat.json`` says
how each type and cancellation reason is handled and which types are ignored,
and why.

Identity: the product logs customers in to RevenueCat with its workspace id, so
the workspace is ``app_user_id`` (or, for a purchase made before log-in, the
first alias that is not anonymous); a payload that names no workspace is a
``MappingError``, never a guess. The record is the subscription
(``original_transaction_id``); a non-renewing purchase is a record of its own.

Decided from the payload alone, so a redelivery maps to the very same events:
a trial start (``period_type`` TRIAL), a trial conversion (RENEWAL with
``is_trial_conversion``), cancellations by reason, product changes (App Store
upgrades take effect at once, other changes at the period end), pauses (Google
Play pauses at the period end and resumes by itself at ``auto_resume_at_ms``).
Decided with the product's current record (``current``): a RENEWAL of an ended
subscription (a lapsed customer resubscribing) is a new ``purchase``, a RENEWAL
of a paused one is a ``resume``, a RENEWAL on another plan than the record's
is an immediate plan change, and the EXPIRATION that starts an announced pause
adds nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from saas_contracts.entitlements import materialize

from ._neutral import (
    Emitter,
    MappingError,
    Origin,
    ProductPlans,
    from_unix_ms,
    is_later,
    load_table,
    record_id_for,
)

if TYPE_CHECKING:
    from saas_contracts.redaction import Redactor

    from ._neutral import CurrentRecord

PROVIDER = "revenuecat"
TABLE = load_table(PROVIDER)


def _workspace(event: Mapping[str, Any]) -> str:
    anonymous = TABLE["anonymous_user_prefix"]
    for candidate in [event.get("app_user_id"), *event.get("aliases", [])]:
        if isinstance(candidate, str) and candidate and not candidate.startswith(anonymous):
            return candidate
    msg = (
        "revenuecat: the event names no app user id the product knows (anonymous purchase, not yet logged in)"
    )
    raise MappingError(msg)


def _time(event: Mapping[str, Any], name: str) -> str | None:
    value = event.get(name)
    return None if value is None else from_unix_ms(int(value))


def _plan(product: ProductPlans, product_id: str) -> str:
    return product.plan_for(PROVIDER, product_id)


def _product_change(
    emit: Emitter, event: Mapping[str, Any], _record: Mapping[str, Any] | None, product: ProductPlans
) -> None:
    new_product = event.get("new_product_id")
    if not new_product:
        # Google Play's immediate replacement modes send no new product: the next RENEWAL carries it.
        return
    old_plan, new_plan = _plan(product, str(event["product_id"])), _plan(product, str(new_product))
    if old_plan == new_plan:
        return
    direction = product.direction(old_plan, new_plan)
    if direction == "upgrade" and event.get("store") == "APP_STORE":
        emit("plan_change", plan=new_plan, timing="immediate", direction=direction)
    else:
        emit(
            "plan_change",
            plan=new_plan,
            timing="period_end",
            effective_at=_time(event, "expiration_at_ms") or emit.origin.occurred_at,
            direction=direction,
        )


def _cancellation(
    emit: Emitter, event: Mapping[str, Any], _record: Mapping[str, Any] | None, _product: ProductPlans
) -> None:
    handling = TABLE["cancel_reasons"].get(str(event.get("cancel_reason")), "cancel_scheduled")
    expires = _time(event, "expiration_at_ms") or emit.origin.occurred_at
    if handling == "cancel_scheduled":
        emit("cancel_scheduled", effective_at=expires)
    elif handling == "refund":
        # A refund of the latest period: the store revokes it by moving the expiration to the refund
        # instant; a refund that leaves the period running (auto-renew may even stay on) keeps access.
        ends_access = not is_later(expires, emit.origin.occurred_at)
        emit(
            "refund",
            refund_scope="full" if ends_access else "partial",
            ends_access=ends_access,
            effective_at=expires if ends_access else emit.origin.occurred_at,
        )


def _renewal(
    emit: Emitter, event: Mapping[str, Any], record: Mapping[str, Any] | None, product: ProductPlans
) -> None:
    plan = _plan(product, str(event["product_id"]))
    period_end = _time(event, "expiration_at_ms")
    if event.get("is_trial_conversion") or record is None:
        emit("purchase", plan=plan, period_end=period_end)
        return
    now = materialize(record, emit.origin.occurred_at)
    if now["status"] == "ended":
        emit("purchase", plan=plan, period_end=period_end)  # a lapsed customer resubscribed
        return
    if plan != now["plan"]:
        emit("plan_change", plan=plan, timing="immediate", direction=product.direction(now["plan"], plan))
    # Events of one payload share occurred_at, and core folds equal instants in a fixed order of its own,
    # so a payload's events must commute: a renewal of a paused source is illegal, hence the resume
    # alone (the period end is informational; the next renewal reports it).
    if now["status"] == "paused":
        emit("resume")  # Google Play resumed the subscription earlier than scheduled
    else:
        emit("renewal", period_end=period_end)


def _expiration(
    emit: Emitter, event: Mapping[str, Any], record: Mapping[str, Any] | None, _product: ProductPlans
) -> None:
    expires = _time(event, "expiration_at_ms") or emit.origin.occurred_at
    if event.get("expiration_reason") != "SUBSCRIPTION_PAUSED":
        emit("expiry", effective_at=expires)
        return
    announced = record is not None and (
        record["status"] == "paused" or any(item["change"] == "pause" for item in record.get("scheduled", []))
    )
    if not announced:
        emit("pause", timing="immediate", effective_at=expires)  # the SUBSCRIPTION_PAUSED never came


def _purchase(
    emit: Emitter, event: Mapping[str, Any], _record: Mapping[str, Any] | None, product: ProductPlans
) -> None:
    plan, expires = _plan(product, str(event["product_id"])), _time(event, "expiration_at_ms")
    if event.get("period_type") == "TRIAL":
        emit("trial_start", plan=plan, trial_end=expires)
    else:
        emit("purchase", plan=plan, period_end=expires)


def _extended(
    emit: Emitter, event: Mapping[str, Any], _record: Mapping[str, Any] | None, _product: ProductPlans
) -> None:
    emit("renewal", period_end=_time(event, "expiration_at_ms"))


def _uncancellation(
    emit: Emitter, _event: Mapping[str, Any], _record: Mapping[str, Any] | None, _product: ProductPlans
) -> None:
    emit("cancel_revoked")


def _billing_issue(
    emit: Emitter, event: Mapping[str, Any], _record: Mapping[str, Any] | None, _product: ProductPlans
) -> None:
    # No grace period configured: access holds only until the period end the store already passed.
    emit("billing_issue", grace_end=_time(event, "grace_period_expiration_at_ms") or emit.origin.occurred_at)


def _pause(
    emit: Emitter, event: Mapping[str, Any], _record: Mapping[str, Any] | None, _product: ProductPlans
) -> None:
    expires = _time(event, "expiration_at_ms") or emit.origin.occurred_at
    emit("pause", timing="period_end", effective_at=expires, resume_at=_time(event, "auto_resume_at_ms"))


Handler = Callable[[Emitter, Mapping[str, Any], Mapping[str, Any] | None, ProductPlans], None]
HANDLERS: dict[str, Handler] = {
    "initial_purchase": _purchase,
    "non_renewing_purchase": _purchase,
    "renewal": _renewal,
    "extended": _extended,
    "product_change": _product_change,
    "cancellation": _cancellation,
    "uncancellation": _uncancellation,
    "billing_issue": _billing_issue,
    "pause": _pause,
    "expiration": _expiration,
}
"""One handler per handling name of ``mappings/revenuecat.json``'s ``event_types``."""


def map_event(
    payload: Mapping[str, Any],
    *,
    product: ProductPlans,
    redactor: Redactor,
    current: CurrentRecord = lambda _record_id: None,
) -> list[dict[str, Any]]:
    """Map one RevenueCat webhook body to zero or more neutral lifecycle events."""
    event = payload["event"]
    handling = TABLE["event_types"].get(event["type"])
    if handling is None or event.get("environment") not in TABLE["environments"]:
        return []
    source = str(
        event["transaction_id" if handling == "non_renewing_purchase" else "original_transaction_id"]
    )
    origin = Origin(
        provider=PROVIDER,
        provider_event_id=str(event["id"]),
        workspace_id=_workspace(event),
        source_id=source,
        occurred_at=from_unix_ms(int(event["event_timestamp_ms"])),
    )
    emit = Emitter(redactor, origin)
    HANDLERS[handling](emit, event, current(record_id_for(redactor, PROVIDER, source)), product)
    return emit.events
