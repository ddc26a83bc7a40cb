"""The CLI's shared surface: -o on every printing command, reporter tables, timestamps, --output."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import click
import pytest
from click.testing import CliRunner

from saas_contracts.cli import main
from saas_contracts.cli._common import TIMESTAMP, resolve_commit_sha
from saas_contracts.cli._diff import REPORTERS as DIFF_REPORTERS
from saas_contracts.cli._entitlements import APPLY_REPORTERS, DECIDE_REPORTERS, SUMMARY_REPORTERS
from saas_contracts.cli._fixtures import CHECK_REPORTERS
from saas_contracts.cli._fixtures import LIST_REPORTERS as FIXTURE_LIST_REPORTERS
from saas_contracts.cli._ledger import REPLAY_REPORTERS
from saas_contracts.cli._ledger import SUMMARY_REPORTERS as LEDGER_SUMMARY_REPORTERS
from saas_contracts.cli._scan import REPORTERS as SCAN_REPORTERS
from saas_contracts.cli._schemas import EXPORT_REPORTERS, SHOW_REPORTERS
from saas_contracts.cli._schemas import LIST_REPORTERS as SCHEMA_LIST_REPORTERS
from saas_contracts.cli._validate import REPORTERS as VALIDATE_REPORTERS

if TYPE_CHECKING:
    from collections.abc import Mapping

ROOT = Path(__file__).resolve().parents[1]
EVENTS = ROOT / "examples" / "data" / "usage-events.jsonl"
WINDOW = ["--window-start", "2026-10-15T00:00:00Z", "--window-end", "2026-11-14T00:00:00Z"]
NOW = ["--now", "2026-11-21T00:00:00Z"]


def _leaves(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], click.Command]]:
    found: list[tuple[tuple[str, ...], click.Command]] = []
    ctx = click.Context(group)
    # list_commands/get_command, not group.commands: the root group loads its commands lazily.
    commands = {name: group.get_command(ctx, name) for name in group.list_commands(ctx)}
    for name, command in sorted(commands.items()):
        assert command is not None, name
        if isinstance(command, click.Group):
            found.extend(_leaves(command, (*prefix, name)))
        else:
            found.append(((*prefix, name), command))
    return found


LEAVES = _leaves(main)
TABLES: dict[tuple[str, ...], Mapping[str, object]] = {
    ("diff",): DIFF_REPORTERS,
    ("entitlements", "apply"): APPLY_REPORTERS,
    ("entitlements", "decide"): DECIDE_REPORTERS,
    ("entitlements", "summarize"): SUMMARY_REPORTERS,
    ("fixtures", "check"): CHECK_REPORTERS,
    ("fixtures", "list"): FIXTURE_LIST_REPORTERS,
    ("ledger", "replay"): REPLAY_REPORTERS,
    ("ledger", "summarize"): LEDGER_SUMMARY_REPORTERS,
    ("scan",): SCAN_REPORTERS,
    ("schemas", "export"): EXPORT_REPORTERS,
    ("schemas", "list"): SCHEMA_LIST_REPORTERS,
    ("schemas", "show"): SHOW_REPORTERS,
    ("validate",): VALIDATE_REPORTERS,
}


def _option(command: click.Command, name: str) -> click.Option | None:
    for param in command.params:
        if isinstance(param, click.Option) and param.name == name:
            return param
    return None


class TestEveryCommand:
    """Every command prints through its reporter table, and -o offers exactly that table's formats."""

    def test_tables_cover_every_command(self):
        assert {path for path, _ in LEAVES} == set(TABLES)

    @pytest.mark.parametrize(
        ("path", "command"), LEAVES, ids=lambda item: "-".join(item) if isinstance(item, tuple) else ""
    )
    def test_output_format_option(self, path, command):
        option = _option(command, "output_format")
        assert option is not None, f"{' '.join(path)} has no -o/--output-format"
        assert "-o" in option.opts
        assert "--output-format" in option.opts
        assert isinstance(option.type, click.Choice)
        assert tuple(option.type.choices) == tuple(TABLES[path])

    @pytest.mark.parametrize(
        ("path", "command"), LEAVES, ids=lambda item: "-".join(item) if isinstance(item, tuple) else ""
    )
    def test_one_spelling_for_files_and_times(self, path, command):
        names = {opt for param in command.params if isinstance(param, click.Option) for opt in param.opts}
        assert "--out" not in names or _option(command, "legacy_out") is not None, path
        for name in ("now", "generated_at"):
            option = _option(command, name)
            if option is not None:
                assert option.type is TIMESTAMP, (path, name)


class TestTimestampType:
    """--now and --generated-at accept contract UTC timestamps only, as usage errors (exit 2)."""

    @pytest.mark.parametrize("value", ["2026-01-01T00:00:00Z", "2026-01-01T00:00:00.123456789Z"])
    def test_accepts(self, value):
        assert TIMESTAMP.convert(value, None, None) == value

    @pytest.mark.parametrize("value", ["yesterday", "2026-01-01T00:00:00+00:00", "2026-02-30T00:00:00Z"])
    def test_rejects(self, value):
        with pytest.raises(click.BadParameter, match="UTC timestamp"):
            TIMESTAMP.convert(value, None, None)

    def test_entitlements_apply_now(self, tmp_path):
        events = tmp_path / "events.jsonl"
        events.write_text("", encoding="utf-8")
        args = ["entitlements", "apply", str(events), "--state", str(tmp_path / "s.json"), "--now", "soon"]
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 2
        assert "--now" in result.output

    def test_entitlements_summarize_generated_at(self, tmp_path):
        state = tmp_path / "state.json"
        state.write_text('{"records": [], "receipts": []}', encoding="utf-8")
        args = ["entitlements", "summarize", "--state", str(state), "--generated-at", "today"]
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 2
        assert "--generated-at" in result.output


class TestCommitSha:
    """--commit-sha always goes through resolve_commit_sha."""

    def test_summarize_rejects_a_malformed_sha(self, tmp_path):
        state = tmp_path / "state.json"
        state.write_text('{"records": [], "receipts": []}', encoding="utf-8")
        result = CliRunner().invoke(
            main, ["entitlements", "summarize", "--state", str(state), "--commit-sha", "abc"]
        )
        assert result.exit_code == 2
        assert "--commit-sha must be" in result.output

    def test_without_git(self, monkeypatch, tmp_path):
        monkeypatch.chdir(tmp_path)
        for name in ("SAAS_CONTRACTS_COMMIT_SHA", "GITHUB_SHA", "CF_PAGES_COMMIT_SHA"):
            monkeypatch.delenv(name, raising=False)
        assert resolve_commit_sha(None, ask_git=False) is None
        monkeypatch.setenv("GITHUB_SHA", "A" * 40)
        assert resolve_commit_sha(None, ask_git=False) == "a" * 40


class TestNewOutputFormats:
    """schemas show/export and fixtures list print JSON with -o json."""

    def test_schemas_show_json(self):
        result = CliRunner().invoke(main, ["schemas", "show", "usage-ledger/v1/event", "-o", "json"])
        assert result.exit_code == 0
        assert json.loads(result.output)["$schema"].endswith("2020-12/schema")

    def test_schemas_export_json(self, tmp_path):
        result = CliRunner().invoke(main, ["schemas", "export", str(tmp_path / "out"), "-o", "json"])
        assert result.exit_code == 0
        document = json.loads(result.stdout)
        assert document["directory"] == str(tmp_path / "out")
        assert all((tmp_path / "out" / name).is_file() for name in document["files"])

    def test_fixtures_list_json(self):
        text = CliRunner().invoke(main, ["fixtures", "list"])
        listed = CliRunner().invoke(main, ["fixtures", "list", "-o", "json"])
        assert listed.exit_code == 0
        assert json.loads(listed.output) == text.output.split()


class TestOutputFile:
    """--output FILE is the spelling; ledger replay keeps --out as a hidden, deprecated alias."""

    def test_output_and_deprecated_out_write_the_same(self, tmp_path):
        base = ["ledger", "replay", str(EVENTS), *WINDOW, *NOW, "--dry-run", "--fail-on", "none"]
        new, old = tmp_path / "new.json", tmp_path / "old.json"
        first = CliRunner().invoke(main, [*base, "--output", str(new)], catch_exceptions=False)
        second = CliRunner().invoke(main, [*base, "--out", str(old)], catch_exceptions=False)
        assert (first.exit_code, second.exit_code) == (0, 0)
        assert new.read_bytes() == old.read_bytes()
        assert "deprecated" in second.stderr
        assert "--out " not in CliRunner().invoke(main, ["ledger", "replay", "--help"]).output
