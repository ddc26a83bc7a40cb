"""Builders for the entitlement tests: records, events, requests; puts examples/ on sys.path."""

from __future__ import annotations

import sys
from typing import Any

from tests._support import EXAMPLES, ROOT

from saas_contracts.entitlements import DEFAULT_POLICY
from saas_contracts.redaction import Redactor

FIXTURE = ROOT / "fixtures" / "entitlement-plan-source.core-fixture.json"
# The billing adapters import as `billing...` (mypy knows them as `examples.billing...`).
if str(EXAMPLES) not in sys.path:
    sys.path.insert(0, str(EXAMPLES))

KEY = b"tests-only-redaction-key-0001"
REDACTOR = Redactor(KEY)
WS = REDACTOR.redact("ws", "test-workspace-1")
SUB = REDACTOR.redact("sub", "test-billing-1")
GRANT = REDACTOR.redact("grant", "test-grant-1")
SHA = "3f786850e387550fdab836ed7e6dc881de23001b"
SNAPSHOT: dict[str, Any] = {
    "plans": {
        "free": {"capabilities": ["feature.basic"]},
        "basic": {"capabilities": ["feature.basic"], "limits": {"seats": 3}},
        "pro": {"capabilities": ["feature.basic", "feature.advanced"], "limits": {"seats": 5}},
        "team": {"capabilities": ["feature.basic", "feature.advanced", "feature.admin"]},
    },
}


def check_expectation(decision: dict[str, Any], expect: dict[str, Any]) -> None:
    """Assert a decision meets a fixture vector's `expect` (record_id / no_* shorthands included)."""
    for key, value in expect.items():
        if key == "record_id":
            assert decision["source"]["record_id"] == value
        elif key == "no_valid_until":
            assert "valid_until" not in decision
        elif key == "no_source":
            assert "source" not in decision
        else:
            assert decision[key] == value, key


def record(
    record_id: str = SUB, kind: str = "billing_provider", plan: str = "pro", **fields: Any
) -> dict[str, Any]:
    """Return a schema-valid active record with overridable fields."""
    base: dict[str, Any] = {
        "record_id": record_id,
        "workspace": WS,
        "source_kind": kind,
        "plan": plan,
        "status": "active",
        "effective_start": "2026-01-01T00:00:00Z",
        "sequence": 1,
        "last_event_id": "evt-test-0000",
        "last_event_at": "2026-01-01T00:00:00Z",
    }
    base.update(fields)
    return base


def event(number: int, kind: str, at: str, **fields: Any) -> dict[str, Any]:
    """Return a neutral lifecycle event for the test billing source."""
    base: dict[str, Any] = {
        "event_id": f"evt-test-{number:04d}",
        "kind": kind,
        "workspace": WS,
        "record_id": SUB,
        "source_kind": "billing_provider",
        "provider": "provider-a",
        "occurred_at": at,
    }
    base.update(fields)
    return base


def request(
    records: list[dict[str, Any]], as_of: str, capability: str = "feature.advanced", **fields: Any
) -> dict[str, Any]:
    """Return a decision request over ``records`` with the test snapshot and the default policy."""
    base: dict[str, Any] = {
        "workspace": WS,
        "capability": capability,
        "as_of": as_of,
        "records": records,
        "policy": dict(DEFAULT_POLICY),
        "snapshot": SNAPSHOT,
    }
    base.update(fields)
    return base


def record_stream(records: int, *, first: int = 0) -> list[dict[str, Any]]:
    """Four applicable events for each of ``records`` sources numbered from ``first`` (ids never repeat)."""
    events: list[dict[str, Any]] = []
    for number in range(first, first + records):
        source = REDACTOR.redact("sub", f"test-billing-{number}")
        steps: tuple[tuple[str, str, dict[str, str]], ...] = (
            ("purchase", "2026-01-01T00:00:00Z", {"plan": "pro", "period_end": "2026-02-01T00:00:00Z"}),
            ("billing_issue", "2026-01-10T00:00:00Z", {"grace_end": "2026-01-17T00:00:00Z"}),
            ("billing_recovered", "2026-01-12T00:00:00Z", {}),
            ("cancel_scheduled", "2026-01-21T00:00:00Z", {"effective_at": "2026-02-01T00:00:00Z"}),
        )
        for step, (kind, at, fields) in enumerate(steps):
            item = event(0, kind, at, record_id=source, **fields)
            item["event_id"] = f"evt-test-{number:06d}-{step}"
            events.append(item)
    return events
