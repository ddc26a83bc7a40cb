"""The plan-source state file: records plus receipts, loaded strictly, written atomically, locked.

One writer at a time: :func:`locked_state` holds an exclusive ``flock`` on a
sidecar file ``<state>.lock`` beside the state. The state itself cannot carry
the lock, because every save replaces it by rename: a lock on the old inode
would not exclude a process that opens the new file. The sidecar is never
replaced or deleted (deleting it while a run waits on it would let a third
run lock a new file and write alongside); it is empty and may stay.
"""

from __future__ import annotations

import contextlib
import copy
from pathlib import Path
from typing import TYPE_CHECKING, Any

from saas_contracts._atomic import atomic_write_text, remove_stale_temporaries
from saas_contracts._digest import canonical_digest
from saas_contracts._jsonio import dumps_pretty, load_json_file
from saas_contracts._lock import lock_exclusively, unlock
from saas_contracts._validation import ensure_valid
from saas_contracts.entitlements._fold import Entry, Refold, canonical_key, insert, whole_log
from saas_contracts.entitlements._vocab import STATE_SCHEMA, Record
from saas_contracts.errors import (
    ContractError,
    InputFileError,
    OutputFileError,
    StateBusyError,
    StateConsistencyError,
)

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Mapping

STATE_TAG = "entitlements/v1"


class PlanSourceState:
    """Current plan-source records (by record_id), event receipts (by event_id) and each record's event log.

    Mutable on purpose: the writer applies events in place; use :meth:`copy`
    to keep an old state. ``log`` holds every first-seen, schema-valid event
    of a record in canonical order (see :mod:`saas_contracts.entitlements._fold`);
    ``bases`` the records written before logs were kept, which their fold starts from.
    """

    def __init__(
        self,
        records: Iterable[Record] = (),
        receipts: Iterable[Mapping[str, Any]] = (),
        *,
        events: Iterable[Mapping[str, Any]] | None = None,
        bases: Iterable[Record] = (),
    ) -> None:
        """Index ``records``, ``receipts`` and the logged ``events``; ids must be unique.

        ``events=None`` reads a state written before logs were kept: every
        record then becomes a base (its fold starts from it).
        """
        self.records: dict[str, Record] = {}
        self.receipts: dict[str, dict[str, Any]] = {}
        self.log: dict[str, list[Entry]] = {}
        self.bases: dict[str, Record] = {}
        for record in records:
            if record["record_id"] in self.records:
                raise StateConsistencyError("the state repeats a record_id")
            self.records[record["record_id"]] = copy.deepcopy(dict(record))
        for receipt in receipts:
            if receipt["event_id"] in self.receipts:
                raise StateConsistencyError("the state repeats a receipt event_id")
            self.receipts[receipt["event_id"]] = dict(receipt)
        if events is None:
            self.bases = copy.deepcopy(self.records)
            return
        for base in bases:
            self.bases[base["record_id"]] = copy.deepcopy(dict(base))
        for event in events:
            self._log_event(copy.deepcopy(dict(event)))

    def _log_event(self, event: dict[str, Any]) -> None:
        print_ = canonical_digest(event)
        receipt = self.receipts.get(event["event_id"])
        if receipt is None or receipt["fingerprint"] != print_:
            raise StateConsistencyError("a logged event has no receipt with its fingerprint")
        insert(
            self.log.setdefault(event["record_id"], []), Entry(canonical_key(event, print_), event, print_)
        )

    @classmethod
    def from_json(cls, document: object) -> PlanSourceState:
        """Build from a state document; raise :class:`~saas_contracts.ContractViolationError` if invalid."""
        ensure_valid(document, STATE_SCHEMA)
        assert isinstance(document, dict)  # noqa: S101 - narrowed by the schema
        return cls(
            document["records"],
            document["receipts"],
            events=document.get("events"),
            bases=document.get("bases", ()),
        )

    def to_json(self) -> dict[str, Any]:
        """Return the deterministic state document (records, receipts by event_id, log in canonical order)."""
        document: dict[str, Any] = {
            "state": STATE_TAG,
            "records": [copy.deepcopy(self.records[key]) for key in sorted(self.records)],
            "receipts": [dict(self.receipts[key]) for key in sorted(self.receipts)],
            "events": [copy.deepcopy(entry.event) for key in sorted(self.log) for entry in self.log[key]],
        }
        if self.bases:
            document["bases"] = [copy.deepcopy(self.bases[key]) for key in sorted(self.bases)]
        return document

    def copy(self) -> PlanSourceState:
        """Return an independent deep copy."""
        fresh = PlanSourceState(
            self.records.values(), self.receipts.values(), events=(), bases=self.bases.values()
        )
        fresh.log = {key: list(entries) for key, entries in self.log.items()}
        return fresh

    def receipt(self, event_id: str) -> dict[str, Any] | None:
        """The receipt of an event, if it was seen."""
        return self.receipts.get(event_id)

    def put_receipt(self, receipt: dict[str, Any]) -> None:
        """Store (or replace) a receipt."""
        self.receipts[receipt["event_id"]] = receipt

    def record(self, record_id: str) -> Record | None:
        """The current record, if any."""
        return self.records.get(record_id)

    def put_record(self, record: Record) -> None:
        """Store (or replace) a record."""
        self.records[record["record_id"]] = record

    def base(self, record_id: str) -> Record | None:
        """The pre-log base a record's fold starts from, if any."""
        return self.bases.get(record_id)

    def add_to_log(self, record_id: str, entry: Entry) -> Refold | None:
        """Log ``entry``: None when it went last, else the whole log (sorted) to fold again from the base."""
        entries = self.log.setdefault(record_id, [])
        return None if insert(entries, entry) else whole_log(entries, self.bases.get(record_id))

    def workspace_records(self, workspace: str) -> list[Record]:
        """Return the records of one workspace, sorted by record_id (copies)."""
        return [
            copy.deepcopy(self.records[key])
            for key in sorted(self.records)
            if self.records[key]["workspace"] == workspace
        ]


def load_state(path: str | Path, *, missing_ok: bool = False) -> PlanSourceState:
    """Read a JSON state file or an SQLite store; with ``missing_ok`` a missing file is an empty state."""
    if missing_ok and not Path(path).exists():
        return PlanSourceState()
    from saas_contracts.entitlements._store import is_store_path, load_store  # noqa: PLC0415 - _store imports this module

    if is_store_path(path):
        return load_store(path)
    document = load_json_file(path)
    try:
        return PlanSourceState.from_json(document)
    except ContractError as error:
        raise InputFileError(str(path), str(error)) from error


def dump_state(state: PlanSourceState) -> str:
    """Return the state file text: sorted keys, 2-space indent, trailing newline."""
    return dumps_pretty(state.to_json(), final_newline=True)


def save_state(path: str | Path, state: PlanSourceState) -> None:
    """Write the state atomically; an existing file keeps its permission bits.

    See :func:`saas_contracts._atomic.atomic_write_text`: an interrupted run
    leaves the previous file intact and readers never see a half-written one.
    It takes no lock: to keep other writers out, save inside :func:`locked_state`
    (as :func:`~saas_contracts.entitlements.apply_and_save` does).
    """
    atomic_write_text(path, dump_state(state))


def lock_path(path: str | Path) -> Path:
    """The sidecar lock file of the state file at ``path`` (``<state>.lock``, beside it)."""
    state = Path(path)
    return state.with_name(state.name + ".lock")


@contextlib.contextmanager
def locked_state(path: str | Path, *, timeout: float) -> Iterator[None]:
    """Hold the exclusive lock of the state file at ``path`` for the ``with`` block.

    Waits up to ``timeout`` seconds for another run to finish, then raises
    :class:`~saas_contracts.errors.StateBusyError`; raises
    :class:`~saas_contracts.errors.OutputFileError` when the lock file cannot
    be created (missing or unwritable folder). Once locked, temporary files an
    interrupted save left beside the state are removed (no other writer can
    be mid-save).
    """
    try:
        descriptor = lock_exclusively(lock_path(path), timeout)
    except OSError as error:
        raise OutputFileError.from_os_error(path, error) from error
    if descriptor is None:
        msg = f"{path}: the state is being written by another run; wait for it to finish (nothing written)"
        raise StateBusyError(msg)
    try:
        remove_stale_temporaries(path)
        yield
    finally:
        unlock(descriptor)
