from __future__ import annotations

import pytest
from tests.entitlements._support import event, record, request

import saas_contracts.privacy
from saas_contracts import PrivacyViolationError
from saas_contracts._validation import is_valid
from saas_contracts.entitlements import (
    PlanSourceState,
    SummaryInputError,
    decide,
    replay,
    summarize,
    summary_markdown,
    summary_text,
)

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
        report = replay(PlanSourceState(), STREAM)
        decisions = [
            decide(request([record()], "2026-01-05T00:00:00Z")),
            decide(request([], "2026-01-05T00:00:00Z")),
        ]
        summary = summarize(
            state=report.state,
            results=[r.to_json() for r in report.results],
            decisions=decisions,
            commit_sha="0" * 40,
            generated_at="2026-01-10T00:00:00Z",
        )
        assert is_valid(summary, "entitlements/v1/ops-summary")
        assert summary["event_outcomes"] == {
            "applied": 2,
            "duplicate": 1,
            "conflict": 1,
            "stale": 1,
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
        summary = summarize(state=replay(PlanSourceState(), STREAM).state)
        assert summary["event_outcomes"]["applied"] == 2
        assert summary["event_outcomes"]["stale"] == 1
        assert summary["duplicate"] == 0

    def test_values_outside_the_vocabulary_are_refused(self):
        with pytest.raises(SummaryInputError) as caught:
            summarize(results=[{"kind": "purchase", "outcome": "cus_" + "Q7xK2mP9rT4vW8y"}])
        assert "cus_" not in str(caught.value)

    def test_privacy_scan_runs_before_anything_is_returned(self, monkeypatch):
        def refuse(_value, config=None):  # noqa: ARG001 - mirrors assert_public_safe
            raise PrivacyViolationError("refused")

        monkeypatch.setattr(saas_contracts.privacy, "assert_public_safe", refuse)
        with pytest.raises(PrivacyViolationError):
            summarize(results=[])

    def test_renderings_are_deterministic(self):
        summary = summarize(state=replay(PlanSourceState(), STREAM).state)
        markdown = summary_markdown(summary)
        assert markdown == summary_markdown(dict(summary))
        assert "| purchase | 3 |" not in markdown
        assert "| purchase | 1 |" in markdown
        assert "### Event outcomes" in markdown
        assert summary_text(summary).startswith("workspaces 1; stale 1")
