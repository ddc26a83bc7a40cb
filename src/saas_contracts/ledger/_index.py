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
"""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, Final, Literal, Protocol

from saas_contracts.errors import InputFileError

if TYPE_CHECKING:
    from collections.abc import Sequence

ACCEPTED: Final = 0
DUPLICATE: Final = 1
CONFLICT: Final = 2
IndexKind = Literal["memory", "sqlite"]
_SQL_CHUNK: Final = 500  # keys per SELECT; under SQLite's historical 999 bound-parameter limit
_ROWS_PER_INSERT: Final = 400  # two parameters per row
_COMMIT_ROWS: Final = 100_000  # new scopes per transaction (see _SqliteRun)
_SCHEMA_SQL: Final = "CREATE TABLE IF NOT EXISTS {table} (k BLOB PRIMARY KEY, fp BLOB NOT NULL) WITHOUT ROWID"


class IndexRun(Protocol):
    """One replay's view of an index."""

    @property
    def written(self) -> int:
        """How many scopes this run wrote to the index (0 for a dry run)."""
        ...

    def resolve(self, keys: Sequence[bytes], fingerprints: Sequence[bytes]) -> bytearray:
        """Resolve a batch in order: one code per item (ACCEPTED, DUPLICATE, CONFLICT)."""
        ...

    def close(self) -> None:
        """Flush what must be kept and release resources."""
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


class _MemoryRun:
    def __init__(self, store: dict[bytes, bytes], *, dry_run: bool) -> None:
        self._store = store
        self._overlay: dict[bytes, bytes] = {}
        self._dry_run = dry_run
        self._written = 0

    @property
    def written(self) -> int:
        return self._written

    def resolve(self, keys: Sequence[bytes], fingerprints: Sequence[bytes]) -> bytearray:
        if not self._dry_run:
            out, new = _verdicts(keys, fingerprints, self._store)
            self._written += len(new)
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

    def close(self) -> None:
        self._overlay.clear()


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
    """One run on a SQLite index: batched lookups, batched inserts, few commits.

    Each batch costs one ``SELECT ... WHERE k IN (...)`` per :data:`_SQL_CHUNK`
    distinct keys (over every table, earlier runs first) and one sorted
    ``executemany`` insert of the batch's new scopes; verdicts, including
    repeats inside the batch, are resolved in memory in input order. While
    batches bring only new scopes, the look-up is skipped: the batch is
    inserted with ``INSERT OR IGNORE`` under a savepoint and kept only if
    every row went in (see :meth:`_insert_all_new`). Writes
    are grouped into transactions of about :data:`_COMMIT_ROWS` new scopes
    (a commit per batch made the run wait on WAL checkpoints); :meth:`close`
    commits the rest. The index is written in WAL mode with
    ``synchronous=NORMAL``: a crashed process loses nothing committed, a power
    loss may lose the last transactions but never corrupts the file (the
    scopes of a lost transaction are simply new again on the next run).
    """

    def __init__(self, path: Path, *, dry_run: bool, cache_kib: int) -> None:
        self._dry_run = dry_run
        self._written = 0
        self._pending = 0
        self._tables: list[str] = []
        if dry_run:
            # A private temporary on-disk database holds this run's scopes;
            # the real index, when it exists, is attached read-only.
            self._db = sqlite3.connect("", isolation_level=None, uri=True)
            self._db.execute(_SCHEMA_SQL.format(table="main.seen"))
            if path.exists():
                uri = path.resolve().as_uri() + "?mode=ro"
                self._db.execute("ATTACH DATABASE ? AS base", (uri,))
                self._tables.append("base.seen")
        else:
            self._db = sqlite3.connect(path, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute(_SCHEMA_SQL.format(table="main.seen"))
        self._write_table = "main.seen"
        self._db.execute(f"PRAGMA cache_size=-{int(cache_kib)}")
        self._tables.insert(0, self._write_table)
        self._insert_sql = {
            ignore: f"INSERT{' OR IGNORE' if ignore else ''} INTO {self._write_table} (k, fp) VALUES "
            for ignore in (False, True)
        }
        # Only a run whose scopes all live in one table can insert first and ask later.
        self._optimistic = len(self._tables) == 1

    @property
    def written(self) -> int:
        return self._written

    def _lookup(self, unique: Sequence[bytes]) -> dict[bytes, bytes]:
        found: dict[bytes, bytes] = {}
        # Earlier runs first, so this run's scopes never shadow them.
        for table in reversed(self._tables):
            for start in range(0, len(unique), _SQL_CHUNK):
                chunk = unique[start : start + _SQL_CHUNK]
                marks = ",".join("?" * len(chunk))
                query = f"SELECT k, fp FROM {table} WHERE k IN ({marks})"  # noqa: S608 - table names are ours
                for key, prior in self._db.execute(query, chunk):
                    found.setdefault(key, prior)
        return found

    def resolve(self, keys: Sequence[bytes], fingerprints: Sequence[bytes]) -> bytearray:
        if not keys:
            return bytearray()
        if not self._db.in_transaction:
            self._db.execute("BEGIN")
        if self._optimistic and self._insert_all_new(keys, fingerprints):
            out, new = _verdicts(keys, fingerprints, {})
        else:
            known = self._lookup(list(dict.fromkeys(keys)))
            # Go optimistic again once a batch meets no scope of earlier batches or runs.
            self._optimistic = not known and len(self._tables) == 1
            out, new = _verdicts(keys, fingerprints, known)
            new.sort()  # key order: B-tree locality
            self._insert(new, ignore=False)
        self._pending += len(new)
        if not self._dry_run:
            self._written += len(new)
        if self._pending >= _COMMIT_ROWS:
            self._commit()
        return out

    def _insert_all_new(self, keys: Sequence[bytes], fingerprints: Sequence[bytes]) -> bool:
        """Insert the batch's scopes; keep them and return True only if none was there before.

        The common case of a fresh stream costs one B-tree descent per scope
        instead of two (look up, then insert). When some scope already
        existed, the batch is rolled back to its savepoint and resolved by
        look-up; the run stays on look-ups until a batch meets no known scope.
        """
        first = dict(zip(reversed(keys), reversed(fingerprints), strict=True))  # first occurrence wins
        self._db.execute("SAVEPOINT batch")
        before = self._db.total_changes
        self._insert(sorted(first.items()), ignore=True)
        if self._db.total_changes - before == len(first):
            self._db.execute("RELEASE batch")
            return True
        self._db.execute("ROLLBACK TO batch")
        self._db.execute("RELEASE batch")
        return False

    def _insert(self, rows: Sequence[tuple[bytes, bytes]], *, ignore: bool) -> None:
        # Multi-row statements of _ROWS_PER_INSERT rows: ~15% less CPU than one executemany row
        # at a time; the remainder goes through executemany.
        sql = self._insert_sql[ignore]
        full = len(rows) - len(rows) % _ROWS_PER_INSERT
        if full:
            many = sql + ",".join(("(?,?)",) * _ROWS_PER_INSERT)
            for start in range(0, full, _ROWS_PER_INSERT):
                self._db.execute(
                    many, [value for row in rows[start : start + _ROWS_PER_INSERT] for value in row]
                )
        if full < len(rows):
            self._db.executemany(sql + "(?,?)", rows[full:])

    def _commit(self) -> None:
        if self._db.in_transaction:
            self._db.execute("COMMIT")
        self._pending = 0

    def close(self) -> None:
        try:
            self._commit()
        finally:
            self._db.close()


class SqliteIndex:
    """An on-disk index (one SQLite file, one ``WITHOUT ROWID`` table of hashes)."""

    kind: IndexKind = "sqlite"
    persistent = True

    def __init__(self, path: str | Path, *, cache_kib: int = 65_536) -> None:
        """Use (and on the first non-dry run, create) the index file at ``path``.

        ``cache_kib`` bounds SQLite's page cache (default 64 MiB).
        """
        self.path = Path(path)
        self.cache_kib = cache_kib
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
            return _SqliteRun(self.path, dry_run=dry_run, cache_kib=self.cache_kib)
        except sqlite3.DatabaseError as error:
            raise InputFileError(str(self.path), f"not a usable idempotency index: {error}") from error
