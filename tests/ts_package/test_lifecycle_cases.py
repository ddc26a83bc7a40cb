"""The lifecycle cases cover what the TypeScript apply comparison needs (Python side)."""

from __future__ import annotations

from collections import Counter

import pytest
from tests.ts_package._lifecycle_cases import lifecycle_cases

from saas_contracts.entitlements import EVENT_OUTCOMES


@pytest.mark.slow  # ~2-4 s: about 180 streams applied in Python
class TestLifecycleCases:
    """The streams reach every outcome, every detail branch and the pre-log base rule."""

    def test_every_group_and_outcome(self):
        """Every group has cases and, between them, every outcome occurs."""
        cases = lifecycle_cases()
        groups = Counter(case["group"] for case in cases)
        assert {"writer", "stream", "converges", "permutation", "generated", "edge"} <= set(groups)
        assert groups["permutation"] >= 60
        assert groups["generated"] >= 50
        outcomes = {item["outcome"] for case in cases for item in case["python"].get("outcomes", [])}
        assert outcomes == set(EVENT_OUTCOMES)

    def test_detail_branches_and_envelopes(self):
        """Late applies, refolds that change other events, base staleness and envelopes all occur."""
        details = [
            item["detail"] for case in lifecycle_cases() for item in case["python"].get("outcomes", [])
        ]
        assert any(detail.startswith("applied late") for detail in details)
        assert any("other event(s) now" in detail for detail in details)
        assert any(detail.startswith("older than what the record reflected") for detail in details)
        assert any(detail.startswith("older than newer events") for detail in details)
        assert sum(len(case["python"].get("envelopes", [])) for case in lifecycle_cases()) >= 50
