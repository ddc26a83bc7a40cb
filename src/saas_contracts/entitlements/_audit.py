"""The audit trail: write envelopes appended to a JSON Lines file, never rewritten, never doubled.

``entitlements apply --writes`` keeps one audit file per state file. Every run
appends the envelopes of the events it applied; the file is opened for
appending only, and the bytes are fsynced with their folder before the state
is replaced (see :func:`~saas_contracts.entitlements.apply_and_save`).

A run that dies after its envelopes are durable but before its state is
replaced leaves those envelopes in the file while the state does not reflect
them. The rerun applies the same events onto the same state and builds the
same writes again, so before appending, the file is read and every envelope
that is already there is skipped: the trail holds each write once. Two
envelopes are the same write when everything but ``audit.written_at`` and
``audit.commit_sha`` (when and by which code the write was made) is equal;
the copy already in the file stays.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from saas_contracts._atomic import append_durably
from saas_contracts._jsonio import iter_lines
from saas_contracts.errors import InputFileError, OutputFileError

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

__all__ = ["AuditAppend", "append_envelopes", "envelope_line", "write_identity"]

_WRITER_FIELDS: Final = frozenset({"written_at", "commit_sha"})


@dataclass(frozen=True, kw_only=True)
class AuditAppend:
    """What one run added to an audit file."""

    appended: int
    """Envelopes written by this run."""
    already_present: int
    """Envelopes of this run the file already held (left there by an interrupted run), not written again."""


def envelope_line(envelope: dict[str, Any]) -> str:
    """One JSON Lines line of the audit file (sorted keys, UTF-8, final newline)."""
    return json.dumps(envelope, sort_keys=True, ensure_ascii=False) + "\n"


def write_identity(envelope: dict[str, Any]) -> str:
    """What makes two envelopes the same write: all but ``audit.written_at`` and ``audit.commit_sha``."""
    audit = envelope.get("audit")
    if isinstance(audit, dict):
        envelope = envelope | {"audit": {k: v for k, v in audit.items() if k not in _WRITER_FIELDS}}
    return json.dumps(envelope, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def present_writes(path: str | Path, keys: Iterable[str]) -> set[str]:
    """The write identities in the audit file at ``path`` whose ``idempotency_key`` is one of ``keys``.

    A missing file holds none. A final line without its newline (an append
    torn by a crash) is not part of the trail and is ignored; any other line
    must be a write envelope, else :class:`~saas_contracts.errors.InputFileError`.
    """
    wanted = set(keys)
    source = str(path)
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        return set()
    except OSError as error:
        raise InputFileError(source, f"cannot read the audit file: {error.strerror}") from error
    found: set[str] = set()
    for document in iter_lines(source, data[: data.rfind(b"\n") + 1]):
        value = document.value
        if document.error is not None or not isinstance(value, dict) or "idempotency_key" not in value:
            reason = document.error or "not a write envelope"
            msg = f"the audit file holds a line that is not a write envelope ({reason})"
            raise InputFileError(source, msg, line=document.line)
        if value["idempotency_key"] in wanted:
            found.add(write_identity(value))
    return found


def append_envelopes(path: str | Path, envelopes: Sequence[dict[str, Any]]) -> AuditAppend:
    """Append the ``envelopes`` the audit file at ``path`` does not hold yet, durably (file and folder fsync).

    The file is created when missing, never truncated or rewritten (only a
    torn final line is cut, see :func:`saas_contracts._atomic.append_durably`).
    Raises :class:`~saas_contracts.errors.OutputFileError` when it cannot be
    written; the file is then as it was.
    """
    keys = [envelope["idempotency_key"] for envelope in envelopes]
    present = present_writes(path, keys) if keys else set()
    new = [envelope for envelope in envelopes if write_identity(envelope) not in present]
    try:
        append_durably(path, "".join(envelope_line(envelope) for envelope in new).encode("utf-8"))
    except OSError as error:
        raise OutputFileError.from_os_error(path, error) from error
    return AuditAppend(appended=len(new), already_present=len(envelopes) - len(new))
