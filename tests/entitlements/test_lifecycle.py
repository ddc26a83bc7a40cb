from __future__ import annotations

import pytest
from tests.entitlements._support import event, record

from saas_contracts.entitlements import IllegalTransition, materialize, transition

T = "2026-01-20T00:00:00Z"
LATER = "2026-02-15T00:00:00Z"

_EXTRA = {
    "purchase": {"plan": "pro"},
    "trial_start": {"plan": "pro", "trial_end": LATER},
    "renewal": {},
    "plan_change": {"plan": "basic", "timing": "immediate", "direction": "downgrade"},
    "cancel_scheduled": {"effective_at": LATER},
    "cancel_revoked": {},
    "cancel_immediate": {},
    "expiry": {},
    "pause": {"timing": "immediate"},
    "resume": {},
    "billing_issue": {"grace_end": LATER},
    "billing_recovered": {},
    "refund": {"refund_scope": "full"},
    "manual_revoke": {"operator": "ops-desk", "approval_ref": "ops-approval/1"},
    "schedule_withdrawn": {"change": "plan_change"},
}
_STATUS_FIELDS = {
    "trialing": {"status": "trialing", "effective_end": LATER},
    "active": {},
    "past_due": {"status": "past_due", "grace_end": LATER},
    "paused": {"status": "paused", "paused_at": "2026-01-10T00:00:00Z"},
    "ended": {"status": "ended", "ended_at": "2026-01-10T00:00:00Z", "end_reason": "canceled"},
}
# (status, kind) -> resulting status, or None when the transition is illegal.
_TABLE = {
    "trialing": {"purchase": "active", "trial_start": None, "renewal": None, "plan_change": "trialing",
                 "cancel_scheduled": "trialing", "cancel_revoked": "trialing", "cancel_immediate": "ended",
                 "expiry": "ended", "pause": "paused", "resume": "trialing", "billing_issue": "past_due",
                 "billing_recovered": None, "refund": "ended", "manual_revoke": "ended",
                 "schedule_withdrawn": "trialing"},
    "active": {"purchase": None, "trial_start": None, "renewal": "active", "plan_change": "active",
               "cancel_scheduled": "active", "cancel_revoked": "active", "cancel_immediate": "ended",
               "expiry": "ended", "pause": "paused", "resume": "active", "billing_issue": "past_due",
               "billing_recovered": "active", "refund": "ended", "manual_revoke": "ended",
               "schedule_withdrawn": "active"},
    "past_due": {"purchase": None, "trial_start": None, "renewal": "active", "plan_change": "past_due",
                 "cancel_scheduled": "past_due", "cancel_revoked": "past_due", "cancel_immediate": "ended",
                 "expiry": "ended", "pause": "paused", "resume": "past_due", "billing_issue": "past_due",
                 "billing_recovered": "active", "refund": "ended", "manual_revoke": "ended",
                 "schedule_withdrawn": "past_due"},
    # purchase on paused: a trial paused for want of a payment method converts once paid (Stripe).
    # pause on paused: an immediate pause re-states the pause (access kept or not, resume instant).
    "paused": {"purchase": "active", "trial_start": None, "renewal": None, "plan_change": "paused",
               "cancel_scheduled": "paused", "cancel_revoked": "paused", "cancel_immediate": "ended",
               "expiry": "ended", "pause": "paused", "resume": "active", "billing_issue": None,
               "billing_recovered": None, "refund": "ended", "manual_revoke": "ended",
               "schedule_withdrawn": "paused"},
    "ended": {"purchase": "active", "trial_start": None, "renewal": None, "plan_change": None,
              "cancel_scheduled": None, "cancel_revoked": None, "cancel_immediate": None, "expiry": None,
              "pause": None, "resume": None, "billing_issue": None, "billing_recovered": None,
              "refund": "ended", "manual_revoke": None, "schedule_withdrawn": None},
}  # fmt: skip
_CASES = [(status, kind, result) for status, row in _TABLE.items() for kind, result in row.items()]


class TestTransitionTable:
    """Every (status, event kind) pair either moves to the documented status or is reported illegal."""

    @pytest.mark.parametrize(("status", "kind", "expected"), _CASES, ids=[f"{s}-{k}" for s, k, _ in _CASES])
    def test_pair(self, status, kind, expected):
        before = record(**_STATUS_FIELDS[status])
        result = transition(before, event(1, kind, T, **_EXTRA[kind]))
        if expected is None:
            assert isinstance(result, IllegalTransition)
            assert result.reason
        else:
            assert not isinstance(result, IllegalTransition)
            assert result["status"] == expected
            assert result["sequence"] == 2
            assert result["last_event_id"] == "evt-test-0001"


def _applied(record_before, event_in):
    """Apply an event that must be legal and return the new record."""
    result = transition(record_before, event_in)
    assert not isinstance(result, IllegalTransition), result
    return result


class TestAccessIsOnlyRevokedWhenItEnds:
    """Scheduled cancellations, later pauses and billing issues in grace keep access."""

    def test_cancel_scheduled_keeps_status(self):
        after = _applied(record(), event(1, "cancel_scheduled", T, effective_at=LATER))
        assert after["status"] == "active"
        assert after["scheduled"] == [{"change": "cancel", "effective_at": LATER}]
        assert materialize(after, LATER)["status"] == "ended"
        assert materialize(after, LATER)["end_reason"] == "scheduled_end"

    def test_pause_at_period_end_is_scheduled(self):
        after = _applied(record(), event(1, "pause", T, timing="period_end", effective_at=LATER))
        assert after["status"] == "active"
        assert materialize(after, LATER)["status"] == "paused"

    def test_resume_cancels_a_scheduled_pause(self):
        paused_later = _applied(record(), event(1, "pause", T, timing="period_end", effective_at=LATER))
        resumed = _applied(paused_later, event(2, "resume", "2026-01-21T00:00:00Z"))
        assert "scheduled" not in resumed

    def test_billing_issue_keeps_status_live(self):
        after = _applied(record(), event(1, "billing_issue", T, grace_end=LATER))
        assert (after["status"], after["grace_end"]) == ("past_due", LATER)

    def test_partial_refund_changes_nothing_but_bookkeeping(self):
        after = _applied(record(), event(1, "refund", T, refund_scope="partial"))
        assert after["status"] == "active"

    def test_expiry_confirms_a_scheduled_end(self):
        rec = record(scheduled=[{"change": "cancel", "effective_at": LATER}])
        after = _applied(rec, event(1, "expiry", "2026-02-15T00:00:05Z"))
        assert (after["status"], after["end_reason"], after["ended_at"]) == ("ended", "expired", LATER)

    def test_cancel_revoked_after_end_is_illegal(self):
        rec = record(scheduled=[{"change": "cancel", "effective_at": LATER}])
        assert isinstance(
            transition(rec, event(1, "cancel_revoked", "2026-02-16T00:00:00Z")), IllegalTransition
        )

    def test_period_end_downgrade_applies_at_renewal(self):
        rec = _applied(record(), event(1, "plan_change", T, plan="basic", timing="period_end",
                                          direction="downgrade", effective_at=LATER))  # fmt: skip
        assert rec["plan"] == "pro"
        renewed = _applied(rec, event(2, "renewal", LATER, period_end="2026-03-15T00:00:00Z"))
        assert renewed["plan"] == "basic"
        assert "scheduled" not in renewed

    def test_workspace_and_kind_must_match(self):
        other = event(1, "renewal", T, workspace="ws_ref_" + "b" * 26)
        assert isinstance(transition(record(), other), IllegalTransition)
        assert isinstance(
            transition(record(), event(1, "renewal", T, source_kind="promotion")), IllegalTransition
        )

    def test_only_creating_kinds_start_a_record(self):
        assert isinstance(transition(None, event(1, "renewal", T)), IllegalTransition)
        created = _applied(None, event(1, "trial_start", T, plan="pro", trial_end=LATER))
        assert (created["status"], created["effective_end"], created["sequence"]) == ("trialing", LATER, 1)

    def test_trial_conversion_clears_the_trial_end(self):
        trial = _applied(None, event(1, "trial_start", T, plan="pro", trial_end=LATER))
        paid = _applied(trial, event(2, "purchase", LATER, plan="pro", period_end="2026-03-15T00:00:00Z"))
        assert "effective_end" not in paid
        assert paid["current_period_end"] == "2026-03-15T00:00:00Z"

    def test_input_record_is_not_mutated(self):
        rec = record()
        snapshot = dict(rec)
        transition(rec, event(1, "cancel_immediate", T))
        assert rec == snapshot


class TestProviderSemantics:
    """Withdrawn scheduled changes, refunds that do not end access, and dunning grace anchored per cycle."""

    def test_a_withdrawn_downgrade_never_takes_effect(self):
        downgrade = event(1, "plan_change", T, plan="basic", timing="period_end", direction="downgrade",
                          effective_at=LATER)  # fmt: skip
        scheduled_down = _applied(record(), downgrade)
        withdrawn = _applied(scheduled_down, event(2, "schedule_withdrawn", T, change="plan_change"))
        assert "scheduled" not in withdrawn
        assert materialize(withdrawn, "2026-12-31T00:00:00Z")["plan"] == "pro"

    def test_a_scheduled_pause_withdrawn_before_it_starts_keeps_access(self):
        paused_later = _applied(record(), event(1, "pause", T, timing="period_end", effective_at=LATER))
        kept = _applied(paused_later, event(2, "schedule_withdrawn", T, change="pause"))
        assert materialize(kept, "2026-12-31T00:00:00Z")["status"] == "active"

    def test_withdrawing_only_the_named_change(self):
        both = _applied(record(), event(1, "cancel_scheduled", T, effective_at=LATER))
        kept = _applied(both, event(2, "schedule_withdrawn", T, change="plan_change"))
        assert kept["scheduled"] == both["scheduled"]

    def test_refund_ends_access_as_the_adapter_says(self):
        full_kept = _applied(record(), event(1, "refund", T, refund_scope="full", ends_access=False))
        assert full_kept["status"] == "active"
        partial_ends = _applied(record(), event(1, "refund", T, refund_scope="partial", ends_access=True))
        assert (partial_ends["status"], partial_ends["end_reason"]) == ("ended", "refunded")
        assert _applied(record(), event(1, "refund", T, refund_scope="full"))["status"] == "ended"

    def test_retries_do_not_slide_the_grace_end(self):
        first = _applied(record(), event(1, "billing_issue", T, grace_end="2026-01-22T00:00:00Z"))
        retry = _applied(
            first, event(2, "billing_issue", "2026-01-18T00:00:00Z", grace_end="2026-01-25T00:00:00Z")
        )
        assert retry["grace_end"] == "2026-01-22T00:00:00Z"
        recovered = _applied(retry, event(3, "billing_recovered", "2026-01-20T00:00:00Z"))
        next_cycle = _applied(
            recovered, event(4, "billing_issue", "2026-02-15T00:00:00Z", grace_end="2026-02-22T00:00:00Z")
        )
        assert next_cycle["grace_end"] == "2026-02-22T00:00:00Z"


class TestDocumentedPrecedence:
    """The precedence table in the README holds (one test per row that the lifecycle decides)."""

    def test_trial_reason_wins_over_a_scheduled_cancellation(self):
        from saas_contracts.entitlements import evaluate_record  # noqa: PLC0415 - decision side of the rule

        start, soon = "2026-01-01T00:00:00Z", "2026-01-05T00:00:00Z"
        trial = _applied(None, event(1, "trial_start", start, plan="pro", trial_end="2026-01-25T00:00:00Z"))
        canceled = _applied(trial, event(2, "cancel_scheduled", soon, effective_at="2026-01-15T00:00:00Z"))
        assert evaluate_record(canceled, "2026-01-12T00:00:00Z").reason == "in_trial"
        assert evaluate_record(canceled, "2026-01-16T00:00:00Z").reason == "source_expired"

    def test_grace_wins_over_a_scheduled_cancellation(self):
        from saas_contracts.entitlements import evaluate_record  # noqa: PLC0415 - decision side of the rule

        soon = "2026-01-05T00:00:00Z"
        past_due = _applied(record(), event(1, "billing_issue", soon, grace_end="2026-01-25T00:00:00Z"))
        canceled = _applied(past_due, event(2, "cancel_scheduled", soon, effective_at="2026-01-15T00:00:00Z"))
        assert evaluate_record(canceled, "2026-01-12T00:00:00Z").reason == "in_grace"
        assert evaluate_record(canceled, "2026-01-16T00:00:00Z").reason == "source_expired"

    def test_resume_withdraws_a_pause_that_is_only_scheduled(self):
        later = _applied(record(), event(1, "pause", T, timing="period_end", effective_at=LATER))
        resumed = _applied(later, event(2, "resume", T))
        assert "scheduled" not in resumed

    def test_an_event_of_another_workspace_is_illegal(self):
        other = event(1, "renewal", T, workspace="ws_ref_aaaaaaaaaaaaaaaaaaaaaaaaaa")
        assert isinstance(transition(record(), other), IllegalTransition)

    def test_purchase_on_an_ended_record_starts_it_again(self):
        ended = _applied(record(), event(1, "cancel_immediate", T))
        again = _applied(ended, event(2, "purchase", LATER, plan="pro"))
        assert (again["status"], again["effective_start"]) == ("active", LATER)

    def test_an_operator_can_revoke_a_billing_record(self):
        revoke = event(1, "manual_revoke", T, operator="ops-desk", approval_ref="ops-approval/9")
        assert _applied(record(), revoke)["end_reason"] == "revoked"


RESUME = "2026-03-01T00:00:00Z"


class TestPauseWithScheduledResume:
    """A pause may carry resume_at: from then the record is active again without a resume event."""

    def test_immediate_pause_resumes_by_itself(self):
        after = _applied(record(), event(1, "pause", T, timing="immediate", resume_at=RESUME))
        assert after["status"] == "paused"
        assert after["scheduled"] == [{"change": "resume", "effective_at": RESUME}]
        assert materialize(after, "2026-02-28T23:59:59Z")["status"] == "paused"
        resumed = materialize(after, RESUME)
        assert resumed["status"] == "active"
        assert "paused_at" not in resumed
        assert "scheduled" not in resumed

    def test_scheduled_pause_then_resume(self):
        after = _applied(
            record(), event(1, "pause", T, timing="period_end", effective_at=LATER, resume_at=RESUME)
        )
        assert [item["change"] for item in after["scheduled"]] == ["pause", "resume"]
        assert materialize(after, LATER)["status"] == "paused"
        assert materialize(after, RESUME)["status"] == "active"

    def test_late_delivery_after_resume_at_lands_active(self):
        after = _applied(
            record(),
            event(1, "pause", "2026-03-05T00:00:00Z", timing="immediate", effective_at=T, resume_at=RESUME),
        )
        assert after["status"] == "active"
        assert "scheduled" not in after

    def test_resume_before_the_pause_is_illegal(self):
        result = transition(record(), event(1, "pause", T, timing="immediate", resume_at=T))
        assert isinstance(result, IllegalTransition)
        assert "resumes before" in result.reason

    def test_withdrawing_the_scheduled_pause_withdraws_its_resume(self):
        later = _applied(
            record(), event(1, "pause", T, timing="period_end", effective_at=LATER, resume_at=RESUME)
        )
        withdrawn = _applied(later, event(2, "schedule_withdrawn", "2026-01-21T00:00:00Z", change="pause"))
        assert "scheduled" not in withdrawn

    def test_early_resume_event_drops_the_scheduled_resume(self):
        paused = _applied(record(), event(1, "pause", T, timing="immediate", resume_at=RESUME))
        resumed = _applied(paused, event(2, "resume", "2026-02-01T00:00:00Z"))
        assert resumed["status"] == "active"
        assert "scheduled" not in resumed

    def test_restating_a_pause_sets_or_clears_its_resume_and_keeps_paused_at(self):
        paused = _applied(record(), event(1, "pause", T, timing="immediate"))
        restated = _applied(
            paused, event(2, "pause", "2026-01-25T00:00:00Z", timing="immediate", resume_at=RESUME)
        )
        assert restated["paused_at"] == T
        assert restated["scheduled"] == [{"change": "resume", "effective_at": RESUME}]
        cleared = _applied(restated, event(3, "pause", "2026-01-26T00:00:00Z", timing="immediate"))
        assert "scheduled" not in cleared
        assert cleared["status"] == "paused"

    def test_scheduling_a_pause_on_a_paused_source_is_illegal(self):
        paused = _applied(record(), event(1, "pause", T, timing="immediate"))
        result = transition(
            paused, event(2, "pause", "2026-01-25T00:00:00Z", timing="period_end", effective_at=LATER)
        )
        assert isinstance(result, IllegalTransition)

    def test_purchase_on_a_paused_source_drops_the_resume(self):
        paused = _applied(record(), event(1, "pause", T, timing="immediate", resume_at=RESUME))
        bought = _applied(paused, event(2, "purchase", "2026-01-25T00:00:00Z", plan="team"))
        assert bought["status"] == "active"
        assert "scheduled" not in bought


class TestPauseThatKeepsAccess:
    """keeps_access: billing stops, access continues; the record says so while paused."""

    def test_immediate(self):
        after = _applied(record(), event(1, "pause", T, timing="immediate", keeps_access=True))
        assert after["pause_keeps_access"] is True
        resumed = _applied(after, event(2, "resume", LATER))
        assert "pause_keeps_access" not in resumed

    def test_scheduled_carries_it_to_the_pause(self):
        after = _applied(
            record(), event(1, "pause", T, timing="period_end", effective_at=LATER, keeps_access=True)
        )
        assert after["scheduled"] == [{"change": "pause", "effective_at": LATER, "keeps_access": True}]
        assert "pause_keeps_access" not in after
        assert materialize(after, LATER)["pause_keeps_access"] is True

    def test_restated_without_it_denies_again(self):
        kept = _applied(record(), event(1, "pause", T, timing="immediate", keeps_access=True))
        denied = _applied(kept, event(2, "pause", LATER, timing="immediate"))
        assert "pause_keeps_access" not in denied

    def test_scheduled_resume_clears_it(self):
        after = _applied(
            record(), event(1, "pause", T, timing="immediate", keeps_access=True, resume_at=RESUME)
        )
        resumed = materialize(after, RESUME)
        assert resumed["status"] == "active"
        assert "pause_keeps_access" not in resumed

    def test_end_clears_it(self):
        kept = _applied(record(), event(1, "pause", T, timing="immediate", keeps_access=True))
        ended = _applied(kept, event(2, "cancel_immediate", LATER))
        assert "pause_keeps_access" not in ended
