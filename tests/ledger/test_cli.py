"""`saas-contracts ledger replay|summarize` through the `cli` fixture (click's CliRunner)."""

import json

import pytest
from tests.ledger._support import BASE_EVENT, EXAMPLE_EVENTS, line, make_event

from saas_contracts._validation import validate
from saas_contracts.ledger import OPS_SUMMARY_SCHEMA, SUMMARY_SCHEMA

WINDOW = [
    "--window-start",
    "2026-10-15T00:00:00Z",
    "--window-end",
    "2026-11-14T00:00:00Z",
    "--now",
    "2026-11-21T00:00:00Z",
]
SHA = "0123456789abcdef0123456789abcdef01234567"


@pytest.fixture
def small(tmp_path):
    path = tmp_path / "events.jsonl"
    event = make_event(occurred_at="2026-11-02T10:00:00Z")
    path.write_text(line(event) + "\n" + line(BASE_EVENT) + "\n")
    return path


class TestReplay:
    """Exit codes, formats and the ops summary file."""

    def test_main_job_command_text(self, cli):
        result = cli("ledger", "replay", str(EXAMPLE_EVENTS), *WINDOW, "--dry-run")
        assert result.exit_code == 1  # the example stream holds conflicts and broken lines on purpose
        assert "conservation holds" in result.output
        assert f"{EXAMPLE_EVENTS}:" in result.output

    def test_fail_on_none(self, cli):
        assert (
            cli("ledger", "replay", str(EXAMPLE_EVENTS), *WINDOW, "--dry-run", "--fail-on", "none").exit_code
            == 0
        )

    def test_json_is_a_valid_ops_summary(self, cli):
        result = cli(
            "ledger", "replay", str(EXAMPLE_EVENTS), *WINDOW, "--dry-run", "-o", "json", "--fail-on", "none"
        )
        document = json.loads(result.output)
        assert validate(document, OPS_SUMMARY_SCHEMA) == ()
        counts = document["counts"]
        assert counts["duplicate"] > 0
        assert counts["conflict"] > 0
        assert counts["invalid"] > 0
        assert counts["out_of_window"] > 0
        assert counts["late_accepted"] > 0
        assert counts["lines_read"] > 4000

    def test_clean_run_exits_zero(self, cli, small):
        assert cli("ledger", "replay", str(small), *WINDOW, "--dry-run").exit_code == 0

    def test_markdown_to_file(self, cli, small, tmp_path):
        out = tmp_path / "ops.md"
        result = cli("ledger", "replay", str(small), *WINDOW, "--dry-run", "--output", str(out))
        assert result.exit_code == 0
        assert out.read_text().startswith("# Usage ledger ops summary")

    def test_stdin(self, cli, small):
        result = cli("ledger", "replay", "-", *WINDOW, "--dry-run", "-o", "json", input=small.read_text())
        assert json.loads(result.output)["counts"]["accepted"] == 1

    def test_writing_run_with_index_and_commit(self, cli, small, tmp_path):
        index = tmp_path / "index.sqlite"
        args = ["replay", str(small), *WINDOW, "--index", str(index), "--commit-sha", SHA, "-o", "json"]
        first = json.loads(cli("ledger", *args).output)
        assert first["index"] == {"kind": "sqlite", "persistent": True, "written": 1}
        assert first["commit_sha"] == SHA
        second = json.loads(cli("ledger", *args).output)
        assert second["counts"]["duplicate"] == 2
        assert second["index"]["written"] == 0

    def test_backfill(self, cli, small):
        result = cli(
            "ledger",
            "replay",
            str(small),
            *WINDOW,
            "--dry-run",
            "--backfill-ref",
            "ops-approval/2026-11-09-01",
            "-o",
            "json",
        )
        document = json.loads(result.output)
        assert document["request"]["mode"] == "backfill"
        assert document["request"]["backfill_ref"] == "ops-approval/2026-11-09-01"

    @pytest.mark.parametrize(
        "args",
        [
            ["--window-start", "2026-01-01T00:00:00Z", "--window-end", "2026-11-14T00:00:00Z", "--dry-run"],
            ["--window-start", "2026-11-14T00:00:00Z", "--window-end", "2026-11-14T00:00:00Z", "--dry-run"],
            [*WINDOW, "--dry-run", "--mode", "backfill"],
            [*WINDOW, "--commit-sha", "not-a-sha"],
            [*WINDOW, "--dry-run", "--output", "ops.txt"],
        ],
    )
    def test_usage_errors(self, cli, small, args):
        result = cli("ledger", "replay", str(small), *args)
        assert result.exit_code == 2
        assert "error:" in result.output

    def test_missing_file(self, cli, tmp_path):
        result = cli("ledger", "replay", str(tmp_path / "nope.jsonl"), *WINDOW, "--dry-run")
        assert result.exit_code == 2

    def test_privacy_finding_means_no_file(self, cli, small, tmp_path):
        out = tmp_path / "ops.json"
        secret = "sk_" + "live_" + "xianz7f7i0psuhm3jqic5ew7"
        result = cli(
            "ledger",
            "replay",
            str(small),
            *WINDOW,
            "--dry-run",
            "--backfill-ref",
            secret,
            "--output",
            str(out),
        )
        assert result.exit_code == 1
        assert "error: ops summary not written" in result.output
        assert secret not in result.output
        assert not out.exists()
        assert sorted(path.name for path in tmp_path.iterdir()) == ["events.jsonl"]

    def test_json_has_the_shared_header(self, cli, small):
        result = cli("ledger", "replay", str(small), *WINDOW, "--dry-run", "-o", "json")
        document = json.loads(result.output)
        assert document["kind"] == "usage-ledger.ops-summary"
        assert document["generated_at"] == "2026-11-21T00:00:00Z"
        assert document["privacy"]["findings"] == 0


class TestSummarize:
    """`ledger summarize` prints a scanned, schema-valid usage summary."""

    def test_json(self, cli):
        result = cli("ledger", "summarize", str(EXAMPLE_EVENTS), *WINDOW, "-o", "json", "--by-day")
        document = json.loads(result.output)
        assert result.exit_code == 0
        assert validate(document, SUMMARY_SCHEMA) == ()
        assert document["granularity"] == "day"

    def test_text_and_markdown(self, cli):
        assert "usage by plan" in cli("ledger", "summarize", str(EXAMPLE_EVENTS), *WINDOW).output
        assert (
            "| plan | event kind |"
            in cli("ledger", "summarize", str(EXAMPLE_EVENTS), *WINDOW, "-o", "markdown").output
        )

    def test_help_explains(self, cli):
        assert "window" in cli("ledger", "replay", "--help").output.lower()
