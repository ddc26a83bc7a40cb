from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.entitlements._support import event, record

from saas_contracts import InputFileError
from saas_contracts.entitlements import (
    PlanSourceState,
    StateConsistencyError,
    dump_state,
    load_state,
    replay,
    save_state,
)

EVENTS = [
    event(1, "purchase", "2026-01-01T00:00:00Z", plan="pro"),
    event(2, "renewal", "2026-02-01T00:00:00Z"),
]


class TestStateFile:
    """The state file is strict, deterministic and replaced atomically."""

    def test_round_trip_is_byte_stable(self, tmp_path):
        state = replay(PlanSourceState(), EVENTS).state
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
        save_state(path, replay(PlanSourceState(), EVENTS[:1]).state)
        before = path.read_text()

        def boom(_self: Path, _target: Path) -> Path:
            raise KeyboardInterrupt

        monkeypatch.setattr(Path, "replace", boom)
        with pytest.raises(KeyboardInterrupt):
            save_state(path, replay(PlanSourceState(), EVENTS).state)
        assert path.read_text() == before
        assert sorted(p.name for p in tmp_path.iterdir()) == ["state.json"]

    def test_copy_is_independent(self):
        state = replay(PlanSourceState(), EVENTS[:1]).state
        clone = state.copy()
        next(iter(clone.records.values()))["plan"] = "team"
        assert next(iter(state.records.values()))["plan"] == "pro"
