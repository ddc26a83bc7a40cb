"""The entitlements ops summary: counts only, through the shared ops-summary path.

:func:`summarize` counts a state, per-event results and decisions into the
body of ``entitlements/v1/ops-summary``; :mod:`saas_contracts._ops` adds the
common header (``kind``, ``generated_at``, ``commit_sha``, privacy evidence),
scans before anything is rendered (a finding raises
:class:`~saas_contracts.privacy.PublicSafetyError`), validates, and renders
JSON, Markdown and text, each scanned as well.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any, Final

from saas_contracts import _ops
from saas_contracts._ops import OpsSummary, OpsSummarySpec
from saas_contracts._validation import ensure_valid
from saas_contracts.entitlements._lifecycle import materialize
from saas_contracts.entitlements._vocab import (
    DECISION_OUTCOMES,
    DECISION_REASONS,
    EVENT_OUTCOMES,
    LIFECYCLE_KINDS,
    SUMMARY_SCHEMA,
)
from saas_contracts.errors import SummaryInputError

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from saas_contracts.entitlements._state import PlanSourceState
    from saas_contracts.privacy import ScanConfig

__all__ = ["OPS_SUMMARY_KIND", "SummaryInputError", "summarize"]

OPS_SUMMARY_KIND: Final = "entitlements.ops-summary"


def _closed(value: object, allowed: tuple[str, ...], what: str) -> str:
    if value not in allowed:
        # Never echo the value: it may be exactly what must not reach an ops artifact.
        msg = f"{what} is not one of the closed vocabulary values"
        raise SummaryInputError(msg)
    return str(value)


def _sorted(counter: Counter[str]) -> dict[str, int]:
    return {key: counter[key] for key in sorted(counter) if counter[key]}


def summarize(  # noqa: PLR0913 - three optional inputs plus the header's and the scan's options
    *,
    state: PlanSourceState | None = None,
    results: Iterable[Mapping[str, Any]] = (),
    decisions: Iterable[Mapping[str, Any]] = (),
    generated_at: str,
    commit_sha: str | None = None,
    scanner_config: ScanConfig | None = None,
    as_of: str | None = None,
) -> OpsSummary:
    """Build, privacy-scan, validate and render the ops summary.

    ``results`` are per-event results (``EventResult.to_json()`` or an apply
    report's ``results``); without any, event counts come from the state's
    receipts (which hold applied, stale and illegal events). ``decisions`` are
    decision documents. Record statuses are counted as the records stand at
    ``as_of`` (default ``generated_at``; scheduled changes due by then applied),
    named in ``record_statuses_as_of``. ``generated_at`` is the instant the summary is stamped
    with (time is an argument); ``commit_sha`` is optional, since summarizing
    writes nothing. Raises :class:`SummaryInputError` for a value outside the
    closed vocabulary, :class:`~saas_contracts.privacy.PublicSafetyError` on a
    privacy finding.
    """
    result_list = list(results)
    kinds: Counter[str] = Counter()
    outcomes: Counter[str] = Counter()
    if result_list:
        for result in result_list:
            kind = result.get("kind")
            kinds[kind if kind in LIFECYCLE_KINDS else "unrecognized"] += 1
            outcomes[_closed(result.get("outcome"), EVENT_OUTCOMES, "an event outcome")] += 1
    elif state is not None:
        for receipt in state.receipts.values():
            kinds[receipt["kind"]] += 1
            outcomes[receipt["outcome"]] += 1
    source_kinds: Counter[str] = Counter()
    statuses: Counter[str] = Counter()
    workspaces: set[str] = set()
    if state is not None:
        instant = as_of or generated_at
        ensure_valid(instant, "common/v1/common#/$defs/utc_timestamp")
        for record in state.records.values():
            source_kinds[record["source_kind"]] += 1
            statuses[materialize(record, instant)["status"]] += 1
            workspaces.add(record["workspace"])
    decision_outcomes: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    for decision in decisions:
        decision_outcomes[_closed(decision.get("outcome"), DECISION_OUTCOMES, "a decision outcome")] += 1
        reasons[_closed(decision.get("reason"), DECISION_REASONS, "a decision reason")] += 1
        workspaces.add(str(decision.get("workspace")))
    body: dict[str, Any] = {
        "lifecycle_events": _sorted(kinds),
        "event_outcomes": {outcome: outcomes.get(outcome, 0) for outcome in EVENT_OUTCOMES},
        "source_kinds": _sorted(source_kinds),
        "record_statuses": _sorted(statuses),
        "decision_outcomes": {outcome: decision_outcomes.get(outcome, 0) for outcome in DECISION_OUTCOMES},
        "decision_reasons": _sorted(reasons),
        "stale": outcomes.get("stale", 0),
        "duplicate": outcomes.get("duplicate", 0),
        "conflict": outcomes.get("conflict", 0),
        "workspaces": len(workspaces),
    }
    if state is not None:
        body["record_statuses_as_of"] = as_of or generated_at
    return _ops.build_ops_summary(
        _SPEC, body, generated_at=generated_at, commit_sha=commit_sha, scanner_config=scanner_config
    )


def _table(title: str, counts: Mapping[str, int], label: str) -> list[str]:
    lines = [f"### {title}", "", f"| {label} | count |", "| --- | ---: |"]
    lines.extend(f"| {key} | {value} |" for key, value in counts.items())
    if not counts:
        lines.append("| (none) | 0 |")
    lines.append("")
    return lines


_SECTIONS = (
    ("Lifecycle events", "lifecycle_events", "event kind"),
    ("Event outcomes", "event_outcomes", "outcome"),
    ("Plan sources", "source_kinds", "source kind"),
    ("Record statuses", "record_statuses", "status"),
    ("Decision outcomes", "decision_outcomes", "outcome"),
    ("Decision reasons", "decision_reasons", "reason"),
)


def _render_markdown(summary: Mapping[str, Any]) -> str:
    """Render the ops summary as Markdown tables (deterministic)."""
    lines = ["## Entitlements ops summary", ""]
    meta = [f"workspaces: {summary['workspaces']}"]
    meta.extend(f"{name}: {summary[name]}" for name in ("stale", "duplicate", "conflict"))
    meta.extend(f"{name}: `{summary[name]}`" for name in ("commit_sha", "generated_at") if name in summary)
    lines.extend([" | ".join(meta), ""])
    for title, key, label in _SECTIONS:
        lines.extend(_table(title, summary[key], label))
    privacy = summary["privacy"]
    evidence = (
        f"Scanned before writing with rules `{privacy['rules_digest']}`: {privacy['findings']} findings."
    )
    lines.extend(["### Privacy", "", evidence, ""])
    return "\n".join(lines)


def _render_text(summary: Mapping[str, Any]) -> str:
    """Render the ops summary as plain text lines."""
    lines = [
        (
            f"workspaces {summary['workspaces']}; stale {summary['stale']}, "
            f"duplicate {summary['duplicate']}, conflict {summary['conflict']}"
        ),
    ]
    for title, key, _label in _SECTIONS:
        counts = summary[key]
        body = ", ".join(f"{name} {value}" for name, value in counts.items()) or "none"
        lines.append(f"{title.lower()}: {body}")
    privacy = summary["privacy"]
    lines.append(f"privacy: rules {privacy['rules_digest']}, {privacy['findings']} findings")
    return "\n".join(lines)


_SPEC: Final = OpsSummarySpec(
    schema=SUMMARY_SCHEMA,
    kind=OPS_SUMMARY_KIND,
    renderers={"markdown": _render_markdown, "text": _render_text},
)
