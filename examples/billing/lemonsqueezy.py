"""Lemon Squeezy subscription webhooks -> neutral lifecycle events (example product adapter).

Reads the documented shape: ``meta.event_name``, ``meta.custom_data``
(``workspace_id`` passed at checkout) and ``data`` (a ``subscriptions``
resource with ``attributes.status``, ``variant_id``, ``renews_at``,
``ends_at``, ``trial_ends_at``, ``updated_at``). Lemon Squeezy payloads carry
no event id, so the delivery is identified by event name, subscription id and
``updated_at``.

``subscription_paused`` carries ``attributes.pause`` = ``{"mode", "resumes_at"}``:
mode ``void`` (the store cannot offer the service, invoices are voided) pauses
without access; mode ``free`` (the service continues free of charge while
payment collection halts) keeps access, so the pause event says
``keeps_access``; ``resumes_at`` (when collection continues) becomes the pause's
``resume_at``, so the record is active again then without a resume event.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._neutral import (
    Origin,
    ProductPlans,
    add_days,
    load_table,
    neutral_event,
    normalize_iso,
    record_id_for,
)

if TYPE_CHECKING:
    from collections.abc import Mapping

    from saas_contracts.redaction import Redactor

    from ._neutral import CurrentRecord

PROVIDER = "lemonsqueezy"
TABLE = load_table(PROVIDER)


def _plan(attributes: Mapping[str, Any], product: ProductPlans) -> str:
    return product.plan_for(PROVIDER, f"variant:{attributes['variant_id']}")


def _time(attributes: Mapping[str, Any], name: str) -> str | None:
    value = attributes.get(name)
    return normalize_iso(value) if value else None


def map_event(
    payload: Mapping[str, Any],
    *,
    product: ProductPlans,
    redactor: Redactor,
    current: CurrentRecord = lambda _record_id: None,
) -> list[dict[str, Any]]:
    """Map one Lemon Squeezy webhook to zero or one neutral lifecycle event."""
    name = payload["meta"]["event_name"]
    kind = TABLE["event_names"].get(name)
    if kind is None:
        return []
    resource = payload["data"]
    attributes = resource["attributes"]
    occurred = normalize_iso(attributes["updated_at"])
    origin = Origin(
        provider=PROVIDER,
        provider_event_id=f"{name}:{resource['id']}:{attributes['updated_at']}",
        workspace_id=str(payload["meta"]["custom_data"]["workspace_id"]),
        source_id=str(resource["id"]),
        occurred_at=occurred,
    )
    fields: dict[str, Any] = {}
    if kind == "created":
        if attributes["status"] == "on_trial":
            kind = "trial_start"
            fields = {"plan": _plan(attributes, product), "trial_end": _time(attributes, "trial_ends_at")}
        else:
            kind = "purchase"
            fields = {"plan": _plan(attributes, product), "period_end": _time(attributes, "renews_at")}
    elif kind == "renewal":
        record = current(record_id_for(redactor, PROVIDER, str(resource["id"])))
        if record is not None and record["status"] == "trialing":
            kind = "purchase"  # the first successful payment converts the trial
            fields = {"plan": _plan(attributes, product), "period_end": _time(attributes, "renews_at")}
        else:
            fields = {"period_end": _time(attributes, "renews_at")}
    elif kind == "billing_issue":
        fields = {"grace_end": add_days(occurred, product.grace_days)}
    elif kind == "plan_change":
        plan = _plan(attributes, product)
        record = current(record_id_for(redactor, PROVIDER, str(resource["id"])))
        direction = product.direction(record["plan"], plan) if record is not None else "lateral"
        fields = {"plan": plan, "timing": "immediate", "direction": direction}
    elif kind in {"cancel_scheduled", "expiry"}:
        fields = {"effective_at": _time(attributes, "ends_at") or occurred}
    elif kind == "pause":
        pause = attributes.get("pause") or {}
        fields = {
            "timing": "immediate",
            "keeps_access": True if pause.get("mode") == "free" else None,
            "resume_at": _time(pause, "resumes_at"),
        }
    return [neutral_event(redactor, origin, kind, 0, **fields)]
