"""The SQLite plan-source store: the contract DDL (``entitlements/v1/store.sql``), one transaction per run.

:func:`open_store` creates or opens a store file with exactly the statements
of ``schemas/entitlements/v1/store.sql`` (the DDL a template applies to D1).
:class:`SqliteState` is the writer's view of it (the same
:class:`~saas_contracts.entitlements._writer.StateStore` methods as the
in-memory :class:`~saas_contracts.entitlements.PlanSourceState`): reads go to
the database, writes are collected and flushed in batches, all inside the one
transaction the run holds (``BEGIN IMMEDIATE``: a second writer waits for it,
up to its timeout, and nothing is lost). Receipts, records, the event log and
the audit envelopes of a run commit together or not at all (an event's
receipt, log entry and envelope are one row); durability is per run (one
``fsync`` at the commit, none per event).

:func:`export_state` / :func:`import_state` move between a store and the JSON
state document (review, fixtures, migration of a JSON state file or of a
layout-1 store, see :func:`migrate_json_state`).
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import time
from bisect import insort
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import orjson

from saas_contracts._resources import packaged
from saas_contracts.entitlements._audit import AuditAppend, append_envelopes
from saas_contracts.entitlements._fold import Entry, Refold, canonical_key, whole_log
from saas_contracts.entitlements._state import PlanSourceState, load_state
from saas_contracts.entitlements._writer import (
    ApplyOutcomes,
    AuditContext,
    Counted,
    EventResult,
    apply_event,
    count_event,
    screen_event_ids,
)
from saas_contracts.errors import InputFileError, OutputFileError, StateBusyError

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator, Sequence

    from saas_contracts.entitlements._vocab import Record

__all__ = [
    "STORE_FORMAT",
    "SqliteState",
    "StoreRun",
    "apply_to_store",
    "export_state",
    "import_state",
    "is_store_path",
    "load_store",
    "migrate_json_state",
    "open_store",
    "store_ddl",
    "store_writes",
    "transaction",
]

STORE_FORMAT: Final = "entitlements/v1/store-2"
LEGACY_STORE_FORMAT: Final = "entitlements/v1/store"
"""Layout 1 (five tables per event); read only by :func:`migrate_json_state`."""
STORE_SUFFIXES: Final = (".sqlite", ".sqlite3", ".db")
_SQLITE_MAGIC: Final = b"SQLite format 3\x00"
_FLUSH_EVERY: Final = 5_000
_KEEP_RECORDS: Final = 10_000


def store_ddl() -> str:
    """The contract DDL (``schemas/entitlements/v1/store.sql``), as the package ships it."""
    return packaged("_schemas", "entitlements", "v1", "store.sql").read_text(encoding="utf-8")


def is_store_path(path: str | Path) -> bool:
    """True for an SQLite store: an existing SQLite file, or a new ``.sqlite``/``.sqlite3``/``.db`` path."""
    target = Path(path)
    try:
        with target.open("rb") as handle:
            header = handle.read(len(_SQLITE_MAGIC))
    except OSError:
        return target.suffix in STORE_SUFFIXES
    # An empty file is a store another run is creating right now (SQLite writes the header on first commit).
    return header == _SQLITE_MAGIC or (not header and target.suffix in STORE_SUFFIXES)


def _dumps(value: object) -> str:
    """Compact JSON with sorted keys for a JSON column (orjson: the bulk path's encoder)."""
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode("utf-8")


def open_store(path: str | Path, *, timeout: float = 5.0) -> sqlite3.Connection:
    """Open (creating when missing) the store at ``path`` and apply the contract DDL.

    WAL journal (readers do not block the writer), ``synchronous=FULL`` (a
    commit is on disk when it returns). Raises
    :class:`~saas_contracts.errors.OutputFileError` when the file cannot be
    opened or created, :class:`~saas_contracts.errors.InputFileError` when it
    is not a store this version reads (a JSON state file: migrate it with
    ``saas-contracts entitlements migrate``).
    """
    target = Path(path)
    if target.exists() and not is_store_path(target):
        msg = "this is not an SQLite store (a JSON state file? run 'saas-contracts entitlements migrate')"
        raise InputFileError(str(path), msg)
    try:
        connection = sqlite3.connect(target, timeout=timeout, isolation_level=None)
    except sqlite3.Error as error:
        raise OutputFileError(str(path), f"cannot open the store: {error}") from error
    try:
        row = _retry_busy(lambda: _prepare(connection), timeout)
    except sqlite3.OperationalError as error:
        connection.close()
        if "locked" in str(error) or "busy" in str(error):
            raise StateBusyError(f"{path}: the store is being written by another run") from error
        raise OutputFileError(str(path), f"cannot use the store: {error}") from error
    except sqlite3.DatabaseError as error:
        connection.close()
        raise InputFileError(str(path), f"not a readable SQLite store: {error}") from error
    if row is not None and row[0] == LEGACY_STORE_FORMAT:
        connection.close()
        msg = (
            "a layout-1 store (entitlements/v1/store): copy it into a new store with"
            " 'saas-contracts entitlements migrate OLD NEW'"
        )
        raise InputFileError(str(path), msg)
    if row is None or row[0] != STORE_FORMAT:
        connection.close()
        raise InputFileError(str(path), f"the store's format tag is not {STORE_FORMAT}")
    return connection


def _prepare(connection: sqlite3.Connection) -> tuple[str] | None:
    """Create the tables when missing (WAL journal, the contract DDL) and return the format row."""
    row = _format_tag(connection)
    if row is None:
        # 16 KiB pages (set before the first table; a store keeps its page size): a write envelope is
        # ~1.3 KB, so 4 KiB pages held two or three and the B-trees were deep; ~20% less CPU per insert.
        connection.execute("PRAGMA page_size=16384")
        connection.execute("PRAGMA journal_mode=WAL")
        connection.executescript(store_ddl())
        row = _format_tag(connection)
    connection.execute("PRAGMA synchronous=FULL")
    # A run is one transaction over random text keys: with SQLite's default 2 MiB page cache, a large run
    # re-reads its own B-tree pages from the WAL at every insert. 64 MiB keeps them in memory (a bound).
    connection.execute("PRAGMA cache_size=-65536")
    return row


def _retry_busy(step: Callable[[], tuple[str] | None], timeout: float) -> tuple[str] | None:
    """Run ``step``; while another run holds the file (two runs creating one store), retry until timeout."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return step()
        except sqlite3.OperationalError as error:
            if not ("locked" in str(error) or "busy" in str(error)) or time.monotonic() >= deadline:
                raise
            time.sleep(0.05)


def _format_tag(connection: sqlite3.Connection) -> tuple[str] | None:
    """The store's format row, or None when the tables do not exist yet (a new file)."""
    try:
        row: tuple[str] | None = connection.execute(
            "SELECT value FROM ent_meta WHERE key = 'format'"
        ).fetchone()
    except sqlite3.OperationalError as error:
        if "no such table" in str(error):
            return None
        raise
    return row


@contextlib.contextmanager
def transaction(connection: sqlite3.Connection, path: str | Path) -> Iterator[None]:
    """Hold the store's write lock (``BEGIN IMMEDIATE``) for the block; commit on success, else roll back."""
    try:
        connection.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as error:
        msg = f"{path}: the store is being written by another run; wait for it to finish (nothing written)"
        raise StateBusyError(msg) from error
    try:
        yield
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    connection.execute("COMMIT")


class SqliteState:
    """The writer's view of a store inside one transaction: reads through, writes batched.

    Only what the run touches is held in memory (and that is flushed every
    5,000 events), so a run's memory does not grow with the store. A batch
    writes one ``ent_events`` row per new event (its receipt, log entry and
    envelope together), one ``UPDATE`` per older receipt a refold relabelled,
    and one ``ent_records`` row per record it changed (the record and its tail).
    """

    def __init__(self, connection: sqlite3.Connection) -> None:
        """Wrap an open connection whose transaction the caller holds."""
        self._db = connection
        self._has_bases = connection.execute("SELECT 1 FROM ent_bases LIMIT 1").fetchone() is not None
        self._records: dict[str, Record] = {}
        self._bases: dict[str, Record | None] = {}
        self._tails: dict[str, tuple[int, int, str] | None] = {}
        self._no_record: set[str] = set()
        self._reset()

    def _reset(self) -> None:
        """Drop the batch: its pending writes, the receipts and logs it read; the records it read too if many.

        Records, bases and tails (one per record, what the store holds once a batch
        is flushed) stay cached while they are at most ``_KEEP_RECORDS`` records, so
        a run over a few thousand active records reads each once; more, and they go
        with the batch (memory stays bounded by the batch, not by the input).
        """
        if len(self._tails) > _KEEP_RECORDS:
            self._records = {}
            self._bases = {}
            self._tails = {}
            self._no_record = set()
        self._receipts: dict[str, dict[str, Any]] = {}
        self._logs: dict[str, list[Entry]] = {}
        self._suffixes: dict[str, tuple[tuple[int, int, str] | None, Record | None, list[Entry]]] = {}
        self._new_events: list[tuple[str, Entry]] = []
        self._new_by_record: dict[str, list[Entry]] = {}
        self._envelopes: dict[str, str] = {}
        self._dirty_receipts: set[str] = set()
        self._dirty_records: set[str] = set()
        self._created: set[str] = set()
        self._no_receipt: set[str] = set()
        self._since_flush = 0

    def prefetch(self, items: Sequence[object]) -> None:
        """Read ahead, in a few queries, what the next ``items`` will look up (flushing a full batch first).

        Receipts, tails, records and bases of the items' ids go into the run's
        caches; ids the store does not hold are remembered as missing, so the
        events themselves ask the database nothing. Only a cache: every lookup
        still reads through when an id was not read ahead.
        """
        if self._since_flush >= _FLUSH_EVERY:
            self.flush()
        event_ids: set[str] = set()
        record_ids: set[str] = set()
        for item in items:
            if type(item) is dict:
                event_id, record_id = item.get("event_id"), item.get("record_id")
                if type(event_id) is str:
                    event_ids.add(event_id)
                if type(record_id) is str:
                    record_ids.add(record_id)
        self._read_receipts(event_ids)
        self._prefetch_records(record_ids)

    def _read_receipts(self, event_ids: Iterable[str]) -> None:
        wanted = sorted(key for key in event_ids if key not in self._receipts and key not in self._no_receipt)
        found: set[str] = set()
        for row in self._select(
            "SELECT event_id, fingerprint, kind, record_id, outcome FROM ent_events WHERE event_id IN",
            wanted,
        ):
            found.add(row[0])
            self._receipts[row[0]] = _receipt_of(row)
        self._no_receipt.update(key for key in wanted if key not in found)

    def _prefetch_records(self, record_ids: set[str]) -> None:
        wanted = sorted(key for key in record_ids if key not in self._tails)
        for key in wanted:
            self._tails[key] = None
        found: set[str] = set()
        for record_id, body, tail_ns, tail_sequence, tail_print in self._select(
            "SELECT record_id, body, tail_ns, tail_sequence, tail_fingerprint FROM ent_records"
            " WHERE record_id IN",
            wanted,
        ):
            if tail_ns is not None:
                self._tails[record_id] = (int(tail_ns), int(tail_sequence), str(tail_print))
            if body is not None:
                found.add(record_id)
                self._records[record_id] = orjson.loads(body)
        self._no_record.update(key for key in wanted if key not in found)
        if self._has_bases:
            wanted = sorted(key for key in record_ids if key not in self._bases)
            for key in wanted:
                self._bases[key] = None
            for record_id, body in self._select(
                "SELECT record_id, body FROM ent_bases WHERE record_id IN", wanted
            ):
                self._bases[record_id] = orjson.loads(body)

    def _select(self, query: str, keys: list[str]) -> Iterator[tuple[Any, ...]]:
        """Rows of ``query (?, ...)`` over ``keys``, in chunks of at most 500 parameters."""
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            yield from self._db.execute(f"{query} ({', '.join('?' * len(chunk))})", chunk).fetchall()

    def receipt(self, event_id: str) -> dict[str, Any] | None:
        """The receipt of an event, if it was seen."""
        cached = self._receipts.get(event_id)
        if cached is not None or event_id in self._no_receipt:
            return cached
        row = self._db.execute(
            "SELECT event_id, fingerprint, kind, record_id, outcome FROM ent_events WHERE event_id = ?",
            (event_id,),
        ).fetchone()
        if row is None:
            return None
        receipt = _receipt_of(row)
        self._receipts[event_id] = receipt
        return receipt

    def put_receipt(self, receipt: dict[str, Any]) -> None:
        """Store (or replace) a receipt (one of an event this run logged, or a relabel of an older one)."""
        self._receipts[receipt["event_id"]] = receipt
        self._dirty_receipts.add(receipt["event_id"])

    def record(self, record_id: str) -> Record | None:
        """The current record, if any."""
        cached = self._records.get(record_id)
        if cached is not None or record_id in self._no_record:
            return cached
        row = self._db.execute("SELECT body FROM ent_records WHERE record_id = ?", (record_id,)).fetchone()
        if row is None or row[0] is None:
            self._no_record.add(record_id)
            return None
        record: Record = orjson.loads(row[0])
        self._records[record_id] = record
        return record

    def put_record(self, record: Record) -> None:
        """Store (or replace) a record."""
        record_id = record["record_id"]
        self._records[record_id] = record
        if record_id in self._no_record:  # created: a row of its log's tail may be there, owned by an event
            self._no_record.discard(record_id)
            self._created.add(record_id)
        self._dirty_records.add(record_id)

    def base(self, record_id: str) -> Record | None:
        """The pre-log base a record's fold starts from, if any."""
        if not self._has_bases:
            return None
        if record_id not in self._bases:
            row = self._db.execute("SELECT body FROM ent_bases WHERE record_id = ?", (record_id,)).fetchone()
            self._bases[record_id] = None if row is None else orjson.loads(row[0])
        return self._bases[record_id]

    def _tail(self, record_id: str) -> tuple[int, int, str] | None:
        if record_id not in self._tails:
            row = self._db.execute(
                "SELECT tail_ns, tail_sequence, tail_fingerprint FROM ent_records WHERE record_id = ?",
                (record_id,),
            ).fetchone()
            self._tails[record_id] = (
                None if row is None or row[0] is None else (int(row[0]), int(row[1]), str(row[2]))
            )
        return self._tails[record_id]

    def add_to_log(self, record_id: str, entry: Entry) -> Refold | None:
        """Log ``entry``: None when it went last, else what to fold again.

        A late event that sorts after the part of the log this batch did not add
        refolds only the batch's part, from the record as it stood before the
        batch's first event of that record (no log read); an older one refolds
        the whole log, read from the store once per batch.
        """
        tail = self._tail(record_id)
        self._new_events.append((record_id, entry))
        batch_part = self._new_by_record.get(record_id)
        if batch_part is None:
            self._new_by_record[record_id] = [entry]
        else:
            batch_part.append(entry)
        whole = self._logs.get(record_id)
        suffix = self._suffixes.get(record_id)
        if tail is None or tail < entry.key:
            self._tails[record_id] = entry.key
            if whole is not None:
                whole.append(entry)
            elif suffix is not None:
                suffix[2].append(entry)
            else:  # the batch's first event of this record: remember where its part of the log starts
                start = self._empty_start(record_id) if tail is None else self.record(record_id)
                self._suffixes[record_id] = (tail, start, [entry])
            return None
        if whole is not None:
            whole.append(entry)
            whole.sort()
            return whole_log(whole, self.base(record_id))
        if suffix is not None and (suffix[0] is None or suffix[0] < entry.key):
            insort(suffix[2], entry)
            return Refold(suffix[2], suffix[1])
        logged = self._read_log(record_id)
        unflushed = self._new_by_record.get(record_id, [])
        whole = sorted({item.event_id: item for item in [*logged, *unflushed]}.values())
        self._logs[record_id] = whole
        self._suffixes.pop(record_id, None)
        return whole_log(whole, self.base(record_id))

    def _empty_start(self, record_id: str) -> Record | None:
        """The record an empty log folds to: a copy of the base, or None."""
        base = self.base(record_id)
        return None if base is None else dict(base)

    def _read_log(self, record_id: str) -> list[Entry]:
        """A record's flushed events, with their receipts (the same rows; a refold relabels them)."""
        logged = []
        receipts = self._receipts
        for row in self._db.execute(
            "SELECT event_id, fingerprint, kind, record_id, outcome, body FROM ent_events"
            " WHERE record_id = ? AND body IS NOT NULL",
            (record_id,),
        ):
            event = orjson.loads(row[5])
            logged.append(Entry(canonical_key(event, row[1]), event, row[1]))
            if row[0] not in receipts:
                receipts[row[0]] = _receipt_of(row)
        return logged

    def add_write(self, envelope: dict[str, Any]) -> None:
        """Queue the audit envelope of an event this batch logged; it goes into that event's row."""
        self._envelopes[envelope["idempotency_key"]] = orjson.dumps(envelope).decode("utf-8")

    def tick(self, count: int = 1) -> None:
        """Count delivered events; the next :meth:`prefetch` flushes once 5,000 are in the batch."""
        self._since_flush += count

    def flush(self) -> None:
        """Write the batch into the open transaction and drop the run's caches."""
        db = self._db
        receipts = self._receipts
        envelopes = self._envelopes
        new_ids = set()
        rows = []
        for record_id, entry in self._new_events:
            event_id = entry.event_id
            new_ids.add(event_id)
            event = entry.event
            key = entry.key
            rows.append(
                (
                    event_id,
                    record_id,
                    entry.fingerprint,
                    event["kind"],
                    receipts[event_id]["outcome"],
                    str(key[0]),
                    key[1],
                    (orjson.dumps(event) if entry.canonical is None else entry.canonical).decode("utf-8"),
                    envelopes.get(event_id),
                )
            )
        db.executemany(
            "INSERT INTO ent_events"
            " (event_id, record_id, fingerprint, kind, outcome, occurred_ns, sequence, body, envelope)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        db.executemany(
            "UPDATE ent_events SET outcome = ? WHERE event_id = ?",
            [(receipts[key]["outcome"], key) for key in sorted(self._dirty_receipts - new_ids)],
        )
        changed = self._dirty_records.union(self._new_by_record)
        db.executemany(_UPSERT_RECORD, [self._record_row(key) for key in sorted(changed)])
        # The upsert leaves workspace and source_kind (and so the workspace index) alone; a record created
        # over a row that held only its log's tail takes them from the record.
        db.executemany(
            "UPDATE ent_records SET workspace = ?, source_kind = ?"
            " WHERE record_id = ? AND (workspace IS NOT ? OR source_kind IS NOT ?)",
            [
                (record["workspace"], record["source_kind"], key, record["workspace"], record["source_kind"])
                for key in sorted(self._created)
                for record in (self._records[key],)
            ],
        )
        self._reset()

    def _record_row(self, record_id: str) -> tuple[Any, ...]:
        """The ``ent_records`` row of a record this batch changed (its body, its log's tail, or both)."""
        record = self._records.get(record_id)
        tail = self._tails.get(record_id)
        if record is None:  # only parked events logged: the row holds the tail, owned as its first event says
            first = self._new_by_record[record_id][0].event
            workspace, source_kind, status, body = first["workspace"], first["source_kind"], None, None
        else:
            workspace, source_kind, status = record["workspace"], record["source_kind"], record["status"]
            body = orjson.dumps(record).decode("utf-8")
        if tail is None:
            return (record_id, workspace, source_kind, status, body, None, None, None)
        return (record_id, workspace, source_kind, status, body, str(tail[0]), tail[1], tail[2])


_UPSERT_RECORD: Final = (
    "INSERT INTO ent_records"
    " (record_id, workspace, source_kind, status, body, tail_ns, tail_sequence, tail_fingerprint)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (record_id) DO UPDATE SET status = excluded.status, body = excluded.body,"
    " tail_ns = excluded.tail_ns, tail_sequence = excluded.tail_sequence,"
    " tail_fingerprint = excluded.tail_fingerprint"
)


def _receipt_of(row: Sequence[Any]) -> dict[str, Any]:
    """A receipt from its ``ent_events`` columns (event_id, fingerprint, kind, record_id, outcome)."""
    return {"event_id": row[0], "fingerprint": row[1], "kind": row[2], "record_id": row[3], "outcome": row[4]}


def export_state(connection: sqlite3.Connection) -> PlanSourceState:
    """The store's content as an in-memory state (its ``to_json`` is the JSON state document)."""
    records = [
        json.loads(body)
        for (body,) in connection.execute("SELECT body FROM ent_records WHERE body IS NOT NULL")
    ]
    receipts = []
    events = []
    for row in connection.execute(
        "SELECT event_id, fingerprint, kind, record_id, outcome, body FROM ent_events ORDER BY position"
    ):
        receipts.append(_receipt_of(row))
        if row[5] is not None:
            events.append(json.loads(row[5]))
    bases = [json.loads(body) for (body,) in connection.execute("SELECT body FROM ent_bases")]
    return PlanSourceState(records, receipts, events=events, bases=bases)


def import_state(
    connection: sqlite3.Connection,
    state: PlanSourceState,
    writes: Sequence[tuple[str, str]] = (),
) -> None:
    """Write ``state`` into an empty store inside the caller's transaction.

    ``writes``: the audit trail to keep, as (idempotency_key, envelope JSON) in
    commit order (a layout-1 store's ``ent_writes``); each goes into its
    event's row, and those rows come first, in that order.
    """
    logged = {
        entry.event_id: (record_id, entry) for record_id, entries in state.log.items() for entry in entries
    }
    trail = dict(writes)
    order = [key for key, _ in writes if key in state.receipts]
    order += sorted(key for key in state.receipts if key not in trail)
    rows = []
    for event_id in order:
        receipt = state.receipts[event_id]
        found = logged.get(event_id)
        if found is None:
            log_columns: tuple[Any, ...] = (None, None, None)
        else:
            entry = found[1]
            log_columns = (str(entry.key[0]), entry.key[1], orjson.dumps(entry.event).decode("utf-8"))
        rows.append(
            (
                event_id,
                receipt["record_id"],
                receipt["fingerprint"],
                receipt["kind"],
                receipt["outcome"],
                *log_columns,
                trail.get(event_id),
            )
        )
    connection.executemany(
        "INSERT INTO ent_events"
        " (event_id, record_id, fingerprint, kind, outcome, occurred_ns, sequence, body, envelope)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    record_rows = []
    for record_id in sorted(set(state.records) | set(state.log)):
        record = state.records.get(record_id)
        entries = state.log.get(record_id)
        tail: tuple[Any, ...] = (None, None, None)
        if entries:
            key = entries[-1].key
            tail = (str(key[0]), key[1], key[2])
        if record is None:
            first = entries[0].event if entries else {}
            owner: tuple[Any, ...] = (first["workspace"], first["source_kind"], None, None)
        else:
            owner = (
                record["workspace"],
                record["source_kind"],
                record["status"],
                orjson.dumps(record).decode(),
            )
        record_rows.append((record_id, *owner, *tail))
    connection.executemany(_UPSERT_RECORD, record_rows)
    connection.executemany(
        "INSERT INTO ent_bases (record_id, body) VALUES (?, ?)",
        [(key, _dumps(base)) for key, base in sorted(state.bases.items())],
    )


def _legacy_store(path: Path) -> tuple[PlanSourceState, list[tuple[str, str]]] | None:
    """A layout-1 store's state and audit trail (``entitlements/v1/store``), or None for another file."""
    try:
        connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error:
        return None
    try:
        try:
            tag = connection.execute("SELECT value FROM ent_meta WHERE key = 'format'").fetchone()
        except sqlite3.DatabaseError:
            return None
        if tag is None or tag[0] != LEGACY_STORE_FORMAT:
            return None
        records = [json.loads(body) for (body,) in connection.execute("SELECT body FROM ent_records")]
        receipts = [
            _receipt_of(row)
            for row in connection.execute(
                "SELECT event_id, fingerprint, kind, record_id, outcome FROM ent_receipts"
            )
        ]
        events = [json.loads(body) for (body,) in connection.execute("SELECT body FROM ent_events")]
        bases = [json.loads(body) for (body,) in connection.execute("SELECT body FROM ent_bases")]
        writes = [
            (str(key), str(envelope))
            for key, envelope in connection.execute(
                "SELECT idempotency_key, envelope FROM ent_writes ORDER BY position"
            )
        ]
    finally:
        connection.close()
    return PlanSourceState(records, receipts, events=events, bases=bases), writes


def store_writes(connection: sqlite3.Connection) -> Iterable[dict[str, Any]]:
    """The audit envelopes of the store, in commit order."""
    for (envelope,) in connection.execute(
        "SELECT envelope FROM ent_events WHERE envelope IS NOT NULL ORDER BY position"
    ):
        yield json.loads(envelope)


@dataclass(frozen=True, kw_only=True)
class StoreRun:
    """An apply run committed to a store: its outcomes and what went into the audit file, if one was given."""

    report: ApplyOutcomes
    audit: AuditAppend | None = None


_SCREEN_BATCH: Final = 512


def _screened(
    events: Iterable[object], before_batch: Callable[[list[object]], None]
) -> Iterator[tuple[list[object], list[bool]]]:
    """The items in batches of 512, each with whether each item's event_id was screened clean.

    ``before_batch`` sees each batch before it is yielded (the store's read-ahead).
    """
    batch: list[object] = []
    for item in events:
        batch.append(item)
        if len(batch) == _SCREEN_BATCH:
            before_batch(batch)
            yield batch, screen_event_ids(batch)
            batch = []
    before_batch(batch)
    yield batch, screen_event_ids(batch)


def apply_to_store(  # noqa: PLR0913 - the run's inputs and options, passed by name
    path: str | Path,
    events: Iterable[object],
    *,
    audit: AuditContext | None = None,
    writes_path: str | Path | None = None,
    lock_timeout: float = 5.0,
    keep_results: bool = True,
) -> StoreRun:
    """Apply ``events`` to the store at ``path`` in one transaction and commit.

    Each item is a parsed event (or an already-decided
    :class:`~saas_contracts.entitlements.EventResult`, e.g. the ``invalid``
    outcome of an unreadable line). With ``audit``, each applied event's
    envelope goes into ``ent_writes`` in the same transaction; with
    ``writes_path`` the run's envelopes are also appended (durably, skipping
    those already there) to that JSON Lines file *before* the commit, so the
    file holds at least what the store reflects. ``keep_results=False`` keeps
    only the counts (bulk runs). A second writer waits up to ``lock_timeout``
    seconds, then :class:`~saas_contracts.errors.StateBusyError`.
    """
    if writes_path is not None and audit is None:
        msg = "apply_to_store: writes_path needs an audit context (the envelopes are built from it)"
        raise TypeError(msg)
    connection = open_store(path, timeout=lock_timeout)
    try:
        with transaction(connection, path):
            view = SqliteState(connection)
            results: list[EventResult] = []
            totals: Counter[str] = Counter()
            envelopes: list[dict[str, Any]] = []
            checked: dict[str, Record] = {}  # record_id -> the after of its last validated envelope
            add_write = view.add_write
            index = 0
            for batch, screened_ids in _screened(events, view.prefetch):
                if len(checked) > _KEEP_RECORDS:
                    checked.clear()
                for item, screened in zip(batch, screened_ids, strict=True):
                    result: EventResult | Counted
                    if isinstance(item, EventResult):
                        result = item
                        if keep_results:
                            results.append(item)
                    elif keep_results:
                        result = apply_event(
                            view, item, index=index, audit=audit, id_screened=screened, checked=checked
                        )
                        results.append(result)
                    else:  # only counts are kept: no detail text
                        result = count_event(view, item, audit=audit, id_screened=screened, checked=checked)
                    index += 1
                    totals[result.outcome] += 1
                    envelope = result.envelope
                    if envelope is not None:
                        add_write(envelope)
                        if writes_path is not None:
                            envelopes.append(envelope)
                view.tick(len(batch))
            view.flush()
            appended = append_envelopes(writes_path, envelopes) if writes_path is not None else None
    finally:
        connection.close()
    report = ApplyOutcomes(results=tuple(results), totals=None if keep_results else dict(totals))
    return StoreRun(report=report, audit=appended)


def load_store(path: str | Path) -> PlanSourceState:
    """Read a whole store into memory (for decisions, summaries and review)."""
    connection = open_store(path)
    try:
        return export_state(connection)
    finally:
        connection.close()


def migrate_json_state(json_path: str | Path, store_path: str | Path) -> PlanSourceState:
    """Create the store at ``store_path`` from a JSON state file or a layout-1 store; the source stays.

    A layout-1 store (format ``entitlements/v1/store``, before receipts, log
    rows and envelopes shared one row) keeps its audit trail: each envelope
    goes into its event's row, in the old commit order. Refuses
    (:class:`~saas_contracts.errors.OutputFileError`) a store that already
    holds records or receipts. Returns the state written.
    """
    legacy = _legacy_store(Path(json_path)) if is_store_path(json_path) else None
    state, writes = legacy if legacy is not None else (load_state(json_path), [])
    connection = open_store(store_path)
    try:
        with transaction(connection, store_path):
            if connection.execute(
                "SELECT 1 FROM ent_events UNION ALL SELECT 1 FROM ent_records LIMIT 1"
            ).fetchone():
                raise OutputFileError(str(store_path), "the store is not empty; migrate into a new store")
            import_state(connection, state, writes)
    finally:
        connection.close()
    return state
