"""The plan-source state file: records plus receipts, loaded strictly and written atomically."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import TYPE_CHECKING, Any

from saas_contracts._atomic import atomic_write_text
from saas_contracts._jsonio import dumps_pretty, load_json_file
from saas_contracts._validation import ensure_valid
from saas_contracts.entitlements._vocab import STATE_SCHEMA, Record
from saas_contracts.errors import ContractError, InputFileError, StateConsistencyError

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

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
    """
    atomic_write_text(path, dump_state(state))
