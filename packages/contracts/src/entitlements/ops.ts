// The entitlements ops summary (Python: saas_contracts.entitlements._ops): counts only, through the
// shared ops-summary path (../ops.ts), which adds the header, scans before anything is rendered,
// validates against entitlements/v1/ops-summary and renders JSON, Markdown and text (each scanned).

import { DECISION_OUTCOMES, DECISION_REASONS, EVENT_OUTCOMES, LIFECYCLE_KINDS } from "../../generated/types/entitlements.js";
import type { EntitlementDecision, PlanSourceState } from "../../generated/types/entitlements.js";
import type { PrivacyConfig } from "../../generated/types/privacy.js";
import { validateEntitlementsOpsSummary } from "../../generated/validators/index.js";
import { ContractError, ContractViolationError } from "../errors.js";
import { buildOpsSummary, type OpsSummary, type OpsSummarySpec } from "../ops.js";
import { instant, materialize } from "./decide.js";
import { compareText } from "../order.js";

type Json = Record<string, unknown>;

export const ENTITLEMENTS_OPS_SUMMARY_SCHEMA = "entitlements/v1/ops-summary";
export const ENTITLEMENTS_OPS_SUMMARY_KIND = "entitlements.ops-summary";

/** A value outside the closed vocabulary reached the summary (Python: SummaryInputError); never echoes it. */
export class SummaryInputError extends ContractError {
  override name = "SummaryInputError";
}

class Counter {
  readonly #counts = new Map<string, number>();

  add(key: string): void {
    this.#counts.set(key, (this.#counts.get(key) ?? 0) + 1);
  }

  get(key: string): number {
    return this.#counts.get(key) ?? 0;
  }

  /** Sorted keys, zero counts left out (Python: _sorted). */
  sorted(): Record<string, number> {
    return Object.fromEntries([...this.#counts.keys()].sort(compareText).filter((key) => this.get(key) > 0).map((key) => [key, this.get(key)]));
  }

  /** Every key of `vocabulary`, in its order, zero included. */
  over(vocabulary: readonly string[]): Record<string, number> {
    return Object.fromEntries(vocabulary.map((key) => [key, this.get(key)]));
  }
}

function closed(value: unknown, allowed: readonly string[], what: string): string {
  if (typeof value !== "string" || !allowed.includes(value)) throw new SummaryInputError(`${what} is not one of the closed vocabulary values`);
  return value;
}

export interface SummarizeInput {
  readonly state?: PlanSourceState;
  /** Per-event results (applyEvents' outcomes); without any, event counts come from the state's receipts. */
  readonly results?: readonly Readonly<Json>[];
  readonly decisions?: readonly (EntitlementDecision | Readonly<Json>)[];
  /** The instant the summary is stamped with (time is an argument). */
  readonly generatedAt: string;
  readonly commitSha?: string;
  readonly config?: PrivacyConfig;
  /** Record statuses are counted as the records stand then (default generatedAt). */
  readonly asOf?: string;
}

/**
 * Build, privacy-scan, validate and render the ops summary (Python: summarize). Throws
 * SummaryInputError for a value outside the closed vocabulary and PublicSafetyError on a finding.
 */
export function summarize(input: SummarizeInput): Promise<OpsSummary> {
  const results = input.results ?? [];
  const kinds = new Counter();
  const outcomes = new Counter();
  if (results.length > 0) {
    for (const result of results) {
      const kind = result["kind"];
      kinds.add(typeof kind === "string" && LIFECYCLE_KINDS.includes(kind as never) ? kind : "unrecognized");
      outcomes.add(closed(result["outcome"], EVENT_OUTCOMES, "an event outcome"));
    }
  } else if (input.state !== undefined) {
    for (const receipt of input.state.receipts) {
      kinds.add(receipt.kind);
      outcomes.add(receipt.outcome);
    }
  }
  const sourceKinds = new Counter();
  const statuses = new Counter();
  const workspaces = new Set<string>();
  const asOf = input.asOf ?? input.generatedAt;
  if (input.state !== undefined) {
    try {
      instant(asOf);
    } catch {
      throw new ContractViolationError("common/v1/common#/$defs/utc_timestamp", [{ pointer: "", keyword: "pattern" }]);
    }
    for (const record of input.state.records) {
      sourceKinds.add(record.source_kind);
      statuses.add(materialize(record, asOf).status);
      workspaces.add(record.workspace);
    }
  }
  const decisionOutcomes = new Counter();
  const reasons = new Counter();
  for (const decision of (input.decisions ?? []) as readonly Json[]) {
    decisionOutcomes.add(closed(decision["outcome"], DECISION_OUTCOMES, "a decision outcome"));
    reasons.add(closed(decision["reason"], DECISION_REASONS, "a decision reason"));
    workspaces.add(String(decision["workspace"]));
  }
  const body: Json = {
    lifecycle_events: kinds.sorted(),
    event_outcomes: outcomes.over(EVENT_OUTCOMES),
    source_kinds: sourceKinds.sorted(),
    record_statuses: statuses.sorted(),
    decision_outcomes: decisionOutcomes.over(DECISION_OUTCOMES),
    decision_reasons: reasons.sorted(),
    stale: outcomes.get("stale"),
    duplicate: outcomes.get("duplicate"),
    conflict: outcomes.get("conflict"),
    workspaces: workspaces.size,
  };
  if (input.state !== undefined) body["record_statuses_as_of"] = asOf;
  return buildOpsSummary(SPEC, body, { generatedAt: input.generatedAt, commitSha: input.commitSha, config: input.config });
}

const SECTIONS = [
  ["Lifecycle events", "lifecycle_events", "event kind"],
  ["Event outcomes", "event_outcomes", "outcome"],
  ["Plan sources", "source_kinds", "source kind"],
  ["Record statuses", "record_statuses", "status"],
  ["Decision outcomes", "decision_outcomes", "outcome"],
  ["Decision reasons", "decision_reasons", "reason"],
] as const;

const counts = (summary: Json, key: string): [string, unknown][] => Object.entries(summary[key] as Json);
const privacyOf = (summary: Json): Json => summary["privacy"] as Json;

/** Markdown tables (deterministic; Python: _render_markdown). */
export function renderSummaryMarkdown(summary: Json): string {
  const lines = ["## Entitlements ops summary", ""];
  const meta = [`workspaces: ${String(summary["workspaces"])}`];
  for (const name of ["stale", "duplicate", "conflict"]) meta.push(`${name}: ${String(summary[name])}`);
  for (const name of ["commit_sha", "generated_at"]) if (name in summary) meta.push(`${name}: \`${String(summary[name])}\``);
  lines.push(meta.join(" | "), "");
  for (const [title, key, label] of SECTIONS) {
    const rows = counts(summary, key);
    lines.push(`### ${title}`, "", `| ${label} | count |`, "| --- | ---: |", ...rows.map(([name, value]) => `| ${name} | ${String(value)} |`));
    if (rows.length === 0) lines.push("| (none) | 0 |");
    lines.push("");
  }
  const privacy = privacyOf(summary);
  lines.push("### Privacy", "", `Scanned before writing with rules \`${String(privacy["rules_digest"])}\`: ${String(privacy["findings"])} findings.`, "");
  return lines.join("\n");
}

/** Plain text lines (Python: _render_text). */
export function renderSummaryText(summary: Json): string {
  const lines = [`workspaces ${String(summary["workspaces"])}; stale ${String(summary["stale"])}, duplicate ${String(summary["duplicate"])}, conflict ${String(summary["conflict"])}`];
  for (const [title, key] of SECTIONS) {
    const body = counts(summary, key).map(([name, value]) => `${name} ${String(value)}`).join(", ") || "none";
    lines.push(`${title.toLowerCase()}: ${body}`);
  }
  const privacy = privacyOf(summary);
  lines.push(`privacy: rules ${String(privacy["rules_digest"])}, ${String(privacy["findings"])} findings`);
  return lines.join("\n");
}

const SPEC: OpsSummarySpec = {
  schema: ENTITLEMENTS_OPS_SUMMARY_SCHEMA,
  validator: validateEntitlementsOpsSummary,
  kind: ENTITLEMENTS_OPS_SUMMARY_KIND,
  renderers: { markdown: renderSummaryMarkdown, text: renderSummaryText },
};
