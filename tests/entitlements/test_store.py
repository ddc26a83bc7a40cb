from __future__ import annotations

import json
import sqlite3
import threading
from typing import TYPE_CHECKING, Any

import pytest
from tests._support import ROOT
from tests.entitlements._support import REDACTOR, SHA, event, record_stream

from saas_contracts.entitlements import (
    AuditContext,
    PlanSourceState,
    _store,
    apply_events,
    apply_to_store,
    dump_state,
    load_state,
    load_store,
    migrate_json_state,
    save_state,
    store_ddl,
)
from saas_contracts.entitlements._audit import write_identity
from saas_contracts.entitlements._store import is_store_path, open_store, store_writes, transaction
from saas_contracts.errors import InputFileError, OutputFileError, StateBusyError

if TYPE_CHECKING:
    from pathlib import Path

AUDIT = AuditContext(now="2026-03-01T00:00:00Z", commit_sha=SHA)
SOURCE = REDACTOR.redact("sub", "test-billing-store")
CANCEL = event(101, "cancel_immediate", "2026-01-10T00:00:00Z", record_id=SOURCE)
PURCHASE = event(100, "purchase", "2026-01-01T00:00:00Z", plan="pro", record_id=SOURCE)


def _stream() -> list[dict[str, Any]]:
    """Four records in order, then late and out-of-order deliveries that force refolds and releases."""
    events = record_stream(4)
    late = dict(events[1], event_id="evt-test-late-1", occurred_at="2026-01-05T00:00:00Z")
    return [CANCEL, *events, late, PURCHASE, events[0], CANCEL]


def _tables(connection: sqlite3.Connection) -> list[tuple[str, str]]:
    return sorted(connection.execute("SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL"))


class TestContractDdl:
    """The store is made of exactly the shipped DDL, which is plain SQLite (what D1 runs)."""

    def test_the_store_uses_the_schema_file(self, tmp_path: Path):
        shipped = (ROOT / "schemas" / "entitlements" / "v1" / "store.sql").read_text(encoding="utf-8")
        assert store_ddl() == shipped
        assert "PRAGMA" not in shipped.upper().replace("NO PRAGMA", "")
        reference = sqlite3.connect(":memory:")
        reference.executescript(shipped)
        reference.executescript(shipped)  # idempotent: applied again at every start
        store = open_store(tmp_path / "state.sqlite")
        assert _tables(store) == _tables(reference)
        store.close()

    def test_new_stores_use_16_kib_pages_and_receipts_refuse_unknown_outcomes(self, tmp_path: Path):
        store = open_store(tmp_path / "state.sqlite")
        try:
            assert store.execute("PRAGMA page_size").fetchone() == (16384,)
            insert = (
                "INSERT OR REPLACE INTO ent_events (event_id, fingerprint, kind, record_id, outcome)"
                " VALUES (?, ?, ?, ?, ?)"
            )
            row = ("evt-1", "sha256:" + "0" * 64, "purchase", "sub-1")
            for outcome in ("applied", "stale", "parked", "illegal"):
                store.execute(insert, (*row, outcome))
            with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
                store.execute(insert, (*row, "duplicate"))
            with pytest.raises(sqlite3.IntegrityError, match="CHECK"):  # a log entry has its canonical key
                store.execute(
                    "INSERT INTO ent_events (event_id, fingerprint, kind, record_id, outcome, body)"
                    " VALUES ('evt-2', 'x', 'purchase', 'sub-1', 'applied', '{}')"
                )
            with pytest.raises(sqlite3.IntegrityError, match="CHECK"):  # a record has its status
                store.execute(
                    "INSERT INTO ent_records (record_id, workspace, source_kind, body)"
                    " VALUES ('s', 'w', 'k', '{}')"
                )
        finally:
            store.close()

    def test_a_store_is_told_by_its_header_or_suffix(self, tmp_path: Path):
        (tmp_path / "state.json").write_text("{}", encoding="utf-8")
        assert not is_store_path(tmp_path / "state.json")
        assert is_store_path(tmp_path / "new.sqlite")
        assert not is_store_path(tmp_path / "new.json")
        open_store(tmp_path / "odd-name").close()
        assert is_store_path(tmp_path / "odd-name")

    def test_a_json_state_file_is_refused_with_the_migration_hint(self, tmp_path: Path):
        path = tmp_path / "state.db"
        save_state(path, PlanSourceState())
        with pytest.raises(InputFileError, match="migrate"):
            open_store(path)

    def test_a_foreign_sqlite_file_is_refused(self, tmp_path: Path):
        path = tmp_path / "other.sqlite"
        connection = sqlite3.connect(path)
        connection.execute("CREATE TABLE ent_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        connection.execute("INSERT INTO ent_meta VALUES ('format', 'something-else')")
        connection.commit()
        connection.close()
        with pytest.raises(InputFileError, match="format tag"):
            open_store(path)


class TestSameAsMemory:
    """A store run ends in the state an in-memory run of the same events gives, byte for byte."""

    def test_state_results_and_envelopes_match(self, tmp_path: Path):
        path = tmp_path / "state.sqlite"
        memory = apply_events(PlanSourceState(), _stream(), audit=AUDIT)
        run = apply_to_store(path, _stream(), audit=AUDIT)
        assert [r.to_json() for r in run.report.results] == [r.to_json() for r in memory.results]
        assert dump_state(load_store(path)) == dump_state(memory.state)
        connection = open_store(path)
        assert list(store_writes(connection)) == memory.envelopes
        connection.close()

    def test_a_record_created_over_a_row_of_parked_events_owns_the_row(self, tmp_path: Path):
        """Parked events only (no record) leave a row without body; the creating event's record takes it."""
        other = REDACTOR.redact("ws", "test-other-workspace")
        parked = [
            dict(CANCEL, workspace=other),
            event(102, "renewal", "2026-01-09T00:00:00Z", record_id=SOURCE),
        ]
        path = tmp_path / "state.sqlite"
        memory = apply_events(PlanSourceState(), parked, audit=AUDIT)
        apply_to_store(path, parked, audit=AUDIT)
        connection = open_store(path)
        assert connection.execute("SELECT workspace, status, body FROM ent_records").fetchall() == [
            (other, None, None)
        ]
        connection.close()
        assert load_store(path).records == {}
        run = apply_to_store(path, [PURCHASE], audit=AUDIT)
        second = apply_events(memory.state, [PURCHASE], audit=AUDIT)
        assert [r.to_json() for r in run.report.results] == [r.to_json() for r in second.results]
        assert dump_state(load_store(path)) == dump_state(second.state)
        connection = open_store(path)
        rows = connection.execute("SELECT workspace, source_kind, status FROM ent_records").fetchall()
        connection.close()
        record = second.state.records[SOURCE]
        assert rows == [(record["workspace"], record["source_kind"], record["status"])]

    def test_a_late_event_after_the_stored_log_refolds_without_reading_it(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ):
        """A late event that sorts after what the store holds folds the run's part again, the same result."""
        trial = event(1, "trial_start", "2026-01-01T00:00:00Z", plan="pro", trial_end="2026-01-15T00:00:00Z")
        purchase = event(2, "purchase", "2026-01-15T00:00:00Z", plan="pro", period_end="2026-02-15T00:00:00Z")
        issue = event(3, "billing_issue", "2026-01-20T00:00:00Z", grace_end="2026-01-27T00:00:00Z")
        recovered = event(4, "billing_recovered", "2026-01-21T00:00:00Z")
        older = event(5, "cancel_scheduled", "2025-12-31T00:00:00Z", effective_at="2026-03-01T00:00:00Z")
        path = tmp_path / "state.sqlite"
        apply_to_store(path, [trial], audit=AUDIT)
        queries: list[str] = []
        opened = _store.open_store

        def traced(*args: Any, **kwargs: Any) -> sqlite3.Connection:
            connection = opened(*args, **kwargs)
            connection.set_trace_callback(queries.append)
            return connection

        monkeypatch.setattr(_store, "open_store", traced)
        run = apply_to_store(
            path, [issue, recovered, purchase], audit=AUDIT
        )  # purchase: late, after the trial
        assert not [query for query in queries if "FROM ent_events WHERE record_id" in query]
        later = apply_to_store(path, [older], audit=AUDIT)  # before the stored trial: the whole log is read
        assert [query for query in queries if "FROM ent_events WHERE record_id" in query]
        memory = apply_events(PlanSourceState(), [trial], audit=AUDIT)
        second = apply_events(memory.state, [issue, recovered, purchase], audit=AUDIT)
        third = apply_events(second.state, [older], audit=AUDIT)
        assert [r.to_json() for r in run.report.results] == [r.to_json() for r in second.results]
        assert [r.to_json() for r in later.report.results] == [r.to_json() for r in third.results]
        assert dump_state(load_store(path)) == dump_state(third.state)
        assert run.report.counts["applied"] == 3

    def test_batches_flush_inside_one_transaction(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
        monkeypatch.setattr(_store, "_FLUSH_EVERY", 2)
        path = tmp_path / "state.sqlite"
        apply_to_store(path, _stream(), audit=AUDIT)
        assert dump_state(load_store(path)) == dump_state(apply_events(PlanSourceState(), _stream()).state)

    def test_runs_build_on_each_other_and_redeliveries_are_duplicates(self, tmp_path: Path):
        path = tmp_path / "state.sqlite"
        stream = _stream()
        apply_to_store(path, stream[:5])
        second = apply_to_store(path, stream)
        assert second.report.counts["duplicate"] >= 5
        assert dump_state(load_store(path)) == dump_state(apply_events(PlanSourceState(), stream).state)

    def test_counts_only_when_results_are_not_kept(self, tmp_path: Path):
        run = apply_to_store(tmp_path / "state.sqlite", _stream(), keep_results=False)
        assert run.report.results == ()
        assert run.report.counts == apply_events(PlanSourceState(), _stream()).counts


class TestTransactions:
    """Receipts, records, logs and envelopes commit together; writers serialize."""

    def test_a_failing_run_leaves_nothing(self, tmp_path: Path):
        path = tmp_path / "state.sqlite"
        apply_to_store(path, [PURCHASE], audit=AUDIT)
        before = dump_state(load_store(path))

        def broken() -> Any:
            yield from record_stream(3)
            raise RuntimeError("the feed broke")

        with pytest.raises(RuntimeError):
            apply_to_store(path, broken(), audit=AUDIT)
        assert dump_state(load_store(path)) == before
        connection = open_store(path)
        assert len(list(store_writes(connection))) == 1
        connection.close()

    def test_a_busy_store_times_out_having_written_nothing(self, tmp_path: Path):
        path = tmp_path / "state.sqlite"
        holder = open_store(path)
        with transaction(holder, path), pytest.raises(StateBusyError, match="another run"):
            apply_to_store(path, [PURCHASE], lock_timeout=0.05)
        holder.close()
        assert load_store(path).receipts == {}

    def test_concurrent_writers_serialize_and_nothing_is_lost(self, tmp_path: Path):
        path = tmp_path / "state.sqlite"
        open_store(path).close()
        streams = [record_stream(20, first=start) for start in (0, 20, 40)]
        errors: list[BaseException] = []

        def run(stream: list[dict[str, Any]]) -> None:
            try:
                apply_to_store(path, stream, audit=AUDIT, lock_timeout=30)
            except BaseException as error:  # noqa: BLE001 - reported by the assertion below
                errors.append(error)

        threads = [threading.Thread(target=run, args=(stream,)) for stream in streams]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        state = load_store(path)
        assert len(state.records) == 60
        assert {r["outcome"] for r in state.receipts.values()} == {"applied"}
        connection = open_store(path)
        assert len(list(store_writes(connection))) == 240
        connection.close()


def _write_layout_1(path: Path, state: PlanSourceState, envelopes: list[dict[str, Any]]) -> None:
    """A store as the layout-1 runtime wrote it (``entitlements/v1/store``: five tables)."""
    connection = sqlite3.connect(path)
    connection.executescript(
        (ROOT / "tests" / "cases" / "entitlements-store-layout-1.sql").read_text("utf-8")
    )
    for record in state.records.values():
        connection.execute(
            "INSERT INTO ent_records VALUES (?, ?, ?, ?, ?)",
            (
                record["record_id"],
                record["workspace"],
                record["source_kind"],
                record["status"],
                json.dumps(record),
            ),
        )
    for receipt in state.receipts.values():
        connection.execute("INSERT INTO ent_receipts VALUES (?, ?, ?, ?, ?)", tuple(receipt.values()))
    for record_id, entries in state.log.items():
        for entry in entries:
            connection.execute(
                "INSERT INTO ent_events VALUES (?, ?, ?, ?, ?, ?)",
                (
                    record_id,
                    entry.event_id,
                    str(entry.key[0]),
                    entry.key[1],
                    entry.fingerprint,
                    json.dumps(entry.event),
                ),
            )
        last = entries[-1].key
        connection.execute(
            "INSERT INTO ent_tails VALUES (?, ?, ?, ?)", (record_id, str(last[0]), last[1], last[2])
        )
    for envelope in envelopes:
        connection.execute(
            "INSERT INTO ent_writes (identity, idempotency_key, envelope) VALUES (?, ?, ?)",
            (write_identity(envelope), envelope["idempotency_key"], json.dumps(envelope)),
        )
    connection.commit()
    connection.close()


class TestMigration:
    """A JSON state file moves into a new store unchanged; the JSON file stays."""

    def test_json_state_round_trips_through_the_store(self, tmp_path: Path):
        json_path = tmp_path / "state.json"
        state = apply_events(PlanSourceState(), _stream()).state
        save_state(json_path, state)
        migrated = migrate_json_state(json_path, tmp_path / "state.sqlite")
        assert dump_state(migrated) == dump_state(state)
        assert dump_state(load_state(tmp_path / "state.sqlite")) == json_path.read_text(encoding="utf-8")

    def test_a_legacy_state_keeps_its_bases(self, tmp_path: Path):
        legacy = apply_events(PlanSourceState(), record_stream(2)).state.to_json()
        del legacy["events"]
        json_path = tmp_path / "legacy.json"
        json_path.write_text(json.dumps(legacy), encoding="utf-8")
        migrate_json_state(json_path, tmp_path / "state.sqlite")
        stored = load_store(tmp_path / "state.sqlite")
        assert stored.bases == stored.records
        assert len(stored.bases) == 2

    def test_a_layout_1_store_is_refused_and_migrates_with_its_audit_trail(self, tmp_path: Path):
        """A layout-1 store (five tables) is refused with the hint, and migrate copies it whole."""
        first = apply_events(PlanSourceState(), _stream(), audit=AUDIT)
        second = apply_events(first.state, record_stream(3, first=10), audit=AUDIT)
        old_path = tmp_path / "old.sqlite"
        _write_layout_1(old_path, second.state, [*first.envelopes, *second.envelopes])
        with pytest.raises(InputFileError, match="layout-1 store"):
            open_store(old_path)
        new_path = tmp_path / "new.sqlite"
        migrated = migrate_json_state(old_path, new_path)
        assert dump_state(migrated) == dump_state(second.state)
        assert dump_state(load_store(new_path)) == dump_state(second.state)
        connection = open_store(new_path)
        assert list(store_writes(connection)) == [*first.envelopes, *second.envelopes]
        connection.close()
        # the migrated store goes on like a store that saw the same runs
        more = record_stream(2, first=20)
        run = apply_to_store(new_path, more, audit=AUDIT)
        memory = apply_events(second.state, more, audit=AUDIT)
        assert [r.to_json() for r in run.report.results] == [r.to_json() for r in memory.results]
        assert dump_state(load_store(new_path)) == dump_state(memory.state)

    def test_a_store_with_data_is_refused(self, tmp_path: Path):
        path = tmp_path / "state.sqlite"
        apply_to_store(path, [PURCHASE])
        json_path = tmp_path / "state.json"
        save_state(json_path, PlanSourceState())
        with pytest.raises(OutputFileError, match="not empty"):
            migrate_json_state(json_path, path)


class TestCli:
    """--state takes a store; migrate and export move between JSON and SQLite."""

    def test_apply_decide_export_on_a_store(self, cli: Any, tmp_path: Path):
        events = tmp_path / "events.jsonl"
        events.write_text("".join(json.dumps(item) + "\n" for item in _stream()), encoding="utf-8")
        store = tmp_path / "state.sqlite"
        writes = tmp_path / "writes.jsonl"
        args = ["entitlements", "apply", str(events), "--state", str(store), "-o", "json"]
        result = cli(*args, "--writes", str(writes), "--commit-sha", SHA, "--now", "2026-03-01T00:00:00Z")
        assert result.exit_code == 0, result.output
        assert json.loads(result.output)["counts"]["parked"] == 1
        connection = open_store(store)
        stored = [json.dumps(item, sort_keys=True) for item in store_writes(connection)]
        connection.close()
        assert sorted(stored) == sorted(writes.read_text(encoding="utf-8").splitlines())
        exported = cli("entitlements", "export", str(store))
        assert exported.exit_code == 0
        assert exported.output == dump_state(apply_events(PlanSourceState(), _stream()).state)

    def test_migrate_command(self, cli: Any, tmp_path: Path):
        json_path = tmp_path / "state.json"
        save_state(json_path, apply_events(PlanSourceState(), _stream()).state)
        result = cli("entitlements", "migrate", str(json_path), str(tmp_path / "s.sqlite"), "-o", "json")
        assert result.exit_code == 0, result.output
        assert json.loads(result.output)["records"] == 5
        again = cli("entitlements", "migrate", str(json_path), str(tmp_path / "s.sqlite"))
        assert again.exit_code == 2

    def test_a_layout_1_store_is_refused_with_the_hint_and_migrates(self, cli: Any, tmp_path: Path):
        memory = apply_events(PlanSourceState(), _stream(), audit=AUDIT)
        old, new = tmp_path / "old.sqlite", tmp_path / "new.sqlite"
        _write_layout_1(old, memory.state, memory.envelopes)
        refused = cli("entitlements", "export", str(old))
        assert refused.exit_code == 2
        assert "entitlements migrate" in refused.output
        result = cli("entitlements", "migrate", str(old), str(new), "-o", "json")
        assert result.exit_code == 0, result.output
        assert json.loads(result.output)["records"] == 5
        exported = cli("entitlements", "export", str(new))
        assert exported.output == dump_state(memory.state)


class TestScreening:
    """Event ids are privacy-screened in batches; a flagged or missing id goes to the exact check."""

    def test_screen_marks_only_clean_ids(self):
        from saas_contracts._mask import flagged  # noqa: PLC0415 - the exact per-id check it must agree with
        from saas_contracts.entitlements._writer import screen_event_ids  # noqa: PLC0415

        secret = "sk_" + "live_" + "xianz7f7i0psuhm3jqic5ew7"
        items: list[object] = [PURCHASE, {"event_id": secret}, {"kind": "no id"}, "text", CANCEL]
        screened = screen_event_ids(items)
        assert screened == [True, False, False, False, True]
        assert flagged(secret)
        assert not flagged(PURCHASE["event_id"])

    def test_an_empty_store_file_being_created_counts_as_a_store(self, tmp_path: Path):
        (tmp_path / "new.sqlite").touch()
        assert is_store_path(tmp_path / "new.sqlite")
        (tmp_path / "new.json").touch()
        assert not is_store_path(tmp_path / "new.json")


class TestReferenceLabelEventIds:
    """An event_id the event schema accepts but no idempotency key spells (short, '/' or '#') is counted.

    Before entitlements 1.6.0 the record's ``last_event_id`` and the envelope's keys were idempotency
    keys only, so such an event passed the event check and then made the whole run fail on its envelope.
    """

    LABELS = ("op/1", "ops-approval/2026-01-02-01", "review:billing#7")

    def _events(self) -> list[dict[str, Any]]:
        events = record_stream(1)[: len(self.LABELS)]
        return [dict(item, event_id=label) for item, label in zip(events, self.LABELS, strict=True)]

    def test_json_state_and_both_store_paths_apply_and_audit_them(self, tmp_path: Path):
        report = apply_events(PlanSourceState(), self._events(), audit=AUDIT)
        assert [result.outcome for result in report.results] == ["applied"] * 3
        assert [result.envelope["idempotency_key"] for result in report.results if result.envelope] == list(
            self.LABELS
        )
        for keep_results in (True, False):
            path = tmp_path / f"state-{keep_results}.sqlite"
            run = apply_to_store(path, self._events(), audit=AUDIT, keep_results=keep_results)
            assert run.report.counts["applied"] == len(self.LABELS)
            assert load_store(path).to_json() == report.state.to_json()
            connection = open_store(path)
            try:
                causes = [item["cause"]["event_id"] for item in store_writes(connection)]
            finally:
                connection.close()
            assert causes == list(self.LABELS)
