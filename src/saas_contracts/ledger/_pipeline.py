"""The per-line pipeline of the replay: parse, validate, time rules, window, fingerprint.

Pure per block, so it runs in worker processes (local pool or Dask tasks). A
block goes a chunk of lines at a time through the fast path (orjson with the
duplicate-key guard, the compiled schema check, the time rules and the window
as text comparisons); a line it cannot prove is judged on its own, and what
that cannot prove, from scratch by the strict reference path. Repeats of a
scope inside the block are judged here too (:func:`classify_block`); the
calling process resolves only the first occurrences against the index.
"""

from __future__ import annotations

import functools
import hashlib
import operator
import re
from array import array
from datetime import UTC, datetime, timedelta
from itertools import compress, repeat
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from saas_contracts._jsonio import loads
from saas_contracts._mask import mask
from saas_contracts._pointer import escape_token, unescape_token
from saas_contracts._registry import get_schema
from saas_contracts._time import parse_utc_ns, parse_utc_ns_unchecked
from saas_contracts._validation import schema_check, validate
from saas_contracts.errors import JSONInputError
from saas_contracts.ledger._envelope import EVENT_SCHEMA, time_violations
from saas_contracts.ledger._fast import fast_loads, fast_loads_many
from saas_contracts.ledger._fingerprint import consume_canonical_many, scope_keys
from saas_contracts.ledger._index import CONFLICT
from saas_contracts.ledger._outcomes import (
    BLANK,
    INVALID,
    LATE,
    MAX_SAMPLES,
    OUT_OF_WINDOW,
    BlockResult,
    Within,
)
from saas_contracts.ledger._ranges import read_lines_range

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence

    from saas_contracts.errors import Violation
    from saas_contracts.ledger._outcomes import Context
    from saas_contracts.ledger._summary import GroupKey

__all__ = ["Job", "Range", "classify", "classify_block"]

_BOM: Final = b"\xef\xbb\xbf"
_MASKED_TOKEN: Final = re.compile(r"[^/]{0,4}\u2026\([0-9]+ chars\)\Z")
"""A pointer token :func:`saas_contracts._mask.pointer` already replaced by a masked preview."""


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

    The per-line checks of :func:`classify_block`'s text path, for the whole
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


def classify_block(  # noqa: C901, PLR0912, PLR0915 - the per-line pipeline reads best in one place
    context: Context,
    input_no: int,
    first_line: int,
    block: bytes,
) -> BlockResult:
    lines = block.split(b"\n")
    if block.endswith(b"\n") or not block:
        lines.pop()
    result = BlockResult(input=input_no, lines=len(lines), counts=[0, 0, 0, 0], issues=[])
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
        counts[INVALID] += 1
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
                    counts[BLANK] += 1
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
                    counts[OUT_OF_WINDOW] += 1
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
                    counts[OUT_OF_WINDOW] += 1
                    continue
                late = recorded - occurred > late_ns  # is_late()
            if late and reject_late:
                counts[LATE] += 1
                continue
            chosen.append(event)
            line_numbers.append(line)
            lates.append(late)
        kept.add(chosen)
    _resolve_within(result, kept)
    return result


def _resolve_within(result: BlockResult, kept: _Kept) -> None:
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
    result.within = Within(
        keys=unique_keys,
        fingerprints=unique_fingerprints,
        positions=positions,
        verdicts=verdicts,
        totals=totals,
        late=sum(compress(result.late, is_first)),
    )


Range = tuple[str, int, int]
"""A byte range of a regular file, ``(path, start, end)``: the worker reads it itself (see ``_ranges``)."""
Job = tuple[int, int, "bytes | Range"]
"""``(input, first line, block)``: the block's bytes, or a range whose first line is not yet known."""


def classify(context: Context, job: Job) -> BlockResult:
    input_no, first_line, block = job
    if isinstance(block, bytes):
        return classify_block(context, input_no, first_line, block)
    path, start, end = block
    with Path(path).open("rb") as stream:
        data = read_lines_range(stream, start, end)
    return classify_block(context, input_no, first_line, data)
