"""The replay on a Dask cluster (``--engine dask``; the optional ``saas-contracts[dask]`` extra).

Same outcomes, counts, samples and aggregates as :func:`~saas_contracts.ledger.replay`,
whatever the number of partitions or workers:

1. **Map.** Each input is cut into byte ranges (a range owns the lines whose
   first byte lies in it). A task reads its range (a local path or any
   ``fsspec`` URL the workers can open), runs the very per-line pipeline of
   the local replay (parse, validate, time rules, window, fingerprint) and
   splits the fingerprinted events by :func:`~saas_contracts.ledger._shards.partition_of`
   their scope key. Line numbers are block-relative; the client turns them
   into ``(input, line)`` from the ranges' line counts.
2. **Resolve.** One task per partition takes that partition's slices of
   every block *in input order* and resolves them against its shard, so
   first-wins follows the global input position and each partition dedupes
   alone (a scope never spans two partitions). It keeps the first conflict
   samples and its accepted aggregates; the client merges them (sums, and the
   first samples by ``(input, line)``).
3. **Commit.** Only after ``deliver`` accepted the report, one task per
   shard writes the partition's new scopes (all or nothing per shard; see
   :mod:`~saas_contracts.ledger._shards`). Until then the shards are only
   read, so a failure leaves them as they were.

With ``index_dir`` the shards persist (``ShardedIndex``: a later distributed
or local run sees earlier runs); without it each partition task uses a fresh
in-memory index. Dask and fsspec are imported only here, when the engine is
used.
"""

from __future__ import annotations

import operator
from array import array
from dataclasses import dataclass
from itertools import compress, repeat
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Final

from saas_contracts._lock import unlock
from saas_contracts._time import format_utc_ns, utc_ns
from saas_contracts._validation import ValidatorChoice, schema_check
from saas_contracts.errors import InputFileError
from saas_contracts.ledger._blocks import default_workers
from saas_contracts.ledger._envelope import EVENT_SCHEMA
from saas_contracts.ledger._index import IdempotencyIndex, MemoryIndex, SqliteIndex
from saas_contracts.ledger._outcomes import (
    BLANK,
    INVALID,
    LATE,
    MAX_SAMPLES,
    OUT_OF_WINDOW,
    OUTCOMES,
    BlockResult,
    Context,
    LineIssue,
)
from saas_contracts.ledger._pipeline import classify_block
from saas_contracts.ledger._ranges import FIRST_LINE_OF_LATER_RANGE, read_lines_range
from saas_contracts.ledger._report import Accumulator, ReplayReport
from saas_contracts.ledger._shards import (
    DEFAULT_PARTITIONS,
    lock_writer,
    partitions_of,
    prepare_directory,
    resolve_partitions,
    shard_path,
)
from saas_contracts.ledger._summary import Aggregator, GroupKey

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from datetime import datetime

    from saas_contracts.ledger._request import ReplayRequest

__all__ = ["DASK_BLOCK_BYTES", "replay_distributed"]

DASK_BLOCK_BYTES: Final = 8 << 20
"""Bytes per map task: big enough that a task's overhead (~ms) is noise."""


def _dask() -> Any:
    try:
        import distributed  # noqa: PLC0415 - the optional extra, imported when the engine is used
    except ImportError as error:
        msg = "the dask engine needs the optional extra: pip install 'saas-contracts[dask]'"
        raise ImportError(msg) from error
    return distributed


def _open(url: str) -> IO[bytes]:
    import fsspec  # noqa: PLC0415 - comes with the dask extra

    stream: IO[bytes] = fsspec.open(url, "rb").open()
    return stream


def _size(url: str) -> int:
    import fsspec  # noqa: PLC0415 - comes with the dask extra

    try:
        fs, path = fsspec.core.url_to_fs(url)
        info = fs.info(path)
    except FileNotFoundError:
        raise InputFileError(url, "no such file") from None
    except OSError as error:
        raise InputFileError(url, f"cannot read: {error}") from error
    if info.get("type") == "directory":
        raise InputFileError(url, "is a directory, expected a .jsonl file")
    return int(info["size"])


def read_range(url: str, start: int, end: int) -> bytes:
    """The complete lines whose first byte lies in ``[start, end)`` (the last one may lack its LF)."""
    stream = _open(url)
    try:
        return read_lines_range(stream, start, end)
    finally:
        stream.close()


@dataclass(frozen=True)
class _Slice:
    """One block's events of one partition (block-relative line offsets)."""

    input: int
    keys: bytes
    fingerprints: bytes
    offsets: array[int]
    group_ids: array[int]
    quantities: array[int]
    late: bytes
    groups: list[GroupKey]


@dataclass(frozen=True)
class _BlockMeta:
    input: int
    lines: int
    counts: list[int]
    issues: list[tuple[int, str | None, str]]  # (offset, pointer, reason)


def _map_block(  # noqa: PLR0913, PLR0917 - one task's whole description, passed positionally by submit
    context: Context, input_no: int, url: str, start: int, end: int, partitions: int
) -> tuple[Any, ...]:
    """Classify one byte range; return one :class:`_Slice` per partition, then the block's metadata."""
    first = 1 if start == 0 else FIRST_LINE_OF_LATER_RANGE
    result = classify_block(context, input_no, first, read_range(url, start, end))
    keys = bytes(result.keys)
    fingerprints = bytes(result.fingerprints)
    count = len(result.line_numbers)
    parts = partitions_of(keys, partitions)
    key_list = [keys[i : i + 16] for i in range(0, 16 * count, 16)]
    fingerprint_list = [fingerprints[i : i + 32] for i in range(0, 32 * count, 32)]
    offsets = array("q", map(operator.sub, result.line_numbers, repeat(first)))
    slices = []
    for partition in range(partitions):
        chosen = list(compress(range(count), map(operator.eq, parts, repeat(partition))))
        slices.append(
            _Slice(
                input=input_no,
                keys=b"".join(map(key_list.__getitem__, chosen)),
                fingerprints=b"".join(map(fingerprint_list.__getitem__, chosen)),
                offsets=array("q", map(offsets.__getitem__, chosen)),
                group_ids=array("l", map(result.group_ids.__getitem__, chosen)),
                quantities=array("q", map(result.quantities.__getitem__, chosen)),
                late=bytes(map(result.late.__getitem__, chosen)),
                groups=result.groups,
            )
        )
    issues = [(line - first, pointer, reason) for line, pointer, reason in result.issues]
    return (*slices, _BlockMeta(input=input_no, lines=result.lines, counts=result.counts, issues=issues))


@dataclass(frozen=True)
class _PartitionResult:
    counts: dict[str, int]
    conflicts: list[LineIssue]
    aggregator: Aggregator


def _resolve_partition(
    shard: str | None,
    upgrade: bool,  # noqa: FBT001 - positional task arguments
    by_day: bool,  # noqa: FBT001
    first_lines: Sequence[int],
    *slices: _Slice,
) -> tuple[_PartitionResult, bytes, bytes]:
    """Resolve one partition's slices in input order; return its result and the scopes to commit."""
    # The shard is only read here (a dry run); the commit phase writes. Without a shard the index
    # is this task's own fresh memory index, thrown away after it: a writing run there is the
    # same verdicts without the dry run's overlay loop per key.
    index: IdempotencyIndex = SqliteIndex(shard, upgrade=upgrade) if shard else MemoryIndex()
    run = index.open_run(dry_run=shard is not None)
    accumulator = Accumulator(run, Aggregator(by_day=by_day))
    new_keys: list[bytes] = []
    new_fingerprints: list[bytes] = []
    try:
        for first, piece in zip(first_lines, slices, strict=True):
            block = BlockResult(
                input=piece.input,
                lines=0,
                counts=[0, 0, 0, 0],
                issues=[],
                keys=bytearray(piece.keys),
                fingerprints=bytearray(piece.fingerprints),
                line_numbers=array("q", map(operator.add, piece.offsets, repeat(first))),
                group_ids=piece.group_ids,
                groups=piece.groups,
                quantities=piece.quantities,
                late=bytearray(piece.late),
            )
            accepted = list(map(operator.not_, accumulator.add(block)))  # ACCEPTED is 0
            keys, fingerprints = piece.keys, piece.fingerprints
            new_keys += compress((keys[i : i + 16] for i in range(0, len(keys), 16)), accepted)
            new_fingerprints += compress(
                (fingerprints[i : i + 32] for i in range(0, len(fingerprints), 32)), accepted
            )
    finally:
        if shard is None:
            run.commit()  # nothing to take back from a throw-away index
        else:
            run.abort()
    counts = {
        name: accumulator.counts[name] for name in ("accepted", "duplicate", "conflict", "late_accepted")
    }
    result = _PartitionResult(
        counts=counts, conflicts=accumulator.conflicts, aggregator=accumulator.aggregator
    )
    return result, b"".join(new_keys), b"".join(new_fingerprints)


def _staged_count(resolved: tuple[Any, bytes, bytes]) -> int:
    return len(resolved[1]) // 16


def _commit_shard(shard: str, upgrade: bool, lock_timeout: float, staged: tuple[Any, bytes, bytes]) -> int:  # noqa: FBT001 - positional task arguments
    """Write one partition's new scopes into its shard (one transaction); return how many."""
    _, keys, fingerprints = staged
    count = len(keys) // 16
    if not count:
        return 0
    run = SqliteIndex(shard, upgrade=upgrade, lock_timeout=lock_timeout).open_run(dry_run=False)
    try:
        run.resolve_packed(keys, fingerprints)
    except BaseException:
        run.abort()
        raise
    run.commit()
    return count


def _ranges(sources: Sequence[str], block_bytes: int) -> list[tuple[int, str, int, int]]:
    ranges: list[tuple[int, str, int, int]] = []
    for input_no, source in enumerate(sources, start=1):
        if source == "-":
            raise InputFileError("-", "the dask engine reads files or URLs, not standard input")
        url = str(Path(source).resolve()) if "://" not in source else source
        size = _size(url)
        ranges.extend(
            (input_no, url, start, min(start + block_bytes, size))
            for start in range(0, max(size, 1), block_bytes)
        )
    return ranges


def replay_distributed(  # noqa: PLR0913 - replay()'s knobs plus the cluster's
    sources: Sequence[str | Path],
    request: ReplayRequest,
    *,
    now: str | datetime,
    index_dir: str | Path | None = None,
    partitions: int | None = None,
    scheduler: str | None = None,
    client: Any = None,
    validator: ValidatorChoice = "auto",
    block_bytes: int = DASK_BLOCK_BYTES,
    lock_timeout: float = 5.0,
    upgrade: bool = False,
    deliver: Callable[[ReplayReport], None] | None = None,
) -> ReplayReport:
    """Replay ``sources`` (paths or fsspec URLs) on Dask; same report as :func:`replay`.

    ``client``: a ``distributed.Client`` to use; else ``scheduler`` (an address
    such as ``tcp://host:8786``) is connected to; else a ``LocalCluster`` with
    one single-threaded worker process per CPU (at most 4) runs for this call.
    ``index_dir``: a sharded index directory (see :class:`ShardedIndex`);
    ``partitions`` applies to a new one (default 8, or the recorded number).
    ``deliver`` is phase one of the two-phase commit, as in :func:`replay`.
    """
    if not sources:
        raise InputFileError("-", "no input given")
    distributed = _dask()
    now_ns = utc_ns(now)
    start, end = request.window_ns
    context = Context(start, end, now_ns, request.time_rules, request.by_day, validator)
    schema_check(EVENT_SCHEMA, validator)
    directory = Path(index_dir).resolve() if index_dir is not None else None
    count = resolve_partitions(directory, partitions) if directory else (partitions or DEFAULT_PARTITIONS)
    lock = None
    if directory is not None and not request.dry_run:
        prepare_directory(directory, count)
        lock = lock_writer(directory, lock_timeout)
    own_client = None
    try:
        if client is None:
            if scheduler is not None:
                own_client = client = distributed.Client(scheduler)
            else:
                cluster = distributed.LocalCluster(
                    n_workers=default_workers(), threads_per_worker=1, processes=True, dashboard_address=None
                )
                own_client = client = distributed.Client(cluster)
        return _run(
            client,
            sources,
            request,
            context,
            now,
            now_ns,
            directory,
            count,
            block_bytes,
            upgrade,
            lock_timeout,
            deliver,
        )
    finally:
        if own_client is not None:
            cluster = own_client.cluster
            own_client.close()
            if cluster is not None and scheduler is None:
                cluster.close()
        if lock is not None:
            unlock(lock)


def _run(  # noqa: PLR0913, PLR0917 - the prepared run, handed over in one piece
    client: Any,
    sources: Sequence[str | Path],
    request: ReplayRequest,
    context: Context,
    now: str | datetime,
    now_ns: int,
    directory: Path | None,
    count: int,
    block_bytes: int,
    upgrade: bool,  # noqa: FBT001
    lock_timeout: float,
    deliver: Callable[[ReplayReport], None] | None,
) -> ReplayReport:
    ranges = _ranges([str(source) for source in sources], block_bytes)
    maps = [client.submit(_map_block, context, *job, count, pure=False) for job in ranges]
    metas: list[_BlockMeta] = client.gather([client.submit(operator.getitem, m, count) for m in maps])
    counts = dict.fromkeys(("lines_read", *OUTCOMES, "late_accepted"), 0)
    first_lines: list[int] = []
    invalid: list[LineIssue] = []
    next_line: dict[int, int] = {}
    for meta in metas:
        first = next_line.get(meta.input, 1)
        first_lines.append(first)
        next_line[meta.input] = first + meta.lines
        counts["lines_read"] += meta.lines
        for name, slot in (
            ("invalid", INVALID),
            ("out_of_window", OUT_OF_WINDOW),
            ("late", LATE),
            ("blank", BLANK),
        ):
            counts[name] += meta.counts[slot]
        for offset, pointer, reason in meta.issues:
            if len(invalid) < MAX_SAMPLES:
                invalid.append(
                    LineIssue(input=meta.input, line=first + offset, pointer=pointer, reason=reason)
                )
    shards = [str(shard_path(directory, p)) if directory else None for p in range(count)]
    resolved = [
        client.submit(
            _resolve_partition,
            shards[p],
            upgrade,
            request.by_day,
            first_lines,
            *[client.submit(operator.getitem, m, p) for m in maps],
            pure=False,
        )
        for p in range(count)
    ]
    parts: list[_PartitionResult] = client.gather([client.submit(operator.getitem, r, 0) for r in resolved])
    aggregator = Aggregator(by_day=request.by_day)
    conflicts: list[LineIssue] = []
    for part in parts:
        for name, value in part.counts.items():
            counts[name] += value
        conflicts.extend(part.conflicts)
        aggregator.merge(part.aggregator)
    conflicts.sort(key=lambda issue: (issue.input, issue.line))
    # A writing run counts its new scopes even on the throw-away memory index, as replay() does.
    staged = [] if request.dry_run else client.gather([client.submit(_staged_count, r) for r in resolved])
    report = ReplayReport(
        request=request,
        evaluated_at=now if isinstance(now, str) else format_utc_ns(now_ns),
        counts=counts,
        invalid_samples=tuple(invalid),
        conflict_samples=tuple(conflicts[:MAX_SAMPLES]),
        aggregator=aggregator,
        index_kind="sqlite" if directory else "memory",
        index_persistent=directory is not None,
        index_written=sum(staged),
    )
    report.conservation_json()
    if deliver is not None:
        deliver(report)
    if directory is not None and not request.dry_run:
        client.gather(
            [
                client.submit(_commit_shard, shards[p], upgrade, lock_timeout, resolved[p], pure=False)
                for p in range(count)
            ]
        )
    return report
