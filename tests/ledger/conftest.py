"""Fixtures for the ledger tests (builders live in tests/ledger/_support.py)."""

from __future__ import annotations

from typing import Any

import pytest
from tests.ledger._support import WINDOW

from saas_contracts.ledger import ReplayRequest


@pytest.fixture
def request_factory():
    """Build ReplayRequest objects over the default window."""

    def build(**overrides: Any) -> ReplayRequest:
        values: dict[str, Any] = {
            "window_start": WINDOW[0],
            "window_end": WINDOW[1],
            "suppression_threshold": 1,
        }
        values.update(overrides)
        return ReplayRequest(**values)

    return build
