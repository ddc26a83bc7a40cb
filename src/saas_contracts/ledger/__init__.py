"""The usage event ledger contract: envelope, idempotency, replay, summaries, ops summary.

Core validates and formats; products own event names, plan catalogs and what
usage means commercially (see ``examples/products/`` for two adapters). The
errors raised here live in :mod:`saas_contracts.errors`.
"""

from saas_contracts._ops import OpsSummary, write_ops_summary
from saas_contracts._time import parse_utc_ns
from saas_contracts._validation import VALIDATOR_CHOICES
from saas_contracts.ledger._blocks import input_size
from saas_contracts.ledger._distributed import replay_distributed
from saas_contracts.ledger._envelope import (
    CLOUDEVENT_SCHEMA,
    EVENT_SCHEMA,
    TimeRules,
    ensure_event,
    event_violations,
    from_cloudevent,
    to_cloudevent,
)
from saas_contracts.ledger._fingerprint import fingerprint, scope_key
from saas_contracts.ledger._index import IdempotencyIndex, MemoryIndex, SqliteIndex
from saas_contracts.ledger._ops import OPS_SUMMARY_SCHEMA, build_ops_summary
from saas_contracts.ledger._outcomes import OUTCOMES, LineIssue
from saas_contracts.ledger._replay import replay, replay_lines
from saas_contracts.ledger._report import REPORT_SCHEMA, ReplayReport
from saas_contracts.ledger._request import REQUEST_SCHEMA, ReplayRequest
from saas_contracts.ledger._shards import ShardedIndex
from saas_contracts.ledger._summary import SUMMARY_SCHEMA, SummaryRow, UsageSummary

__all__ = [
    "CLOUDEVENT_SCHEMA",
    "EVENT_SCHEMA",
    "OPS_SUMMARY_SCHEMA",
    "OUTCOMES",
    "REPORT_SCHEMA",
    "REQUEST_SCHEMA",
    "SUMMARY_SCHEMA",
    "VALIDATOR_CHOICES",
    "IdempotencyIndex",
    "LineIssue",
    "MemoryIndex",
    "OpsSummary",
    "ReplayReport",
    "ReplayRequest",
    "ShardedIndex",
    "SqliteIndex",
    "SummaryRow",
    "TimeRules",
    "UsageSummary",
    "build_ops_summary",
    "ensure_event",
    "event_violations",
    "fingerprint",
    "from_cloudevent",
    "input_size",
    "parse_utc_ns",
    "replay",
    "replay_distributed",
    "replay_lines",
    "scope_key",
    "to_cloudevent",
    "write_ops_summary",
]
