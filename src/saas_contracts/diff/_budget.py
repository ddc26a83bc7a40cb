"""The work budget of one diff run: a count of checks, so every run ends in bounded time.

A unit is one validation of a candidate instance, one step building candidate
instances (a subschema whose candidates are listed), one pair of nodes walked,
or :data:`TEXT_UNIT` characters of canonical schema text built to compare or
memoize subschemas (a subschema's text is as long as the subschema, so on big
schemas that work outgrows the count of nodes: it is charged by length).
Counting work instead of reading a clock keeps the verdicts of a run
reproducible: the same inputs and the same budget give the same report on any
machine. Once the budget is spent, every check that is still open ends as
``unknown`` with the reason :data:`BUDGET_NOTE` instead of running on.
"""

from __future__ import annotations

from typing import Final

__all__ = ["BUDGET_NOTE", "DEFAULT_BUDGET", "TEXT_UNIT", "Budget", "BudgetSpentError"]

DEFAULT_BUDGET: Final = 200_000
"""Units of work per run by default: a few seconds to a minute on real schema trees."""
BUDGET_NOTE: Final = "budget: the run's work budget was spent before this check ended (raise --budget)"
"""The reason an open check carries when the budget ran out."""
TEXT_UNIT: Final = 1_000
"""Characters of canonical schema text per unit of work (shorter texts are free)."""


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

    def charge_text(self, length: int) -> None:
        """Charge for ``length`` characters of canonical schema text (one unit per :data:`TEXT_UNIT`)."""
        units = length // TEXT_UNIT
        if units:
            self.charge(units)

    @property
    def exhausted(self) -> bool:
        """True once every unit is spent."""
        return self.spent >= self.units
