"""The closed entitlement vocabulary (mirrors ``entitlements/v1/vocabulary``).

Timestamps are compared as exact nanoseconds through :mod:`saas_contracts._time`.
"""

from __future__ import annotations

from typing import Any, Final

SCHEMA_PREFIX: Final = "entitlements/v1/"
RECORD_SCHEMA: Final = SCHEMA_PREFIX + "record"
EVENT_SCHEMA: Final = SCHEMA_PREFIX + "lifecycle-event"
POLICY_SCHEMA: Final = SCHEMA_PREFIX + "policy"
REQUEST_SCHEMA: Final = SCHEMA_PREFIX + "decision-request"
DECISION_SCHEMA: Final = SCHEMA_PREFIX + "decision"
WRITE_SCHEMA: Final = SCHEMA_PREFIX + "write"
STATE_SCHEMA: Final = SCHEMA_PREFIX + "state"
SUMMARY_SCHEMA: Final = SCHEMA_PREFIX + "ops-summary"
FIXTURE_SCHEMA: Final = SCHEMA_PREFIX + "core-fixture"

SOURCE_KINDS: Final = ("manual_override", "billing_provider", "promotion", "trial", "default_plan")
LIFECYCLE_KINDS: Final = (
    "purchase", "trial_start", "renewal", "plan_change", "cancel_scheduled", "cancel_revoked",
    "cancel_immediate", "expiry", "pause", "resume", "billing_issue", "billing_recovered",
    "refund", "manual_grant", "manual_revoke", "schedule_withdrawn",
)  # fmt: skip
RECORD_STATUSES: Final = ("trialing", "active", "past_due", "paused", "ended")
END_REASONS: Final = ("scheduled_end", "expired", "canceled", "revoked", "refunded")
DECISION_OUTCOMES: Final = ("allow", "deny")
ALLOW_REASONS: Final = (
    "granted", "in_trial", "in_grace", "cancel_scheduled", "paused_with_access", "in_conversion_grace",
)  # fmt: skip
DENY_REASONS: Final = (
    "no_active_source", "not_started", "source_expired", "canceled", "revoked", "refunded", "paused",
    "grace_ended", "plan_not_in_snapshot", "capability_not_in_plan", "limit_reached",
)  # fmt: skip
DECISION_REASONS: Final = ALLOW_REASONS + DENY_REASONS
TIE_BREAK_STEPS: Final = (
    "only_candidate",
    "source_priority",
    "later_effective_start",
    "higher_sequence",
    "record_id",
)
EVENT_OUTCOMES: Final = ("applied", "duplicate", "conflict", "stale", "parked", "illegal", "invalid")
OPERATOR_KINDS: Final = frozenset({"manual_grant", "manual_revoke"})

Record = dict[str, Any]
"""A plan-source record as its JSON object (see ``entitlements/v1/record``)."""
