"""File-level runs: decision requests, lifecycle event streams and apply reports read from files.

The CLI parses options and calls these; each returns a result object that a
reporter prints. Input goes through :mod:`saas_contracts._jsonio` (strict JSON,
JSON Lines with 1-based line numbers); a file that cannot be used raises
:class:`~saas_contracts.errors.InputFileError`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from saas_contracts._atomic import stage_bytes
from saas_contracts._jsonio import read_documents
from saas_contracts.entitlements._audit import AuditAppend, append_envelopes
from saas_contracts.entitlements._decision import decide
from saas_contracts.entitlements._ops import summarize
from saas_contracts.entitlements._render import decisions_markdown, decisions_text
from saas_contracts.entitlements._state import dump_state, load_state, locked_state
from saas_contracts.entitlements._store import apply_to_store, is_store_path
from saas_contracts.entitlements._writer import (
    ApplyOutcomes,
    ApplyReport,
    AuditContext,
    apply_event,
    unreadable_result,
)
from saas_contracts.errors import InputFileError, OutputFileError

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator
    from pathlib import Path

    from saas_contracts._ops import OpsSummary
    from saas_contracts.entitlements._state import PlanSourceState
    from saas_contracts.entitlements._writer import EventResult


def read_values(path: str | Path) -> list[Any]:
    """Every document of a ``.json`` / ``.jsonl`` file (``-`` for stdin); the first bad one raises."""
    values: list[Any] = []
    for document in read_documents(str(path)):
        if document.error is not None:
            raise InputFileError(str(path), document.error, line=document.line)
        values.append(document.value)
    return values


@dataclass(frozen=True, kw_only=True)
class DecisionRun:
    """The decisions for every request of one file, in file order."""

    decisions: tuple[dict[str, Any], ...]
    single: bool
    """True for a ``.json`` file holding one request: its JSON form is then one decision, not a list."""

    @property
    def clean(self) -> bool:
        """True when every request was allowed."""
        return all(decision["outcome"] == "allow" for decision in self.decisions)

    def to_json(self) -> dict[str, Any] | list[dict[str, Any]]:
        """One decision for a single request, else the list."""
        return self.decisions[0] if self.single else list(self.decisions)

    def render(self, output_format: Literal["text", "markdown"]) -> str:
        """One line per decision (``text``) or a Markdown table (``markdown``)."""
        if output_format == "markdown":
            return decisions_markdown(self.decisions)
        return decisions_text(self.decisions)


def _with_state_records(request: object, state: PlanSourceState | None) -> object:
    if state is None or not isinstance(request, dict) or "records" in request:
        return request
    workspace = request.get("workspace")
    return request | {"records": state.workspace_records(workspace) if isinstance(workspace, str) else []}


def decide_file(request_path: str, *, state: PlanSourceState | None = None) -> DecisionRun:
    """Decide every request in ``request_path``; with ``state``, requests without records take the state's."""
    decisions = tuple(decide(_with_state_records(request, state)) for request in read_values(request_path))
    single = len(decisions) == 1 and not request_path.endswith(".jsonl")
    return DecisionRun(decisions=decisions, single=single)


def _delivered(events_path: str) -> Iterator[object]:
    """Each line's parsed event, or the ``invalid`` result of a line that is not JSON."""
    for index, document in enumerate(read_documents(events_path, default_lines=True)):
        if document.error is not None:
            yield unreadable_result(index, f"{document.location}: {document.error}")
        else:
            yield document.value


def apply_file(state: PlanSourceState, events_path: str, *, audit: AuditContext | None = None) -> ApplyReport:
    """Apply a stream of lifecycle events (JSON Lines, ``-`` for stdin) to ``state`` in place.

    An unreadable line is the ``invalid`` outcome of its event, so every line
    delivered ends in exactly one counted outcome.
    """
    results: list[EventResult] = []
    for index, document in enumerate(read_documents(events_path, default_lines=True)):
        if document.error is not None:
            results.append(unreadable_result(index, f"{document.location}: {document.error}"))
        else:
            results.append(apply_event(state, document.value, index=index, audit=audit))
    return ApplyReport(state=state, results=tuple(results))


def write_envelopes(path: str | Path, report: ApplyReport) -> AuditAppend:
    """Append the report's write envelopes to the audit file at ``path`` (JSON Lines), durably.

    The file is created when missing and never truncated; envelopes it
    already holds (from an interrupted run of the same events) are not
    appended again. See :mod:`saas_contracts.entitlements._audit`.
    """
    return append_envelopes(path, report.envelopes)


@dataclass(frozen=True, kw_only=True)
class SavedApply:
    """An apply run whose state (and audit envelopes) are committed."""

    report: ApplyOutcomes
    audit: AuditAppend | None = None
    """What went into the audit file; None when no audit file was given."""


def apply_and_save(
    events_path: str,
    state_path: str | Path,
    *,
    writes_path: str | Path | None = None,
    audit: AuditContext | None = None,
    lock_timeout: float = 5.0,
) -> SavedApply:
    """Apply a stream of lifecycle events to the state at ``state_path`` and commit, under its lock.

    An SQLite store (an existing SQLite file, or a new ``*.sqlite``/``*.db``
    path) is applied in one transaction (:func:`~saas_contracts.entitlements._store.apply_to_store`:
    the store's write lock, envelopes appended to ``writes_path`` before the
    commit). A JSON state file goes as follows.

    Steps, all while holding the state's exclusive lock (:func:`locked_state`;
    a second run waits up to ``lock_timeout`` seconds, then
    :class:`~saas_contracts.errors.StateBusyError`): load the state (a missing
    file is empty), apply the events (:func:`apply_file`), write the new state
    to a durable temporary file beside it, append the new envelopes to
    ``writes_path`` (durable; skipping those already there), and only then
    rename the new state into place. So the audit file always holds at least
    the writes the state reflects, and a rerun after a crash at any point
    reaches what a clean run gives: nothing is lost or doubled.

    ``writes_path`` needs ``audit`` (the envelopes are built from it). An
    unwritable state or audit location raises
    :class:`~saas_contracts.errors.OutputFileError`; the state is then untouched.
    """
    if writes_path is not None and audit is None:
        msg = "apply_and_save: writes_path needs an audit context (the envelopes are built from it)"
        raise TypeError(msg)
    if is_store_path(state_path):
        run = apply_to_store(
            state_path,
            _delivered(events_path),
            audit=audit,
            writes_path=writes_path,
            lock_timeout=lock_timeout,
        )
        return SavedApply(report=run.report, audit=run.audit)
    with locked_state(state_path, timeout=lock_timeout):
        report = apply_file(load_state(state_path, missing_ok=True), events_path, audit=audit)
        try:
            staged = stage_bytes(state_path, dump_state(report.state).encode("utf-8"))
        except OSError as error:
            raise OutputFileError.from_os_error(state_path, error) from error
        try:
            appended = write_envelopes(writes_path, report) if writes_path is not None else None
            try:
                staged.commit()
            except OSError as error:
                raise OutputFileError.from_os_error(state_path, error) from error
        finally:
            staged.discard()  # a no-op once committed
    return SavedApply(report=report, audit=appended)


def _report_results(paths: Iterable[str]) -> list[dict[str, Any]]:
    results: list[dict[str, Any]] = []
    for path in paths:
        for document in read_values(path):
            if not isinstance(document, dict) or not isinstance(document.get("results"), list):
                raise InputFileError(path, "expected an apply report ('apply -o json') with a 'results' list")
            results.extend(item for item in document["results"] if isinstance(item, dict))
    return results


def summarize_files(  # noqa: PLR0913 - the three inputs plus the header's and the count's options
    *,
    generated_at: str,
    state_path: str | None = None,
    report_paths: Iterable[str] = (),
    decision_paths: Iterable[str] = (),
    commit_sha: str | None = None,
    as_of: str | None = None,
) -> OpsSummary:
    """The ops summary of a state file, apply reports (``apply -o json``) and decision files.

    Raises :class:`~saas_contracts.errors.PublicSafetyError` on a privacy finding (see :func:`summarize`).
    """
    decisions: list[Any] = []
    for path in decision_paths:
        for document in read_values(path):
            decisions.extend(document if isinstance(document, list) else [document])
    return summarize(
        state=load_state(state_path) if state_path else None,
        results=_report_results(report_paths),
        decisions=decisions,
        commit_sha=commit_sha,
        generated_at=generated_at,
        as_of=as_of,
    )
