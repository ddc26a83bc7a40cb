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

(Longer than the house ~800 lines: the per-line pipeline, its chunk-at-a-time
helpers and the in-order fold share private result types, and the
differential tests patch them here together; splitting the bulk pipeline into
its own module is the next step.)
Parsing, validation and fingerprinting are pure per line and can run in
worker processes; the index and the aggregates are updated in input order in
the calling process, so the result does not depend on the number of workers.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import io
import json
import multiprocessing
import operator
import os
import re
import stat
import sys
import threading
import time
from array import array
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import compress, repeat
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Final

from saas_contracts._jsonio import loads
from saas_contracts._mask import mask
from saas_contracts._pointer import escape_token, unescape_token
from saas_contracts._registry import get_schema
from saas_contracts._time import (
    format_utc_ns,
    parse_utc_ns,
    parse_utc_ns_unchecked,
    to_utc_ns,
)
from saas_contracts._validation import ValidatorChoice, schema_check, validate
from saas_contracts.errors import (
    ConservationError,
    InputFileError,
    JSONInputError,
    ReplayWorkerError,
)
from saas_contracts.ledger._envelope import EVENT_SCHEMA, TimeRules, time_violations
from saas_contracts.ledger._fast import fast_loads, fast_loads_many
from saas_contracts.ledger._fingerprint import consume_canonical_many, scope_keys
from saas_contracts.ledger._index import (
    ACCEPTED,
    CONFLICT,
    DUPLICATE,
    IdempotencyIndex,
    IndexRun,
    MemoryIndex,
)
from saas_contracts.ledger._ranges import FIRST_LINE_OF_LATER_RANGE, read_lines_range
from saas_contracts.ledger._summary import Aggregator, GroupKey, UsageSummary
from saas_contracts.models._core import to_json

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence

    from saas_contracts.errors import Violation
    from saas_contracts.ledger._request import ReplayRequest
    from saas_contracts.models.usage_ledger.v1 import UsageEvent

OUTCOMES: Final = ("accepted", "duplicate", "conflict", "invalid", "out_of_window", "late", "blank")
"""Every outcome a line can end in; each line ends in exactly one."""
REPORT_SCHEMA: Final = "usage-ledger/v1/replay-report"
MAX_SAMPLES: Final = 20
BLOCK_BYTES: Final = 1 << 20
PARALLEL_MIN_BYTES: Final = 8 << 20
_RESOLVE_BATCH: Final = 1 << 15
"""First occurrences resolved against the index per call (about a dozen 1 MiB blocks' worth)."""
_RANGE_READ_AHEAD: Final = 48
"""Byte ranges in flight in the parallel replay: more than one resolve batch, so workers never wait for it."""
"""Below this much input, worker processes cost more than they save."""
_WORKER_NICENESS: Final = 5
_PARENT_POLL_SECONDS: Final = 0.25
_BOM: Final = b"\xef\xbb\xbf"
_INVALID, _OUT_OF_WINDOW, _LATE, _BLANK = range(4)
_MASKED_TOKEN: Final = re.compile(r"[^/]{0,4}\u2026\([0-9]+ chars\)\Z")
"""A pointer token :func:`saas_contracts._mask.pointer` already replaced by a masked preview."""
_CONFLICT_REASON: Final = "same idempotency scope as an earlier event, different fingerprint (not applied)"


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
class _Context:
    start: int
    end: int
    now: int
    rules: TimeRules
    by_day: bool
    validator: ValidatorChoice


@dataclass
class _BlockResult:
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
    within: _Within | None = None
    line_shift: int = 0  # added to the block's line numbers (a range read by a worker counts from 1 or 2)


@dataclass
class _Within:
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


@functools.cache
def _envelope_names() -> frozenset[str]:
    contents = get_schema(EVENT_SCHEMA).contents
    return frozenset(contents["properties"]) | frozenset(contents["$defs"]["plan_snapshot"]["properties"])


def _public_pointer(where: str) -> str:
    """Keep envelope field names and indices verbatim; mask every other key.

    An unknown property or an attribute name comes from the input and may be
    an email or a credential; left in a reason it would leak into the text
    report and make the privacy scan refuse the ops summary.
    """
    names = _envelope_names()
    tokens = []
    for token in where.split("/")[1:]:
        if token in names or token.isdigit() or _MASKED_TOKEN.match(token):
            tokens.append("/" + token)
        else:
            tokens.append("/" + escape_token(mask(unescape_token(token))))
    return "".join(tokens)


def _describe(violations: Sequence[Violation]) -> tuple[str | None, str]:
    first = violations[0]
    more = f" (+{len(violations) - 1} more)" if len(violations) > 1 else ""
    where = _public_pointer(first.pointer)
    return where or None, f"{where or '/'}: {first.message}{more}"


class _RejectedError(Exception):
    """A line that is invalid (internal control flow of the slow path)."""

    def __init__(self, pointer: str | None, reason: str) -> None:
        super().__init__(reason)
        self.pointer = pointer
        self.reason = reason


def _strict_event(raw: bytes, check: Callable[[object], bool]) -> tuple[Any, int, int, int]:
    """Parse and judge one line the reference way: strict parser, reference validator for rejections."""
    try:
        event: Any = loads(raw.decode("utf-8"))
    except UnicodeDecodeError as error:
        raise _RejectedError(None, f"not UTF-8 (byte {error.start})") from None
    except JSONInputError as error:
        raise _RejectedError(None, str(error)) from None
    try:
        if not check(event):
            raise ValueError  # noqa: TRY301 - one path for "let the reference explain"
        return (
            event,
            parse_utc_ns_unchecked(event["occurred_at"]),
            parse_utc_ns_unchecked(event["recorded_at"]),
            parse_utc_ns_unchecked(event["plan"]["captured_at"]),
        )
    except ValueError:
        violations = validate(event, EVENT_SCHEMA)
        if violations:
            raise _RejectedError(*_describe(violations)) from None
        # The reference validator has the last word on verdicts.
        return (
            event,
            parse_utc_ns(event["occurred_at"]),
            parse_utc_ns(event["recorded_at"]),
            parse_utc_ns(event["plan"]["captured_at"]),
        )


_WHOLE_SECOND: Final = 20  # len("YYYY-MM-DDTHH:MM:SSZ"); n fraction digits add n + 1
_MAX_STAMP: Final = 30
_YEAR_ONE: Final = "0001"  # every stamp of year 1 or later sorts after it; year 0 is invalid
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)


def _stamp_text(nanos: int, digits: int, *, ceil: bool) -> str | None:
    """``nanos`` rounded down (up with ``ceil``) to ``digits`` fraction digits, spelled with that many.

    None outside years 1-9999.
    """
    unit = 10 ** (9 - digits)
    ticks = -(-nanos // unit) if ceil else nanos // unit
    seconds, fraction = divmod(ticks, 10**digits)
    try:
        moment = _EPOCH + timedelta(seconds=seconds)
    except OverflowError:
        return None
    text = (
        f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}"
        f"T{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d}"
    )
    return f"{text}.{fraction:0{digits}d}Z" if digits else text + "Z"


def _text_bounds(start: int, end: int, future: int, width: int) -> tuple[str, str, str] | None:
    """``(future, start, end)`` as stamps of ``width`` characters, for comparing stamps as text.

    Schema-valid stamps of one width have the same number ``n`` of fraction
    digits, and their fixed-width digits sort as text in time order. For such
    a stamp ``t`` (a multiple of ``10**-n`` s): ``t <= future`` iff ``t <=
    floor_n(future)``, ``t >= start`` iff ``t >= ceil_n(start)`` and ``t < end``
    iff ``t < ceil_n(end)``. So with clock skew >= 0, ``captured <= occurred
    <= recorded <= future`` as text proves every time rule, and the window
    check is two string comparisons; lateness is 0 when ``recorded ==
    occurred``. None for another width or when a bound falls outside years
    1-9999 (then the integer path decides).
    """
    if not _WHOLE_SECOND <= width <= _MAX_STAMP or width == _WHOLE_SECOND + 1:
        return None
    digits = width - _WHOLE_SECOND - 1 if width > _WHOLE_SECOND else 0
    future_text = _stamp_text(future, digits, ceil=False)
    if future_text is None and future > 0:  # after year 9999: every stamp is before it
        future_text = "9999-12-31T23:59:59" + ("." + "9" * digits if digits else "") + "Z"
    start_text = _stamp_text(start, digits, ceil=True)
    end_text = _stamp_text(end, digits, ceil=True)
    if future_text is None or start_text is None or end_text is None:
        return None
    return future_text, start_text, end_text


def _line_bytes(lines: Sequence[bytes], offset: int, line: int) -> bytes:
    raw = lines[offset]
    return raw[len(_BOM) :] if line == 1 and raw.startswith(_BOM) else raw  # a BOM is not content


_CHUNK_LINES: Final = 128
"""Lines per step of the bulk path: its parsed events stay in the CPU caches until fingerprinted."""
_PLAN: Final = operator.itemgetter("plan")
_PLAN_LABEL: Final = operator.itemgetter("plan_label")
_EVENT_TYPE: Final = operator.itemgetter("event_type")
_OCCURRED: Final = operator.itemgetter("occurred_at")
_QUANTITY: Final = operator.itemgetter("quantity")
_DAY: Final = slice(10)  # "YYYY-MM-DD" of a timestamp
_DIGEST: Final = operator.methodcaller("digest")


_RECORDED: Final = operator.itemgetter("recorded_at")
_CAPTURED: Final = operator.itemgetter("captured_at")


def _chunk_in_rules(
    events: list[dict[str, Any]],
    bounds_of: Callable[[int], tuple[str, str, str] | None],
    instant: Callable[[str], int],
    late_ns: int,
) -> bytes | None:
    """The late flags of schema-valid events that all pass the time rules and the window, else None.

    The per-line checks of :func:`_classify_block`'s text path, for the whole
    chunk at once: all stamps of one width with text bounds (see
    :func:`_text_bounds`), year 1 or
    later, ``captured <= occurred <= recorded <= future`` and ``start <=
    occurred < end`` as text. None when any event needs its own look (the
    per-line loop then decides), so the verdicts are the per-line ones.
    """
    occurred = list(map(_OCCURRED, events))
    recorded = list(map(_RECORDED, events))
    captured = list(map(_CAPTURED, map(_PLAN, events)))
    widths = set(map(len, occurred))
    widths.update(map(len, recorded), map(len, captured))
    if len(widths) != 1:
        return None
    bounds = bounds_of(widths.pop())
    if bounds is None or not (
        min(captured) >= _YEAR_ONE
        and max(recorded) <= bounds[0]
        and min(occurred) >= bounds[1]
        and max(occurred) < bounds[2]
        and all(map(operator.le, captured, occurred))
        and all(map(operator.le, occurred, recorded))
    ):
        return None
    if occurred == recorded:
        return bytes(len(events))
    try:
        return bytes(
            o != r and instant(r) - instant(o) > late_ns for o, r in zip(occurred, recorded, strict=True)
        )
    except ValueError:
        return None


class _Kept:
    """What the block keeps of each event that reaches the idempotency verdict, in line order."""

    def __init__(self, *, by_day: bool) -> None:
        self.by_day = by_day
        self.group_keys: list[GroupKey] = []
        self.scopes: list[bytes] = []
        self.digests: list[bytes] = []
        self.quantities: array[int] = array("q")

    def add(self, events: list[dict[str, Any]]) -> None:
        """Group, scope and fingerprint ``events``, one ``map`` per step; they are consumed (in place)."""
        days: Iterable[str] = (
            map(operator.getitem, map(_OCCURRED, events), repeat(_DAY)) if self.by_day else repeat("")
        )
        labels = map(_PLAN_LABEL, map(_PLAN, events))
        self.group_keys += zip(days, labels, map(_EVENT_TYPE, events), strict=False)  # days may repeat("")
        self.quantities.extend(map(int, map(_QUANTITY, events)))
        self.scopes += scope_keys(events)
        self.digests += map(_DIGEST, map(hashlib.sha256, consume_canonical_many(events)))  # last: in place


def _classify_block(  # noqa: C901, PLR0912, PLR0915 - the per-line pipeline reads best in one place
    context: _Context,
    input_no: int,
    first_line: int,
    block: bytes,
) -> _BlockResult:
    lines = block.split(b"\n")
    if block.endswith(b"\n") or not block:
        lines.pop()
    result = _BlockResult(input=input_no, lines=len(lines), counts=[0, 0, 0, 0], issues=[])
    counts, issues = result.counts, result.issues
    check = schema_check(EVENT_SCHEMA, context.validator)
    start, end, now, rules = context.start, context.end, context.now, context.rules
    skew, late_ns, reject_late = rules.skew_ns, rules.late_ns, rules.late_policy == "reject"
    future = now + skew
    line_numbers, lates = result.line_numbers, result.late
    unchecked = parse_utc_ns_unchecked
    instants: dict[str, int] = {}  # timestamp text -> ns, for this block (bounded by its lines)
    # Bounds as text per stamp width (see _text_bounds); None: the integer path decides.
    text_bounds: dict[int, tuple[str, str, str] | None] = {}
    textual = skew >= 0 and late_ns >= 0
    kept = _Kept(by_day=context.by_day)

    def instant(text: str) -> int:
        # The schema proved the shape; equal strings are parsed once per block.
        nanos = instants.get(text)
        if nanos is None:
            nanos = instants[text] = unchecked(text)
        return nanos

    def bounds_of(width: int) -> tuple[str, str, str] | None:
        if width not in text_bounds:
            text_bounds[width] = _text_bounds(start, end, future, width)
        return text_bounds[width]

    def reject(line: int, pointer: str | None, reason: str) -> None:
        counts[_INVALID] += 1
        if len(issues) < MAX_SAMPLES:
            issues.append((line, pointer, reason))

    for chunk_start in range(0, len(lines), _CHUNK_LINES):
        chunk = lines[chunk_start : chunk_start + _CHUNK_LINES]
        # Fast path, a chunk at a time: orjson + duplicate-key guard, compiled schema check. A line
        # it declines (a blank one, line 1 with a BOM, ...) is looked at on its own, and what the
        # fast path cannot prove is judged again from scratch by the strict path.
        events: list[Any] = fast_loads_many(chunk)
        valid = list(map(check, events))
        late_flags = (
            textual
            and valid.count(True) == len(chunk)
            and _chunk_in_rules(events, bounds_of, instant, late_ns)
        )
        if late_flags and not (reject_late and any(late_flags)):
            # Every line valid, one stamp width, every time rule and the window proven as text.
            line_numbers.extend(range(first_line + chunk_start, first_line + chunk_start + len(chunk)))
            lates.extend(late_flags)
            kept.add(events)
            continue
        chosen: list[dict[str, Any]] = []
        for offset, line in enumerate(range(first_line + chunk_start, first_line + chunk_start + len(chunk))):
            event = events[offset]
            bounds = None  # set when text comparisons proved the time rules (see _text_bounds)
            if not valid[offset]:
                raw = _line_bytes(chunk, offset, line)
                if not raw or raw.isspace():
                    counts[_BLANK] += 1
                    continue
                if raw is not chunk[offset]:  # line 1 without its BOM: the fast path may take it now
                    event = fast_loads(raw)
                    valid[offset] = event is not None and check(event)
            try:
                if not valid[offset]:
                    raise ValueError  # noqa: TRY301 - one path for "judge it the strict way"
                occurred_text = event["occurred_at"]
                recorded_text = event["recorded_at"]
                captured_text = event["plan"]["captured_at"]
                width = len(occurred_text)
                if textual and width == len(recorded_text) == len(captured_text):
                    bounds = bounds_of(width)
                    if bounds is not None and not (
                        _YEAR_ONE <= captured_text <= occurred_text <= recorded_text <= bounds[0]
                    ):
                        bounds = None
                if bounds is None:
                    occurred, recorded = instant(occurred_text), instant(recorded_text)
                    captured = instant(captured_text)
            except ValueError:
                try:
                    event, occurred, recorded, captured = _strict_event(
                        _line_bytes(chunk, offset, line), check
                    )
                except _RejectedError as rejected:
                    reject(line, rejected.pointer, rejected.reason)
                    continue
                occurred_text = event["occurred_at"]
                bounds = None
            if bounds is not None:
                if occurred_text < bounds[1] or occurred_text >= bounds[2]:
                    counts[_OUT_OF_WINDOW] += 1
                    continue
                late = (
                    recorded_text != occurred_text
                    and instant(recorded_text) - instant(occurred_text) > late_ns
                )
            else:
                if (
                    occurred > future
                    or recorded > future
                    or recorded < occurred - skew
                    or captured > occurred + skew
                ):
                    broken = time_violations(
                        occurred=occurred, recorded=recorded, captured=captured, now=now, rules=rules
                    )
                    reject(line, *_describe(broken))
                    continue
                if occurred < start or occurred >= end:
                    counts[_OUT_OF_WINDOW] += 1
                    continue
                late = recorded - occurred > late_ns  # is_late()
            if late and reject_late:
                counts[_LATE] += 1
                continue
            chosen.append(event)
            line_numbers.append(line)
            lates.append(late)
        kept.add(chosen)
    _resolve_within(result, kept)
    return result


def _resolve_within(result: _BlockResult, kept: _Kept) -> None:
    """Fill ``result`` from the kept events and judge repeats of a scope inside the block.

    A repeat is judged here against the first occurrence of its scope; the
    calling process resolves only the block's first occurrences against the index.
    """
    scopes, digests, count = kept.scopes, kept.digests, len(kept.scopes)
    result.groups = list(dict.fromkeys(kept.group_keys))
    group_of = {group: gid for gid, group in enumerate(result.groups)}
    result.group_ids = group_ids = array("l", map(group_of.__getitem__, kept.group_keys))
    result.quantities = quantities = kept.quantities
    result.keys = bytearray(b"".join(scopes))
    result.fingerprints = bytearray(b"".join(digests))
    first_at = dict(
        zip(reversed(scopes), range(count - 1, -1, -1), strict=True)
    )  # scope -> its first position
    if len(first_at) == count:  # no scope repeats inside the block
        is_first: Iterable[bool] = repeat(True)  # noqa: FBT003 - a mask for compress
        verdicts = bytearray(count)
        positions = array("l", range(count))
        unique_keys, unique_fingerprints = bytearray(result.keys), bytearray(result.fingerprints)
    else:
        firsts = list(map(first_at.__getitem__, scopes))
        is_first = list(map(operator.eq, firsts, range(count)))
        same = map(operator.eq, map(digests.__getitem__, firsts), digests)
        # 2 - same - first: ACCEPTED (0) for a first occurrence, DUPLICATE (1) for a repeat
        # with its fingerprint, CONFLICT (2) for a repeat with another one.
        verdicts = bytearray(map(operator.sub, map(operator.sub, repeat(CONFLICT), same), is_first))
        positions = array("l", compress(range(count), is_first))
        unique_keys = bytearray(b"".join(compress(scopes, is_first)))
        unique_fingerprints = bytearray(b"".join(compress(digests, is_first)))
    totals = [[0, 0] for _ in result.groups]  # per group: events, quantity of the first occurrences
    for gid, quantity in zip(compress(group_ids, is_first), compress(quantities, is_first), strict=False):
        tally = totals[gid]
        tally[0] += 1
        tally[1] += quantity
    result.within = _Within(
        keys=unique_keys,
        fingerprints=unique_fingerprints,
        positions=positions,
        verdicts=verdicts,
        totals=totals,
        late=sum(compress(result.late, is_first)),
    )


_WORKER_CONTEXT: _Context | None = None


def _init_worker(context: _Context, parent: int) -> None:
    global _WORKER_CONTEXT  # noqa: PLW0603 - per-process state of a pool worker
    _WORKER_CONTEXT = context
    # The calling process applies results in order and is the pipeline's
    # bottleneck; workers have read-ahead slack, so they yield the CPU to it.
    with contextlib.suppress(OSError, AttributeError):
        os.nice(_WORKER_NICENESS)
    threading.Thread(target=_exit_with_parent, args=(parent,), name="parent-watch", daemon=True).start()


def _exit_with_parent(parent: int) -> None:
    # A parent killed with SIGKILL cannot shut its pool down; without this the workers
    # would live on (holding memory and the inherited lock on the index) until they
    # next touch the pool's pipes. Re-parenting changes getppid().
    while os.getppid() == parent:
        time.sleep(_PARENT_POLL_SECONDS)
    os._exit(1)


_Range = tuple[str, int, int]
"""A byte range of a regular file, ``(path, start, end)``: the worker reads it itself (see ``_ranges``)."""
_Job = tuple[int, int, "bytes | _Range"]
"""``(input, first line, block)``: the block's bytes, or a range whose first line is not yet known."""


def _classify(context: _Context, job: _Job) -> _BlockResult:
    input_no, first_line, block = job
    if isinstance(block, bytes):
        return _classify_block(context, input_no, first_line, block)
    path, start, end = block
    with Path(path).open("rb") as stream:
        data = read_lines_range(stream, start, end)
    return _classify_block(context, input_no, first_line, data)


def _classify_job(job: _Job) -> _BlockResult:
    assert _WORKER_CONTEXT is not None  # noqa: S101 - set by the pool initializer
    return _classify(_WORKER_CONTEXT, job)


def _iter_blocks(stream: IO[bytes], block_bytes: int) -> Iterator[tuple[int, bytes, int]]:
    """Yield ``(first_line, block, bytes_read)``; blocks end on a line boundary except the last."""
    line = 1
    rest = b""
    while True:
        data = stream.read(block_bytes)
        if not data:
            if rest:
                yield line, rest, 0
            return
        data = rest + data
        cut = data.rfind(b"\n") + 1
        if cut == 0:
            rest = data
            continue
        block, rest = data[:cut], data[cut:]
        yield line, block, len(block)
        line += block.count(b"\n")


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


def _now_ns(now: str | datetime) -> int:
    return parse_utc_ns(now) if isinstance(now, str) else to_utc_ns(now)


def _open(source: str | Path | IO[bytes]) -> tuple[IO[bytes], bool]:
    if not isinstance(source, (str, Path)):
        return source, False
    if str(source) == "-":
        return sys.stdin.buffer, False
    path = Path(source)
    try:
        return path.open("rb"), True
    except FileNotFoundError:
        raise InputFileError(str(source), "no such file") from None
    except IsADirectoryError:
        raise InputFileError(str(source), "is a directory, expected a .jsonl file") from None
    except OSError as error:
        raise InputFileError(str(source), f"cannot read: {error.strerror}") from error


def input_size(sources: Sequence[str | Path | IO[bytes]]) -> int | None:
    """Total bytes of the inputs when all are regular files (for progress bars), else None.

    A FIFO or ``<(...)`` has no size (``stat`` says 0): it makes the total unknown.
    """
    total = 0
    for source in sources:
        if not isinstance(source, (str, Path)) or str(source) == "-":
            return None
        try:
            status = Path(source).stat()
        except OSError:
            return None
        if not stat.S_ISREG(status.st_mode):
            return None
        total += status.st_size
    return total


def default_workers() -> int:
    """Worker processes for large inputs: the CPUs this process may use, at most 4."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, 4))


def _split(
    keys: bytes | bytearray, fingerprints: bytes | bytearray, count: int
) -> tuple[list[bytes], list[bytes]]:
    """The packed 16-byte scope keys and 32-byte fingerprints of ``count`` events, one object each."""
    raw_keys, raw_fps = bytes(keys), bytes(fingerprints)
    return (
        [raw_keys[i : i + 16] for i in range(0, 16 * count, 16)],
        [raw_fps[i : i + 32] for i in range(0, 32 * count, 32)],
    )


class _Accumulator:
    def __init__(self, run: IndexRun, aggregator: Aggregator) -> None:
        self.run = run
        self.aggregator = aggregator
        self.counts = dict.fromkeys(("lines_read", *OUTCOMES, "late_accepted"), 0)
        self.invalid: list[LineIssue] = []
        self.conflicts: list[LineIssue] = []
        self._pending: list[_BlockResult] = []
        self._pending_firsts = 0

    def push(self, result: _BlockResult) -> None:
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
        count = sum(len(within.positions) for within in wanted)
        keys = b"".join(within.keys for within in wanted)
        fingerprints = b"".join(within.fingerprints for within in wanted)
        firsts = self.run.resolve(*_split(keys, fingerprints, count))
        at = 0
        for result, within in zip(pending, wanted, strict=True):
            self.add(result, firsts[at : at + len(within.positions)])
            at += len(within.positions)

    def add(self, result: _BlockResult, firsts: bytearray | None = None) -> bytearray:
        """Fold one block in (input order); return the index verdicts of its fingerprinted events.

        ``firsts``: the index verdicts of the block's first occurrences, when
        :meth:`flush` resolved them already.
        """
        counts = self.counts
        counts["lines_read"] += result.lines
        counts["invalid"] += result.counts[_INVALID]
        counts["out_of_window"] += result.counts[_OUT_OF_WINDOW]
        counts["late"] += result.counts[_LATE]
        counts["blank"] += result.counts[_BLANK]
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
            verdicts = self.run.resolve(*_split(result.keys, result.fingerprints, total))
            self._aggregate(result, verdicts)
        else:
            if firsts is None:
                firsts = self.run.resolve(*_split(within.keys, within.fingerprints, len(within.positions)))
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

    def _judge_repeats(self, result: _BlockResult, within: _Within, firsts: bytearray) -> bytearray:
        """Every verdict of a block whose first occurrences were resolved to ``firsts``.

        A repeat of a scope that was new to the index keeps the worker's verdict
        (against the first occurrence, which the index now holds); a repeat of a
        scope the index knew is judged again, against the index.
        """
        keys, fingerprints = _split(result.keys, result.fingerprints, len(result.line_numbers))
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

    def _aggregate(self, result: _BlockResult, verdicts: bytearray) -> None:
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
    now_ns = _now_ns(now)
    start, end = request.window_ns
    context = _Context(start, end, now_ns, request.time_rules, request.by_day, validator)
    schema_check(EVENT_SCHEMA, validator)  # fail early when "fast" is asked for and missing
    index = index if index is not None else MemoryIndex()
    size = input_size(sources)
    if workers is None:
        workers = default_workers() if size is not None and size >= PARALLEL_MIN_BYTES else 1
    run = index.open_run(dry_run=request.dry_run)
    accumulator = _Accumulator(run, Aggregator(by_day=request.by_day))
    try:
        if workers <= 1:
            for job in _jobs(sources, block_bytes, progress):
                accumulator.push(_classify(context, job))
        else:
            _run_parallel(context, _jobs(sources, block_bytes, progress, ranges=True), workers, accumulator)
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


def _jobs(
    sources: Sequence[str | Path | IO[bytes]],
    block_bytes: int,
    progress: Callable[[int], None] | None,
    *,
    ranges: bool = False,
) -> Iterator[_Job]:
    """The blocks of every input in order; with ``ranges``, a regular file is cut into byte ranges.

    A range's first line is 1 for the one at offset 0, else
    :data:`~saas_contracts.ledger._ranges.FIRST_LINE_OF_LATER_RANGE`; the
    caller shifts its line numbers (see ``_run_parallel``).
    """
    for input_no, source in enumerate(sources, start=1):
        stream, owned = _open(source)
        try:
            if ranges and owned and stat.S_ISREG(os.fstat(stream.fileno()).st_mode):
                size = os.fstat(stream.fileno()).st_size
                path = str(Path(str(source)).resolve())
                for start in range(0, size, block_bytes):
                    end = min(start + block_bytes, size)
                    first = 1 if start == 0 else FIRST_LINE_OF_LATER_RANGE
                    yield input_no, first, (path, start, end)
                    if progress is not None:
                        progress(end - start)
                continue
            for first_line, block, consumed in _iter_blocks(stream, block_bytes):
                yield input_no, first_line, block
                if progress is not None and consumed:
                    progress(consumed)
        except OSError as error:
            raise InputFileError(str(source), f"cannot read: {error.strerror}") from error
        finally:
            if owned:
                stream.close()


def _run_parallel(
    context: _Context,
    jobs: Iterator[_Job],
    workers: int,
    accumulator: _Accumulator,
) -> None:
    # "fork" starts workers without re-importing __main__ (which may be stdin or
    # a REPL); elsewhere spawn. A worker that dies breaks the pool with an error
    # instead of hanging the run. Regular files go to the workers as byte ranges
    # they read themselves, so this process never copies the input through a pipe.
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    executor = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context(method),
        initializer=_init_worker,
        initargs=(context, os.getpid()),
    )
    next_line: dict[int, int] = {}

    def fold(future: Future[_BlockResult], input_no: int, first: int, block: bytes | _Range) -> None:
        try:
            result = future.result()
        except OSError as error:  # a range the worker could not read
            path = block[0] if isinstance(block, tuple) else "-"
            raise InputFileError(path, f"cannot read: {error.strerror}") from error
        line = next_line.get(input_no, 1)
        result.line_shift = line - first
        next_line[input_no] = line + result.lines
        accumulator.push(result)

    try:
        pending: deque[tuple[Future[_BlockResult], int, int, bytes | _Range]] = deque()
        for job in jobs:
            pending.append((executor.submit(_classify_job, job), *job))
            # Bounded read-ahead keeps memory flat. A range costs this process only its result,
            # so more of them wait: the workers keep busy while a batch is resolved (see push()).
            if len(pending) >= (_RANGE_READ_AHEAD if isinstance(job[2], tuple) else 3 * workers):
                fold(*pending.popleft())
        while pending:
            fold(*pending.popleft())
    except BrokenProcessPool as error:
        raise ReplayWorkerError("a replay worker process died; rerun with workers=1 to see why") from error
    finally:
        executor.shutdown(wait=True, cancel_futures=True)


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
