"""Fixtures shared by every test area, and the run-wide hooks (importable helpers live in tests/_support.py).

Hooks: the everyday loop (``pytest -m "not slow"``, outside CI) loads the hypothesis profile
``everyday``, which gives property tests that keep hypothesis' default budget 30 examples instead of
100 (tests that set ``max_examples`` themselves keep it); full runs and ``CI=true`` keep the default.
``--hypothesis-profile NAME`` always wins. After collection the collected items are frozen out of
the cyclic garbage collector's reach (:func:`gc.freeze`): they live for the whole run, and the
collector otherwise walks all of them on every full collection.
"""

from __future__ import annotations

import gc

import pytest
from hypothesis import settings
from tests._support import EVERYDAY_PROFILE, Cli, everyday_loop, invoke_cli, on_ci

settings.register_profile(EVERYDAY_PROFILE, max_examples=30)


def pytest_configure(config: pytest.Config) -> None:
    """Load the everyday hypothesis profile for ``-m "not slow"`` unless a profile was asked for."""
    if config.getoption("hypothesis_profile", None):
        return
    if everyday_loop(config.option.markexpr or "", ci=on_ci()):
        settings.load_profile(EVERYDAY_PROFILE)


def pytest_collection_finish() -> None:
    """Freeze what collection built: the items outlive every test, so the collector need not walk them."""
    gc.freeze()


@pytest.fixture
def cli() -> Cli:
    """The one CLI runner: `cli("ledger", "replay", path, input=...)` returns click's Result."""
    return invoke_cli
