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
from saas_contracts._jsonio import dumps_pretty, load_json_file
from saas_contracts._lock import lock_exclusively, unlock
from saas_contracts._validation import ensure_valid
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
    """Current plan-source records (by record_id) and event receipts (by event_id).

    Mutable on purpose: the writer applies events in place; use :meth:`copy`
    to keep an old state.
    """

    def __init__(self, records: Iterable[Record] = (), receipts: Iterable[Mapping[str, Any]] = ()) -> None:
        """Index ``records`` and ``receipts``; ids must be unique."""
        self.records: dict[str, Record] = {}
        self.receipts: dict[str, dict[str, Any]] = {}
        for record in records:
            if record["record_id"] in self.records:
                raise StateConsistencyError("the state repeats a record_id")
            self.records[record["record_id"]] = copy.deepcopy(dict(record))
        for receipt in receipts:
            if receipt["event_id"] in self.receipts:
                raise StateConsistencyError("the state repeats a receipt event_id")
            self.receipts[receipt["event_id"]] = dict(receipt)

    @classmethod
    def from_json(cls, document: object) -> PlanSourceState:
        """Build from a state document; raise :class:`~saas_contracts.ContractViolationError` if invalid."""
        ensure_valid(document, STATE_SCHEMA)
        assert isinstance(document, dict)  # noqa: S101 - narrowed by the schema
        return cls(document["records"], document["receipts"])

    def to_json(self) -> dict[str, Any]:
        """Return the deterministic state document (records by record_id, receipts by event_id)."""
        return {
            "state": STATE_TAG,
            "records": [copy.deepcopy(self.records[key]) for key in sorted(self.records)],
            "receipts": [dict(self.receipts[key]) for key in sorted(self.receipts)],
        }

    def copy(self) -> PlanSourceState:
        """Return an independent deep copy."""
        return PlanSourceState(self.records.values(), self.receipts.values())

    def workspace_records(self, workspace: str) -> list[Record]:
        """Return the records of one workspace, sorted by record_id (copies)."""
        return [
            copy.deepcopy(self.records[key])
            for key in sorted(self.records)
            if self.records[key]["workspace"] == workspace
        ]


def load_state(path: str | Path, *, missing_ok: bool = False) -> PlanSourceState:
    """Read a state file; with ``missing_ok`` a missing file is an empty state."""
    if missing_ok and not Path(path).exists():
        return PlanSourceState()
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
