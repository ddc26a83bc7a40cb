from __future__ import annotations

import pytest

from saas_contracts._registry import default_catalog
from saas_contracts.entitlements import (
    DECISION_REASONS,
    EVENT_OUTCOMES,
    LIFECYCLE_KINDS,
    SOURCE_KINDS,
    TIE_BREAK_STEPS,
)
from saas_contracts.entitlements._vocab import END_REASONS, RECORD_STATUSES, format_instant, instant


class TestVocabularyMirrorsSchema:
    """The Python constants are exactly the enums of entitlements/v1/vocabulary."""

    @pytest.mark.parametrize(
        ("name", "values"),
        [
            ("source_kind", SOURCE_KINDS),
            ("lifecycle_kind", LIFECYCLE_KINDS),
            ("record_status", RECORD_STATUSES),
            ("end_reason", END_REASONS),
            ("decision_reason", DECISION_REASONS),
            ("tie_break_step", TIE_BREAK_STEPS),
            ("event_outcome", EVENT_OUTCOMES),
        ],
    )
    def test_enum_matches(self, name, values):
        schema = default_catalog().get("entitlements/v1/vocabulary").contents
        assert tuple(schema["$defs"][name]["enum"]) == tuple(values)


class TestInstant:
    """Timestamps compare exactly, to the nanosecond, whatever their fraction spelling."""

    def test_fraction_lengths_compare_by_value(self):
        assert instant("2026-01-01T00:00:00.5Z") == instant("2026-01-01T00:00:00.500000000Z")
        assert instant("2026-01-01T00:00:00.000000001Z") > instant("2026-01-01T00:00:00Z")

    def test_epoch(self):
        assert instant("1970-01-01T00:00:01Z") == 1_000_000_000

    @pytest.mark.parametrize(
        "text", ["2026-03-15T12:34:56Z", "2026-03-15T12:34:56.123456789Z", "2026-03-15T12:34:56.1Z"]
    )
    def test_round_trip(self, text):
        assert format_instant(instant(text)) == text
