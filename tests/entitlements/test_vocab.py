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
from saas_contracts.entitlements._vocab import END_REASONS, RECORD_STATUSES


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
