"""Aggregate usage summaries: counts and quantity sums by plan label x event kind.

Only accepted events are aggregated (a duplicate is the same usage, a
conflict is not applied). Rows are keyed by ``(day, plan_label, event_kind)``
where ``day`` is the UTC day of ``occurred_at`` when the granularity is
``day`` and absent otherwise, and are always sorted by that key, so the same
input gives the same bytes. Public output suppresses rows with fewer events
than a threshold (default 5): they are left out and only counted, and totals
cover the rows shown, so a suppressed row cannot be recovered by subtraction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final, Literal

from saas_contracts._validation import validate
from saas_contracts.errors import ContractViolationError

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

SUMMARY_SCHEMA: Final = "usage-ledger/v1/usage-summary"
DEFAULT_SUPPRESSION_THRESHOLD: Final = 5
Granularity = Literal["window", "day"]
GroupKey = tuple[str, str, str]
"""(day or "", plan_label, event_kind)."""


@dataclass(frozen=True, kw_only=True, order=True)
class SummaryRow:
    """One aggregate row."""

    day: str
    plan_label: str
    event_kind: str
    events: int
    quantity: int

    def to_json(self) -> dict[str, Any]:
        """Return the row object (``day`` only when set)."""
        row: dict[str, Any] = {"day": self.day} if self.day else {}
        row.update(
            plan_label=self.plan_label, event_kind=self.event_kind, events=self.events, quantity=self.quantity
        )
        return row


@dataclass(kw_only=True)
class Aggregator:
    """Accumulates accepted events by group; cheap enough for the replay's inner loop."""

    by_day: bool = False
    groups: dict[GroupKey, list[int]] = field(default_factory=dict)

    def add(self, key: GroupKey, quantity: int) -> None:
        """Count one accepted event of ``quantity`` in group ``key``."""
        totals = self.groups.get(key)
        if totals is None:
            self.groups[key] = [1, quantity]
        else:
            totals[0] += 1
            totals[1] += quantity

    def add_event(self, event: Mapping[str, Any], day: str = "") -> None:
        """Count one accepted event given as an envelope."""
        self.add(
            (day if self.by_day else "", event["plan"]["plan_label"], event["event_type"]),
            int(event["quantity"]),
        )

    def merge(self, other: Aggregator) -> None:
        """Fold another aggregator's groups into this one."""
        for key, (events, quantity) in other.groups.items():
            totals = self.groups.setdefault(key, [0, 0])
            totals[0] += events
            totals[1] += quantity

    def rows(self) -> list[SummaryRow]:
        """Every row, sorted."""
        return sorted(
            SummaryRow(day=day, plan_label=plan, event_kind=kind, events=events, quantity=quantity)
            for (day, plan, kind), (events, quantity) in self.groups.items()
        )

    def summary(
        self, *, window: Mapping[str, str], threshold: int = DEFAULT_SUPPRESSION_THRESHOLD
    ) -> UsageSummary:
        """Return the (suppressed) summary for ``window``; ``threshold=1`` suppresses nothing."""
        return UsageSummary.build(
            window=window,
            granularity="day" if self.by_day else "window",
            rows=self.rows(),
            threshold=threshold,
        )


@dataclass(frozen=True, kw_only=True)
class UsageSummary:
    """A schema-valid aggregate usage summary."""

    window: Mapping[str, str]
    granularity: Granularity
    threshold: int
    rows: tuple[SummaryRow, ...]
    suppressed_rows: int

    @classmethod
    def build(
        cls,
        *,
        window: Mapping[str, str],
        granularity: Granularity,
        rows: Iterable[SummaryRow],
        threshold: int,
    ) -> UsageSummary:
        """Sort ``rows`` and drop those under ``threshold`` events."""
        if threshold < 1:
            raise ValueError("the suppression threshold is at least 1")
        ordered = sorted(rows)
        shown = tuple(row for row in ordered if row.events >= threshold)
        return cls(
            window={"start": window["start"], "end": window["end"]},
            granularity=granularity,
            threshold=threshold,
            rows=shown,
            suppressed_rows=len(ordered) - len(shown),
        )

    @property
    def total_events(self) -> int:
        """Events over the rows shown."""
        return sum(row.events for row in self.rows)

    @property
    def total_quantity(self) -> int:
        """Quantity over the rows shown."""
        return sum(row.quantity for row in self.rows)

    def to_json(self) -> dict[str, Any]:
        """Return the ``usage-ledger/v1/usage-summary`` document."""
        return {
            "window": dict(self.window),
            "granularity": self.granularity,
            "suppression": {"threshold": self.threshold, "suppressed_rows": self.suppressed_rows},
            "rows": [row.to_json() for row in self.rows],
            "totals": {"events": self.total_events, "quantity": self.total_quantity},
        }

    def ensure_valid(self) -> dict[str, Any]:
        """Return the JSON form, after checking it against the schema."""
        document = self.to_json()
        violations = validate(document, SUMMARY_SCHEMA)
        if violations:
            raise ContractViolationError(SUMMARY_SCHEMA, violations)
        return document

    def markdown_table(self) -> str:
        """Return a Markdown table of the rows (deterministic)."""
        day = self.granularity == "day"
        head = ("| day " if day else "") + "| plan | event kind | events | quantity |"
        rule = ("| --- " if day else "") + "| --- | --- | ---: | ---: |"
        lines = [head, rule]
        for row in self.rows:
            prefix = f"| {row.day} " if day else ""
            lines.append(f"{prefix}| {row.plan_label} | {row.event_kind} | {row.events} | {row.quantity} |")
        if not self.rows:
            lines.append(("| " if day else "") + "| (no rows) | | | |")
        return "\n".join(lines)
