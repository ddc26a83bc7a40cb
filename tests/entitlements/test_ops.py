from __future__ import annotations

import json

import pytest
from tests.entitlements._support import event, record, request

import saas_contracts._ops
from saas_contracts import ContractViolationError, PrivacyViolationError
from saas_contracts._validation import is_valid
from saas_contracts.entitlements import (
    PlanSourceState,
    apply_events,
    decide,
    summarize,
)
from saas_contracts.errors import SummaryInputError
from saas_contracts.privacy import PublicSafetyError, rules_digest

AT = "2026-01-10T00:00:00Z"

STREAM = [
    event(1, "purchase", "2026-01-01T00:00:00Z", plan="pro"),
    event(1, "purchase", "2026-01-01T00:00:00Z", plan="pro"),
    event(1, "purchase", "2026-01-01T00:00:00Z", plan="team"),
    event(3, "billing_recovered", "2026-01-03T00:00:00Z"),
    event(2, "billing_issue", "2026-01-02T00:00:00Z", grace_end="2026-01-09T00:00:00Z"),
    {"kind": "??"},
]


class TestSummary:
    """Counts are complete, closed-vocabulary, schema-valid and privacy-scanned."""

    def test_counts(self):
        report = apply_events(PlanSourceState(), STREAM)
        decisions = [
            decide(request([record()], "2026-01-05T00:00:00Z")),
            decide(request([], "2026-01-05T00:00:00Z")),
        ]
        summary = summarize(
            state=report.state,
            results=[r.to_json() for r in report.results],
            decisions=decisions,
            commit_sha="0" * 40,
            generated_at=AT,
        ).document
        assert is_valid(summary, "entitlements/v1/ops-summary")
        assert summary["event_outcomes"] == {
            "applied": 2,
            "duplicate": 1,
            "conflict": 1,
            "stale": 1,
            "parked": 0,
            "illegal": 0,
            "invalid": 1,
        }
        assert (summary["stale"], summary["duplicate"], summary["conflict"]) == (1, 1, 1)
        assert summary["lifecycle_events"] == {
            "billing_issue": 1,
            "billing_recovered": 1,
            "purchase": 3,
            "unrecognized": 1,
        }
        assert summary["source_kinds"] == {"billing_provider": 1}
        assert summary["decision_outcomes"] == {"allow": 1, "deny": 1}
        assert summary["decision_reasons"] == {"granted": 1, "no_active_source": 1}
        assert summary["workspaces"] == 1

    def test_state_alone_uses_receipts(self):
        # Receipts hold each event's place in the canonical fold: the late failure is folded in before the
        # recovery (applied there, superseded), so the state counts it applied; only its delivery was stale.
        summary = summarize(state=apply_events(PlanSourceState(), STREAM).state, generated_at=AT).document
        assert summary["event_outcomes"]["applied"] == 3
        assert summary["event_outcomes"]["stale"] == 0
        assert summary["duplicate"] == 0

    def test_values_outside_the_vocabulary_are_refused(self):
        with pytest.raises(SummaryInputError) as caught:
            summarize(results=[{"kind": "purchase", "outcome": "cus_" + "Q7xK2mP9rT4vW8y"}], generated_at=AT)
        assert "cus_" not in str(caught.value)

    def test_privacy_scan_runs_before_anything_is_returned(self, monkeypatch):
        def refuse(_value, config=None):  # noqa: ARG001 - mirrors assert_public_safe
            raise PrivacyViolationError("refused")

        monkeypatch.setattr(saas_contracts._ops, "assert_public_safe", refuse)
        with pytest.raises(PrivacyViolationError):
            summarize(results=[], generated_at=AT)

    def test_renderings_are_deterministic(self):
        summary = summarize(state=apply_events(PlanSourceState(), STREAM).state, generated_at=AT)
        again = summarize(state=apply_events(PlanSourceState(), STREAM).state, generated_at=AT)
        markdown = summary.render("markdown")
        assert markdown == again.render("markdown")
        assert "| purchase | 3 |" not in markdown
        assert "| purchase | 1 |" in markdown
        assert "### Event outcomes" in markdown
        assert summary.render("text").startswith("workspaces 1; stale 0")
        assert json.loads(summary.render("json")) == summary.document
        assert summary.formats == ("json", "markdown", "text")


class TestHeader:
    """The summary opens with the shared header: kind, generated_at, optional commit_sha, privacy evidence."""

    def test_header_and_evidence(self):
        summary = summarize(state=apply_events(PlanSourceState(), STREAM).state, generated_at=AT).document
        assert summary["kind"] == "entitlements.ops-summary"
        assert summary["generated_at"] == AT
        assert "commit_sha" not in summary
        assert summary["privacy"] == {"rules_digest": rules_digest(), "findings": 0}
        assert "summary" not in summary

    def test_evidence_appears_in_every_rendering(self):
        summary = summarize(results=[], generated_at=AT)
        for output_format in ("markdown", "text"):
            assert rules_digest() in summary.render(output_format)
            assert "0 findings" in summary.render(output_format)

    def test_generated_at_must_be_a_utc_timestamp(self):
        with pytest.raises(ContractViolationError):
            summarize(results=[], generated_at="2026-01-10 00:00:00")

    def test_planted_secret_raises_public_safety_error(self):
        secret = "sk_" + "live_" + "xianz7f7i0psuhm3jqic5ew7"
        with pytest.raises(PublicSafetyError) as caught:
            summarize(results=[], generated_at=AT, commit_sha=secret)
        assert secret not in str(caught.value)
        assert "/commit_sha" in str(caught.value)


class TestStatusesAsOf:
    """Record statuses are counted as of an explicit instant, named in the summary."""

    def test_a_scheduled_end_counts_once_it_is_due(self):
        state = apply_events(
            PlanSourceState(),
            [
                event(1, "purchase", "2026-01-01T00:00:00Z", plan="pro"),
                event(2, "cancel_scheduled", "2026-01-02T00:00:00Z", effective_at="2026-02-01T00:00:00Z"),
            ],
        ).state
        before = summarize(state=state, generated_at=AT).document
        assert (before["record_statuses"], before["record_statuses_as_of"]) == ({"active": 1}, AT)
        after = summarize(state=state, generated_at=AT, as_of="2026-02-02T00:00:00Z").document
        assert after["record_statuses"] == {"ended": 1}
        assert after["record_statuses_as_of"] == "2026-02-02T00:00:00Z"
        assert is_valid(after, "entitlements/v1/ops-summary")

    def test_no_state_no_instant(self):
        assert "record_statuses_as_of" not in summarize(results=[], generated_at=AT).document

    def test_as_of_must_be_a_utc_timestamp(self):
        with pytest.raises(ContractViolationError):
            summarize(state=PlanSourceState(), generated_at=AT, as_of="tomorrow")
