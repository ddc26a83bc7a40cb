"""The audit trail and the locked commit of `apply` (entitlements._audit, apply_and_save, locked_state)."""

from __future__ import annotations

import json
import threading
from collections import Counter
from typing import TYPE_CHECKING, Any

import pytest
from tests.entitlements._support import SHA, record_stream

from saas_contracts._atomic import StagedFile
from saas_contracts.entitlements import (
    AuditContext,
    PlanSourceState,
    apply_and_save,
    apply_events,
    load_state,
    write_envelopes,
)
from saas_contracts.entitlements._audit import append_envelopes, write_identity
from saas_contracts.entitlements._state import lock_path, locked_state
from saas_contracts.errors import InputFileError, OutputFileError, StateBusyError

if TYPE_CHECKING:
    from pathlib import Path

AUDIT = AuditContext(now="2026-03-01T00:00:00Z", commit_sha=SHA)
LATER = AuditContext(now="2026-03-02T00:00:00Z", commit_sha="0" * 40)


def _events_file(path: Path, events: list[dict[str, Any]]) -> str:
    path.write_text("".join(json.dumps(item) + "\n" for item in events), encoding="utf-8")
    return str(path)


def _envelopes(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _multiset(envelopes: list[dict[str, Any]]) -> Counter[str]:
    return Counter(write_identity(envelope) for envelope in envelopes)


class TestAppendEnvelopes:
    """Envelopes are appended, never rewritten, and a write already in the file is not appended again."""

    def test_appends_after_what_is_there(self, tmp_path):
        """A second run's envelopes go after the first run's; nothing is truncated."""
        target = tmp_path / "writes.jsonl"
        first = apply_events(PlanSourceState(), record_stream(1), audit=AUDIT)
        second = apply_events(first.state, record_stream(1, first=1), audit=AUDIT)
        assert write_envelopes(target, first).appended == 4
        assert write_envelopes(target, second).appended == 4
        assert _envelopes(target) == first.envelopes + second.envelopes

    def test_the_same_write_is_not_appended_twice(self, tmp_path):
        """The rerun of an interrupted run builds the same writes (at another time): they are skipped."""
        target = tmp_path / "writes.jsonl"
        run = apply_events(PlanSourceState(), record_stream(2), audit=AUDIT)
        append_envelopes(target, run.envelopes[:3])  # a run that died after part of its append
        rerun = apply_events(PlanSourceState(), record_stream(2), audit=LATER)
        result = write_envelopes(target, rerun)
        assert (result.appended, result.already_present) == (5, 3)
        assert _multiset(_envelopes(target)) == _multiset(run.envelopes)
        assert _envelopes(target)[:3] == run.envelopes[:3]  # the copy already there stays

    def test_a_different_write_of_the_same_event_is_appended(self, tmp_path):
        """Same event onto another before-image is another write: it is kept, not mistaken for a copy."""
        target = tmp_path / "writes.jsonl"
        events = record_stream(1)
        append_envelopes(target, apply_events(PlanSourceState(), events[1:2], audit=AUDIT).envelopes)
        onto_purchase = apply_events(
            apply_events(PlanSourceState(), events[:1]).state, events[1:2], audit=AUDIT
        )
        assert append_envelopes(target, onto_purchase.envelopes).appended == 1

    def test_torn_final_line_is_cut_before_appending(self, tmp_path):
        """A final line without its newline (a torn append) is dropped; the trail stays valid JSON Lines."""
        target = tmp_path / "writes.jsonl"
        run = apply_events(PlanSourceState(), record_stream(1), audit=AUDIT)
        append_envelopes(target, run.envelopes[:1])
        with target.open("a", encoding="utf-8") as stream:
            stream.write(json.dumps(run.envelopes[1])[:40])
        write_envelopes(target, run)
        assert _envelopes(target) == run.envelopes

    def test_a_foreign_line_is_an_input_error_and_nothing_is_written(self, tmp_path):
        """The audit file holds only write envelopes; anything else stops the run before it appends."""
        target = tmp_path / "writes.jsonl"
        target.write_text('{"not": "an envelope"}\n', encoding="utf-8")
        with pytest.raises(InputFileError, match=r"writes\.jsonl:1: .*not a write envelope"):
            write_envelopes(target, apply_events(PlanSourceState(), record_stream(1), audit=AUDIT))
        assert target.read_text(encoding="utf-8") == '{"not": "an envelope"}\n'

    def test_missing_folder_is_an_output_error(self, tmp_path):
        """An unwritable location names the audit file, and is an OSError too."""
        with pytest.raises(OutputFileError, match=r"writes\.jsonl: cannot write: No such file") as caught:
            append_envelopes(tmp_path / "missing" / "writes.jsonl", [])
        assert isinstance(caught.value, OSError)


class TestApplyAndSave:
    """apply_and_save commits the audit envelopes before the state, under the state's lock."""

    def test_clean_run(self, tmp_path):
        """State and envelopes equal the in-memory apply; no temporary file remains."""
        events, state, writes = tmp_path / "events.jsonl", tmp_path / "state.json", tmp_path / "writes.jsonl"
        saved = apply_and_save(_events_file(events, record_stream(3)), state, writes_path=writes, audit=AUDIT)
        expected = apply_events(PlanSourceState(), record_stream(3), audit=AUDIT)
        assert saved.report.counts["applied"] == 12
        assert saved.audit is not None
        assert saved.audit.appended == 12
        assert load_state(state).to_json() == expected.state.to_json()
        assert _envelopes(writes) == expected.envelopes
        assert sorted(p.name for p in tmp_path.iterdir()) == [
            "events.jsonl",
            "state.json",
            "state.json.lock",
            "writes.jsonl",
        ]

    def test_crash_between_append_and_rename_then_rerun(self, tmp_path, monkeypatch):
        """Envelopes durable, state not replaced: the rerun commits the state and doubles nothing."""
        events, state, writes = tmp_path / "events.jsonl", tmp_path / "state.json", tmp_path / "writes.jsonl"
        path = _events_file(events, record_stream(2))
        apply_and_save(_events_file(tmp_path / "first.jsonl", record_stream(1, first=5)), state)
        before = state.read_bytes()

        def die(_self: StagedFile) -> Path:
            raise KeyboardInterrupt

        monkeypatch.setattr(StagedFile, "commit", die)
        with pytest.raises(KeyboardInterrupt):
            apply_and_save(path, state, writes_path=writes, audit=AUDIT)
        monkeypatch.undo()
        assert state.read_bytes() == before
        assert len(_envelopes(writes)) == 8
        assert not [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
        rerun = apply_and_save(path, state, writes_path=writes, audit=LATER)
        assert rerun.audit is not None
        assert (rerun.audit.appended, rerun.audit.already_present) == (0, 8)
        first = apply_events(PlanSourceState(), record_stream(1, first=5)).state
        clean = apply_events(first, record_stream(2), audit=AUDIT)
        assert load_state(state).to_json() == clean.state.to_json()
        assert _multiset(_envelopes(writes)) == _multiset(clean.envelopes)
        assert len(_envelopes(writes)) == 8

    def test_unwritable_audit_file_leaves_the_state_untouched(self, tmp_path):
        """The audit append comes first: when it fails, the state is not replaced and no temporary remains."""
        events, state = tmp_path / "events.jsonl", tmp_path / "state.json"
        apply_and_save(_events_file(tmp_path / "first.jsonl", record_stream(1)), state)
        before = state.read_bytes()
        writes = tmp_path / "missing" / "writes.jsonl"
        with pytest.raises(OutputFileError, match=r"missing/writes\.jsonl: cannot write"):
            apply_and_save(
                _events_file(events, record_stream(1, first=1)), state, writes_path=writes, audit=AUDIT
            )
        assert state.read_bytes() == before
        assert not [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")]

    def test_unwritable_state_location(self, tmp_path):
        """A state under a missing folder or a file is refused before anything is read or written."""
        events = _events_file(tmp_path / "events.jsonl", record_stream(1))
        (tmp_path / "file").write_text("", encoding="utf-8")
        for state in (tmp_path / "missing" / "state.json", tmp_path / "file" / "state.json"):
            with pytest.raises(OutputFileError, match=rf"{state.name}: cannot write: "):
                apply_and_save(events, state, writes_path=tmp_path / "w.jsonl", audit=AUDIT)
        assert not (tmp_path / "w.jsonl").exists()

    def test_writes_need_an_audit_context(self, tmp_path):
        """Envelopes are built from the audit context, so an audit file without one is a programming error."""
        with pytest.raises(TypeError, match="audit context"):
            apply_and_save("events.jsonl", tmp_path / "state.json", writes_path=tmp_path / "w.jsonl")

    def test_busy_state_is_refused_after_the_timeout(self, tmp_path):
        """While another run holds the state's lock, a run with timeout 0 is refused and writes nothing."""
        events, state = _events_file(tmp_path / "events.jsonl", record_stream(1)), tmp_path / "state.json"
        with (
            locked_state(state, timeout=0),
            pytest.raises(StateBusyError, match="being written by another run"),
        ):
            apply_and_save(events, state, lock_timeout=0)
        assert not state.exists()
        assert lock_path(state) == tmp_path / "state.json.lock"

    def test_lock_sweeps_temporaries_of_a_killed_save(self, tmp_path):
        """A temporary file left by a kill -9 between staging and rename is removed by the next locked run."""
        state = tmp_path / "state.json"
        leftover = tmp_path / ".state.json.k1lled_9.tmp"
        leftover.write_text("{}", encoding="utf-8")
        with locked_state(state, timeout=0):
            assert not leftover.exists()

    def test_concurrent_runs_lose_nothing(self, tmp_path):
        """Two threads apply disjoint streams to one state: the state holds the union, the trail both sets."""
        state, writes = tmp_path / "state.json", tmp_path / "writes.jsonl"
        streams = [record_stream(10, first=0), record_stream(10, first=10)]
        paths = [_events_file(tmp_path / f"events-{n}.jsonl", stream) for n, stream in enumerate(streams)]
        failures: list[BaseException] = []

        def run(path: str) -> None:
            try:
                apply_and_save(path, state, writes_path=writes, audit=AUDIT, lock_timeout=60)
            except BaseException as error:  # noqa: BLE001 - reported by the assertion below
                failures.append(error)

        threads = [threading.Thread(target=run, args=(path,)) for path in paths]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert failures == []
        assert len(load_state(state).records) == 20
        expected = apply_events(PlanSourceState(), streams[0] + streams[1], audit=AUDIT)
        assert _multiset(_envelopes(writes)) == _multiset(expected.envelopes)
