"""Aggregate summaries and the ops summary: deterministic, suppressed, scanned before written."""

import json

import pytest
from tests.ledger._support import BASE_EVENT, NOW, WINDOW, line, make_event

from saas_contracts import ContractViolationError, PrivacyViolationError
from saas_contracts._validation import validate
from saas_contracts.errors import PublicSafetyError
from saas_contracts.ledger import (
    OPS_SUMMARY_SCHEMA,
    SUMMARY_SCHEMA,
    UsageSummary,
    build_ops_summary,
    replay_lines,
    write_ops_summary,
)
from saas_contracts.ledger._summary import Aggregator, SummaryRow
from saas_contracts.privacy import rules_digest

SHA = "0123456789abcdef0123456789abcdef01234567"
WIN = {"start": WINDOW[0], "end": WINDOW[1]}


class TestAggregates:
    """Rows are plan label x event kind (x day), sorted, with small counts suppressed."""

    def test_groups_and_sorting(self):
        aggregator = Aggregator()
        aggregator.add(("", "pro", "b.kind"), 2)
        aggregator.add(("", "free", "a.kind"), 1)
        aggregator.add(("", "pro", "b.kind"), 3)
        summary = aggregator.summary(window=WIN, threshold=1)
        assert [row.to_json() for row in summary.rows] == [
            {"plan_label": "free", "event_kind": "a.kind", "events": 1, "quantity": 1},
            {"plan_label": "pro", "event_kind": "b.kind", "events": 2, "quantity": 5},
        ]
        assert validate(summary.to_json(), SUMMARY_SCHEMA) == ()

    def test_order_of_additions_does_not_matter(self):
        keys = [("", "pro", "b.kind"), ("", "free", "a.kind"), ("", "team", "c.kind")] * 3
        forward, backward = Aggregator(), Aggregator()
        for number, key in enumerate(keys):
            forward.add(key, number)
        for number, key in reversed(list(enumerate(keys))):
            backward.add(key, number)
        assert forward.summary(window=WIN).to_json() == backward.summary(window=WIN).to_json()

    def test_suppression(self):
        rows = [
            SummaryRow(day="", plan_label="pro", event_kind="a.b", events=5, quantity=50),
            SummaryRow(day="", plan_label="free", event_kind="a.b", events=4, quantity=4),
        ]
        summary = UsageSummary.build(window=WIN, granularity="window", rows=rows, threshold=5)
        document = summary.to_json()
        assert [row["plan_label"] for row in document["rows"]] == ["pro"]
        assert document["suppression"] == {"threshold": 5, "suppressed_rows": 1}
        assert document["totals"] == {"events": 5, "quantity": 50}

    def test_per_day(self, request_factory):
        second_day = make_event(
            idempotency_key="k-00000002",
            occurred_at="2026-11-03T00:00:00Z",
            recorded_at="2026-11-03T00:00:00Z",
            plan__captured_at="2026-11-03T00:00:00Z",
        )
        report = replay_lines([line(BASE_EVENT), line(second_day)], request_factory(by_day=True), now=NOW)
        assert [row["day"] for row in report.summary().to_json()["rows"]] == ["2026-11-02", "2026-11-03"]

    def test_threshold_must_be_positive(self):
        with pytest.raises(ValueError, match="at least 1"):
            UsageSummary.build(window=WIN, granularity="window", rows=[], threshold=0)


class TestOpsSummary:
    """The ops summary is schema-valid, carries its evidence, and refuses to exist with findings."""

    def test_dry_run_summary(self, request_factory):
        report = replay_lines([line(BASE_EVENT), "{"], request_factory(dry_run=True), now=NOW)
        summary = build_ops_summary(report)
        document = summary.document
        assert validate(document, OPS_SUMMARY_SCHEMA) == ()
        assert document["request"]["dry_run"] is True
        assert document["privacy"]["findings"] == 0
        assert document["privacy"]["rules_digest"].startswith("sha256:")
        assert document["conservation"]["holds"] is True
        assert "commit_sha" not in document
        assert "dry run" in summary.render("markdown")

    def test_backfill_summary(self, request_factory):
        request = request_factory(mode="backfill", backfill_ref="ops-approval/2026-11-09-01")
        summary = build_ops_summary(replay_lines([line(BASE_EVENT)], request, now=NOW), commit_sha=SHA)
        assert summary.document["commit_sha"] == SHA
        assert summary.document["request"]["backfill_ref"] == "ops-approval/2026-11-09-01"
        assert SHA in summary.render("markdown")
        assert "ops-approval/2026-11-09-01" in summary.render("markdown")

    def test_writing_run_needs_a_commit(self, request_factory):
        with pytest.raises(ContractViolationError):
            build_ops_summary(replay_lines([line(BASE_EVENT)], request_factory(), now=NOW))

    def test_deterministic(self, request_factory):
        def render():
            report = replay_lines([line(BASE_EVENT)], request_factory(dry_run=True), now=NOW)
            return build_ops_summary(report).render("json")

        assert render() == render()
        assert json.loads(render())["generated_at"] == NOW

    def test_finding_stops_the_write(self, request_factory, tmp_path):
        secret = "sk_" + "live_" + "xianz7f7i0psuhm3jqic5ew7"
        report = replay_lines([line(BASE_EVENT)], request_factory(dry_run=True), now=NOW)
        target = tmp_path / "ops.md"

        def leak(body):
            body["request"].update(backfill_ref=secret)

        with pytest.raises(PublicSafetyError) as caught:
            build_ops_summary(report, mutate=leak)
        assert isinstance(caught.value, PrivacyViolationError)
        assert secret not in str(caught.value)
        assert "stripe-secret-key" in str(caught.value)
        assert not target.exists()
        assert list(tmp_path.iterdir()) == []

    def test_write_is_atomic_and_complete(self, request_factory, tmp_path):
        summary = build_ops_summary(replay_lines([line(BASE_EVENT)], request_factory(dry_run=True), now=NOW))
        target = write_ops_summary(summary, tmp_path / "ops.json", "json")
        assert json.loads(target.read_text()) == summary.document
        assert [p.name for p in tmp_path.iterdir()] == ["ops.json"]

    def test_header_and_evidence(self, request_factory):
        report = replay_lines([line(BASE_EVENT)], request_factory(dry_run=True), now=NOW)
        document = build_ops_summary(report, generated_at="2026-11-21T10:00:00Z").document
        assert document["kind"] == "usage-ledger.ops-summary"
        assert document["generated_at"] == "2026-11-21T10:00:00Z"
        assert document["privacy"] == {"rules_digest": rules_digest(), "findings": 0}
