"""The usage ledger's ops summary: the body and the Markdown of one replay/backfill run.

:func:`build_ops_summary` turns a :class:`ReplayReport` into the
``usage-ledger/v1/ops-summary`` document through the shared ops-summary path
(:mod:`saas_contracts._ops`): the common header (``kind``, ``generated_at``,
``commit_sha``, privacy evidence), a privacy scan before anything is rendered
(a finding raises :class:`~saas_contracts.privacy.PublicSafetyError`), schema
validation, and JSON and Markdown renderings, each scanned as well.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from saas_contracts import _ops
from saas_contracts._ops import OpsSummary, OpsSummarySpec

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from saas_contracts.ledger._report import ReplayReport
    from saas_contracts.privacy import ScanConfig

__all__ = ["OPS_SUMMARY_KIND", "OPS_SUMMARY_SCHEMA", "build_ops_summary", "ops_summary_body"]

OPS_SUMMARY_SCHEMA: Final = "usage-ledger/v1/ops-summary"
OPS_SUMMARY_KIND: Final = "usage-ledger.ops-summary"
OUTCOME_ORDER: Final = ("accepted", "duplicate", "conflict", "invalid", "out_of_window", "late", "blank")


def ops_summary_body(report: ReplayReport) -> dict[str, Any]:
    """The ledger's part of the ops summary (everything but the shared header)."""
    request = report.request
    summary_request: dict[str, Any] = {
        "window": request.window,
        "mode": request.mode,
        "dry_run": request.dry_run,
    }
    if request.backfill_ref is not None:
        summary_request["backfill_ref"] = request.backfill_ref
    summary_request["time_rules"] = request.time_rules.to_json()
    return {
        "candidate": "usage-event-ledger",
        "request": summary_request,
        "counts": dict(report.counts),
        "conservation": report.conservation_json(),
        "invalid_samples": [issue.to_json() for issue in report.invalid_samples],
        "aggregates": report.summary().to_json(),
        "index": report.index_json(),
    }


def build_ops_summary(
    report: ReplayReport,
    *,
    generated_at: str | None = None,
    commit_sha: str | None = None,
    scanner_config: ScanConfig | None = None,
    mutate: Callable[[dict[str, Any]], None] | None = None,
) -> OpsSummary:
    """Scan, evidence, validate and render (JSON, Markdown) the ops summary of ``report``.

    ``generated_at`` defaults to the report's evaluation instant (so output is
    reproducible); ``commit_sha`` is required unless the run was a dry run.
    ``mutate`` edits the document before the scan (used by the fixture's
    negative probes). Raises :class:`~saas_contracts.privacy.PublicSafetyError`
    on any finding and :class:`~saas_contracts.ContractViolationError` when the
    result breaks the schema.
    """
    return _ops.build_ops_summary(
        _SPEC,
        ops_summary_body(report),
        generated_at=generated_at or report.evaluated_at,
        commit_sha=commit_sha,
        scanner_config=scanner_config,
        mutate=mutate,
    )


def _cell(value: object) -> str:
    return str(value).replace("|", "\\|")


def _render_markdown(document: Mapping[str, Any]) -> str:
    """Deterministic Markdown for an ops summary document."""
    request = document["request"]
    counts = document["counts"]
    aggregates = document["aggregates"]
    mode = request["mode"] + (" (dry run: nothing written)" if request["dry_run"] else "")
    lines = [
        "# Usage ledger ops summary",
        "",
        f"- window: `{request['window']['start']}` to `{request['window']['end']}` (UTC, end exclusive)",
        f"- mode: {mode}",
        f"- backfill reference: `{request['backfill_ref']}`"
        if "backfill_ref" in request
        else "- backfill reference: none",
        f"- commit: `{document['commit_sha']}`"
        if "commit_sha" in document
        else "- commit: not recorded (dry run)",
        f"- generated at: `{document['generated_at']}`",
    ]
    rules = request.get("time_rules")
    if rules:
        lines.append(
            f"- time rules: clock skew {rules['clock_skew_seconds']} s, "
            f"late after {rules['late_after_seconds']} s, late policy `{rules['late_policy']}`",
        )
    index = document["index"]
    lines += [
        f"- idempotency index: {index['kind']}"
        + (" (persistent)" if index["persistent"] else "")
        + f", {index['written']} new scope(s) written",
        "",
        "## Outcomes",
        "",
        "| outcome | lines |",
        "| --- | ---: |",
    ]
    lines += [f"| {name} | {counts[name]} |" for name in OUTCOME_ORDER]
    lines += [
        f"| **lines read** | **{counts['lines_read']}** |",
        "",
        (
            f"Conservation holds: {document['conservation']['outcomes_total']} outcomes for "
            f"{document['conservation']['lines_read']} lines. "
            f"Late events accepted: {counts['late_accepted']}."
        ),
        "",
        "## Usage by plan and event kind",
        "",
        (
            f"Granularity: {aggregates['granularity']}. Rows with fewer than "
            f"{aggregates['suppression']['threshold']} events are suppressed "
            f"({aggregates['suppression']['suppressed_rows']} row(s)); totals cover the rows shown: "
            f"{aggregates['totals']['events']} events, quantity {aggregates['totals']['quantity']}."
        ),
        "",
    ]
    day = aggregates["granularity"] == "day"
    lines.append(("| day " if day else "") + "| plan | event kind | events | quantity |")
    lines.append(("| --- " if day else "") + "| --- | --- | ---: | ---: |")
    for row in aggregates["rows"]:
        prefix = f"| {row['day']} " if day else ""
        cells = (_cell(row["plan_label"]), _cell(row["event_kind"]), row["events"], row["quantity"])
        lines.append(prefix + "| " + " | ".join(str(cell) for cell in cells) + " |")
    samples = document["invalid_samples"]
    if samples:
        lines += ["", f"## Invalid lines (first {len(samples)})", ""]
        lines += [f"- input {s['input']}, line {s['line']}: {_cell(s['reason'])}" for s in samples]
    lines += [
        "",
        "## Privacy",
        "",
        (
            f"Scanned before writing with rules `{document['privacy']['rules_digest']}`: "
            f"{document['privacy']['findings']} findings."
        ),
    ]
    return "\n".join(lines) + "\n"


_SPEC: Final = OpsSummarySpec(
    schema=OPS_SUMMARY_SCHEMA, kind=OPS_SUMMARY_KIND, renderers={"markdown": _render_markdown}
)
