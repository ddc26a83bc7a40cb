from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.entitlements._support import FIXTURE, GRANT, SUB, check_expectation, record, request

from saas_contracts import ContractViolationError
from saas_contracts._validation import is_valid
from saas_contracts.entitlements import DEFAULT_POLICY, decide, evaluate_record
from saas_contracts.entitlements._vocab import ALLOW_REASONS
from saas_contracts.errors import DuplicateRecordError

_VECTORS = next(s for s in json.loads(FIXTURE.read_text())["stages"] if s["stage"] == "decision")["vectors"]


class TestFixtureDecisionVectors:
    """Every decision vector of the core fixture holds, and its decision is schema-valid."""

    @pytest.mark.parametrize("vector", _VECTORS, ids=[v["name"] for v in _VECTORS])
    def test_vector(self, vector):
        decision = decide(vector["request"])
        assert is_valid(decision, "entitlements/v1/decision")
        check_expectation(decision, vector["expect"])


class TestDecisionSemantics:
    """Outcome, reason, winner, plan and validity follow the documented rules."""

    def test_allow_reports_winner_and_plan(self):
        decision = decide(request([record()], "2026-01-10T00:00:00Z"))
        assert decision["outcome"] == "allow"
        assert decision["reason"] == "granted"
        assert decision["plan"] == "pro"
        assert decision["source"] == {"record_id": SUB, "source_kind": "billing_provider", "status": "active"}
        assert decision["tie_break"] == "only_candidate"
        assert decision["considered"] == [
            {"record_id": SUB, "source_kind": "billing_provider", "active": True, "reason": "granted"},
        ]

    def test_scheduled_cancellation_never_revokes_early(self):
        rec = record(scheduled=[{"change": "cancel", "effective_at": "2026-02-01T00:00:00Z"}])
        before = decide(request([rec], "2026-01-31T23:59:59.999999999Z"))
        at = decide(request([rec], "2026-02-01T00:00:00Z"))
        assert (before["outcome"], before["reason"]) == ("allow", "cancel_scheduled")
        assert (at["outcome"], at["reason"]) == ("deny", "source_expired")

    def test_grace_boundary(self):
        rec = record(status="past_due", grace_end="2026-02-08T00:00:00Z")
        assert decide(request([rec], "2026-02-07T23:59:59Z"))["reason"] == "in_grace"
        assert decide(request([rec], "2026-02-08T00:00:00Z"))["reason"] == "grace_ended"

    def test_limit_reports_numbers(self):
        decision = decide(request([record()], "2026-01-10T00:00:00Z", capability="feature.advanced"))
        assert "limit" not in decision
        snapshot = {"plans": {"pro": {"capabilities": ["seats"], "limits": {"seats": 5}}}}
        denied = decide(request([record()], "2026-01-10T00:00:00Z", capability="seats", snapshot=snapshot,
                                usage={"seats": 4}, quantity=2))  # fmt: skip
        assert denied["reason"] == "limit_reached"
        assert denied["limit"] == {"limit": 5, "used": 4, "requested": 2}

    def test_inactive_reason_comes_from_best_ranked_record(self):
        revoked = record(
            GRANT, "manual_override", status="ended", ended_at="2026-01-05T00:00:00Z", end_reason="revoked"
        )
        expired = record(SUB, effective_end="2026-01-06T00:00:00Z")
        decision = decide(request([expired, revoked], "2026-01-10T00:00:00Z"))
        assert decision["reason"] == "revoked"

    def test_valid_until_is_the_next_boundary(self):
        records = [
            record(scheduled=[{"change": "cancel", "effective_at": "2026-03-01T00:00:00Z"}]),
            record(GRANT, "manual_override", "team", effective_end="2026-02-01T00:00:00Z"),
        ]
        decision = decide(request(records, "2026-01-10T00:00:00Z"))
        assert decision["valid_until"] == "2026-02-01T00:00:00Z"
        assert decision["plan"] == "team"

    def test_duplicate_record_ids_are_rejected(self):
        with pytest.raises(DuplicateRecordError):
            decide(request([record(), record(plan="team")], "2026-01-10T00:00:00Z"))

    def test_invalid_request_is_rejected(self):
        bad = request([record()], "2026-01-10T00:00:00+02:00")
        with pytest.raises(ContractViolationError) as caught:
            decide(bad)
        assert any(v.pointer == "/as_of" for v in caught.value.violations)

    def test_input_is_not_mutated(self):
        req = request(
            [record(scheduled=[{"change": "cancel", "effective_at": "2026-01-05T00:00:00Z"}])],
            "2026-02-01T00:00:00Z",
        )
        frozen = copy.deepcopy(req)
        decide(req)
        assert req == frozen

    def test_evaluate_record_materializes_at_as_of(self):
        rec = record(
            scheduled=[
                {
                    "change": "plan_change",
                    "effective_at": "2026-02-01T00:00:00Z",
                    "plan": "basic",
                    "direction": "downgrade",
                }
            ]
        )
        assert evaluate_record(rec, "2026-01-31T00:00:00Z").record["plan"] == "pro"
        assert evaluate_record(rec, "2026-02-01T00:00:00Z").record["plan"] == "basic"


TRIAL_END = "2026-01-15T00:00:00Z"


class TestPauseReasons:
    """A pause denies unless it keeps access; a scheduled resume ends it at its instant."""

    def test_pause_that_keeps_access_allows_with_its_reason(self):
        rec = record(status="paused", paused_at="2026-01-10T00:00:00Z", pause_keeps_access=True)
        decision = decide(request([rec], "2026-01-20T00:00:00Z"))
        assert (decision["outcome"], decision["reason"]) == ("allow", "paused_with_access")

    def test_scheduled_resume_is_the_valid_until_and_then_grants(self):
        rec = record(
            status="paused",
            paused_at="2026-01-10T00:00:00Z",
            scheduled=[{"change": "resume", "effective_at": "2026-02-01T00:00:00Z"}],
        )
        before = decide(request([rec], "2026-01-20T00:00:00Z"))
        assert (before["outcome"], before["reason"], before["valid_until"]) == (
            "deny",
            "paused",
            "2026-02-01T00:00:00Z",
        )
        after = decide(request([rec], "2026-02-01T00:00:00Z"))
        assert (after["outcome"], after["reason"]) == ("allow", "granted")


class TestTrialConversionGrace:
    """Product policy may grant a bounded grace after a trial's end; default none."""

    def _decide(self, as_of: str, grace: str | None, **fields: Any) -> dict[str, Any]:
        rec = record(status="trialing", effective_end=TRIAL_END, **fields)
        req = request([rec], as_of)
        if grace is not None:
            req["policy"]["trial_conversion_grace"] = grace
        return decide(req)

    def test_default_is_no_grace(self):
        decision = self._decide("2026-01-15T00:00:00Z", None)
        assert (decision["outcome"], decision["reason"]) == ("deny", "source_expired")
        assert "trial_conversion_grace" not in DEFAULT_POLICY

    def test_inside_the_grace_allows_with_its_reason(self):
        decision = self._decide("2026-01-16T00:00:00Z", "PT72H")
        assert (decision["outcome"], decision["reason"], decision["plan"]) == (
            "allow",
            "in_conversion_grace",
            "pro",
        )
        assert decision["valid_until"] == "2026-01-18T00:00:00Z"

    def test_in_trial_valid_until_is_the_trial_end(self):
        decision = self._decide("2026-01-14T00:00:00Z", "PT2H30M")
        assert (decision["reason"], decision["valid_until"]) == ("in_trial", TRIAL_END)

    def test_grace_end_denies(self):
        decision = self._decide("2026-01-15T02:30:00Z", "PT2H30M")
        assert (decision["outcome"], decision["reason"]) == ("deny", "source_expired")

    def test_only_trials_get_it(self):
        rec = record(kind="promotion", effective_end=TRIAL_END)
        req = request([rec], "2026-01-15T01:00:00Z")
        req["policy"]["trial_conversion_grace"] = "PT72H"
        assert decide(req)["reason"] == "source_expired"

    @pytest.mark.parametrize("grace", ["PT73H", "PT72H1M", "P1D", "PT0H", "PT4321M", "pt1h"])
    def test_the_schema_bounds_it(self, grace):
        with pytest.raises(ContractViolationError):
            self._decide("2026-01-16T00:00:00Z", grace)

    def test_grace_beyond_the_last_instant_has_no_boundary(self):
        rec = record(status="trialing", effective_end="9999-12-31T23:00:00Z")
        req = request([rec], "9999-12-31T23:30:00Z")
        req["policy"]["trial_conversion_grace"] = "PT72H"
        decision = decide(req)
        assert decision["reason"] == "in_conversion_grace"
        assert "valid_until" not in decision


_KINDS = ["manual_override", "billing_provider", "promotion", "trial", "default_plan"]
_PLANS = ["free", "basic", "pro", "team", "unknown-plan"]
_TIMES = ["2026-01-01T00:00:00Z", "2026-01-10T00:00:00Z", "2026-01-20T00:00:00Z", "2026-02-01T00:00:00Z"]


@st.composite
def _records(draw):
    count = draw(st.integers(min_value=0, max_value=5))
    out = []
    for index in range(count):
        status = draw(st.sampled_from(["active", "trialing", "past_due", "paused", "ended"]))
        fields = {
            "effective_start": draw(st.sampled_from(_TIMES[:3])),
            "sequence": draw(st.integers(1, 3)),
            "status": status,
        }
        if status == "past_due":
            fields["grace_end"] = draw(st.sampled_from(_TIMES))
        if status == "paused":
            fields["paused_at"] = _TIMES[1]
            if draw(st.booleans()):
                fields["pause_keeps_access"] = True
        if status == "ended":
            fields |= {
                "ended_at": _TIMES[1],
                "end_reason": draw(st.sampled_from(["expired", "revoked", "canceled"])),
            }
        if draw(st.booleans()):
            fields["effective_end"] = draw(st.sampled_from(_TIMES))
        if status != "ended" and draw(st.booleans()):
            fields["scheduled"] = [{"change": "cancel", "effective_at": draw(st.sampled_from(_TIMES))}]
        ref = f"src_ref_{'abcdefghijklmnopqrstuvwxyz'[index] * 26}"
        out.append(record(ref, draw(st.sampled_from(_KINDS)), draw(st.sampled_from(_PLANS)), **fields))
    return out


class TestDecisionProperties:
    """The decision is a pure function: order-free, repeatable, always schema-valid."""

    @pytest.mark.slow  # ~3 s: 200 generated record sets, each decided in several orders
    @settings(max_examples=200, deadline=None)
    @given(
        records=_records(),
        as_of=st.sampled_from(_TIMES),
        grace=st.sampled_from([None, "PT1H", "PT72H"]),
        data=st.data(),
    )
    def test_pure_and_order_independent(self, records, as_of, grace, data):
        req = request(records, as_of)
        if grace is not None:
            req["policy"]["trial_conversion_grace"] = grace
        decision = decide(req)
        assert is_valid(decision, "entitlements/v1/decision")
        assert decide(copy.deepcopy(req)) == decision
        shuffled = data.draw(st.permutations(records))
        assert decide(req | {"records": list(shuffled)}) == decision
        assert (decision["outcome"] == "allow") == (decision["reason"] in ALLOW_REASONS)
