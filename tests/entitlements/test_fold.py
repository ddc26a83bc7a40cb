from __future__ import annotations

import copy

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.entitlements._support import GRANT, REDACTOR, WS, event, record, request

from saas_contracts.entitlements import (
    SOURCE_KINDS,
    PlanSourceState,
    apply_event,
    apply_events,
    decide,
    summarize,
)
from saas_contracts.entitlements._fold import Entry, canonical_key, fold, insert, is_stale, same_access
from saas_contracts.entitlements._writer import fingerprint

OTHER = REDACTOR.redact("sub", "test-billing-2")

# Events of two billing records and one operator grant: creations, changes, ends, retries and no-ops,
# with equal instants and provider sequences, so shuffles reach parked, illegal, stale and late folds.
POOL = [
    event(1, "trial_start", "2026-01-01T00:00:00Z", plan="pro", trial_end="2026-01-15T00:00:00Z"),
    event(2, "purchase", "2026-01-15T00:00:00Z", plan="pro", period_end="2026-02-15T00:00:00Z"),
    event(3, "billing_issue", "2026-02-15T01:00:00Z", grace_end="2026-02-22T01:00:00Z"),
    event(4, "billing_recovered", "2026-02-17T00:00:00Z"),
    event(5, "cancel_scheduled", "2026-02-20T00:00:00Z", effective_at="2026-03-15T00:00:00Z"),
    event(6, "cancel_revoked", "2026-02-25T00:00:00Z"),
    event(7, "renewal", "2026-03-15T00:00:00Z", period_end="2026-04-15T00:00:00Z"),
    event(8, "pause", "2026-03-20T00:00:00Z", timing="immediate"),
    event(9, "resume", "2026-03-25T00:00:00Z"),
    event(10, "cancel_immediate", "2026-04-01T00:00:00Z"),
    event(11, "purchase", "2026-01-10T00:00:00Z", record_id=OTHER, plan="basic", provider_sequence=2),
    event(
        12,
        "cancel_scheduled",
        "2026-01-10T00:00:00Z",
        record_id=OTHER,
        effective_at="2026-02-10T00:00:00Z",
        provider_sequence=1,
    ),
    event(
        13,
        "plan_change",
        "2026-01-20T00:00:00Z",
        record_id=OTHER,
        plan="team",
        timing="immediate",
        direction="upgrade",
    ),
    event(
        14, "cancel_scheduled", "2026-01-15T00:00:00Z", record_id=OTHER, effective_at="2026-02-10T00:00:00Z"
    ),
    event(15, "refund", "2026-01-25T00:00:00Z", record_id=OTHER, refund_scope="full"),
    event(
        16,
        "manual_grant",
        "2026-01-05T00:00:00Z",
        record_id=GRANT,
        source_kind="manual_override",
        plan="team",
        provider="manual",
        operator="ops-desk",
        approval_ref="ops-approval/1",
    ),
    event(
        17,
        "manual_revoke",
        "2026-02-05T00:00:00Z",
        record_id=GRANT,
        source_kind="manual_override",
        provider="manual",
        operator="ops-desk",
        approval_ref="ops-approval/2",
    ),
    # Pauses that resume by themselves or keep access, one clashing with event 8's instant.
    event(
        18,
        "pause",
        "2026-03-20T00:00:00Z",
        timing="immediate",
        keeps_access=True,
        resume_at="2026-03-23T00:00:00Z",
    ),
    event(
        19,
        "pause",
        "2026-02-01T00:00:00Z",
        timing="period_end",
        effective_at="2026-02-12T00:00:00Z",
        resume_at="2026-02-14T00:00:00Z",
    ),
    event(20, "schedule_withdrawn", "2026-02-03T00:00:00Z", change="pause"),
]
INSTANTS = [f"2026-0{month}-{day:02d}T12:00:00Z" for month in range(1, 5) for day in (1, 12, 18, 26)]
# Inside the trial's conversion grace, event 19's scheduled pause and event 18's pause that keeps access.
GRACED_INSTANTS = ("2026-01-16T12:00:00Z", "2026-02-13T12:00:00Z", "2026-03-21T12:00:00Z")
CAPABILITIES = ("feature.basic", "feature.advanced", "feature.admin")


def _deliveries(indexes: list[int]) -> list[dict[str, object]]:
    return [copy.deepcopy(POOL[index]) for index in indexes]


def _decisions(state: PlanSourceState) -> list[dict[str, object]]:
    records = state.workspace_records(WS)
    graced = {"policy": "graced", "order": list(SOURCE_KINDS), "trial_conversion_grace": "PT72H"}
    return [
        decide(request(records, at, capability=capability)) for at in INSTANTS for capability in CAPABILITIES
    ] + [decide(request(records, at, capability=CAPABILITIES[0], policy=graced)) for at in GRACED_INSTANTS]


def _summary(state: PlanSourceState) -> object:
    return summarize(state=state, generated_at="2026-06-01T00:00:00Z").document


class TestConvergence:
    """The state is a function of the set of delivered events, not of their order."""

    @pytest.mark.slow  # ~10 s: 120 random sets, each delivered in two orders and decided 51 times
    @settings(max_examples=120, deadline=None)
    @given(
        chosen=st.lists(st.integers(0, len(POOL) - 1), min_size=1, max_size=24),
        data=st.data(),
    )
    def test_every_permutation_with_duplicates_converges(self, chosen, data):
        shuffled = data.draw(st.permutations(chosen))
        first = apply_events(PlanSourceState(), _deliveries(chosen))
        second = apply_events(PlanSourceState(), _deliveries(shuffled))
        assert second.state.to_json() == first.state.to_json()
        assert _summary(second.state) == _summary(first.state)
        assert _decisions(second.state) == _decisions(first.state)
        distinct = len(set(chosen))
        assert first.counts["duplicate"] == second.counts["duplicate"] == len(chosen) - distinct

    def test_all_orders_of_a_cancellation_before_its_purchase_end_canceled(self):
        purchase = POOL[1] | {"event_id": "evt-test-0100", "occurred_at": "2026-01-01T00:00:00Z"}
        cancel = event(101, "cancel_immediate", "2026-01-10T00:00:00Z")
        for order in ([cancel, purchase, cancel], [purchase, cancel, cancel], [cancel, cancel, purchase]):
            state = apply_events(PlanSourceState(), copy.deepcopy(order)).state
            assert state.records[cancel["record_id"]]["end_reason"] == "canceled"
            assert {r["outcome"] for r in state.receipts.values()} == {"applied"}

    def test_a_late_purchase_reports_the_held_events_it_released(self):
        state = PlanSourceState()
        cancel = event(101, "cancel_immediate", "2026-01-10T00:00:00Z")
        parked = apply_event(state, cancel)
        assert parked.outcome == "parked"
        assert "re-evaluated" in parked.detail
        assert cancel["record_id"] not in state.records
        released = apply_event(state, event(100, "purchase", "2026-01-01T00:00:00Z", plan="pro"))
        assert released.outcome == "applied"
        assert "1 other event(s) now applied" in released.detail
        assert state.records[cancel["record_id"]]["status"] == "ended"


class TestFoldPieces:
    """The canonical key, insertion and the fold itself."""

    def test_key_orders_by_instant_then_sequence_then_fingerprint(self):
        early = event(1, "renewal", "2026-01-01T00:00:00Z")
        later = event(2, "renewal", "2026-01-01T00:00:00.000000001Z")
        assert canonical_key(early, "sha256:b") < canonical_key(later, "sha256:a")
        assert canonical_key(early, "sha256:z") < canonical_key(dict(early, provider_sequence=0), "sha256:a")
        assert canonical_key(early, "sha256:a") < canonical_key(early, "sha256:b")

    def test_insert_tells_whether_the_entry_went_last(self):
        entries: list[Entry] = []
        one, two = (event(n, "renewal", f"2026-01-0{n}T00:00:00Z") for n in (1, 2))
        assert insert(entries, Entry(canonical_key(two, fingerprint(two)), two, fingerprint(two)))
        assert not insert(entries, Entry(canonical_key(one, fingerprint(one)), one, fingerprint(one)))
        assert [entry.event_id for entry in entries] == ["evt-test-0001", "evt-test-0002"]

    def test_fold_labels_every_entry(self):
        items = [POOL[9], POOL[1], POOL[0]]
        entries = sorted(
            Entry(canonical_key(item, fingerprint(item)), item, fingerprint(item)) for item in items
        )
        folded = fold(entries)
        assert folded.record is not None
        assert folded.record["end_reason"] == "canceled"
        assert folded.labels == dict.fromkeys(("evt-test-0001", "evt-test-0002", "evt-test-0010"), "applied")

    def test_a_base_keeps_the_pre_log_staleness_rule(self):
        base = record(last_event_at="2026-02-01T00:00:00Z")
        older = event(40, "billing_issue", "2026-01-20T00:00:00Z", grace_end="2026-01-27T00:00:00Z")
        assert is_stale(base, older)
        folded = fold([Entry(canonical_key(older, fingerprint(older)), older, fingerprint(older))], base)
        assert folded.labels == {"evt-test-0040": "stale"}
        assert folded.record == base

    def test_same_access_ignores_bookkeeping_only(self):
        assert same_access(record(), record(sequence=9, last_event_id="evt-other"))
        assert not same_access(record(), record(plan="team"))
        assert same_access(None, None)
        assert not same_access(None, record())


class TestLegacyState:
    """A state written before logs were kept is read with its records as bases."""

    def test_records_become_bases_and_round_trip(self):
        legacy = {"state": "entitlements/v1", "records": [record()], "receipts": []}
        state = PlanSourceState.from_json(legacy)
        assert state.bases == state.records
        document = state.to_json()
        assert document["bases"] == [record()]
        assert PlanSourceState.from_json(document).to_json() == document

    def test_a_logged_event_needs_its_receipt(self):
        document = apply_events(PlanSourceState(), [POOL[1]]).state.to_json()
        document["receipts"] = []
        with pytest.raises(ValueError, match="receipt"):
            PlanSourceState.from_json(document)
