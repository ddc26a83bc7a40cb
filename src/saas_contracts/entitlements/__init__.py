"""Entitlement plan-source contract: decisions, source priority, lifecycle, audited writes, ops summaries.

Everything here is pure: time is an argument (``as_of``, ``now``), plan labels
and capability names are opaque product data, and provider payloads never get
this far (product adapters map them into neutral lifecycle events first).
The errors raised here live in :mod:`saas_contracts.errors`.
"""

from saas_contracts._ops import OpsSummary, write_ops_summary
from saas_contracts.entitlements._audit import AuditAppend
from saas_contracts.entitlements._decision import SourceState, decide, evaluate_record
from saas_contracts.entitlements._files import (
    DecisionRun,
    SavedApply,
    apply_and_save,
    apply_file,
    decide_file,
    summarize_files,
    write_envelopes,
)
from saas_contracts.entitlements._lifecycle import IllegalTransition, materialize, transition
from saas_contracts.entitlements._ops import summarize
from saas_contracts.entitlements._priority import DEFAULT_POLICY, Resolution, resolve
from saas_contracts.entitlements._state import PlanSourceState, dump_state, load_state, save_state
from saas_contracts.entitlements._store import (
    StoreRun,
    apply_to_store,
    load_store,
    migrate_json_state,
    store_ddl,
)
from saas_contracts.entitlements._vocab import (
    DECISION_REASONS,
    EVENT_OUTCOMES,
    LIFECYCLE_KINDS,
    SOURCE_KINDS,
    TIE_BREAK_STEPS,
)
from saas_contracts.entitlements._writer import (
    ApplyOutcomes,
    ApplyReport,
    AuditContext,
    EventResult,
    apply_event,
    apply_events,
)

__all__ = [
    "DECISION_REASONS",
    "DEFAULT_POLICY",
    "EVENT_OUTCOMES",
    "LIFECYCLE_KINDS",
    "SOURCE_KINDS",
    "TIE_BREAK_STEPS",
    "ApplyOutcomes",
    "ApplyReport",
    "AuditAppend",
    "AuditContext",
    "DecisionRun",
    "EventResult",
    "IllegalTransition",
    "OpsSummary",
    "PlanSourceState",
    "Resolution",
    "SavedApply",
    "SourceState",
    "StoreRun",
    "apply_and_save",
    "apply_event",
    "apply_events",
    "apply_file",
    "apply_to_store",
    "decide",
    "decide_file",
    "dump_state",
    "evaluate_record",
    "load_state",
    "load_store",
    "materialize",
    "migrate_json_state",
    "resolve",
    "save_state",
    "store_ddl",
    "summarize",
    "summarize_files",
    "transition",
    "write_envelopes",
    "write_ops_summary",
]
