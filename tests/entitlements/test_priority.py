from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._support import budget
from tests.entitlements._support import record

from saas_contracts import ContractViolationError
from saas_contracts.entitlements import DEFAULT_POLICY, SOURCE_KINDS, Resolution, resolve
from saas_contracts.redaction import redact

_REFS = [redact("src", f"record-{index}", key=b"priority-tests-key-0001") for index in range(6)]
_STARTS = ["2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z", "2026-01-02T00:00:00.5Z"]

records_strategy = st.lists(
    st.builds(
        lambda ref, kind, start, sequence: record(ref, kind, effective_start=start, sequence=sequence),
        st.sampled_from(_REFS),
        st.sampled_from(SOURCE_KINDS),
        st.sampled_from(_STARTS),
        st.integers(min_value=1, max_value=3),
    ),
    min_size=1,
    max_size=6,
    unique_by=lambda item: item["record_id"],
)


def _resolved(candidates) -> Resolution:
    """Resolve under the default policy; there must be a winner."""
    found = resolve(candidates, DEFAULT_POLICY)
    assert found is not None
    return found


class TestResolve:
    """The policy order decides first; the fixed tie-break chain decides the rest."""

    def test_default_policy_order(self):
        assert DEFAULT_POLICY["order"] == [
            "manual_override", "billing_provider", "promotion", "trial", "default_plan",
        ]  # fmt: skip

    def test_policy_is_data(self):
        policy = {"policy": "promo-first", "order": ["promotion", "billing_provider"]}
        found = resolve([record(_REFS[0], "billing_provider"), record(_REFS[1], "promotion")], policy)
        assert found is not None
        assert found.winner["record_id"] == _REFS[1]
        assert found.tie_break == "source_priority"

    def test_unlisted_kinds_never_win(self):
        policy = {"policy": "billing-only", "order": ["billing_provider"]}
        assert resolve([record(_REFS[0], "manual_override")], policy) is None

    def test_steps_in_order(self):
        base = record(_REFS[0], "promotion")
        later = record(_REFS[1], "promotion", effective_start="2026-01-02T00:00:00Z")
        assert _resolved([base, later]).tie_break == "later_effective_start"
        higher = record(_REFS[1], "promotion", sequence=2)
        assert _resolved([base, higher]).tie_break == "higher_sequence"
        same = record(_REFS[1], "promotion")
        found = _resolved([base, same])
        assert found.tie_break == "record_id"
        assert found.winner["record_id"] == min(_REFS[0], _REFS[1])

    def test_invalid_policy_is_rejected(self):
        with pytest.raises(ContractViolationError):
            resolve([record()], {"policy": "x", "order": ["manual_override", "manual_override"]})

    @settings(max_examples=budget(150), deadline=None)
    @given(records=records_strategy, data=st.data())
    def test_order_independent(self, records, data):
        shuffled = data.draw(st.permutations(records))
        first, second = resolve(records, DEFAULT_POLICY), resolve(shuffled, DEFAULT_POLICY)
        assert first is not None
        assert second is not None
        assert (first.winner["record_id"], first.tie_break) == (second.winner["record_id"], second.tie_break)
