from __future__ import annotations

import json
import os
import threading
from typing import TYPE_CHECKING, Any

import pytest
from tests.entitlements._support import SHA, event, record, request

import saas_contracts._ops
from saas_contracts._lock import lock_exclusively, unlock
from saas_contracts.entitlements._state import lock_path, locked_state
from saas_contracts.privacy import assert_public_safe

if TYPE_CHECKING:
    from pathlib import Path

from saas_contracts._validation import validate

EVENTS = [
    event(1, "purchase", "2026-01-01T00:00:00Z", plan="pro", period_end="2026-02-01T00:00:00Z"),
    event(3, "billing_recovered", "2026-01-20T00:00:00Z"),
    event(2, "billing_issue", "2026-01-10T00:00:00Z", grace_end="2026-01-17T00:00:00Z"),
    event(4, "cancel_scheduled", "2026-01-21T00:00:00Z", effective_at="2026-02-01T00:00:00Z"),
]


def _write_events(path: Path, events: list[dict[str, Any]], extra: str = "") -> None:
    path.write_text("".join(json.dumps(item) + "\n" for item in events) + extra)


class TestApply:
    """`entitlements apply` replays onto a state file, reports each event, writes atomically."""

    def test_apply_then_reapply(self, cli, tmp_path):
        events, state = tmp_path / "events.jsonl", tmp_path / "state.json"
        _write_events(events, EVENTS)
        first = cli("entitlements", "apply", str(events), "--state", str(state), "-o", "json")
        assert first.exit_code == 0, first.output
        report = json.loads(first.output)
        assert [r["outcome"] for r in report["results"]] == ["applied", "applied", "stale", "applied"]
        saved = state.read_text()
        second = cli("entitlements", "apply", str(events), "--state", str(state), "-o", "json")
        assert second.exit_code == 0
        assert {r["outcome"] for r in json.loads(second.output)["results"]} == {"duplicate"}
        assert state.read_text() == saved

    def test_findings_exit_one_and_unparseable_lines_are_invalid(self, cli, tmp_path):
        events, state = tmp_path / "events.jsonl", tmp_path / "state.json"
        _write_events(events, [*EVENTS, dict(EVENTS[0], plan="team")], extra="{not json\n")
        result = cli("entitlements", "apply", str(events), "--state", str(state))
        assert result.exit_code == 1
        assert "#4 conflict" in result.output
        assert "#5 invalid" in result.output
        assert "applied 3" in result.output

    def test_writes_and_commit_sha(self, cli, tmp_path, monkeypatch):
        events, state, writes = tmp_path / "events.jsonl", tmp_path / "state.json", tmp_path / "writes.jsonl"
        _write_events(events, EVENTS)
        # Outside any git checkout and with no CI variables, nothing names a commit.
        monkeypatch.chdir(tmp_path)
        for name in ("SAAS_CONTRACTS_COMMIT_SHA", "GITHUB_SHA", "CF_PAGES_COMMIT_SHA"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
        missing = cli("entitlements", "apply", str(events), "--state", str(state), "--writes", str(writes))
        assert missing.exit_code == 2
        assert "--writes needs a commit" in missing.stderr
        assert not state.exists()
        result = cli(
            "entitlements",
            "apply",
            str(events),
            "--state",
            str(state),
            "--writes",
            str(writes),
            "--commit-sha",
            SHA,
            "--now",
            "2026-02-01T00:00:00Z",
        )
        assert result.exit_code == 0
        envelopes = [json.loads(line) for line in writes.read_text().splitlines()]
        assert [e["cause"]["event_kind"] for e in envelopes] == [
            "purchase",
            "billing_recovered",
            "cancel_scheduled",
        ]
        assert {e["audit"]["commit_sha"] for e in envelopes} == {SHA}

    def test_dry_run_writes_nothing(self, cli, tmp_path):
        events, state = tmp_path / "events.jsonl", tmp_path / "state.json"
        _write_events(events, EVENTS)
        assert cli("entitlements", "apply", str(events), "--state", str(state), "--dry-run").exit_code == 0
        assert not state.exists()

    def test_markdown(self, cli, tmp_path):
        events, state = tmp_path / "events.jsonl", tmp_path / "state.json"
        _write_events(events, EVENTS)
        result = cli("entitlements", "apply", str(events), "--state", str(state), "-o", "markdown")
        assert "| 2 | stale | billing_issue |" in result.output

    def test_broken_state_is_a_usage_error(self, cli, tmp_path):
        events, state = tmp_path / "events.jsonl", tmp_path / "state.json"
        _write_events(events, EVENTS)
        state.write_text("{}")
        result = cli("entitlements", "apply", str(events), "--state", str(state))
        assert result.exit_code == 2
        assert "state.json" in result.output
        assert state.read_text() == "{}"


class TestApplyCommits:
    """`entitlements apply` appends envelopes before replacing the state, one run at a time."""

    def test_rerun_appends_and_never_truncates(self, cli, tmp_path):
        """A second apply with --writes keeps the first run's envelopes and adds only new ones."""
        events, state, writes = tmp_path / "events.jsonl", tmp_path / "state.json", tmp_path / "writes.jsonl"
        _write_events(events, EVENTS[:2])
        args = ["--state", str(state), "--writes", str(writes), "--commit-sha", SHA]
        assert cli("entitlements", "apply", str(events), *args).exit_code == 0
        first = writes.read_text()
        _write_events(events, EVENTS)
        assert cli("entitlements", "apply", str(events), *args).exit_code == 0
        assert writes.read_text().startswith(first)
        assert len(writes.read_text().splitlines()) == 3

    def test_busy_state_exits_2(self, cli, tmp_path):
        """With another run holding the state's lock, --lock-timeout 0 is exit 2 and nothing is written."""
        events, state = tmp_path / "events.jsonl", tmp_path / "state.json"
        _write_events(events, EVENTS)
        with locked_state(state, timeout=0):
            result = cli("entitlements", "apply", str(events), "--state", str(state), "--lock-timeout", "0")
        assert result.exit_code == 2
        assert "being written by another run" in result.stderr
        assert not state.exists()
        assert cli("entitlements", "apply", str(events), "--state", str(state)).exit_code == 0

    def test_waits_for_the_lock(self, cli, tmp_path):
        """A run started while another holds the lock waits and then applies."""
        events, state = tmp_path / "events.jsonl", tmp_path / "state.json"
        _write_events(events, EVENTS)
        holder = lock_exclusively(lock_path(state), 0)
        assert holder is not None
        release = threading.Timer(0.2, unlock, args=(holder,))
        release.start()
        try:
            result = cli("entitlements", "apply", str(events), "--state", str(state), "--lock-timeout", "10")
        finally:
            release.join()
        assert result.exit_code == 0, result.output
        assert "applied 3" in result.output

    def test_dry_run_takes_no_lock(self, cli, tmp_path):
        """A dry run reads the state without waiting for a writer."""
        events, state = tmp_path / "events.jsonl", tmp_path / "state.json"
        _write_events(events, EVENTS)
        with locked_state(state, timeout=0):
            result = cli("entitlements", "apply", str(events), "--state", str(state), "--dry-run")
        assert result.exit_code == 0


class TestUnwritableLocations:
    """An unwritable --state, --writes or --output is exit 2 naming the path; the state stays untouched."""

    @pytest.mark.parametrize("parent", ["missing", "a-file"])
    def test_state(self, cli, tmp_path, parent):
        """A state under a missing folder, or under a regular file, is refused before anything is written."""
        events = tmp_path / "events.jsonl"
        _write_events(events, EVENTS)
        (tmp_path / "a-file").write_text("")
        state = tmp_path / parent / "state.json"
        result = cli("entitlements", "apply", str(events), "--state", str(state))
        assert result.exit_code == 2
        assert result.stderr.startswith(f"error: {state}: cannot write: ")
        assert "Traceback" not in result.output
        assert "internal error" not in result.stderr

    def test_writes(self, cli, tmp_path):
        """The audit append comes first: when it cannot happen, the state keeps its old content."""
        events, state = tmp_path / "events.jsonl", tmp_path / "state.json"
        _write_events(events, EVENTS[:1])
        assert cli("entitlements", "apply", str(events), "--state", str(state)).exit_code == 0
        before = state.read_text()
        _write_events(events, EVENTS)
        writes = tmp_path / "missing" / "writes.jsonl"
        args = ["--state", str(state), "--writes", str(writes), "--commit-sha", SHA]
        result = cli("entitlements", "apply", str(events), *args)
        assert result.exit_code == 2
        assert result.stderr == f"error: {writes}: cannot write: No such file or directory\n"
        assert state.read_text() == before
        assert sorted(p.name for p in tmp_path.iterdir()) == ["events.jsonl", "state.json", "state.json.lock"]

    @pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
    def test_read_only_folder(self, cli, tmp_path):
        """A folder without write permission is 'Permission denied', exit 2."""
        events, folder = tmp_path / "events.jsonl", tmp_path / "ro"
        _write_events(events, EVENTS)
        folder.mkdir()
        folder.chmod(0o555)
        try:
            result = cli("entitlements", "apply", str(events), "--state", str(folder / "state.json"))
        finally:
            folder.chmod(0o755)
        assert result.exit_code == 2
        assert "cannot write: Permission denied" in result.stderr

    def test_summarize_output(self, cli, tmp_path):
        """summarize --output into a missing folder is exit 2 with the path, not an internal error."""
        events, state = tmp_path / "events.jsonl", tmp_path / "state.json"
        _write_events(events, EVENTS)
        cli("entitlements", "apply", str(events), "--state", str(state))
        out = tmp_path / "missing" / "summary.md"
        result = cli(
            "entitlements", "summarize", "--state", str(state), "-o", "markdown", "--output", str(out)
        )
        assert result.exit_code == 2
        assert result.stderr == f"error: {out}: cannot write: No such file or directory\n"


class TestDecide:
    """`entitlements decide` prints decisions; exit 0 when all allowed, 1 when any denied."""

    def test_allow_json(self, cli, tmp_path):
        path = tmp_path / "request.json"
        path.write_text(json.dumps(request([record()], "2026-01-10T00:00:00Z")))
        result = cli("entitlements", "decide", str(path), "-o", "json")
        assert result.exit_code == 0
        assert json.loads(result.output)["reason"] == "granted"

    def test_deny_text_and_records_from_state(self, cli, tmp_path):
        events, state = tmp_path / "events.jsonl", tmp_path / "state.json"
        _write_events(events, EVENTS)
        cli("entitlements", "apply", str(events), "--state", str(state))
        req = request([], "2026-02-02T00:00:00Z")
        del req["records"]
        path = tmp_path / "requests.jsonl"
        path.write_text(json.dumps(req) + "\n" + json.dumps(dict(req, as_of="2026-01-25T00:00:00Z")) + "\n")
        result = cli("entitlements", "decide", str(path), "--state", str(state))
        assert result.exit_code == 1
        lines = result.output.splitlines()
        assert "deny feature.advanced" in lines[0]
        assert "source_expired" in lines[0]
        assert "cancel_scheduled" in lines[1]
        assert "holds until 2026-02-01T00:00:00Z" in lines[1]

    def test_invalid_request_is_a_usage_error(self, cli, tmp_path):
        path = tmp_path / "request.json"
        path.write_text(json.dumps({"workspace": "x"}))
        result = cli("entitlements", "decide", str(path))
        assert result.exit_code == 2
        assert "error:" in result.output


class TestSummarize:
    """`entitlements summarize` writes a public-safe ops summary as text, JSON or Markdown."""

    def test_json_and_markdown(self, cli, tmp_path):
        events, state, report = tmp_path / "events.jsonl", tmp_path / "state.json", tmp_path / "report.json"
        _write_events(events, [*EVENTS, EVENTS[0]])
        applied = cli("entitlements", "apply", str(events), "--state", str(state), "-o", "json")
        report.write_text(applied.output)
        decisions = tmp_path / "decisions.json"
        decisions.write_text(
            json.dumps(
                [
                    {
                        "workspace": EVENTS[0]["workspace"],
                        "capability": "feature.basic",
                        "as_of": "2026-01-02T00:00:00Z",
                        "outcome": "allow",
                        "reason": "granted",
                        "considered": [],
                    }
                ]
            )
        )
        result = cli(
            "entitlements",
            "summarize",
            "--state",
            str(state),
            "--report",
            str(report),
            "--decisions",
            str(decisions),
            "-o",
            "json",
        )
        assert result.exit_code == 0
        summary = json.loads(result.output)
        assert (summary["stale"], summary["duplicate"], summary["conflict"]) == (1, 1, 0)
        assert summary["decision_reasons"] == {"granted": 1}
        out = tmp_path / "summary.md"
        written = cli(
            "entitlements", "summarize", "--state", str(state), "-o", "markdown", "--output", str(out)
        )
        assert written.exit_code == 0
        assert out.read_text().startswith("## Entitlements ops summary")

    def test_json_has_the_shared_header_and_is_valid(self, cli, tmp_path):
        events, state = tmp_path / "events.jsonl", tmp_path / "state.json"
        _write_events(events, EVENTS)
        cli("entitlements", "apply", str(events), "--state", str(state))
        result = cli(
            "entitlements",
            "summarize",
            "--state",
            str(state),
            "--generated-at",
            "2026-02-01T00:00:00Z",
            "-o",
            "json",
        )
        assert result.exit_code == 0, result.output
        summary = json.loads(result.output)
        assert validate(summary, "entitlements/v1/ops-summary") == ()
        assert summary["kind"] == "entitlements.ops-summary"
        assert summary["generated_at"] == "2026-02-01T00:00:00Z"
        assert summary["privacy"]["findings"] == 0

    def test_without_generated_at_the_cli_stamps_the_current_time(self, cli, tmp_path):
        events, state = tmp_path / "events.jsonl", tmp_path / "state.json"
        _write_events(events, EVENTS)
        cli("entitlements", "apply", str(events), "--state", str(state))
        result = cli("entitlements", "summarize", "--state", str(state), "-o", "json")
        assert result.exit_code == 0, result.output
        assert validate(json.loads(result.output), "entitlements/v1/ops-summary") == ()

    def test_privacy_finding_exits_one_and_writes_nothing(self, cli, tmp_path, monkeypatch):
        events, state, out = tmp_path / "events.jsonl", tmp_path / "state.json", tmp_path / "summary.json"
        _write_events(events, EVENTS)
        cli("entitlements", "apply", str(events), "--state", str(state))
        out.write_text("previous\n")
        secret = "sk_" + "live_" + "xianz7f7i0psuhm3jqic5ew7"
        # A secret-shaped --commit-sha is refused as a usage error before any summary exists (exit 2);
        # a finding in the built summary (planted through the scanner) is exit 1 and writes nothing.
        refused = cli("entitlements", "summarize", "--state", str(state), "--commit-sha", secret)
        assert refused.exit_code == 2
        assert secret not in refused.output
        real_scan = assert_public_safe

        def plant(value, config=None):
            return real_scan({**value, "notes": secret} if isinstance(value, dict) else value, config)

        monkeypatch.setattr(saas_contracts._ops, "assert_public_safe", plant)
        result = cli(
            "entitlements",
            "summarize",
            "--state",
            str(state),
            "-o",
            "json",
            "--output",
            str(out),
        )
        assert result.exit_code == 1
        assert "error: ops summary not written" in result.output
        assert secret not in result.output
        assert out.read_text() == "previous\n"
        assert sorted(path.name for path in tmp_path.iterdir()) == [
            "events.jsonl",
            "state.json",
            "state.json.lock",  # apply's sidecar lock file: it stays (see entitlements._state)
            "summary.json",
        ]

    def test_needs_an_input(self, cli):
        assert cli("entitlements", "summarize").exit_code == 2
