// The usage ledger's ops summary (Python: saas_contracts.ledger._ops): the body and the Markdown of
// one replay/backfill run, through the shared ops-summary path (../ops.ts): header, privacy scan
// before anything is rendered, usage-ledger/v1/ops-summary validation, JSON and Markdown renderings
// (each scanned), byte for byte as Python renders them.

import type { PrivacyConfig } from "../../generated/types/privacy.js";
import { validateUsageLedgerOpsSummary } from "../../generated/validators/index.js";
import { buildOpsSummary, type OpsSummary, type OpsSummarySpec } from "../ops.js";
import { conservation, OUTCOMES, type ReplayReport, usageSummary } from "./replay.js";

type Json = Record<string, unknown>;

export const OPS_SUMMARY_SCHEMA = "usage-ledger/v1/ops-summary";
export const OPS_SUMMARY_KIND = "usage-ledger.ops-summary";

/** The ledger's part of the ops summary (everything but the shared header). */
export function opsSummaryBody(report: ReplayReport): Json {
  const { request } = report;
  const summaryRequest: Json = { window: { ...request.window }, mode: request.mode, dry_run: request.dry_run };
  if (request.backfill_ref !== undefined) summaryRequest["backfill_ref"] = request.backfill_ref;
  summaryRequest["time_rules"] = { ...request.time_rules };
  return {
    candidate: "usage-event-ledger",
    request: summaryRequest,
    counts: { ...report.counts },
    conservation: conservation(report),
    invalid_samples: report.invalid_samples.map((issue) => ({ ...issue })),
    aggregates: usageSummary(report),
    index: { ...report.index },
  };
}

export interface LedgerOpsOptions {
  /** Defaults to the report's evaluation instant (reproducible output). */
  readonly generatedAt?: string;
  /** Required by the schema unless the run was a dry run. */
  readonly commitSha?: string | undefined;
  readonly config?: PrivacyConfig;
  /** Edits the document before the scan (the fixture's negative probes). */
  readonly mutate?: (document: Json) => void;
}

/**
 * Scan, evidence, validate and render (JSON, Markdown) the ops summary of `report`. Throws
 * PublicSafetyError on any finding and ContractViolationError when the result breaks the schema.
 */
export function buildLedgerOpsSummary(report: ReplayReport, options: LedgerOpsOptions = {}): Promise<OpsSummary> {
  return buildOpsSummary(SPEC, opsSummaryBody(report), {
    generatedAt: options.generatedAt ?? report.evaluated_at,
    commitSha: options.commitSha,
    config: options.config,
    mutate: options.mutate,
  });
}

const cell = (value: unknown): string => String(value).replaceAll("|", "\\|");
// The document was validated against the schema before rendering: its members are read untyped.
const at = (value: unknown, key: string): any => (value as Json)[key];

/** Deterministic Markdown for an ops summary document (Python: _render_markdown). */
export function renderMarkdown(document: Json): string {
  const request = at(document, "request");
  const counts = at(document, "counts");
  const aggregates = at(document, "aggregates");
  const mode = `${request.mode}${request.dry_run ? " (dry run: nothing written)" : ""}`;
  const lines = [
    "# Usage ledger ops summary",
    "",
    `- window: \`${request.window.start}\` to \`${request.window.end}\` (UTC, end exclusive)`,
    `- mode: ${mode}`,
    "backfill_ref" in request ? `- backfill reference: \`${request.backfill_ref}\`` : "- backfill reference: none",
    "commit_sha" in document ? `- commit: \`${String(document["commit_sha"])}\`` : "- commit: not recorded (dry run)",
    `- generated at: \`${String(document["generated_at"])}\``,
  ];
  const rules = request.time_rules;
  if (rules !== undefined && rules !== null && Object.keys(rules).length > 0) {
    lines.push(`- time rules: clock skew ${rules.clock_skew_seconds} s, late after ${rules.late_after_seconds} s, late policy \`${rules.late_policy}\``);
  }
  const index = at(document, "index");
  lines.push(
    `- idempotency index: ${index.kind}${index.persistent ? " (persistent)" : ""}, ${index.written} new scope(s) written`,
    "",
    "## Outcomes",
    "",
    "| outcome | lines |",
    "| --- | ---: |",
  );
  for (const name of OUTCOMES) lines.push(`| ${name} | ${counts[name]} |`);
  const kept = at(document, "conservation");
  lines.push(
    `| **lines read** | **${counts.lines_read}** |`,
    "",
    `Conservation holds: ${kept.outcomes_total} outcomes for ${kept.lines_read} lines. Late events accepted: ${counts.late_accepted}.`,
    "",
    "## Usage by plan and event kind",
    "",
    `Granularity: ${aggregates.granularity}. Rows with fewer than ${aggregates.suppression.threshold} events are suppressed ` +
      `(${aggregates.suppression.suppressed_rows} row(s)); totals cover the rows shown: ${aggregates.totals.events} events, quantity ${aggregates.totals.quantity}.`,
    "",
  );
  const day = aggregates.granularity === "day";
  lines.push(`${day ? "| day " : ""}| plan | event kind | events | quantity |`, `${day ? "| --- " : ""}| --- | --- | ---: | ---: |`);
  for (const row of aggregates.rows as Json[]) {
    const prefix = day ? `| ${String(row["day"])} ` : "";
    lines.push(`${prefix}| ${[cell(row["plan_label"]), cell(row["event_kind"]), row["events"], row["quantity"]].map(String).join(" | ")} |`);
  }
  const samples = at(document, "invalid_samples") as Json[];
  if (samples.length > 0) {
    lines.push("", `## Invalid lines (first ${samples.length})`, "");
    for (const sample of samples) lines.push(`- input ${String(sample["input"])}, line ${String(sample["line"])}: ${cell(sample["reason"])}`);
  }
  const privacy = at(document, "privacy");
  lines.push("", "## Privacy", "", `Scanned before writing with rules \`${privacy.rules_digest}\`: ${privacy.findings} findings.`);
  return `${lines.join("\n")}\n`;
}

const SPEC: OpsSummarySpec = {
  schema: OPS_SUMMARY_SCHEMA,
  validator: validateUsageLedgerOpsSummary,
  kind: OPS_SUMMARY_KIND,
  renderers: { markdown: renderMarkdown },
};
