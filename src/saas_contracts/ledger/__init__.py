"""The usage event ledger contract: envelope, idempotency, replay, summaries, ops summary.

Core validates and formats; products own event names, plan catalogs and what
usage means commercially (see ``examples/products/`` for two adapters).
"""

from saas_contracts.errors import ConservationError, OpsSummaryPrivacyError
from saas_contracts.ledger._envelope import (
    CLOUDEVENT_SCHEMA,
    EVENT_SCHEMA,
    TimeRules,
    ensure_event,
    event_violations,
    from_cloudevent,
    is_late,
    time_violations,
    to_cloudevent,
)
from saas_contracts.ledger._fast import VALIDATOR_CHOICES, fast_available, schema_check
from saas_contracts.ledger._fingerprint import (
    FINGERPRINT_EXCLUDED_FIELDS,
    business_content,
    canonical_bytes,
    fast_canonical_bytes,
    fingerprint,
    scope_key,
)
from saas_contracts.ledger._index import IdempotencyIndex, IndexRun, MemoryIndex, SqliteIndex
from saas_contracts.ledger._ops import (
    OPS_SUMMARY_SCHEMA,
    OpsSummary,
    build_ops_summary,
    ensure_public_safe,
    render_markdown,
    write_ops_summary,
)
from saas_contracts.ledger._replay import (
    OUTCOMES,
    REPORT_SCHEMA,
    LineIssue,
    ReplayReport,
    default_workers,
    input_size,
    replay,
    replay_lines,
)
from saas_contracts.ledger._request import REQUEST_SCHEMA, ReplayRequest
from saas_contracts.ledger._summary import (
    DEFAULT_SUPPRESSION_THRESHOLD,
    SUMMARY_SCHEMA,
    Aggregator,
    SummaryRow,
    UsageSummary,
)
from saas_contracts.ledger._time import format_utc_ns, parse_utc_ns, utc_day

__all__ = [
    "CLOUDEVENT_SCHEMA",
    "DEFAULT_SUPPRESSION_THRESHOLD",
    "EVENT_SCHEMA",
    "FINGERPRINT_EXCLUDED_FIELDS",
    "OPS_SUMMARY_SCHEMA",
    "OUTCOMES",
    "REPORT_SCHEMA",
    "REQUEST_SCHEMA",
    "SUMMARY_SCHEMA",
    "VALIDATOR_CHOICES",
    "Aggregator",
    "ConservationError",
    "IdempotencyIndex",
    "IndexRun",
    "LineIssue",
    "MemoryIndex",
    "OpsSummary",
    "OpsSummaryPrivacyError",
    "ReplayReport",
    "ReplayRequest",
    "SqliteIndex",
    "SummaryRow",
    "TimeRules",
    "UsageSummary",
    "build_ops_summary",
    "business_content",
    "canonical_bytes",
    "default_workers",
    "ensure_event",
    "ensure_public_safe",
    "event_violations",
    "fast_available",
    "fast_canonical_bytes",
    "fingerprint",
    "format_utc_ns",
    "from_cloudevent",
    "input_size",
    "is_late",
    "parse_utc_ns",
    "render_markdown",
    "replay",
    "replay_lines",
    "schema_check",
    "scope_key",
    "time_violations",
    "to_cloudevent",
    "utc_day",
    "write_ops_summary",
]
