"""File-level entitlement runs and their renderings (entitlements._files, entitlements._render)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest
from tests.entitlements._support import SHA, event, request

from saas_contracts.entitlements import (
    AuditContext,
    PlanSourceState,
    apply_events,
    apply_file,
    decide_file,
    summarize_files,
    write_envelopes,
    write_ops_summary,
)
from saas_contracts.errors import InputFileError

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

EVENTS = [
    event(1, "purchase", "2026-01-01T00:00:00Z", plan="pro", period_end="2026-02-01T00:00:00Z"),
    event(2, "billing_issue", "2026-01-10T00:00:00Z", grace_end="2026-01-17T00:00:00Z"),
]
AUDIT = AuditContext(now="2026-03-01T00:00:00Z", commit_sha=SHA)


def _lines(path: Path, documents: Sequence[object], extra: str = "") -> Path:
    path.write_text("".join(json.dumps(item) + "\n" for item in documents) + extra, encoding="utf-8")
    return path


class TestApplyFile:
    """apply_file gives every delivered line exactly one outcome, like apply_events over the parsed events."""

    def test_matches_apply_events(self, tmp_path):
        path = _lines(tmp_path / "events.jsonl", EVENTS)
        from_file = apply_file(PlanSourceState(), str(path), audit=AUDIT)
        in_memory = apply_events(PlanSourceState(), EVENTS, audit=AUDIT)
        assert from_file.to_json() == in_memory.to_json()
        assert from_file.state.to_json() == in_memory.state.to_json()

    def test_unreadable_line_is_invalid(self, tmp_path):
        path = _lines(tmp_path / "events.jsonl", EVENTS, extra="{not json\n")
        report = apply_file(PlanSourceState(), str(path))
        assert [result.outcome for result in report.results] == ["applied", "applied", "invalid"]
        assert report.results[2].index == 2
        assert not report.clean

    def test_write_envelopes(self, tmp_path):
        report = apply_file(PlanSourceState(), str(_lines(tmp_path / "events.jsonl", EVENTS)), audit=AUDIT)
        target = tmp_path / "writes.jsonl"
        write_envelopes(target, report)
        written = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
        assert written == report.envelopes
        assert len(written) == 2

    def test_renderings(self, tmp_path):
        report = apply_file(PlanSourceState(), str(_lines(tmp_path / "events.jsonl", EVENTS)))
        text = report.render("text").splitlines()
        assert text[0].startswith("#0 applied purchase ")
        assert text[-1].startswith("applied 2, ")
        markdown = report.render("markdown").splitlines()
        assert markdown[:2] == [
            "| # | outcome | kind | record | detail |",
            "| ---: | --- | --- | --- | --- |",
        ]
        assert len(markdown) == 2 + len(EVENTS)


class TestDecideFile:
    """decide_file decides each request; a single .json request gives one decision in JSON."""

    def test_single_json_request(self, tmp_path):
        path = tmp_path / "request.json"
        path.write_text(json.dumps(request([], "2026-01-05T00:00:00Z")), encoding="utf-8")
        run = decide_file(str(path))
        assert run.single
        assert isinstance(run.to_json(), dict)
        assert not run.clean
        assert run.render("text").startswith("deny ")
        assert run.render("markdown").splitlines()[2].startswith("| deny |")

    def test_jsonl_is_a_list(self, tmp_path):
        path = _lines(tmp_path / "requests.jsonl", [request([], "2026-01-05T00:00:00Z")])
        run = decide_file(str(path))
        assert not run.single
        assert isinstance(run.to_json(), list)

    def test_state_supplies_records(self, tmp_path):
        state = apply_events(PlanSourceState(), EVENTS).state
        bare = {key: value for key, value in request([], "2026-01-05T00:00:00Z").items() if key != "records"}
        path = tmp_path / "request.json"
        path.write_text(json.dumps(bare), encoding="utf-8")
        assert decide_file(str(path), state=state).decisions[0]["outcome"] == "allow"

    def test_bad_line_names_file_and_line(self, tmp_path):
        path = tmp_path / "requests.jsonl"
        path.write_text(json.dumps(request([], "2026-01-05T00:00:00Z")) + "\n{oops\n", encoding="utf-8")
        with pytest.raises(InputFileError) as caught:
            decide_file(str(path))
        assert caught.value.line == 2


class TestSummaryFiles:
    """summarize_files reads apply reports and decisions; its renderings and write_ops_summary agree."""

    def test_report_and_formats(self, tmp_path):
        report = apply_events(PlanSourceState(), [*EVENTS, EVENTS[0]])
        report_path = tmp_path / "report.json"
        report_path.write_text(json.dumps(report.to_json()), encoding="utf-8")
        summary = summarize_files(report_paths=[str(report_path)], generated_at="2026-03-01T00:00:00Z")
        assert summary.document["duplicate"] == 1
        assert json.loads(summary.render("json")) == summary.document
        target = tmp_path / "summary.md"
        write_ops_summary(summary, target, "markdown")
        assert target.read_text(encoding="utf-8") == summary.render("markdown")

    def test_rejects_a_non_report(self, tmp_path):
        path = tmp_path / "report.json"
        path.write_text("{}", encoding="utf-8")
        with pytest.raises(InputFileError, match="apply report"):
            summarize_files(report_paths=[str(path)], generated_at="2026-03-01T00:00:00Z")
