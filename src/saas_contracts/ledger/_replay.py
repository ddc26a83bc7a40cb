"""Replay and backfill: stream JSON Lines, give every line exactly one outcome.

For each input line, in order of precedence:

1. ``blank``: the line holds only ASCII whitespace (after a UTF-8 BOM on line 1);
2. ``invalid``: not UTF-8, not strict JSON, not a valid envelope
   (``usage-ledger/v1/event``), or against the time rules (see
   :mod:`saas_contracts.ledger._envelope`); reported with its line number and a
   public-safe reason;
3. ``out_of_window``: ``occurred_at`` outside ``[start, end)``; counted, not
   processed (the index is not consulted or written);
4. ``late``: recorded more than ``late_after`` after it occurred, when the late
   policy is ``reject`` (with ``accept`` it goes on and is also counted in
   ``late_accepted``);
5. ``accepted`` / ``duplicate`` / ``conflict``: the idempotency verdict.

The report asserts conservation: the outcome counts add up to the lines read.

Parsing, validation and fingerprinting are pure per line and can run in
worker processes; the index and the aggregates are updated in input order in
the calling process, so the result does not depend on the number of workers.

The parts: the outcome vocabulary and per-block result types
(:mod:`~saas_contracts.ledger._outcomes`), the per-line pipeline
(:mod:`~saas_contracts.ledger._pipeline`), reading blocks and ranges and the
worker pool (:mod:`~saas_contracts.ledger._blocks`), and the report with the
in-order fold (:mod:`~saas_contracts.ledger._report`); this module holds the
entry points.
"""

from __future__ import annotations

import io
import json
from typing import IO, TYPE_CHECKING

from saas_contracts._time import format_utc_ns, utc_ns
from saas_contracts._validation import ValidatorChoice, schema_check
from saas_contracts.errors import InputFileError
from saas_contracts.ledger._blocks import (
    BLOCK_BYTES,
    PARALLEL_MIN_BYTES,
    default_workers,
    input_size,
    iter_jobs,
    run_parallel,
)
from saas_contracts.ledger._envelope import EVENT_SCHEMA
from saas_contracts.ledger._index import IdempotencyIndex, MemoryIndex
from saas_contracts.ledger._outcomes import Context
from saas_contracts.ledger._pipeline import classify
from saas_contracts.ledger._report import Accumulator, ReplayReport
from saas_contracts.ledger._summary import Aggregator
from saas_contracts.models._core import to_json

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from datetime import datetime
    from pathlib import Path

    from saas_contracts.ledger._request import ReplayRequest
    from saas_contracts.models.usage_ledger.v1 import UsageEvent

__all__ = ["replay", "replay_lines"]


def replay(  # noqa: PLR0913 - every knob is a documented part of the run
    sources: Sequence[str | Path | IO[bytes]],
    request: ReplayRequest,
    *,
    now: str | datetime,
    index: IdempotencyIndex | None = None,
    workers: int | None = None,
    validator: ValidatorChoice = "auto",
    progress: Callable[[int], None] | None = None,
    block_bytes: int = BLOCK_BYTES,
    deliver: Callable[[ReplayReport], None] | None = None,
) -> ReplayReport:
    """Replay JSON Lines ``sources`` (paths, ``"-"`` for stdin, or binary streams) under ``request``.

    ``now`` is the instant the time rules are evaluated against. ``index``
    defaults to a fresh :class:`MemoryIndex`; a dry run never writes to it.
    ``workers``: processes for parse/validate/fingerprint (``None``: one per
    CPU, at most 4, when the input is large; 1: everything in this process).
    ``progress`` is called with the number of bytes consumed after each block.

    ``deliver`` is the first phase of a two-phase commit: it receives the
    finished report before the index keeps the run's scopes (write the ops
    summary there). If it raises, or anything fails before, the run is rolled
    back and the error propagates: the index never holds scopes whose report
    was not delivered, so rerunning the same input gives the same report.
    """
    if not sources:
        raise InputFileError("-", "no input given")
    now_ns = utc_ns(now)
    start, end = request.window_ns
    context = Context(start, end, now_ns, request.time_rules, request.by_day, validator)
    schema_check(EVENT_SCHEMA, validator)  # fail early when "fast" is asked for and missing
    index = index if index is not None else MemoryIndex()
    size = input_size(sources)
    if workers is None:
        workers = default_workers() if size is not None and size >= PARALLEL_MIN_BYTES else 1
    run = index.open_run(dry_run=request.dry_run)
    accumulator = Accumulator(run, Aggregator(by_day=request.by_day))
    try:
        if workers <= 1:
            for job in iter_jobs(sources, block_bytes, progress):
                accumulator.push(classify(context, job))
        else:
            run_parallel(
                context, iter_jobs(sources, block_bytes, progress, ranges=True), workers, accumulator
            )
        accumulator.flush()
        report = ReplayReport(
            request=request,
            evaluated_at=now if isinstance(now, str) else format_utc_ns(now_ns),
            counts=accumulator.counts,
            invalid_samples=tuple(accumulator.invalid),
            conflict_samples=tuple(accumulator.conflicts),
            aggregator=accumulator.aggregator,
            index_kind=index.kind,
            index_persistent=index.persistent,
            index_written=run.written,
        )
        report.conservation_json()
        if deliver is not None:
            deliver(report)
    except BaseException:
        run.abort()
        raise
    run.commit()
    return report


def replay_lines(  # noqa: PLR0913 - replay()'s knobs that make sense in memory
    lines: Sequence[str | UsageEvent],
    request: ReplayRequest,
    *,
    now: str | datetime,
    index: IdempotencyIndex | None = None,
    validator: ValidatorChoice = "auto",
    deliver: Callable[[ReplayReport], None] | None = None,
) -> ReplayReport:
    """Replay in-memory JSON Lines (one string per line) in this process (see :func:`replay`).

    A line may also be a ``UsageEvent`` model: it is written as the JSON line of
    ``to_json(event)`` and then takes exactly the path a text line takes. (File
    and stream replay, :func:`replay`, reads bytes and never builds models.)
    """
    data = "".join(
        (line if isinstance(line, str) else json.dumps(to_json(line), ensure_ascii=False)) + "\n"
        for line in lines
    ).encode("utf-8")
    return replay(
        [io.BytesIO(data)], request, now=now, index=index, workers=1, validator=validator, deliver=deliver
    )
