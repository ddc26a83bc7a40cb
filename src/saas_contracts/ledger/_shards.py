"""A sharded idempotency index: one SQLite file per partition of the scope-key hash.

A directory holds ``shards.json`` (how many partitions) and
``shard-0000.sqlite`` ... (each a :class:`~saas_contracts.ledger.SqliteIndex`,
fingerprint version and all). A scope lives in shard
:func:`partition_of` ``(scope_key, partitions)``, so each shard decides its
scopes alone: the distributed replay (``--engine dask``) resolves one
partition per task, and a local replay opens every shard and routes each key
to its own. Either sees what the other wrote. The number of partitions is
fixed when the directory is created (a scope must always land in the same
shard); asking for another number is refused.

One writing run at a time: a writing run holds an exclusive ``flock`` on
``writer.lock`` for its whole life (dry runs take none). Each shard commits
atomically; the shards of one run commit one after the other, so a crash
inside that commit loop keeps the shards committed so far (their scopes are
then ``duplicate`` on a rerun: nothing is applied twice).
"""

from __future__ import annotations

import json
import operator
import struct
from itertools import repeat
from pathlib import Path
from typing import TYPE_CHECKING, Final

from saas_contracts._atomic import atomic_write_text
from saas_contracts._lock import unlock
from saas_contracts.errors import InputFileError
from saas_contracts.ledger._index import IndexKind, IndexRun, SqliteIndex, _lock_exclusively, unpack

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["DEFAULT_PARTITIONS", "MANIFEST", "ShardedIndex", "partition_of", "partitions_of"]

MANIFEST: Final = "shards.json"
DEFAULT_PARTITIONS: Final = 8
_MAX_PARTITIONS: Final = 4096


def partition_of(key: bytes, partitions: int) -> int:
    """The partition (shard) of a 16-byte scope key: its first 4 bytes modulo ``partitions``."""
    return int.from_bytes(key[:4], "big") % partitions


def partitions_of(keys: bytes, partitions: int) -> list[int]:
    """:func:`partition_of` of each 16-byte key packed in ``keys``, the loop in C."""
    firsts = map(operator.itemgetter(0), struct.iter_unpack(">I12x", keys))
    return list(map(operator.mod, firsts, repeat(partitions)))


def read_partitions(directory: Path) -> int | None:
    """The partition count recorded in ``directory`` (None when it holds no manifest yet)."""
    manifest = directory / MANIFEST
    if not manifest.exists():
        return None
    try:
        recorded = json.loads(manifest.read_text(encoding="utf-8"))["partitions"]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise InputFileError(str(manifest), "not a sharded idempotency index manifest") from error
    if type(recorded) is not int or not 1 <= recorded <= _MAX_PARTITIONS:
        raise InputFileError(str(manifest), "not a sharded idempotency index manifest")
    return recorded


def resolve_partitions(directory: Path, asked: int | None) -> int:
    """The partition count to use: the recorded one; ``asked`` (or the default) for a new directory."""
    if asked is not None and not 1 <= asked <= _MAX_PARTITIONS:
        msg = f"partitions must be between 1 and {_MAX_PARTITIONS}"
        raise ValueError(msg)
    recorded = read_partitions(directory)
    if recorded is not None and asked is not None and asked != recorded:
        msg = (
            f"the sharded index holds {recorded} partitions and a scope's shard depends on that "
            f"number; run with --partitions {recorded} (or without --partitions)"
        )
        raise InputFileError(str(directory), msg)
    return recorded or asked or DEFAULT_PARTITIONS


def shard_path(directory: Path, partition: int) -> Path:
    """The SQLite file of one partition."""
    return directory / f"shard-{partition:04d}.sqlite"


def prepare_directory(directory: Path, partitions: int) -> None:
    """Create the directory and its manifest for a writing run (no-op when they exist)."""
    if directory.exists() and not directory.is_dir():
        raise InputFileError(str(directory), "a sharded idempotency index must be a directory")
    directory.mkdir(parents=True, exist_ok=True)
    if read_partitions(directory) is None:
        atomic_write_text(directory / MANIFEST, json.dumps({"partitions": partitions}) + "\n")


def lock_writer(directory: Path, timeout: float) -> int:
    """Take the directory's writer lock (exclusive ``flock`` on ``writer.lock``)."""
    return _lock_exclusively(directory / "writer.lock", timeout)


class _ShardedRun:
    def __init__(self, runs: Sequence[IndexRun], lock: int | None) -> None:
        self._runs = list(runs)
        self._lock = lock

    @property
    def written(self) -> int:
        return sum(run.written for run in self._runs)

    def resolve(self, keys: Sequence[bytes], fingerprints: Sequence[bytes]) -> bytearray:
        partitions = len(self._runs)
        buckets: list[list[int]] = [[] for _ in range(partitions)]
        for position, key in enumerate(keys):
            buckets[partition_of(key, partitions)].append(position)
        out = bytearray(len(keys))
        for run, positions in zip(self._runs, buckets, strict=True):
            if positions:
                verdicts = run.resolve([keys[i] for i in positions], [fingerprints[i] for i in positions])
                for position, verdict in zip(positions, verdicts, strict=True):
                    out[position] = verdict
        return out

    def resolve_packed(self, keys: bytes, fingerprints: bytes) -> bytearray:
        return self.resolve(*unpack(keys, fingerprints))

    def commit(self) -> None:
        try:
            for run in self._runs:
                run.commit()
        except BaseException:
            self.abort()
            raise
        self._release()

    def abort(self) -> None:
        for run in self._runs:
            run.abort()
        self._release()

    def _release(self) -> None:
        if self._lock is not None:
            unlock(self._lock)
            self._lock = None


class ShardedIndex:
    """A directory of SQLite shards, one per partition of the scope-key hash."""

    kind: IndexKind = "sqlite"
    persistent = True

    def __init__(
        self,
        directory: str | Path,
        *,
        partitions: int | None = None,
        lock_timeout: float = 5.0,
        upgrade: bool = False,
    ) -> None:
        """Use the sharded index in ``directory`` (created by the first writing run).

        ``partitions`` is used for a new directory; an existing one keeps its own
        (asking for another number is an :class:`~saas_contracts.errors.InputFileError`).
        """
        self.directory = Path(directory)
        self.partitions = resolve_partitions(self.directory, partitions)
        self.lock_timeout = lock_timeout
        self.upgrade = upgrade

    def shard(self, partition: int) -> SqliteIndex:
        """The :class:`SqliteIndex` of one partition."""
        return SqliteIndex(
            shard_path(self.directory, partition), lock_timeout=self.lock_timeout, upgrade=self.upgrade
        )

    def __len__(self) -> int:
        """How many scopes the shards hold."""
        return sum(len(self.shard(partition)) for partition in range(self.partitions))

    def open_run(self, *, dry_run: bool) -> IndexRun:
        """Open a run on every shard (a writing run creates the directory and takes its writer lock)."""
        lock = None
        if not dry_run:
            prepare_directory(self.directory, self.partitions)
            lock = lock_writer(self.directory, self.lock_timeout)
        runs: list[IndexRun] = []
        try:
            runs.extend(
                self.shard(partition).open_run(dry_run=dry_run) for partition in range(self.partitions)
            )
        except BaseException:
            for run in runs:
                run.abort()
            if lock is not None:
                unlock(lock)
            raise
        return _ShardedRun(runs, lock)
