"""The outcome vocabulary and the per-block result types of the replay.

Shared by the per-line pipeline (:mod:`~saas_contracts.ledger._pipeline`),
the in-order fold (:mod:`~saas_contracts.ledger._report`) and the Dask engine
(:mod:`~saas_contracts.ledger._distributed`); see
:mod:`~saas_contracts.ledger._replay` for what each outcome means.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from saas_contracts._validation import ValidatorChoice
    from saas_contracts.ledger._envelope import TimeRules
    from saas_contracts.ledger._summary import GroupKey

__all__ = [
    "BLANK",
    "INVALID",
    "LATE",
    "MAX_SAMPLES",
    "OUTCOMES",
    "OUT_OF_WINDOW",
    "BlockResult",
    "Context",
    "LineIssue",
    "Within",
]

OUTCOMES: Final = ("accepted", "duplicate", "conflict", "invalid", "out_of_window", "late", "blank")
"""Every outcome a line can end in; each line ends in exactly one."""
MAX_SAMPLES: Final = 20
INVALID, OUT_OF_WINDOW, LATE, BLANK = range(4)
"""The slots of :attr:`BlockResult.counts` (the outcomes a block settles without the index)."""


@dataclass(frozen=True, kw_only=True)
class LineIssue:
    """Where and why one line did not go through."""

    input: int
    line: int
    reason: str
    pointer: str | None = None

    def to_json(self) -> dict[str, Any]:
        """Return the ``line_issue`` object."""
        issue: dict[str, Any] = {"input": self.input, "line": self.line, "reason": self.reason}
        if self.pointer is not None:
            issue["pointer"] = self.pointer
        return issue


@dataclass(frozen=True)
class Context:
    start: int
    end: int
    now: int
    rules: TimeRules
    by_day: bool
    validator: ValidatorChoice


@dataclass
class BlockResult:
    input: int
    lines: int
    counts: list[int]
    issues: list[tuple[int, str | None, str]]
    keys: bytearray = field(default_factory=bytearray)
    fingerprints: bytearray = field(default_factory=bytearray)
    line_numbers: array[int] = field(default_factory=lambda: array("q"))
    group_ids: array[int] = field(default_factory=lambda: array("l"))
    groups: list[GroupKey] = field(default_factory=list)
    quantities: array[int] = field(default_factory=lambda: array("q"))
    late: bytearray = field(default_factory=bytearray)
    within: Within | None = None
    line_shift: int = 0  # added to the block's line numbers (a range read by a worker counts from 1 or 2)


@dataclass
class Within:
    """A block resolved within itself: the first occurrence of each scope, and the verdicts of repeats.

    ``verdicts`` holds, per fingerprinted event, ACCEPTED for a first
    occurrence and DUPLICATE/CONFLICT for a repeat judged against it;
    ``totals`` (per group) and ``late`` sum the first occurrences. When the
    index knows none of the first occurrences these are the block's verdicts
    and aggregates as they are.
    """

    keys: bytearray
    fingerprints: bytearray
    positions: array[int]
    verdicts: bytearray
    totals: list[list[int]]
    late: int
