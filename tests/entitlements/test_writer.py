from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.entitlements._support import GRANT, SHA, event, record

from saas_contracts import ContractViolationError
from saas_contracts._validation import is_valid
from saas_contracts.entitlements import (
    EVENT_OUTCOMES,
    AuditContext,
    PlanSourceState,
    apply_event,
    apply_events,
)
from saas_contracts.entitlements._vocab import WRITE_SCHEMA
from saas_contracts.entitlements._writer import (
    _fast_valid,
    _schema_check,
    _write_check_trusting_before,
    build_envelope,
    fingerprint,
)
from saas_contracts.errors import ApprovalRequiredError

AUDIT = AuditContext(now="2026-04-01T00:00:00Z", commit_sha=SHA)
STREAM = [
    event(1, "trial_start", "2026-01-01T00:00:00Z", plan="pro", trial_end="2026-01-15T00:00:00Z"),
    event(2, "purchase", "2026-01-15T00:00:00Z", plan="pro", period_end="2026-02-15T00:00:00Z"),
    event(3, "billing_issue", "2026-02-15T01:00:00Z", grace_end="2026-02-22T01:00:00Z"),
    event(4, "billing_recovered", "2026-02-17T00:00:00Z"),
    event(
        5,
        "plan_change",
        "2026-03-01T00:00:00Z",
        plan="basic",
        timing="period_end",
        direction="downgrade",
        effective_at="2026-03-15T00:00:00Z",
    ),
    event(6, "cancel_scheduled", "2026-03-05T00:00:00Z", effective_at="2026-03-15T00:00:00Z"),
    event(7, "cancel_revoked", "2026-03-07T00:00:00Z"),
    event(8, "expiry", "2026-04-15T00:00:00Z"),
]


class TestOutcomes:
    """Each delivered event ends in exactly one documented outcome."""

    def test_in_order_stream_applies(self):
        report = apply_events(PlanSourceState(), STREAM, audit=AUDIT)
        assert [r.outcome for r in report.results] == ["applied"] * len(STREAM)
        assert len(report.envelopes) == len(STREAM)
        assert report.clean

    def test_duplicate_conflict_stale_illegal_invalid(self):
        conflicting = dict(STREAM[1], plan="team")
        delivered = [
            STREAM[0],
            STREAM[1],
            STREAM[1],
            STREAM[3],
            STREAM[2],
            conflicting,
            {"kind": "nonsense"},
            event(9, "trial_start", "2026-05-01T00:00:00Z", plan="pro", trial_end="2026-06-01T00:00:00Z"),
        ]
        report = apply_events(PlanSourceState(), delivered)
        assert [r.outcome for r in report.results] == [
            "applied",
            "applied",
            "duplicate",
            "applied",
            "stale",
            "conflict",
            "invalid",
            "illegal",
        ]
        assert report.counts == {
            "applied": 3,
            "duplicate": 1,
            "conflict": 1,
            "stale": 1,
            "parked": 0,
            "illegal": 1,
            "invalid": 1,
        }
        assert not report.clean
        assert report.state.records[STREAM[0]["record_id"]]["status"] == "active"

    def test_stale_and_illegal_redeliveries_are_duplicates(self):
        state = PlanSourceState()
        for item in (STREAM[0], STREAM[1], STREAM[3]):
            apply_event(state, item)
        assert apply_event(state, STREAM[2]).outcome == "stale"
        assert apply_event(state, STREAM[2]).outcome == "duplicate"

    def test_equal_instant_uses_provider_sequence(self):
        # The canonical order puts the sequence-4 cancellation before the sequence-5 trial that creates the
        # record: at its place there is no record yet, so it is parked (kept and re-evaluated), not applied.
        state = PlanSourceState()
        apply_event(state, dict(STREAM[0], provider_sequence=5))
        older = event(
            10,
            "cancel_scheduled",
            "2026-01-01T00:00:00Z",
            effective_at="2026-01-10T00:00:00Z",
            provider_sequence=4,
        )
        assert apply_event(state, older).outcome == "parked"
        assert state.receipts["evt-test-0010"]["outcome"] == "parked"
        newer = dict(older, event_id="evt-test-0011", provider_sequence=6)
        assert apply_event(state, newer).outcome == "applied"

    def test_invalid_result_carries_violations_without_values(self):
        secretish = "cus_" + "Q7xK2mP9rT4vW8y"
        result = apply_event(PlanSourceState(), dict(STREAM[0], workspace=secretish))
        assert result.outcome == "invalid"
        assert result.violations
        assert secretish not in str(result.to_json())


class TestEnvelope:
    """Applied events yield audited, schema-valid, public-safe write envelopes."""

    def test_envelope_fields(self):
        state = PlanSourceState()
        apply_event(state, STREAM[0])
        envelope = apply_event(state, STREAM[5], audit=AUDIT).envelope
        assert envelope is not None
        assert is_valid(envelope, "entitlements/v1/write")
        assert envelope["idempotency_key"] == STREAM[5]["event_id"]
        assert envelope["fingerprint"] == fingerprint(STREAM[5])
        assert envelope["operation"] == "end"
        assert envelope["effective_at"] == "2026-03-15T00:00:00Z"
        assert envelope["before"]["status"] == "trialing"
        assert envelope["audit"] == {"written_at": AUDIT.now, "commit_sha": SHA, "reason": "cancel_scheduled"}

    def test_downgrade_reason_and_effective_time(self):
        state = PlanSourceState()
        apply_event(state, STREAM[1])
        envelope = apply_event(state, STREAM[4], audit=AUDIT).envelope
        assert envelope is not None
        assert envelope["audit"]["reason"] == "downgrade"
        assert envelope["effective_at"] == "2026-03-15T00:00:00Z"
        assert envelope["cause"]["timing"] == "period_end"

    def test_operator_write_needs_approval(self):
        grant = event(
            20,
            "manual_grant",
            "2026-01-02T00:00:00Z",
            record_id=GRANT,
            source_kind="manual_override",
            plan="team",
            provider="manual",
            operator="ops-billing-desk",
        )
        assert apply_event(PlanSourceState(), grant, audit=AUDIT).outcome == "invalid"
        approved = dict(grant, approval_ref="ops-approval/2026-01-02-01")
        envelope = apply_event(PlanSourceState(), approved, audit=AUDIT).envelope
        assert envelope is not None
        assert envelope["cause"]["type"] == "operator_action"
        assert envelope["audit"]["approval_ref"] == "ops-approval/2026-01-02-01"

    def test_build_envelope_refuses_unapproved_operator_writes(self):
        grant = event(
            21,
            "manual_grant",
            "2026-01-02T00:00:00Z",
            record_id=GRANT,
            source_kind="manual_override",
            plan="team",
        )
        with pytest.raises(ApprovalRequiredError):
            build_envelope(None, record(GRANT, "manual_override", "team"), grant, AUDIT)

    def test_audit_context_is_validated(self):
        with pytest.raises(ContractViolationError):
            AuditContext(now="2026-04-01T00:00:00+01:00", commit_sha=SHA)
        with pytest.raises(ContractViolationError):
            AuditContext(now="2026-04-01T00:00:00Z", commit_sha="abc")


_pool = [
    *STREAM,
    dict(STREAM[1], plan="team"),
    {"kind": "broken"},
    [],
    "text",
    event(30, "renewal", "2026-01-01T00:00:00Z"),
]


class TestReplayProperties:
    """Replay is idempotent, never mutates its input state, and conserves counts."""

    @pytest.mark.slow  # ~1.5 s: 150 generated streams, each replayed twice
    @settings(max_examples=150, deadline=None)
    @given(stream=st.lists(st.sampled_from(_pool), max_size=14))
    def test_replay_twice_is_identical_and_counts_are_conserved(self, stream):
        start = PlanSourceState()
        first = apply_events(start, copy.deepcopy(stream))
        assert start.to_json() == {"state": "entitlements/v1", "records": [], "receipts": [], "events": []}
        assert sum(first.counts.values()) == len(stream)
        assert all(result.outcome in EVENT_OUTCOMES for result in first.results)
        assert [r.index for r in first.results] == list(range(len(stream)))
        second = apply_events(first.state, copy.deepcopy(stream))
        assert second.state.to_json() == first.state.to_json()
        assert (
            first.counts["applied"]
            == len(first.state.receipts)
            - first.counts["stale"]
            - first.counts["illegal"]
            - first.counts["parked"]
        )
        assert is_valid(first.state.to_json(), "entitlements/v1/state")
        assert second.counts["applied"] == 0


_DIGITS = st.text(st.sampled_from("0123456789"), min_size=1, max_size=1)


@st.composite
def _stamps(draw: st.DrawFn) -> str:
    """Timestamp-shaped strings, mostly near the edges (year 0000, month/day/time limits, fractions)."""
    edges = st.sampled_from(["0000", "0001", "1900", "2000", "2024", "2025", "9999"])
    year = draw(edges | _DIGITS.map(lambda digit: digit * 4))
    month = draw(st.integers(0, 13))
    day = draw(st.integers(0, 32))
    hour, minute, second = draw(st.integers(0, 24)), draw(st.integers(0, 60)), draw(st.integers(0, 61))
    fraction = draw(st.sampled_from(["", ".5", ".123456789", ".0000000001"]))
    return f"{year}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:{second:02d}{fraction}Z"


class TestFastValidity:
    """The compiled check's "yes" is the reference validator's "yes" (a "no" only defers to the reference)."""

    @given(_stamps(), st.sampled_from(["occurred_at", "period_end", "event_id"]))
    @settings(max_examples=300, deadline=None)  # the first example builds the reference validator
    def test_fast_yes_is_reference_yes_on_timestamps(self, stamp, field):
        delivered = dict(STREAM[1], **{field: stamp})
        if _fast_valid(delivered):
            assert is_valid(delivered, "entitlements/v1/lifecycle-event")
        else:  # and it defers only what the reference refuses, or a string of year 0000
            assert stamp.startswith("0000") or not is_valid(delivered, "entitlements/v1/lifecycle-event")

    def test_year_zero_defers_to_the_reference(self):
        delivered = dict(STREAM[1], occurred_at="0000-01-01T00:00:00Z")
        assert not _fast_valid(delivered)
        assert not is_valid(delivered, "entitlements/v1/lifecycle-event")
        result = apply_event(PlanSourceState(), delivered)
        assert result.outcome == "invalid"

    def test_valid_stream_takes_the_fast_path(self):
        assert all(_fast_valid(item) for item in STREAM)


class TestTrustedBefore:
    """The bulk path's envelope check that takes ``before`` as valid still checks everything else."""

    def _envelopes(self) -> list[dict[str, Any]]:
        return apply_events(PlanSourceState(), STREAM, audit=AUDIT).envelopes

    def test_it_agrees_with_the_full_check_when_before_is_valid(self):
        full, trusting = _schema_check(WRITE_SCHEMA), _write_check_trusting_before()
        envelopes = self._envelopes()
        assert len(envelopes) > 3
        for envelope in envelopes:
            assert full(envelope)
            assert trusting(envelope)
            for name, value in (("plan", "Not A Label"), ("last_event_at", "2026-02-30T00:00:00Z")):
                broken = dict(envelope, after=dict(envelope["after"], **{name: value}))
                assert not full(broken)
                assert not trusting(broken)
            assert not trusting(dict(envelope, cause={}))

    def test_it_still_needs_before_on_an_update_and_refuses_it_on_a_create(self):
        trusting = _write_check_trusting_before()
        create, update = self._envelopes()[:2]
        assert "before" not in create
        assert not trusting({key: value for key, value in update.items() if key != "before"})
        assert not trusting(dict(create, before=update["before"]))

    def test_an_invalid_after_is_refused_with_before_trusted(self):
        before = record()
        renewal = event(9, "renewal", "2026-02-20T00:00:00Z", period_end="2026-03-20T00:00:00Z")
        after = dict(before, plan="Not A Label", sequence=int(before["sequence"]) + 1)
        with pytest.raises(ContractViolationError):
            build_envelope(before, after, renewal, AUDIT, before_checked=True)
