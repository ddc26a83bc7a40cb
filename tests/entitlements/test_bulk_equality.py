"""The bulk store path gives exactly what the reference path gives: outcomes, state export, envelopes.

The stream is the benchmark's (``scripts/bench_apply.py``) with harder cases mixed
in: events delivered many places late (refolds), redeliveries across runs, a
conflict, an invalid event, a parked cancellation whose purchase lands later.
The reference is the in-memory writer (:func:`apply_events`, no batching, no
read-ahead); the digests pinned below were taken from the store path before it
was optimized, so both the old and the new store path are held to the same bytes.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import random
from typing import TYPE_CHECKING, Any

import pytest
from tests._support import ROOT
from tests.entitlements._support import REDACTOR

from saas_contracts.entitlements import AuditContext, PlanSourceState, _store, apply_events, apply_to_store
from saas_contracts.entitlements._state import dump_state
from saas_contracts.entitlements._store import load_store, open_store, store_writes

if TYPE_CHECKING:
    from pathlib import Path

AUDIT = AuditContext(now="2027-01-01T00:00:00Z", commit_sha="0" * 40)
SIZE = 6_000


def _bench_module() -> Any:
    spec = importlib.util.spec_from_file_location("bench_apply", ROOT / "scripts" / "bench_apply.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def stream(size: int = SIZE) -> list[dict[str, Any]]:
    """The benchmark stream plus late, conflicting, invalid and parked deliveries (deterministic)."""
    events: list[dict[str, Any]] = _bench_module().generate(size, seed=7)
    rng = random.Random(7)  # noqa: S311 - test data
    for _ in range(size // 200):  # an event delivered hundreds of places late: its record refolds
        position = rng.randrange(0, len(events) - 400)
        events.insert(position + rng.randrange(50, 400), events.pop(position))
    conflict = dict(events[10]) | {"occurred_at": "2026-03-03T00:00:00Z"}
    invalid = dict(events[11]) | {"event_id": "evt-invalid-1", "kind": "no_such_kind"}
    purchase = dict(events[0])
    orphan = {
        key: value for key, value in purchase.items() if key not in {"plan", "period_end", "trial_end"}
    } | {
        "event_id": "evt-orphan-cancel",
        "record_id": REDACTOR.redact("sub", "bulk-orphan-1"),
        "kind": "cancel_scheduled",
        "occurred_at": "2026-09-01T00:00:00Z",
        "effective_at": "2026-10-01T00:00:00Z",
    }
    illegal = orphan | {
        "event_id": "evt-illegal-renewal",
        "kind": "renewal",
        "occurred_at": "2026-09-02T00:00:00Z",
    }
    illegal.pop("effective_at")
    created = purchase | {
        "event_id": "evt-orphan-purchase",
        "record_id": orphan["record_id"],
        "kind": "purchase",
        "occurred_at": "2026-08-01T00:00:00Z",
        "period_end": "2026-09-01T00:00:00Z",
    }
    created.pop("trial_end", None)
    created["plan"] = "pro"
    events[len(events) // 3 : len(events) // 3] = [conflict, invalid, orphan, illegal]
    events.append(created)
    return events


def _outputs(results: list[dict[str, Any]], state: str, writes: list[dict[str, Any]]) -> dict[str, str]:
    return {
        "results": json.dumps(results, sort_keys=True),
        "state": state,
        "writes": json.dumps(writes, sort_keys=True, ensure_ascii=False),
    }


def reference(events: list[dict[str, Any]], split: int) -> dict[str, str]:
    """Two in-memory runs (the first ``split`` events, then all of them again)."""
    first = apply_events(PlanSourceState(), events[:split], audit=AUDIT)
    second = apply_events(first.state, events, audit=AUDIT)
    results = [r.to_json() for r in first.results] + [r.to_json() for r in second.results]
    return _outputs(results, dump_state(second.state), first.envelopes + second.envelopes)


def through_store(path: Path, events: list[dict[str, Any]], split: int) -> dict[str, str]:
    """The same two runs through the SQLite store."""
    first = apply_to_store(path, events[:split], audit=AUDIT)
    second = apply_to_store(path, events, audit=AUDIT)
    results = [r.to_json() for r in first.report.results] + [r.to_json() for r in second.report.results]
    connection = open_store(path)
    try:
        writes = list(store_writes(connection))
    finally:
        connection.close()
    return _outputs(results, dump_state(load_store(path)), writes)


def digests(outputs: dict[str, str]) -> dict[str, str]:
    """sha256 of each output text."""
    return {name: hashlib.sha256(text.encode()).hexdigest() for name, text in outputs.items()}


# Taken from the store path as it was before the bulk optimizations (commit 288c984).
PINNED = {
    "results": "ff10dc3cb03c24a15f7e05c168ef41101c89bafc95af1aa422d62fb4db2b73ce",
    "state": "f60f13080ae8e2ca824bf9b32e19fdf4887a9b5b8ed22d263bc2514c34a70ad9",
    "writes": "d72a6d70d19bf34233828c74c880a9249f8edbb53e327d1f6b1cb0b6cba22fad",
}


@pytest.mark.slow
class TestBulkEquality:
    """The optimized store path reproduces the reference path and the pre-optimization bytes."""

    def test_store_equals_the_in_memory_reference(self, tmp_path: Path):
        """Outcomes, export and envelopes of the store runs equal the in-memory runs byte for byte."""
        events = stream()
        split = len(events) * 3 // 5
        assert through_store(tmp_path / "s.sqlite", events, split) == reference(events, split)

    def test_store_equals_the_pinned_pre_optimization_bytes(self, tmp_path: Path):
        """The store runs give the very bytes the store path gave before it was optimized."""
        events = stream()
        assert digests(through_store(tmp_path / "s.sqlite", events, len(events) * 3 // 5)) == PINNED

    def test_counting_runs_write_the_same_state_and_envelopes(self, tmp_path: Path):
        """keep_results=False (count_event, no detail text) changes the store as the reference does."""
        events = stream()
        split = len(events) * 3 // 5
        path = tmp_path / "s.sqlite"
        first = apply_to_store(path, events[:split], audit=AUDIT, keep_results=False)
        second = apply_to_store(path, events, audit=AUDIT, keep_results=False)
        memory_first = apply_events(PlanSourceState(), events[:split], audit=AUDIT)
        memory = apply_events(memory_first.state, events, audit=AUDIT)
        assert (first.report.counts, second.report.counts) == (memory_first.counts, memory.counts)
        assert dump_state(load_store(path)) == dump_state(memory.state)
        connection = open_store(path)
        try:
            assert list(store_writes(connection)) == memory_first.envelopes + memory.envelopes
        finally:
            connection.close()

    def test_small_batches_change_nothing(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
        """Reading ahead and flushing every few events (many batch boundaries) gives the same bytes."""
        monkeypatch.setattr(_store, "_FLUSH_EVERY", 7)
        monkeypatch.setattr(_store, "_SCREEN_BATCH", 5)
        events = stream(1_500)
        split = len(events) // 2
        assert through_store(tmp_path / "s.sqlite", events, split) == reference(events, split)

    def test_records_cached_across_flushes_or_dropped_change_nothing(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ):
        """Records kept across flushes while few (here: at most 40), dropped when more: the same bytes."""
        # Flushes every ~16 events (at most 16 new records each): kept for two or three, then dropped.
        monkeypatch.setattr(_store, "_FLUSH_EVERY", 10)
        monkeypatch.setattr(_store, "_SCREEN_BATCH", 8)
        monkeypatch.setattr(_store, "_KEEP_RECORDS", 40)
        events = stream(1_500)
        split = len(events) // 2
        assert through_store(tmp_path / "s.sqlite", events, split) == reference(events, split)


@pytest.mark.slow
class TestReadAhead:
    """After a read-ahead, the events of the batch ask the database nothing."""

    def test_lookups_after_prefetch_do_not_query(self, tmp_path: Path):
        """Known and unknown receipts and records come from the read-ahead, equal to the stored rows."""
        path = tmp_path / "s.sqlite"
        events = stream(1_000)[:500]
        apply_to_store(path, events[:250])
        connection = open_store(path)
        try:
            connection.execute("BEGIN IMMEDIATE")
            view = _store.SqliteState(connection)
            view.prefetch(events)
            queries: list[str] = []
            connection.set_trace_callback(queries.append)
            receipts = [view.receipt(event["event_id"]) for event in events]
            records = [view.record(event["record_id"]) for event in events]
            connection.set_trace_callback(None)
            connection.execute("ROLLBACK")
        finally:
            connection.close()
        assert queries == []
        state = load_store(path)
        assert receipts == [state.receipts.get(event["event_id"]) for event in events]
        assert records == [state.records.get(event["record_id"]) for event in events]
        assert any(receipt is None for receipt in receipts)
        assert any(receipt is not None for receipt in receipts)
