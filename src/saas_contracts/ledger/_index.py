"""Idempotency indexes: which scopes were seen, with which fingerprint.

An index maps a 16-byte scope key (see :func:`~saas_contracts.ledger.scope_key`)
to the 32-byte SHA-256 fingerprint of the first event seen in that scope. A
replay opens a *run* on an index and resolves events batch by batch, in input
order, to ``accepted`` (new scope, recorded), ``duplicate`` (same fingerprint)
or ``conflict`` (different fingerprint; the first one stays).

* :class:`MemoryIndex` lives as long as the object; good for tests and small runs.
* :class:`SqliteIndex` is a file (stdlib ``sqlite3``; Cloudflare D1 speaks the
  same SQL) so memory stays bounded for tens of millions of events and a later
  run checks against earlier ones. Only hashes are stored, never raw keys.

A dry run never writes to the index: it reads it, and keeps its own scopes in
an overlay (a dict for memory, a private temporary SQLite database on disk
for SQLite, so bounded memory holds there too).

A run is all or nothing: its scopes become part of the index only at
:meth:`IndexRun.commit`, which a replay calls after its report was delivered
(written, or checked public-safe). :meth:`IndexRun.abort`, a crash, a kill or
a power cut before that leave the index as it was, so the rerun of the same
input equals a clean run. One writing run at a time: a second one on the same
SQLite file waits up to ``lock_timeout`` seconds, then is refused with
:class:`~saas_contracts.errors.IndexBusyError` (dry runs read a consistent
snapshot and need no lock).

A SQLite index records the fingerprint rule its hashes were made with
(:data:`~saas_contracts.ledger._fingerprint.FINGERPRINT_VERSION`, a row of its
``meta`` table, written with the first run's scopes). An index of another
version is refused, since its fingerprints would not compare: a file from
before the version row (version 1: timestamps hashed as written) can be
upgraded in place with ``upgrade=True`` (``--upgrade-index``). That is safe:
a version-2 fingerprint never hashes a timestamp with more than 3 fraction
digits or a trailing zero, so an old hash equals a new one only when the
content is the same; the only cost is that a re-sent event whose first copy
had such a timestamp is reported as a ``conflict`` (never applied twice)
where a rebuilt index would call it a ``duplicate``.
"""

from __future__ import annotations

import contextlib
import operator
import sqlite3
import struct
from itertools import compress
from pathlib import Path
from typing import TYPE_CHECKING, Final, Literal, Protocol

from saas_contracts._lock import lock_exclusively, unlock
from saas_contracts.errors import IndexBusyError, InputFileError
from saas_contracts.ledger._fingerprint import FINGERPRINT_VERSION, SCOPE_KEY_BYTES

if TYPE_CHECKING:
    from collections.abc import Sequence

ACCEPTED: Final = 0
DUPLICATE: Final = 1
CONFLICT: Final = 2
IndexKind = Literal["memory", "sqlite"]
KEY_BYTES: Final = SCOPE_KEY_BYTES
FINGERPRINT_BYTES: Final = 32
_PAGE_BYTES: Final = 16_384
"""Page size of a new index file: random-key inserts cost about half the CPU of 4 KiB pages."""
_ROWS: Final = (
    "WITH RECURSIVE r(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM r WHERE i + 1 < :count) "
    "SELECT substr(:keys, i * 16 + 1, 16) AS k, substr(:fps, i * 32 + 1, 32) AS fp FROM r"
)
"""The rows of a packed batch, cut by a recursive CTE: one statement per batch, no per-row binding."""
_INSERT_SQL: Final = f"INSERT INTO main.seen (k, fp) SELECT k, fp FROM ({_ROWS}) ORDER BY k"  # noqa: S608 - all ours
"""Insert a packed batch in key order (B-tree locality); SQLite sorts it in C."""
_INSERT_NEW_SQL: Final = (
    f"INSERT OR IGNORE INTO main.seen (k, fp) SELECT k, fp FROM ({_ROWS}) ORDER BY k RETURNING k"  # noqa: S608
)
""":data:`_INSERT_SQL` for rows that may exist: a scope there before is left as it is (first wins)
and missing from the keys returned."""
_RETURNING: Final = sqlite3.sqlite_version_info >= (3, 35, 0)
"""``RETURNING`` (SQLite 3.35): without it every batch is looked up before it is inserted."""
_LOOKUP_SQL: Final = (
    "SELECT t.k, t.fp FROM {table} AS t WHERE t.k IN (SELECT k FROM (" + _ROWS + "))"  # noqa: S608 - ours
)
_SCHEMA_SQL: Final = "CREATE TABLE IF NOT EXISTS {table} (k BLOB PRIMARY KEY, fp BLOB NOT NULL) WITHOUT ROWID"
_COLUMNS: Final = (("k", "BLOB", 1), ("fp", "BLOB", 0))  # (name, declared type, primary-key position)
_META_SQL: Final = (
    "CREATE TABLE IF NOT EXISTS main.meta (name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID"
)
_VERSION_ROW: Final = "fingerprint_version"
_LEGACY_VERSION: Final = 1  # an index with scopes and no meta table predates the version row


class IndexRun(Protocol):
    """One replay's view of an index."""

    @property
    def written(self) -> int:
        """How many scopes this run wrote to the index (0 for a dry run)."""
        ...

    def resolve(self, keys: Sequence[bytes], fingerprints: Sequence[bytes]) -> bytearray:
        """Resolve a batch in order: one code per item (ACCEPTED, DUPLICATE, CONFLICT)."""
        ...

    def resolve_packed(self, keys: bytes, fingerprints: bytes) -> bytearray:
        """:meth:`resolve` of a batch packed end to end: 16-byte keys, 32-byte fingerprints."""
        ...

    def commit(self) -> None:
        """Keep this run's scopes (durably, for a persistent index) and release the run."""
        ...

    def abort(self) -> None:
        """Forget this run's scopes, leaving the index as it was before the run, and release it."""
        ...


class IdempotencyIndex(Protocol):
    """Something a replay can open runs on."""

    kind: IndexKind
    persistent: bool

    def open_run(self, *, dry_run: bool) -> IndexRun:
        """Start a run; a dry run must not write."""
        ...


def _verdicts(
    keys: Sequence[bytes],
    fingerprints: Sequence[bytes],
    known: dict[bytes, bytes],
) -> tuple[bytearray, list[tuple[bytes, bytes]]]:
    """Resolve against ``known`` (prior scopes), recording batch-new scopes into it."""
    out = bytearray(len(keys))
    new: list[tuple[bytes, bytes]] = []
    for position, key in enumerate(keys):
        fingerprint = fingerprints[position]
        prior = known.get(key)
        if prior is None:
            known[key] = fingerprint
            new.append((key, fingerprint))
        else:
            out[position] = DUPLICATE if prior == fingerprint else CONFLICT
    return out, new


def first_positions(keys: Sequence[bytes]) -> dict[bytes, int]:
    """Each scope of a batch, in order of first occurrence, with the position of that occurrence."""
    return dict(zip(reversed(keys), range(len(keys) - 1, -1, -1), strict=True))


def within_batch(keys: Sequence[bytes], fingerprints: Sequence[bytes], first: dict[bytes, int]) -> bytearray:
    """The verdicts of a batch whose first occurrences (``first``, see :func:`first_positions`) are new.

    A first occurrence is ACCEPTED; a repeat is judged against it (DUPLICATE
    with the same fingerprint, CONFLICT with another one).
    """
    count = len(keys)
    out = bytearray(count)
    if len(first) < count:
        for position in compress(range(count), map(operator.ne, map(first.__getitem__, keys), range(count))):
            prior = fingerprints[first[keys[position]]]
            out[position] = DUPLICATE if prior == fingerprints[position] else CONFLICT
    return out


def unpack(keys: bytes, fingerprints: bytes) -> tuple[Sequence[bytes], Sequence[bytes]]:
    """The packed 16-byte scope keys and 32-byte fingerprints of a batch, one object each.

    One ``struct`` call per field: about 3x faster than slicing in a loop. The
    ``Struct`` is built per call: ``struct.unpack`` would keep up to 100 compiled
    formats of ~1 MiB each in its module cache.
    """
    count = len(keys) // KEY_BYTES
    return struct.Struct("16s" * count).unpack(keys), struct.Struct("32s" * count).unpack(fingerprints)


class _MemoryRun:
    def __init__(self, store: dict[bytes, bytes], *, dry_run: bool) -> None:
        self._store = store
        self._overlay: dict[bytes, bytes] = {}
        self._dry_run = dry_run
        self._written: list[bytes] = []  # this run's new scopes, so abort() can take them back

    @property
    def written(self) -> int:
        return 0 if self._dry_run else len(self._written)

    def resolve(self, keys: Sequence[bytes], fingerprints: Sequence[bytes]) -> bytearray:
        if not self._dry_run:
            if self._store.keys().isdisjoint(keys):
                # No scope known before (the common batch): its first occurrences are ACCEPTED
                # and go in; a repeat inside the batch is judged against its first occurrence.
                firsts = dict(zip(reversed(keys), reversed(fingerprints), strict=True))  # first wins
                self._store.update(firsts)
                self._written.extend(firsts)
                if len(firsts) == len(keys):
                    return bytearray(len(keys))
                return within_batch(keys, fingerprints, first_positions(keys))
            out, new = _verdicts(keys, fingerprints, self._store)
            self._written.extend(key for key, _ in new)
            return out
        out = bytearray(len(keys))
        store, overlay = self._store, self._overlay
        for position, key in enumerate(keys):
            fingerprint = fingerprints[position]
            prior = store.get(key)
            if prior is None:
                prior = overlay.get(key)
            if prior is None:
                overlay[key] = fingerprint
            else:
                out[position] = DUPLICATE if prior == fingerprint else CONFLICT
        return out

    def resolve_packed(self, keys: bytes, fingerprints: bytes) -> bytearray:
        return self.resolve(*unpack(keys, fingerprints))

    def commit(self) -> None:
        self._overlay.clear()
        self._written.clear()

    def abort(self) -> None:
        for key in self._written:
            del self._store[key]
        self.commit()


class MemoryIndex:
    """An in-process index; it remembers across runs for the life of the object."""

    kind: IndexKind = "memory"
    persistent = False

    def __init__(self) -> None:
        """Start empty."""
        self._store: dict[bytes, bytes] = {}

    def __len__(self) -> int:
        """How many scopes are recorded."""
        return len(self._store)

    def open_run(self, *, dry_run: bool) -> IndexRun:
        """Start a run (a dry run keeps its scopes in a throw-away overlay)."""
        return _MemoryRun(self._store, dry_run=dry_run)


class _SqliteRun:
    """One run on a SQLite index: batched lookups, batched inserts, one commit.

    Each batch costs one ``SELECT ... WHERE k IN (...)`` per table (earlier
    runs first) and one insert of the batch's new scopes; both hand SQLite
    the batch as packed blobs that a recursive CTE cuts into rows (no
    per-row parameter binding), and the insert is sorted by key inside
    SQLite. Verdicts, including repeats inside the batch, are resolved in
    memory in input order. A writing run skips the look-up: the batch's
    first occurrences are inserted with ``INSERT OR IGNORE ... RETURNING``,
    and only the scopes it did not insert (known before the batch) are looked
    up (see :meth:`_insert_new`). There is no savepoint to roll back to: a
    roll-back of a batch in a run larger than the page cache held every page
    the batch touched in memory at once (hundreds of MiB at 10M scopes). The whole run is one
    transaction, committed by :meth:`commit` (SQLite spills pages beyond the
    cache to the write-ahead log, so memory stays bounded). The index is
    written in WAL mode with ``synchronous=FULL`` on that one commit: a crash,
    a kill or a power cut before it leaves the previous state, after it the
    run is kept. A writing run holds an exclusive ``flock`` on the file.
    """

    def __init__(
        self, path: Path, *, dry_run: bool, cache_kib: int, lock_timeout: float, upgrade: bool
    ) -> None:
        self._path = path
        self._dry_run = dry_run
        self._upgrade = upgrade
        self._stamp_version = False  # write the version row with this run's first batch
        self._written = 0
        self._tables: list[str] = []
        self._lock = None if dry_run else _lock_exclusively(path, lock_timeout)
        try:
            self._db = self._connect(path, cache_kib, lock_timeout)
        except BaseException:
            if self._lock is not None:
                unlock(self._lock)
            raise
        self._tables.insert(0, "main.seen")
        # Only a run whose scopes all live in one table can insert first and ask later.
        self._optimistic = _RETURNING and len(self._tables) == 1

    def _connect(self, path: Path, cache_kib: int, lock_timeout: float) -> sqlite3.Connection:
        if self._dry_run:
            # A private temporary on-disk database holds this run's scopes;
            # the real index, when it exists, is attached read-only.
            db = sqlite3.connect("", isolation_level=None, uri=True)
            db.execute(f"PRAGMA page_size={_PAGE_BYTES}")
        else:
            db = sqlite3.connect(path, isolation_level=None, timeout=lock_timeout)
        try:
            if self._dry_run:
                db.execute(_SCHEMA_SQL.format(table="main.seen"))
                if path.exists():
                    db.execute("ATTACH DATABASE ? AS base", (path.resolve().as_uri() + "?mode=ro",))
                    if _has_index_table(db, "base"):  # a file with no table yet is an empty index
                        self._check_version(_index_version(db, "base"))
                        self._tables.append("base.seen")
            else:
                db.execute(f"PRAGMA page_size={_PAGE_BYTES}")  # a no-op on an existing file
                db.execute("PRAGMA journal_mode=WAL")
                db.execute("PRAGMA synchronous=FULL")
                db.execute(_SCHEMA_SQL.format(table="main.seen"))
                _has_index_table(db, "main")
                self._stamp_version = self._check_version(_index_version(db, "main"))
            db.execute(f"PRAGMA cache_size=-{int(cache_kib)}")
        except BaseException:
            db.close()
            raise
        return db

    def _check_version(self, version: int | None) -> bool:
        """Refuse an index of another fingerprint version; True when the version row must be written."""
        if version == FINGERPRINT_VERSION:
            return False
        if version is None:
            return True
        if version == _LEGACY_VERSION and self._upgrade:
            return True
        if version == _LEGACY_VERSION:
            msg = (
                f"its fingerprints are version {version} (timestamps hashed as written) and this "
                f"saas-contracts compares timestamps to the millisecond (version {FINGERPRINT_VERSION}); "
                "pass --upgrade-index (upgrade=True) once to upgrade it in place (safe: at worst a re-sent "
                "event whose first copy had more than 3 fraction digits or a trailing zero is a conflict "
                "instead of a duplicate), or rebuild it by replaying the inputs into a new index file"
            )
        else:
            msg = (
                f"its fingerprints are version {version}, this saas-contracts knows version "
                f"{FINGERPRINT_VERSION}; use the saas-contracts release that wrote it"
            )
        raise sqlite3.DatabaseError(msg)

    @property
    def written(self) -> int:
        return self._written

    def _lookup(self, unique: Sequence[bytes]) -> dict[bytes, bytes]:
        found: dict[bytes, bytes] = {}
        packed = b"".join(unique)
        # Earlier runs first, so this run's scopes never shadow them.
        for table in reversed(self._tables):
            rows = self._db.execute(
                _LOOKUP_SQL.format(table=table), {"keys": packed, "fps": b"", "count": len(unique)}
            )
            for key, prior in rows:
                found.setdefault(key, prior)
        return found

    def resolve(self, keys: Sequence[bytes], fingerprints: Sequence[bytes]) -> bytearray:
        return self._guarded(keys, fingerprints, None)

    def resolve_packed(self, keys: bytes, fingerprints: bytes) -> bytearray:
        return self._guarded(*unpack(keys, fingerprints), (keys, fingerprints))

    def _guarded(
        self, keys: Sequence[bytes], fingerprints: Sequence[bytes], packed: tuple[bytes, bytes] | None
    ) -> bytearray:
        try:
            return self._resolve(keys, fingerprints, packed)
        except sqlite3.Error as error:
            # A damaged page met halfway: roll the run back so no half of it stays behind.
            self.abort()
            raise _unusable(self._path, error) from error

    def _resolve(
        self, keys: Sequence[bytes], fingerprints: Sequence[bytes], packed: tuple[bytes, bytes] | None
    ) -> bytearray:
        if not keys:
            return bytearray()
        if not self._db.in_transaction:
            self._db.execute("BEGIN")
        if self._stamp_version:
            self._db.execute(_META_SQL)
            self._db.execute(
                "INSERT OR REPLACE INTO main.meta (name, value) VALUES (?, ?)",
                (_VERSION_ROW, str(FINGERPRINT_VERSION)),
            )
            self._stamp_version = False
        first = first_positions(keys)
        if self._optimistic:
            rows = self._insert_new(keys, fingerprints, first, packed)
            if not self._dry_run:
                self._written += len(rows)
            if len(rows) == len(first):
                return within_batch(keys, fingerprints, first)
            # The scopes it left alone were known before the batch: judge against their first fingerprint.
            inserted = {key for (key,) in rows}
            known = self._lookup([key for key in first if key not in inserted])
            return _verdicts(keys, fingerprints, known)[0]
        known = self._lookup(list(first))
        out, new = _verdicts(keys, fingerprints, known)
        if new:
            rows_keys, rows_fingerprints = b"".join(key for key, _ in new), b"".join(fp for _, fp in new)
            self._db.execute(_INSERT_SQL, {"keys": rows_keys, "fps": rows_fingerprints, "count": len(new)})
        if not self._dry_run:
            self._written += len(new)
        return out

    def _insert_new(
        self,
        keys: Sequence[bytes],
        fingerprints: Sequence[bytes],
        first: dict[bytes, int],
        packed: tuple[bytes, bytes] | None,
    ) -> list[tuple[bytes]]:
        """Insert the batch's first occurrences that are new; return the keys inserted (1-tuples).

        ``first`` maps each scope of the batch to its first position. The
        common case of a fresh stream costs one B-tree descent per scope
        instead of two (look up, then insert).
        """
        if packed is not None and len(first) == len(keys):
            rows_keys, rows_fingerprints = packed
        else:
            positions = sorted(first.values())
            rows_keys = b"".join(map(keys.__getitem__, positions))
            rows_fingerprints = b"".join(map(fingerprints.__getitem__, positions))
        return self._db.execute(
            _INSERT_NEW_SQL, {"keys": rows_keys, "fps": rows_fingerprints, "count": len(first)}
        ).fetchall()

    def commit(self) -> None:
        try:
            if self._db.in_transaction:
                self._db.execute("COMMIT")
        except sqlite3.Error as error:
            raise _unusable(self._path, error) from error
        finally:
            self._release()

    def abort(self) -> None:
        # Safe to call twice and after a failure: a closed connection has nothing to roll back.
        with contextlib.suppress(sqlite3.Error):
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
        self._written = 0
        self._release()

    def _release(self) -> None:
        try:
            self._db.close()
        finally:
            if self._lock is not None:
                unlock(self._lock)
                self._lock = None


def _lock_exclusively(path: Path, timeout: float) -> int:
    """Open (creating) the index file and take its exclusive flock, waiting up to ``timeout`` seconds."""
    try:
        descriptor = lock_exclusively(path, timeout)
    except OSError as error:
        raise InputFileError(str(path), f"cannot open the idempotency index: {error.strerror}") from error
    if descriptor is None:
        msg = (
            f"{path}: the idempotency index is being written by another run; "
            "wait for it to finish (nothing was read or written)"
        )
        raise IndexBusyError(msg)
    return descriptor


def _has_index_table(db: sqlite3.Connection, schema: str) -> bool:
    """Whether ``schema`` holds the table ``seen`` (:class:`sqlite3.DatabaseError` for another layout)."""
    rows = db.execute(f"PRAGMA {schema}.table_info(seen)").fetchall()
    if rows and tuple((row[1], row[2].upper(), row[5]) for row in rows) != _COLUMNS:
        msg = "its table 'seen' is not an idempotency index (expected exactly the columns k and fp)"
        raise sqlite3.DatabaseError(msg)
    return bool(rows)


def _index_version(db: sqlite3.Connection, schema: str) -> int | None:
    """The fingerprint version of the index in ``schema`` (None: no scope recorded yet)."""
    has_meta = db.execute(
        f"SELECT 1 FROM {schema}.sqlite_master WHERE type = 'table' AND name = 'meta'"  # noqa: S608 - ours
    ).fetchone()
    if has_meta:
        row = db.execute(
            f"SELECT value FROM {schema}.meta WHERE name = ?",  # noqa: S608 - schema names are ours
            (_VERSION_ROW,),
        ).fetchone()
        if row is not None:
            try:
                return int(row[0])
            except ValueError as error:
                msg = "its fingerprint version row is not a number"
                raise sqlite3.DatabaseError(msg) from error
    if db.execute(f"SELECT 1 FROM {schema}.seen LIMIT 1").fetchone():  # noqa: S608 - ours
        return _LEGACY_VERSION
    return None


class SqliteIndex:
    """An on-disk index (one SQLite file, one ``WITHOUT ROWID`` table of hashes)."""

    kind: IndexKind = "sqlite"
    persistent = True

    def __init__(
        self, path: str | Path, *, cache_kib: int = 65_536, lock_timeout: float = 5.0, upgrade: bool = False
    ) -> None:
        """Use (and on the first non-dry run, create) the index file at ``path``.

        ``cache_kib`` bounds SQLite's page cache (default 64 MiB). A writing run
        waits up to ``lock_timeout`` seconds for another writer to finish.
        ``upgrade``: accept an index of fingerprint version 1 and (on a writing
        run) record it as the current version (see the module docstring);
        without it such an index is refused.
        """
        self.path = Path(path)
        self.cache_kib = cache_kib
        self.lock_timeout = lock_timeout
        self.upgrade = upgrade
        if self.path.exists() and not self.path.is_file():
            raise InputFileError(str(path), "the idempotency index must be a file")

    def __len__(self) -> int:
        """How many scopes the file holds (0 when it does not exist yet)."""
        if not self.path.exists():
            return 0
        uri = self.path.resolve().as_uri() + "?mode=ro"
        with contextlib.closing(sqlite3.connect(uri, uri=True)) as db:
            try:
                (count,) = db.execute("SELECT count(*) FROM seen").fetchone()
            except sqlite3.OperationalError:
                return 0
        return int(count)

    def open_run(self, *, dry_run: bool) -> IndexRun:
        """Start a run; a dry run opens the file read-only and never creates it."""
        try:
            run = _SqliteRun(
                self.path,
                dry_run=dry_run,
                cache_kib=self.cache_kib,
                lock_timeout=self.lock_timeout,
                upgrade=self.upgrade,
            )
        except sqlite3.DatabaseError as error:
            raise _unusable(self.path, error) from error
        return run


def _unusable(path: Path, error: sqlite3.Error) -> InputFileError:
    return InputFileError(str(path), f"not a usable idempotency index: {error}")
