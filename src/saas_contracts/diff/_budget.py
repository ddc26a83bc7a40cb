"""The work budget of one diff run: a count of checks, so every run ends in bounded time.

A unit is one validation of a candidate instance or one pair of nodes walked.
Counting work instead of reading a clock keeps the verdicts of a run
reproducible: the same inputs and the same budget give the same report on any
machine. Once the budget is spent, every check that is still open ends as
``unknown`` with the reason :data:`BUDGET_NOTE` instead of running on.
"""

from __future__ import annotations

from typing import Final

__all__ = ["BUDGET_NOTE", "DEFAULT_BUDGET", "Budget", "BudgetSpentError"]

DEFAULT_BUDGET: Final = 200_000
"""Units of work per run by default: a few seconds to a minute on real schema trees."""
BUDGET_NOTE: Final = "budget: the run's work budget was spent before this check ended (raise --budget)"
"""The reason an open check carries when the budget ran out."""


class BudgetSpentError(Exception):
    """Control flow inside the differ: the budget ran out. Always caught within ``saas_contracts.diff``."""


class Budget:
    """A countdown of work units shared by everything one diff run does."""

    def __init__(self, units: int = DEFAULT_BUDGET) -> None:
        """Allow ``units`` units of work (at least one)."""
        self.units = max(1, units)
        self.spent = 0

    def spend(self, units: int = 1) -> bool:
        """Take ``units``; False (and nothing taken) once the budget is spent."""
        if self.spent >= self.units:
            return False
        self.spent += units
        return True

    def charge(self, units: int = 1) -> None:
        """Take ``units`` or raise :class:`BudgetSpentError` once the budget is spent."""
        if not self.spend(units):
            raise BudgetSpentError

    @property
    def exhausted(self) -> bool:
        """True once every unit is spent."""
        return self.spent >= self.units
