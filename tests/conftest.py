"""Fixtures shared by every test area (importable helpers live in tests/_support.py)."""

from __future__ import annotations

import pytest
from tests._support import Cli, invoke_cli


@pytest.fixture
def cli() -> Cli:
    """The one CLI runner: `cli("ledger", "replay", path, input=...)` returns click's Result."""
    return invoke_cli
