from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from tests.entitlements._support import event, record

from saas_contracts import InputFileError
from saas_contracts.entitlements import (
    PlanSourceState,
    apply_events,
    dump_state,
    load_state,
    save_state,
)
from saas_contracts.errors import StateConsistencyError

EVENTS = [
    event(1, "purchase", "2026-01-01T00:00:00Z", plan="pro"),
    event(2, "renewal", "2026-02-01T00:00:00Z"),
]


class TestStateFile:
    """The state file is strict, deterministic and replaced atomically."""

    def test_round_trip_is_byte_stable(self, tmp_path):
        state = apply_events(PlanSourceState(), EVENTS).state
        path = tmp_path / "state.json"
        save_state(path, state)
        text = path.read_text()
        assert text == dump_state(state)
        assert text.endswith("\n")
        save_state(path, load_state(path))
        assert path.read_text() == text

    def test_missing_file(self, tmp_path):
        assert load_state(tmp_path / "none.json", missing_ok=True).to_json()["records"] == []
        with pytest.raises(InputFileError):
            load_state(tmp_path / "none.json")

    def test_invalid_state_names_the_file(self, tmp_path):
        path = tmp_path / "state.json"
        path.write_text(
            json.dumps({"state": "entitlements/v1", "records": [{"plan": "pro"}], "receipts": []})
        )
        with pytest.raises(InputFileError, match=r"state\.json"):
            load_state(path)

    def test_repeated_ids_are_rejected(self):
        with pytest.raises(StateConsistencyError):
            PlanSourceState([record(), record()])

    def test_interrupted_write_keeps_the_old_state(self, tmp_path, monkeypatch):
        path = tmp_path / "state.json"
        save_state(path, apply_events(PlanSourceState(), EVENTS[:1]).state)
        before = path.read_text()

        def boom(_self: Path, _target: Path) -> Path:
            raise KeyboardInterrupt

        monkeypatch.setattr(Path, "replace", boom)
        with pytest.raises(KeyboardInterrupt):
            save_state(path, apply_events(PlanSourceState(), EVENTS).state)
        assert path.read_text() == before
        assert sorted(p.name for p in tmp_path.iterdir()) == ["state.json"]

    def test_existing_file_keeps_its_mode(self, tmp_path):
        """Saving over a 0644 state file leaves it 0644 (it used to become mkstemp's 0600)."""
        path = tmp_path / "state.json"
        save_state(path, apply_events(PlanSourceState(), EVENTS[:1]).state)
        path.chmod(0o644)
        save_state(path, apply_events(PlanSourceState(), EVENTS).state)
        assert stat.S_IMODE(path.stat().st_mode) == 0o644
        assert load_state(path).to_json() == apply_events(PlanSourceState(), EVENTS).state.to_json()

    def test_new_file_gets_the_umask_mode(self, tmp_path):
        """A new state file is created like any other file (0666 less the umask), not 0600."""
        old = os.umask(0o022)
        try:
            save_state(tmp_path / "state.json", apply_events(PlanSourceState(), EVENTS).state)
        finally:
            os.umask(old)
        assert stat.S_IMODE((tmp_path / "state.json").stat().st_mode) == 0o644

    def test_copy_is_independent(self):
        state = apply_events(PlanSourceState(), EVENTS[:1]).state
        clone = state.copy()
        next(iter(clone.records.values()))["plan"] = "team"
        assert next(iter(state.records.values()))["plan"] == "pro"
