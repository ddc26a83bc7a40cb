"""FIFOs, process substitution and empty input: one rule in every command that reads files.

A FIFO is read as a stream (never sized with ``stat``); one without a
``.json``/``.jsonl`` suffix (``<(...)`` is ``/dev/fd/N``) is read the way ``-``
is. Zero documents is exit 2 with the same message in ``validate``, ``scan``
and ``entitlements decide``.
"""

from __future__ import annotations

import json
import shutil

import pytest
from tests._support import ROOT, fifo_feeding
from tests.entitlements._support import event, record, request
from tests.ledger._support import BASE_EVENT, line, make_event

from saas_contracts.cli._common import NO_DOCUMENTS

TIMESTAMPS = b'"2026-11-21T10:00:00Z"\n"2026-11-22T10:00:00Z"\n'
TIMESTAMP_SCHEMA = "common/v1/common#/$defs/utc_timestamp"
WINDOW = [
    "--window-start",
    "2026-10-15T00:00:00Z",
    "--window-end",
    "2026-11-14T00:00:00Z",
    "--now",
    "2026-11-21T00:00:00Z",
]
ZERO_DOCUMENT_COMMANDS = {
    "validate": ("validate", "-s", TIMESTAMP_SCHEMA),
    "scan": ("scan",),
    "decide": ("entitlements", "decide"),
}
EVENTS = (line(make_event(occurred_at="2026-11-02T10:00:00Z")) + "\n" + line(BASE_EVENT) + "\n").encode()


def _request_bytes() -> bytes:
    return json.dumps(request([record()], "2026-01-10T00:00:00Z")).encode()


class TestFifoInEveryCommand:
    """Each command reads a FIFO to its end, named with a suffix or not."""

    @pytest.mark.parametrize("name", ["stamps.jsonl", "fd63"], ids=["suffix", "no-suffix"])
    def test_validate(self, cli, tmp_path, name):
        """Two lines through a pipe: two valid documents."""
        with fifo_feeding(tmp_path / name, TIMESTAMPS) as writer:
            result = cli("validate", "-s", TIMESTAMP_SCHEMA, "-o", "json", str(tmp_path / name))
        assert writer.written
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout)["summary"]["documents"] == 2

    @pytest.mark.parametrize("name", ["stamps.jsonl", "fd63"], ids=["suffix", "no-suffix"])
    def test_scan(self, cli, tmp_path, name):
        """A pipe is scanned line by line like a .jsonl file."""
        with fifo_feeding(tmp_path / name, TIMESTAMPS) as writer:
            result = cli("scan", "-o", "json", str(tmp_path / name))
        assert writer.written
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout)["artifacts"] == 2

    @pytest.mark.parametrize("command", ["replay", "summarize"])
    def test_ledger(self, cli, tmp_path, command):
        """Replay and summarize stream a pipe (and show no progress bar for it: its size is unknown)."""
        extra = ["--dry-run"] if command == "replay" else []
        with fifo_feeding(tmp_path / "fd63", EVENTS) as writer:
            result = cli("ledger", command, str(tmp_path / "fd63"), *WINDOW, *extra, "-o", "json")
        assert writer.written
        assert result.exit_code == 0, result.output
        if command == "replay":
            assert json.loads(result.stdout)["counts"]["lines_read"] == 2

    @pytest.mark.parametrize("name", ["request.json", "fd63"], ids=["suffix", "no-suffix"])
    def test_entitlements_decide(self, cli, tmp_path, name):
        """A pipe without a suffix is one .json request, as '-' is."""
        with fifo_feeding(tmp_path / name, _request_bytes()) as writer:
            result = cli("entitlements", "decide", str(tmp_path / name), "-o", "json")
        assert writer.written
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout)["outcome"] == "allow"

    def test_entitlements_apply(self, cli, tmp_path):
        """Lifecycle events through a pipe are applied onto the state file."""
        purchase = event(1, "purchase", "2026-01-01T00:00:00Z", plan="pro", period_end="2026-02-01T00:00:00Z")
        state = tmp_path / "state.json"
        with fifo_feeding(tmp_path / "fd63", (json.dumps(purchase) + "\n").encode()) as writer:
            result = cli("entitlements", "apply", str(tmp_path / "fd63"), "--state", str(state), "-o", "json")
        assert writer.written
        assert result.exit_code == 0, result.output
        assert [item["outcome"] for item in json.loads(result.stdout)["results"]] == ["applied"]
        assert state.is_file()

    def test_entitlements_summarize(self, cli, tmp_path):
        """A decisions file given as a pipe is read like a file."""
        decision = cli("entitlements", "decide", "-", "-o", "json", input=_request_bytes()).stdout
        with fifo_feeding(tmp_path / "decisions.json", decision.encode()) as writer:
            result = cli(
                "entitlements",
                "summarize",
                "--decisions",
                str(tmp_path / "decisions.json"),
                "--generated-at",
                "2026-01-10T00:00:00Z",
                "-o",
                "json",
            )
        assert writer.written
        assert result.exit_code == 0, result.output

    def test_fixtures_check(self, cli, tmp_path):
        """A fixture file given as a pipe is checked like the file itself."""
        fixture = ROOT / "fixtures" / "usage-event-ledger.core-fixture.json"
        with fifo_feeding(tmp_path / "fixture.json", fixture.read_bytes()) as writer:
            result = cli("fixtures", "check", str(tmp_path / "fixture.json"), "-o", "json")
        assert writer.written
        assert result.exit_code == 0, result.output

    def test_diff_refuses_a_pipe_for_a_tree(self, cli, tmp_path):
        """diff compares schema trees: a pipe is refused with exit 2 and never opened."""
        shutil.copytree(ROOT / "schemas", tmp_path / "tree")
        with fifo_feeding(tmp_path / "fd63", b"{}", patience=0.2) as writer:
            result = cli("diff", str(tmp_path / "fd63"), str(tmp_path / "tree"))
        assert not writer.written
        assert result.exit_code == 2
        assert "not a directory of schemas" in result.stderr


class TestZeroDocuments:
    """No document at all is exit 2 with one message in validate, scan and entitlements decide."""

    @pytest.mark.parametrize("command", ZERO_DOCUMENT_COMMANDS)
    @pytest.mark.parametrize("content", [b"", b"\n  \n\r\n"], ids=["empty", "blank-lines"])
    def test_file(self, cli, tmp_path, command, content):
        """An empty .jsonl file or one of blank lines checks nothing: exit 2, nothing on stdout."""
        path = tmp_path / "none.jsonl"
        path.write_bytes(content)
        result = cli(*ZERO_DOCUMENT_COMMANDS[command], str(path))
        assert result.exit_code == 2
        assert result.stdout == ""
        assert NO_DOCUMENTS in result.stderr

    @pytest.mark.parametrize("command", ["validate", "scan"])
    def test_stdin(self, cli, command):
        """Empty standard input is the same usage error."""
        result = cli(*ZERO_DOCUMENT_COMMANDS[command], "-", input=b"")
        assert result.exit_code == 2
        assert NO_DOCUMENTS in result.stderr

    def test_empty_pipe(self, cli, tmp_path):
        """A pipe whose writer sends nothing is zero documents too."""
        with fifo_feeding(tmp_path / "fd63", b""):
            result = cli("validate", "-s", TIMESTAMP_SCHEMA, str(tmp_path / "fd63"))
        assert result.exit_code == 2
        assert NO_DOCUMENTS in result.stderr

    def test_one_empty_file_among_others_is_fine(self, cli, tmp_path):
        """Only a run with no document at all is refused."""
        (tmp_path / "none.jsonl").write_bytes(b"")
        (tmp_path / "one.jsonl").write_bytes(TIMESTAMPS)
        result = cli(
            "validate", "-s", TIMESTAMP_SCHEMA, str(tmp_path / "none.jsonl"), str(tmp_path / "one.jsonl")
        )
        assert result.exit_code == 0
