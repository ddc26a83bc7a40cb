"""Seed-generated decision requests: the property cases the TypeScript package is held to.

Odd timestamp spellings (equal instants spelled differently, nanosecond fractions, years 1969 to
9999), numbers up to 2^53 - 1, shuffled schedules (scheduled resumes included), pauses that keep
access, partial policies, trial conversion graces and duplicate record ids.
tests/ts_package/_reference.py hands them with Python's decisions to the package's workerd tests
(packages/contracts/test/workerd.test.ts), which require the same decision, key order included.
"""

from __future__ import annotations

import functools
import random
from typing import Any

from saas_contracts._validation import is_valid
from saas_contracts.entitlements import SOURCE_KINDS, decide
from saas_contracts.errors import DuplicateRecordError

__all__ = ["INSTANT_REQUESTS", "generated", "python_result"]

MAX_SAFE = 2**53 - 1

# Instants with several spellings each (equal instants, different text), nanosecond fractions,
# and far-apart years: comparisons must be on instants, and valid_until keeps Python's spelling.
_TIMES = (
    "1969-12-31T23:59:59.999999999Z",
    "1970-01-01T00:00:00Z",
    "2026-01-01T00:00:00Z",
    "2026-01-01T00:00:00.0Z",
    "2026-01-01T00:00:00.000000001Z",
    "2026-01-10T00:00:00Z",
    "2026-01-10T00:00:00.5Z",
    "2026-01-10T00:00:00.500000000Z",
    "2026-01-10T00:00:00.49999999Z",
    "2026-01-20T00:00:00Z",
    "2026-01-31T23:59:59.999999999Z",
    "2026-02-01T00:00:00Z",
    "2026-02-01T00:00:00.000Z",
    "2028-02-29T12:00:00Z",
    "9999-12-31T23:59:59.999999999Z",
)
_PLANS = ("free", "basic", "pro", "team", "legacy-gold")
_CAPABILITIES = ("feature.basic", "feature.advanced", "seats", "exports")
_IDS = tuple(f"src_ref_{letter * 26}" for letter in "abcdefg")
_WORKSPACES = ("ws_ref_" + "w" * 26, "ws_ref_" + "x" * 26)
# Trial conversion graces up to the schema's bound, whole hours and minutes (PT4320M is PT72H).
_GRACES = ("PT1H", "PT2H30M", "PT72H", "PT4320M", "PT1M")
_END_REASONS = ("scheduled_end", "expired", "canceled", "revoked", "refunded")


def _record(rng: random.Random, record_id: str) -> dict[str, Any]:
    status = rng.choice(("active", "active", "active", "trialing", "past_due", "paused", "ended"))
    record: dict[str, Any] = {
        "record_id": record_id,
        "workspace": _WORKSPACES[0] if rng.random() < 0.95 else _WORKSPACES[1],
        "source_kind": rng.choice((*SOURCE_KINDS, "promotion", "promotion", "billing_provider")),
        "plan": rng.choice(_PLANS),
        "status": status,
        # Equal starts spelled differently ("...00Z", "...00.0Z") tie; sequence and record_id decide.
        "effective_start": rng.choice(_TIMES[2:4]) if rng.random() < 0.5 else rng.choice(_TIMES[:10]),
        "sequence": rng.choice((1, 1, 1, 2, MAX_SAFE)),
        "last_event_id": "evt-gen-0001",
        "last_event_at": rng.choice(_TIMES),
    }
    if status == "past_due":
        record["grace_end"] = rng.choice(_TIMES)
    if status == "paused":
        record["paused_at"] = rng.choice(_TIMES)
        if rng.random() < 0.4:
            record["pause_keeps_access"] = True
    if status == "ended":
        record["ended_at"] = rng.choice(_TIMES)
        record["end_reason"] = rng.choice(_END_REASONS)
    if rng.random() < (0.6 if status == "trialing" else 0.25):
        record["effective_end"] = rng.choice(_TIMES)
    changes = []
    for change in ("plan_change", "pause", "resume", "cancel"):
        if rng.random() < 0.35:
            item: dict[str, Any] = {
                "change": change,
                "effective_at": rng.choice(_TIMES[9:] if rng.random() < 0.5 else _TIMES),
            }
            if change == "plan_change":
                item |= {
                    "plan": rng.choice(_PLANS),
                    "direction": rng.choice(("upgrade", "downgrade", "lateral")),
                }
            changes.append(item)
    if changes:
        rng.shuffle(changes)
        record["scheduled"] = changes
    return record


def _snapshot(rng: random.Random) -> dict[str, Any]:
    plans = {}
    for plan in rng.sample(_PLANS, rng.choice((0, 3, 4, 4, 5))):
        capabilities = rng.sample(_CAPABILITIES, rng.choice((0, 2, 3, 4, 4)))
        entry: dict[str, Any] = {"capabilities": capabilities}
        limited = [name for name in capabilities if rng.random() < 0.5]
        if limited:
            entry["limits"] = {name: rng.choice((0, 1, 5, MAX_SAFE - 1, MAX_SAFE)) for name in limited}
        plans[plan] = entry
    return {"plans": plans}


def _request(rng: random.Random) -> dict[str, Any]:
    count = rng.choice((0, 1, 1, 2, 2, 3, 4, 6))
    ids = [rng.choice(_IDS) for _ in range(count)] if rng.random() < 0.05 else rng.sample(_IDS, count)
    request: dict[str, Any] = {
        "workspace": _WORKSPACES[0],
        "capability": rng.choice(_CAPABILITIES),
        "as_of": rng.choice(_TIMES) if rng.random() < 0.3 else rng.choice(_TIMES[4:13]),
        "records": [_record(rng, record_id) for record_id in ids],
        "policy": {"policy": "generated", "order": rng.sample(SOURCE_KINDS, rng.choice((1, 3, 5, 5, 5)))},
        "snapshot": _snapshot(rng),
    }
    if rng.random() < 0.4:
        request["policy"]["trial_conversion_grace"] = rng.choice(_GRACES)
    if rng.random() < 0.6:
        request["usage"] = {name: rng.choice((0, 1, 4, 5, MAX_SAFE - 1, MAX_SAFE)) for name in _CAPABILITIES}
    if rng.random() < 0.6:
        request["quantity"] = rng.choice((0, 1, 2, MAX_SAFE))
    return request


@functools.cache
def generated(seed: int = 20260321, count: int = 500) -> list[dict[str, Any]]:
    """The schema-valid requests among `count` generated from `seed` (cached)."""
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not cryptography
    requests = [_request(rng) for _ in range(count)]
    return [request for request in requests if is_valid(request, "entitlements/v1/decision-request")]


def python_result(request: dict[str, Any]) -> dict[str, Any]:
    """Python's answer: {"decision": ...} or {"error": "DuplicateRecordError"}."""
    try:
        return {"decision": decide(request)}
    except DuplicateRecordError:
        return {"error": "DuplicateRecordError"}


def _instant_requests() -> list[dict[str, Any]]:
    # A cancellation at .5Z is already due at .500000000Z, and not yet at .49999999Z.
    record = {
        "record_id": _IDS[0],
        "workspace": _WORKSPACES[0],
        "source_kind": "billing_provider",
        "plan": "pro",
        "status": "active",
        "effective_start": "2026-01-01T00:00:00Z",
        "sequence": 1,
        "last_event_id": "evt-gen-0001",
        "last_event_at": "2026-01-01T00:00:00Z",
        "scheduled": [{"change": "cancel", "effective_at": "2026-01-10T00:00:00.5Z"}],
    }
    base = {
        "workspace": _WORKSPACES[0],
        "capability": "feature.basic",
        "records": [record],
        "policy": {"policy": "default", "order": list(SOURCE_KINDS)},
        "snapshot": {"plans": {"pro": {"capabilities": ["feature.basic"]}}},
    }
    return [
        base | {"as_of": "2026-01-10T00:00:00.500000000Z"},
        base | {"as_of": "2026-01-10T00:00:00.49999999Z"},
    ]


INSTANT_REQUESTS: tuple[dict[str, Any], ...] = tuple(_instant_requests())
"""Equal instants spelled differently: [due, pending] (the cancellation is due at the first only)."""
