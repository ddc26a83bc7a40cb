"""Replay and backfill requests: the window, the mode, the switches."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final, Literal

from saas_contracts._time import NS_PER_DAY, parse_utc_ns
from saas_contracts._validation import validate
from saas_contracts.errors import ContractViolationError, Violation
from saas_contracts.ledger._envelope import TimeRules
from saas_contracts.ledger._summary import DEFAULT_SUPPRESSION_THRESHOLD

if TYPE_CHECKING:
    from collections.abc import Mapping

REQUEST_SCHEMA: Final = "usage-ledger/v1/replay-request"
DEFAULT_MAX_SPAN_DAYS: Final = 31
Mode = Literal["replay", "backfill"]


@dataclass(frozen=True, kw_only=True)
class ReplayRequest:
    """A checked replay/backfill request (see ``usage-ledger/v1/replay-request``).

    The window is ``[window_start, window_end)`` in UTC, matched against each
    event's ``occurred_at``; it must be non-empty and at most
    ``max_span_days`` long. A backfill needs an operator-owned ``backfill_ref``.
    """

    window_start: str
    window_end: str
    mode: Mode = "replay"
    dry_run: bool = False
    backfill_ref: str | None = None
    max_span_days: int = DEFAULT_MAX_SPAN_DAYS
    time_rules: TimeRules = field(default_factory=TimeRules)
    by_day: bool = False
    suppression_threshold: int = DEFAULT_SUPPRESSION_THRESHOLD

    def __post_init__(self) -> None:
        """Check the request against the schema and the window rules."""
        document = self.to_json()
        violations = list(validate(document, REQUEST_SCHEMA))
        if not violations:
            start, end = parse_utc_ns(self.window_start), parse_utc_ns(self.window_end)
            if end <= start:
                violations.append(
                    Violation(
                        pointer="/window/end",
                        keyword="window",
                        rule="usage-ledger/replay-window",
                        message="the window end must be after its start (start inclusive, end exclusive)",
                    ),
                )
            elif end - start > self.max_span_days * NS_PER_DAY:
                violations.append(
                    Violation(
                        pointer="/window",
                        keyword="window",
                        rule="usage-ledger/replay-window",
                        message=f"the window spans more than max_span_days ({self.max_span_days} days)",
                    ),
                )
        if violations:
            raise ContractViolationError(REQUEST_SCHEMA, violations)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ReplayRequest:
        """Build from a ``replay-request`` document; raise :class:`ContractViolationError` when invalid."""
        violations = validate(data, REQUEST_SCHEMA)
        if violations:
            raise ContractViolationError(REQUEST_SCHEMA, violations)
        return cls(
            window_start=data["window"]["start"],
            window_end=data["window"]["end"],
            mode=data["mode"],
            dry_run=data["dry_run"],
            backfill_ref=data.get("backfill_ref"),
            max_span_days=data.get("max_span_days", DEFAULT_MAX_SPAN_DAYS),
            time_rules=TimeRules.from_json(data.get("time_rules")),
            by_day=data.get("by_day", False),
            suppression_threshold=data.get("suppression_threshold", DEFAULT_SUPPRESSION_THRESHOLD),
        )

    @property
    def window(self) -> dict[str, str]:
        """``{"start": ..., "end": ...}``."""
        return {"start": self.window_start, "end": self.window_end}

    @property
    def window_ns(self) -> tuple[int, int]:
        """The window as nanoseconds since the epoch."""
        return parse_utc_ns(self.window_start), parse_utc_ns(self.window_end)

    def to_json(self) -> dict[str, Any]:
        """Return the ``replay-request`` document, defaults spelled out."""
        document: dict[str, Any] = {"window": self.window, "mode": self.mode, "dry_run": self.dry_run}
        if self.backfill_ref is not None:
            document["backfill_ref"] = self.backfill_ref
        document.update(
            max_span_days=self.max_span_days,
            time_rules=self.time_rules.to_json(),
            by_day=self.by_day,
            suppression_threshold=self.suppression_threshold,
        )
        return document
