"""The ops summary: a public-safe account of one replay/backfill run.

:func:`build_ops_summary` turns a :class:`ReplayReport` into the
``usage-ledger/v1/ops-summary`` document (JSON) and its Markdown rendering.
Before anything is returned the document is run through the privacy scanner
(:mod:`saas_contracts.privacy`); a finding raises
:class:`OpsSummaryPrivacyError` and nothing is produced, so nothing can be
written. The evidence of the clean scan (the scanner's rules digest and zero
findings) is then embedded, the document is checked against its schema, and
the Markdown rendering is scanned as well. :func:`write_ops_summary` writes
atomically (a temporary file renamed into place).
"""

from __future__ import annotations

import copy
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal

from saas_contracts._validation import validate
from saas_contracts.errors import ContractViolationError, OpsSummaryPrivacyError

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from saas_contracts.ledger._replay import ReplayReport
    from saas_contracts.privacy import ScanConfig

OPS_SUMMARY_SCHEMA: Final = "usage-ledger/v1/ops-summary"
OUTCOME_ORDER: Final = ("accepted", "duplicate", "conflict", "invalid", "out_of_window", "late", "blank")
OpsFormat = Literal["json", "markdown"]


@dataclass(frozen=True, kw_only=True)
class OpsSummary:
    """A scanned, schema-valid ops summary and its Markdown rendering."""

    document: Mapping[str, Any]
    markdown: str

    def render(self, output_format: OpsFormat) -> str:
        """Return the text to print or write for ``json`` or ``markdown``."""
        if output_format == "json":
            return json.dumps(self.document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
        return self.markdown


def ensure_public_safe(value: object, *, config: ScanConfig | None = None, where: str = "artifact") -> str:
    """Scan ``value``; return the rules digest, or raise :class:`OpsSummaryPrivacyError` on any finding."""
    from saas_contracts.privacy import scan  # noqa: PLC0415 - the scanner loads its rules lazily

    report = scan(value, config)
    if not report.clean:
        raise OpsSummaryPrivacyError(
            [(finding.rule_id, finding.pointer) for finding in report.findings], where=where
        )
    digest: str = report.rules_digest
    return digest


def ops_summary_body(
    report: ReplayReport,
    *,
    generated_at: str | None = None,
    commit_sha: str | None = None,
) -> dict[str, Any]:
    """Return the ops summary without its privacy evidence (what gets scanned)."""
    request = report.request
    summary_request: dict[str, Any] = {
        "window": request.window,
        "mode": request.mode,
        "dry_run": request.dry_run,
    }
    if request.backfill_ref is not None:
        summary_request["backfill_ref"] = request.backfill_ref
    summary_request["time_rules"] = request.time_rules.to_json()
    body: dict[str, Any] = {
        "kind": "usage-ledger.ops-summary",
        "candidate": "usage-event-ledger",
        "generated_at": generated_at or report.evaluated_at,
    }
    if commit_sha is not None:
        body["commit_sha"] = commit_sha
    body.update(
        request=summary_request,
        counts=dict(report.counts),
        conservation=report.conservation_json(),
        invalid_samples=[issue.to_json() for issue in report.invalid_samples],
        aggregates=report.summary().to_json(),
        index=report.index_json(),
    )
    return body


def build_ops_summary(
    report: ReplayReport,
    *,
    generated_at: str | None = None,
    commit_sha: str | None = None,
    scanner_config: ScanConfig | None = None,
    mutate: Callable[[dict[str, Any]], None] | None = None,
) -> OpsSummary:
    """Scan, evidence, validate and render the ops summary of ``report``.

    ``generated_at`` defaults to the report's evaluation instant (so output is
    reproducible); ``commit_sha`` is required unless the run was a dry run.
    ``mutate`` edits the body before the scan (used by the fixture's negative
    probes). Raises :class:`OpsSummaryPrivacyError` on any finding and
    :class:`ContractViolationError` when the result breaks the schema.
    """
    body = ops_summary_body(report, generated_at=generated_at, commit_sha=commit_sha)
    if mutate is not None:
        mutate(body)
    digest = ensure_public_safe(body, config=scanner_config, where="ops summary")
    document = copy.deepcopy(body)
    document["privacy"] = {"rules_digest": digest, "findings": 0}
    violations = validate(document, OPS_SUMMARY_SCHEMA)
    if violations:
        raise ContractViolationError(OPS_SUMMARY_SCHEMA, violations)
    markdown = render_markdown(document)
    ensure_public_safe(markdown, config=scanner_config, where="ops summary (Markdown)")
    return OpsSummary(document=document, markdown=markdown)


def _cell(value: object) -> str:
    return str(value).replace("|", "\\|")


def render_markdown(document: Mapping[str, Any]) -> str:
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
    if "privacy" in document:
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


def write_ops_summary(summary: OpsSummary, path: str | Path, output_format: OpsFormat) -> Path:
    """Write the (already scanned) summary atomically; returns the path written."""
    target = Path(path)
    text = summary.render(output_format)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        Path(temporary).replace(target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target
