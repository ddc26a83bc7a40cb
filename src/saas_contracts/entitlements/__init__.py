"""Entitlement plan-source contract: decisions, source priority, lifecycle, audited writes, ops summaries.

Everything here is pure: time is an argument (``as_of``, ``now``), plan labels
and capability names are opaque product data, and provider payloads never get
this far (product adapters map them into neutral lifecycle events first).
"""

from saas_contracts.entitlements._decision import (
    SourceState,
    decide,
    evaluate_record,
    next_change,
)
from saas_contracts.entitlements._lifecycle import IllegalTransition, materialize, transition
from saas_contracts.entitlements._ops import summarize, summary_markdown, summary_text
from saas_contracts.entitlements._priority import DEFAULT_POLICY, Resolution, resolve
from saas_contracts.entitlements._state import (
    PlanSourceState,
    dump_state,
    load_state,
    save_state,
    write_text_atomic,
)
from saas_contracts.entitlements._vocab import (
    DECISION_REASONS,
    EVENT_OUTCOMES,
    LIFECYCLE_KINDS,
    SOURCE_KINDS,
    TIE_BREAK_STEPS,
)
from saas_contracts.entitlements._writer import (
    AuditContext,
    EventResult,
    ReplayReport,
    apply_event,
    build_envelope,
    fingerprint,
    is_stale,
    replay,
    unreadable_result,
)
from saas_contracts.errors import (
    ApprovalRequiredError,
    DuplicateRecordError,
    StateConsistencyError,
    SummaryInputError,
)

__all__ = [
    "DECISION_REASONS",
    "DEFAULT_POLICY",
    "EVENT_OUTCOMES",
    "LIFECYCLE_KINDS",
    "SOURCE_KINDS",
    "TIE_BREAK_STEPS",
    "ApprovalRequiredError",
    "AuditContext",
    "DuplicateRecordError",
    "EventResult",
    "IllegalTransition",
    "PlanSourceState",
    "ReplayReport",
    "Resolution",
    "SourceState",
    "StateConsistencyError",
    "SummaryInputError",
    "apply_event",
    "build_envelope",
    "decide",
    "dump_state",
    "evaluate_record",
    "fingerprint",
    "is_stale",
    "load_state",
    "materialize",
    "next_change",
    "replay",
    "resolve",
    "save_state",
    "summarize",
    "summary_markdown",
    "summary_text",
    "transition",
    "unreadable_result",
    "write_text_atomic",
]
