"""Builders for the ledger tests: a valid event, lines, the example adapters (import, do not copy)."""

from __future__ import annotations

import copy
import importlib.util
import json
from typing import Any

from tests._support import EXAMPLES, ROOT

PRODUCTS = EXAMPLES / "products"
EXAMPLE_EVENTS = EXAMPLES / "data" / "usage-events.jsonl"
FIXTURE = ROOT / "fixtures" / "usage-event-ledger.core-fixture.json"
TEST_KEY = b"test-only-redaction-key-000001"
NOW = "2026-11-10T00:00:00Z"
WINDOW = ("2026-11-01T00:00:00Z", "2026-11-08T00:00:00Z")

BASE_EVENT: dict[str, Any] = {
    "event_id": "evt-sample-0001",
    "event_type": "sample.unit_consumed",
    "subject": "ws_ref_3ebuhqwhofzsfhxhpz2f3xmvja",
    "plan": {
        "plan_key": "plan-b-monthly",
        "plan_label": "pro",
        "catalog_revision": "catalog/2026-11",
        "captured_at": "2026-11-02T09:59:00Z",
    },
    "quantity": 5,
    "occurred_at": "2026-11-02T10:00:00Z",
    "recorded_at": "2026-11-02T10:00:02Z",
    "source": "sample-producer",
    "idempotency_key": "sample.unit_consumed:0001",
}


def make_event(**changes: Any) -> dict[str, Any]:
    """A copy of the base event; ``plan__x`` changes the snapshot, ``None`` removes a field."""
    event = copy.deepcopy(BASE_EVENT)
    for name, value in changes.items():
        if name.startswith("plan__"):
            event["plan"][name.removeprefix("plan__")] = value
        elif value is None:
            event.pop(name)
        else:
            event[name] = value
    return event


def respelled(event: dict[str, Any]) -> str:
    """JSON text of ``event`` with every object's key order reversed and the quantity spelled as a float."""

    def reverse(node: Any) -> Any:
        return (
            {key: reverse(value) for key, value in reversed(node.items())} if isinstance(node, dict) else node
        )

    text = json.dumps(reverse(event))
    return text.replace(f'"quantity": {event["quantity"]}', f'"quantity": {event["quantity"]}.0')


def line(event: object) -> str:
    """Compact JSON text of an event."""
    return json.dumps(event, separators=(",", ":"))


def load_adapter(directory: str):
    """Load an example product adapter by path (core never imports them)."""
    spec = importlib.util.spec_from_file_location(
        f"adapter_{directory.replace('-', '_')}", PRODUCTS / directory / "adapter.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def read_rows(directory: str) -> list[dict[str, Any]]:
    """The sample D1 rows of an example product."""
    text = (PRODUCTS / directory / "rows.jsonl").read_text(encoding="utf-8")
    return [json.loads(row) for row in text.splitlines() if row.strip()]
