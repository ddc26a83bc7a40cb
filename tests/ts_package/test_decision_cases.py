"""The generated decision requests cover what the TypeScript comparison needs (Python side)."""

from __future__ import annotations

from collections import Counter

import pytest
from tests.ts_package._decision_cases import INSTANT_REQUESTS, generated, python_result

from saas_contracts.entitlements import DECISION_REASONS, TIE_BREAK_STEPS


@pytest.mark.slow  # ~5-20 s: 500 requests generated, validated and decided in Python
class TestGeneratedRequests:
    """Seed-generated requests reach every reason, tie-break step and the error path."""

    def test_generator_is_not_degenerate(self):
        """Almost every generated request is schema-valid, so the comparison covers real inputs."""
        assert len(generated()) >= 475

    def test_coverage_of_reasons_and_tie_breaks(self):
        """Between them the requests reach every tie-break step, every reason code and the error path."""
        results = [python_result(request) for request in generated()]
        decisions = [item["decision"] for item in results if "decision" in item]
        reasons = Counter(decision["reason"] for decision in decisions)
        assert {decision["tie_break"] for decision in decisions if "tie_break" in decision} == set(
            TIE_BREAK_STEPS
        )
        assert set(reasons) == set(DECISION_REASONS), reasons
        assert any("limit" in decision for decision in decisions)
        assert any("error" in item for item in results)


class TestInstantRequests:
    """The instant-spelling pair decides as its docstring says (the workerd test compares JS with these)."""

    def test_due_and_pending(self):
        """A cancellation at .5Z is due at .500000000Z and pending at .49999999Z, valid until .5Z."""
        due, pending = (python_result(request)["decision"] for request in INSTANT_REQUESTS)
        assert due["reason"] == "source_expired"
        assert pending["reason"] == "cancel_scheduled"
        assert pending["valid_until"] == "2026-01-10T00:00:00.5Z"
