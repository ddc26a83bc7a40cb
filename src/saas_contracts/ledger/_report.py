"""The replay report, and the in-order fold of block results into it against the index.

The fold (:class:`Accumulator`) runs in the calling process in input order:
it counts outcomes, keeps the first samples, resolves the blocks' first
occurrences against the idempotency index in batches and adds accepted events
to the aggregates.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from saas_contracts.errors import ConservationError
from saas_contracts.ledger._index import ACCEPTED, CONFLICT, DUPLICATE, unpack
from saas_contracts.ledger._outcomes import (
    BLANK,
    INVALID,
    LATE,
    MAX_SAMPLES,
    OUT_OF_WINDOW,
    OUTCOMES,
    LineIssue,
)
from saas_contracts.ledger._summary import Aggregator

if TYPE_CHECKING:
    from collections.abc import Mapping

    from saas_contracts.ledger._index import IndexRun
    from saas_contracts.ledger._outcomes import BlockResult, Within
    from saas_contracts.ledger._request import ReplayRequest
    from saas_contracts.ledger._summary import UsageSummary

__all__ = ["REPORT_SCHEMA", "Accumulator", "ReplayReport"]

REPORT_SCHEMA: Final = "usage-ledger/v1/replay-report"
_RESOLVE_BATCH: Final = 1 << 15
"""First occurrences resolved against the index per call (about a dozen 1 MiB blocks' worth)."""
_CONFLICT_REASON: Final = "same idempotency scope as an earlier event, different fingerprint (not applied)"


@dataclass(frozen=True, kw_only=True)
class ReplayReport:
    """Everything one replay run did (``usage-ledger/v1/replay-report``)."""

    request: ReplayRequest
    evaluated_at: str
    counts: Mapping[str, int]
    invalid_samples: tuple[LineIssue, ...]
    conflict_samples: tuple[LineIssue, ...]
    aggregator: Aggregator = field(repr=False)
    index_kind: str
    index_persistent: bool
    index_written: int

    @property
    def lines_read(self) -> int:
        """Lines read over all inputs (blank ones included)."""
        return self.counts["lines_read"]

    @property
    def outcomes_total(self) -> int:
        """The sum of the outcome counters."""
        return sum(self.counts[name] for name in OUTCOMES)

    def summary(self, threshold: int | None = None) -> UsageSummary:
        """Return the aggregate summary (the request's suppression threshold unless given)."""
        return self.aggregator.summary(
            window=self.request.window,
            threshold=self.request.suppression_threshold if threshold is None else threshold,
        )

    def conservation_json(self) -> dict[str, Any]:
        """Return the ``conservation`` object (raises if it does not hold)."""
        if self.outcomes_total != self.lines_read:
            message = f"{self.outcomes_total} outcomes for {self.lines_read} lines"
            raise ConservationError(message)
        return {"lines_read": self.lines_read, "outcomes_total": self.outcomes_total, "holds": True}

    def index_json(self) -> dict[str, Any]:
        """Return the ``index`` object."""
        return {"kind": self.index_kind, "persistent": self.index_persistent, "written": self.index_written}

    def to_json(self) -> dict[str, Any]:
        """Return the ``replay-report`` document."""
        return {
            "request": self.request.to_json(),
            "evaluated_at": self.evaluated_at,
            "counts": dict(self.counts),
            "conservation": self.conservation_json(),
            "invalid_samples": [issue.to_json() for issue in self.invalid_samples],
            "conflict_samples": [issue.to_json() for issue in self.conflict_samples],
            "aggregates": self.summary().to_json(),
            "index": self.index_json(),
        }


class Accumulator:
    def __init__(self, run: IndexRun, aggregator: Aggregator) -> None:
        self.run = run
        self.aggregator = aggregator
        self.counts = dict.fromkeys(("lines_read", *OUTCOMES, "late_accepted"), 0)
        self.invalid: list[LineIssue] = []
        self.conflicts: list[LineIssue] = []
        self._pending: list[BlockResult] = []
        self._pending_firsts = 0

    def push(self, result: BlockResult) -> None:
        """Fold one block in (input order) once enough first occurrences wait; :meth:`flush` at the end."""
        self._pending.append(result)
        if result.within is not None:
            self._pending_firsts += len(result.within.positions)
        if self._pending_firsts >= _RESOLVE_BATCH or result.within is None:
            self.flush()

    def flush(self) -> None:
        """Fold the pushed blocks in, resolving all their first occurrences against the index at once.

        One resolve over the concatenated first occurrences gives each block the
        verdicts block-by-block resolution would: a scope first seen in an
        earlier block of the batch is judged against it in input order, and a
        repeat judged again (:meth:`_judge_repeats`) only meets scopes that the
        index already holds, whose fingerprints never change (first wins). A
        batch amortises the index's per-call costs; SQLite inserts a larger
        sorted batch with better B-tree locality.
        """
        pending, self._pending, self._pending_firsts = self._pending, [], 0
        if len(pending) <= 1 or any(result.within is None for result in pending):
            for result in pending:
                self.add(result)
            return
        wanted = [result.within for result in pending if result.within is not None]
        keys = b"".join(within.keys for within in wanted)
        fingerprints = b"".join(within.fingerprints for within in wanted)
        firsts = self.run.resolve_packed(keys, fingerprints)
        at = 0
        for result, within in zip(pending, wanted, strict=True):
            self.add(result, firsts[at : at + len(within.positions)])
            at += len(within.positions)

    def add(self, result: BlockResult, firsts: bytearray | None = None) -> bytearray:
        """Fold one block in (input order); return the index verdicts of its fingerprinted events.

        ``firsts``: the index verdicts of the block's first occurrences, when
        :meth:`flush` resolved them already.
        """
        counts = self.counts
        counts["lines_read"] += result.lines
        counts["invalid"] += result.counts[INVALID]
        counts["out_of_window"] += result.counts[OUT_OF_WINDOW]
        counts["late"] += result.counts[LATE]
        counts["blank"] += result.counts[BLANK]
        shift = result.line_shift
        for line, pointer, reason in result.issues:
            if len(self.invalid) < MAX_SAMPLES:
                self.invalid.append(
                    LineIssue(input=result.input, line=line + shift, pointer=pointer, reason=reason)
                )
        total = len(result.line_numbers)
        if not total:
            return bytearray()
        within = result.within
        if within is None:
            verdicts = self.run.resolve_packed(bytes(result.keys), bytes(result.fingerprints))
            self._aggregate(result, verdicts)
        else:
            if firsts is None:
                firsts = self.run.resolve_packed(bytes(within.keys), bytes(within.fingerprints))
            if any(firsts):
                verdicts = self._judge_repeats(result, within, firsts)
                self._aggregate(result, verdicts)
            else:  # no first occurrence met a known scope: the worker's verdicts and sums stand
                verdicts = within.verdicts
                block = Aggregator(by_day=self.aggregator.by_day)
                block.groups = {
                    group: sums for group, sums in zip(result.groups, within.totals, strict=True) if sums[0]
                }
                self.aggregator.merge(block)
                counts["late_accepted"] += within.late
        conflicts = verdicts.count(CONFLICT)
        position = -1
        for _ in range(min(conflicts, MAX_SAMPLES - len(self.conflicts))):
            position = verdicts.index(CONFLICT, position + 1)
            self.conflicts.append(
                LineIssue(
                    input=result.input, line=result.line_numbers[position] + shift, reason=_CONFLICT_REASON
                ),
            )
        counts["accepted"] += total - conflicts - (duplicates := verdicts.count(DUPLICATE))
        counts["duplicate"] += duplicates
        counts["conflict"] += conflicts
        return verdicts

    def _judge_repeats(self, result: BlockResult, within: Within, firsts: bytearray) -> bytearray:
        """Every verdict of a block whose first occurrences were resolved to ``firsts``.

        A repeat of a scope that was new to the index keeps the worker's verdict
        (against the first occurrence, which the index now holds); a repeat of a
        scope the index knew is judged again, against the index.
        """
        keys, fingerprints = unpack(bytes(result.keys), bytes(result.fingerprints))
        verdicts = bytearray(within.verdicts)
        known = set()
        for position, verdict in zip(within.positions, firsts, strict=True):
            if verdict != ACCEPTED:
                verdicts[position] = verdict
                known.add(keys[position])
        local = within.verdicts
        again = [p for p, verdict in enumerate(local) if verdict != ACCEPTED and keys[p] in known]
        if again:
            judged = self.run.resolve([keys[p] for p in again], [fingerprints[p] for p in again])
            for position, verdict in zip(again, judged, strict=True):
                verdicts[position] = verdict
        return verdicts

    def _aggregate(self, result: BlockResult, verdicts: bytearray) -> None:
        """Tally accepted events per group of this block, then fold once into the aggregator."""
        events = [0] * len(result.groups)
        quantity = [0] * len(result.groups)
        late_accepted = 0
        for verdict, gid, amount, late in zip(
            verdicts, result.group_ids, result.quantities, result.late, strict=True
        ):
            if verdict == ACCEPTED:
                events[gid] += 1
                quantity[gid] += amount
                late_accepted += late
        block = Aggregator(by_day=self.aggregator.by_day)
        block.groups = {
            group: [events[gid], quantity[gid]] for gid, group in enumerate(result.groups) if events[gid]
        }
        self.aggregator.merge(block)
        self.counts["late_accepted"] += late_accepted
