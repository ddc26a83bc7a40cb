"""Stripe Billing webhooks -> neutral lifecycle events (example product adapter).

Reads the documented event shape (``id``, ``type``, ``created``,
``data.object``, ``data.previous_attributes``); the subscription's
``metadata.workspace_id`` names the product workspace. Status changes are
looked up in ``mappings/stripe.json``; every raw id is redacted before it
leaves this module. A subscription created ``incomplete`` (its first payment
awaits 3-D Secure / SCA) grants nothing yet: its ``incomplete -> active``
update is the purchase. Signature verification stays with the product's webhook
route (a non-goal of the shared contract).

Paused collection: ``pause_collection`` = ``{"behavior", "resumes_at"}`` set on
a subscription whose status stays ``active`` (reported only as
``customer.subscription.updated``) is a pause at the event's time. Whether
access continues is looked up per behavior in the table
(``pause_collection_keeps_access``: Stripe documents that the customer keeps
access under every behavior, ``keep_as_draft``, ``mark_uncollectible`` and
``void``, so the bundled table says true for all three; a product that reads
``void`` as the service not being offered sets it false); ``resumes_at``
(when collection resumes by itself) is the pause's ``resume_at``, so the
record is active again then without a resume event. A changed behavior or
``resumes_at`` while paused re-states the pause; ``pause_collection`` cleared
is a ``resume``. While collection is paused a period that rolls over was not
paid, so it is no renewal.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._neutral import Emitter, Origin, ProductPlans, add_days, from_unix, load_table

if TYPE_CHECKING:
    from collections.abc import Mapping

    from saas_contracts.redaction import Redactor

PROVIDER = "stripe"
TABLE = load_table(PROVIDER)


def _price_ref(item: Mapping[str, Any]) -> str:
    price = item["price"]
    return str(price["id"] if isinstance(price, dict) else price)


def _plan(subscription: Mapping[str, Any], product: ProductPlans) -> str:
    return product.plan_for(PROVIDER, _price_ref(subscription["items"]["data"][0]))


def _period_end(subscription: Mapping[str, Any]) -> int | None:
    # Newer API versions moved the period onto the subscription items.
    if subscription.get("current_period_end") is not None:
        return int(subscription["current_period_end"])
    items = subscription.get("items", {}).get("data", [])
    value = items[0].get("current_period_end") if items else None
    return int(value) if value is not None else None


def _cancel_at(subscription: Mapping[str, Any]) -> int | None:
    if subscription.get("cancel_at") is not None:
        return int(subscription["cancel_at"])
    if subscription.get("cancel_at_period_end"):
        return _period_end(subscription)
    return None


def _origin(payload: Mapping[str, Any], subscription_id: str, metadata: Mapping[str, Any]) -> Origin:
    return Origin(
        provider=PROVIDER,
        provider_event_id=str(payload["id"]),
        workspace_id=str(metadata["workspace_id"]),
        source_id=subscription_id,
        occurred_at=from_unix(int(payload["created"])),
    )


def _pause_collection(emit: Emitter, pause: Mapping[str, Any]) -> None:
    resumes_at = pause.get("resumes_at")
    emit(
        "pause",
        timing="immediate",
        keeps_access=TABLE["pause_collection_keeps_access"][pause["behavior"]] or None,
        resume_at=from_unix(int(resumes_at)) if resumes_at is not None else None,
    )


def _pause_collection_changes(
    emit: Emitter, subscription: Mapping[str, Any], previous: Mapping[str, Any]
) -> None:
    if "pause_collection" not in previous:
        return
    new, old = subscription.get("pause_collection"), previous["pause_collection"]
    if new is None:
        if old is not None:
            emit("resume")
        return
    # previous_attributes names only the nested fields that changed (the whole object when it was unset).
    before = None if old is None else {**new, **old}
    if before != new:
        _pause_collection(emit, new)


def _created(emit: Emitter, subscription: Mapping[str, Any], product: ProductPlans) -> None:
    status = TABLE["statuses"][subscription["status"]]
    period_end = _period_end(subscription)
    if status == "trialing":
        emit(
            "trial_start",
            plan=_plan(subscription, product),
            trial_end=from_unix(int(subscription["trial_end"])),
        )
    elif status == "active":
        emit("purchase", plan=_plan(subscription, product), period_end=period_end and from_unix(period_end))
    if status in {"trialing", "active"} and subscription.get("pause_collection"):
        _pause_collection(emit, subscription["pause_collection"])


def _deleted(emit: Emitter, subscription: Mapping[str, Any], occurred: str) -> None:
    ended = from_unix(int(subscription["ended_at"])) if subscription.get("ended_at") else occurred
    cancel_at = _cancel_at(subscription)
    scheduled_end_reached = cancel_at is not None and int(subscription.get("ended_at") or 0) >= cancel_at
    emit("expiry" if scheduled_end_reached else "cancel_immediate", effective_at=ended)


def _updated(  # noqa: C901 - one branch per kind of change Stripe reports in previous_attributes
    emit: Emitter,
    subscription: Mapping[str, Any],
    previous: Mapping[str, Any],
    product: ProductPlans,
) -> None:
    before = {**subscription, **previous}
    old_status = TABLE["statuses"][before["status"]]
    new_status = TABLE["statuses"][subscription["status"]]
    occurred = emit.origin.occurred_at
    new_plan = _plan(subscription, product)
    period_end = _period_end(subscription)
    started = False
    if old_status != new_status:
        kind = TABLE["transitions"].get(f"{old_status}>{new_status}")
        if kind == "purchase":
            # trialing>active and paused>active (a trial paused for want of a payment method, then paid)
            # convert the trial; none>active is an incomplete (3-D Secure) subscription's first payment.
            started = True
            emit("purchase", plan=new_plan, period_end=period_end and from_unix(period_end))
        elif kind == "trial_start":
            started = True
            emit("trial_start", plan=new_plan, trial_end=from_unix(int(subscription["trial_end"])))
        elif kind == "billing_issue":
            emit("billing_issue", grace_end=add_days(occurred, product.grace_days))
        elif kind == "pause":
            emit("pause", timing="immediate")
        elif kind is not None:
            emit(kind)
    if "items" in previous and not started:
        old_plan = _plan(before, product)
        if old_plan != new_plan:
            direction = product.direction(old_plan, new_plan)
            emit("plan_change", plan=new_plan, timing="immediate", direction=direction)
    if "cancel_at_period_end" in previous or "cancel_at" in previous:
        old_cancel, new_cancel = _cancel_at(before), _cancel_at(subscription)
        if new_cancel is not None and old_cancel is None:
            emit("cancel_scheduled", effective_at=from_unix(new_cancel))
        elif new_cancel is None and old_cancel is not None:
            emit("cancel_revoked")
    _pause_collection_changes(emit, subscription, previous)
    old_end = _period_end(before)
    # While collection is paused a period that rolls over was not paid for: no renewal.
    paid = new_status == "active" and not subscription.get("pause_collection")
    if not started and paid and period_end and old_end and period_end > old_end:
        emit("renewal", period_end=from_unix(period_end))


def _schedule(emit: Emitter, schedule: Mapping[str, Any], product: ProductPlans) -> None:
    current = schedule.get("current_phase") or {}
    phases = schedule.get("phases", [])
    now_phase = next((p for p in phases if p["start_date"] == current.get("start_date")), None)
    next_phase = next((p for p in phases if p["start_date"] == current.get("end_date")), None)
    if now_phase is None or next_phase is None:
        return
    old_plan = product.plan_for(PROVIDER, _price_ref(now_phase["items"][0]))
    new_plan = product.plan_for(PROVIDER, _price_ref(next_phase["items"][0]))
    if old_plan != new_plan:
        emit(
            "plan_change",
            plan=new_plan,
            timing="period_end",
            direction=product.direction(old_plan, new_plan),
            effective_at=from_unix(int(next_phase["start_date"])),
        )


def map_event(
    payload: Mapping[str, Any], *, product: ProductPlans, redactor: Redactor
) -> list[dict[str, Any]]:
    """Map one Stripe event to zero or more neutral lifecycle events."""
    handling = TABLE["event_types"].get(payload["type"])
    if handling is None:
        return []
    obj = payload["data"]["object"]
    if handling == "schedule":
        emit = Emitter(redactor, _origin(payload, str(obj["subscription"]), obj["metadata"]))
        _schedule(emit, obj, product)
        return emit.events
    emit = Emitter(redactor, _origin(payload, str(obj["id"]), obj["metadata"]))
    if handling == "created":
        _created(emit, obj, product)
    elif handling == "deleted":
        _deleted(emit, obj, emit.origin.occurred_at)
    else:
        _updated(emit, obj, payload["data"].get("previous_attributes", {}), product)
    return emit.events
