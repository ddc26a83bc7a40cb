// Replay and backfill over in-memory JSON Lines (Python: saas_contracts.ledger._replay.replay_lines,
// _request, _envelope's time rules, _summary and the MemoryIndex of _index). Every line ends in
// exactly one outcome, in this order of precedence:
//
// 1. `blank`: only ASCII whitespace (after a byte-order mark on line 1);
// 2. `invalid`: not strict JSON, not a valid usage-ledger/v1/event, or against the time rules;
//    reported with its line number and a public-safe reason;
// 3. `out_of_window`: occurred_at outside [start, end) (the index is not consulted);
// 4. `late`: recorded more than late_after after it occurred, when the late policy is `reject`
//    (with `accept` it goes on and is counted in `late_accepted` too);
// 5. `accepted` / `duplicate` / `conflict`: the idempotency verdict of its scope (source,
//    idempotency_key) against the index: new, same fingerprint, different fingerprint.
//
// Python resolves blocks of lines in worker processes; its verdicts are those of resolving every
// event in input order, which is what this does. Instants are compared as BigInt nanoseconds.

import type { ReplayRequest as ReplayRequestDocument, UsageEvent } from "../../generated/types/usage-ledger.js";
import { validateReplayRequest, validateUsageEvent } from "../../generated/validators/index.js";
import { toHex } from "../canonical.js";
import { ContractError, ContractViolationError, type Violation } from "../errors.js";
import { instant } from "../entitlements/decide.js";
import { JSONInputError, parseStrict } from "../json.js";
import { escapeToken, unescapeToken } from "../pointer.js";
import { describedViolations } from "../messages.js";
import { mask } from "../privacy/scanner.js";
import { toViolations } from "../validators.js";
import { fingerprint, scopeKey } from "./fingerprint.js";
import { compareText } from "../order.js";

export const REQUEST_SCHEMA = "usage-ledger/v1/replay-request";
/** Every outcome a line can end in, in report order; each line ends in exactly one. */
export const OUTCOMES = Object.freeze(["accepted", "duplicate", "conflict", "invalid", "out_of_window", "late", "blank"] as const);
export type Outcome = (typeof OUTCOMES)[number];
/** At most this many invalid (and conflict) samples are kept. */
export const MAX_SAMPLES = 20;
export const DEFAULT_MAX_SPAN_DAYS = 31;
export const DEFAULT_SUPPRESSION_THRESHOLD = 5;
const TIME_RULE = "usage-ledger/time-rules";
const NS_PER_SECOND = 1_000_000_000n;
const NS_PER_DAY = 86_400n * NS_PER_SECOND;
const CONFLICT_REASON = "same idempotency scope as an earlier event, different fingerprint (not applied)";
// The member names of usage-ledger/v1/event and its plan snapshot: kept verbatim in reasons, every
// other key is masked (an unknown property may be an e-mail or a credential). test/node.test.ts
// checks this list against the schema.
export const ENVELOPE_NAMES: ReadonlySet<string> = new Set([
  "attributes", "captured_at", "catalog_revision", "event_id", "event_type", "features", "idempotency_key",
  "occurred_at", "plan", "plan_key", "plan_label", "quantity", "recorded_at", "source", "subject",
]);
const MASKED_TOKEN = /^[^/]{0,4}\u2026\([0-9]+ chars\)$/u;
const ASCII_SPACE = /^[ \t\n\r\x0b\x0c]*$/;

/** How event times are judged, in seconds (Python: TimeRules). */
export interface TimeRules {
  readonly clock_skew_seconds: number;
  readonly late_after_seconds: number;
  readonly late_policy: "accept" | "reject";
}

/** A checked replay/backfill request, every default spelled out (Python: ReplayRequest.to_json()). */
export interface CheckedReplayRequest {
  readonly window: { readonly start: string; readonly end: string };
  readonly mode: "replay" | "backfill";
  readonly dry_run: boolean;
  readonly backfill_ref?: string;
  readonly max_span_days: number;
  readonly time_rules: TimeRules;
  readonly by_day: boolean;
  readonly suppression_threshold: number;
}

/**
 * Check a usage-ledger/v1/replay-request document and the window rules (non-empty, end after start,
 * at most max_span_days long); ContractViolationError otherwise (Python: ReplayRequest.from_json).
 */
export function replayRequest(data: unknown): CheckedReplayRequest {
  if (!validateReplayRequest(data)) throw new ContractViolationError(REQUEST_SCHEMA, toViolations(validateReplayRequest.errors));
  const document: ReplayRequestDocument = data;
  const rules = (document.time_rules ?? {}) as Partial<TimeRules>;
  const request: CheckedReplayRequest = {
    window: { start: document.window.start, end: document.window.end },
    mode: document.mode,
    dry_run: document.dry_run,
    ...(document.backfill_ref === undefined ? {} : { backfill_ref: document.backfill_ref }),
    max_span_days: document.max_span_days ?? DEFAULT_MAX_SPAN_DAYS,
    time_rules: {
      clock_skew_seconds: rules.clock_skew_seconds ?? 300,
      late_after_seconds: rules.late_after_seconds ?? 259_200,
      late_policy: rules.late_policy ?? "accept",
    },
    by_day: document.by_day ?? false,
    suppression_threshold: document.suppression_threshold ?? DEFAULT_SUPPRESSION_THRESHOLD,
  };
  const start = instant(request.window.start);
  const end = instant(request.window.end);
  if (end <= start) throw new ContractViolationError(REQUEST_SCHEMA, [{ pointer: "/window/end", keyword: "window" }]);
  if (end - start > BigInt(request.max_span_days) * NS_PER_DAY) throw new ContractViolationError(REQUEST_SCHEMA, [{ pointer: "/window", keyword: "window" }]);
  return request;
}

/** One time-rule violation of a schema-valid event (Python: time_violations), with its public message. */
export interface TimeViolation extends Violation {
  readonly rule: typeof TIME_RULE;
  readonly message: string;
}

/** The time-rule violations of one schema-valid event, instants in nanoseconds, in Python's order. */
export function timeViolations(times: { occurred: bigint; recorded: bigint; captured: bigint; now: bigint }, rules: TimeRules): TimeViolation[] {
  const skew = BigInt(rules.clock_skew_seconds) * NS_PER_SECOND;
  const found: TimeViolation[] = [];
  const add = (pointer: string, message: string): void => void found.push({ pointer, keyword: "time", rule: TIME_RULE, message });
  if (times.occurred > times.now + skew) add("/occurred_at", "is in the future beyond the allowed clock skew");
  if (times.recorded > times.now + skew) add("/recorded_at", "is in the future beyond the allowed clock skew");
  if (times.recorded < times.occurred - skew) add("/recorded_at", "precedes occurred_at by more than the allowed clock skew");
  if (times.captured > times.occurred + skew) add("/plan/captured_at", "follows occurred_at by more than the allowed clock skew (not a plan-at-submission)");
  return found;
}

/** Where and why one line did not go through (Python: LineIssue.to_json()). */
export interface LineIssue {
  readonly input: number;
  readonly line: number;
  readonly reason: string;
  readonly pointer?: string;
}

/** One aggregate row (`day` only by day). */
export interface SummaryRow {
  readonly day?: string;
  readonly plan_label: string;
  readonly event_kind: string;
  readonly events: number;
  readonly quantity: number;
}

/** A usage-ledger/v1/usage-summary document. */
export interface UsageSummaryDocument {
  window: { start: string; end: string };
  granularity: "window" | "day";
  suppression: { threshold: number; suppressed_rows: number };
  rows: SummaryRow[];
  totals: { events: number; quantity: number };
}

/** A verdict of the idempotency index: new scope, same fingerprint, another fingerprint. */
export type IndexVerdict = "accepted" | "duplicate" | "conflict";

/** One replay's view of an index (Python: IndexRun): verdicts in input order, then commit or abort. */
export interface IndexRun {
  readonly written: number;
  resolve(scope: string, fingerprint: string): IndexVerdict;
  commit(): void;
  abort(): void;
}

/** A run whose verdicts come asynchronously, a batch at a time (a database index such as ./d1.ts). */
export interface BatchIndexRun {
  readonly written: number;
  /** Verdicts in order for (scope key hex, `sha256:` fingerprint) pairs; later calls see earlier ones. */
  resolveAll(pairs: readonly (readonly [string, string])[]): Promise<IndexVerdict[]>;
  commit(): Promise<void>;
  abort(): Promise<void>;
}

/**
 * An in-memory idempotency index (Python: MemoryIndex): scope key -> fingerprint of its first event,
 * remembered across runs for the life of the object. A dry run reads it and keeps its own scopes
 * aside; a writing run's scopes stay unless it is aborted.
 */
export class MemoryIndex {
  readonly kind = "memory";
  readonly persistent = false;
  readonly #store = new Map<string, string>();

  get size(): number {
    return this.#store.size;
  }

  openRun(dryRun: boolean): IndexRun {
    const store = this.#store;
    const overlay = new Map<string, string>();
    const added: string[] = [];
    return {
      get written() {
        return dryRun ? 0 : added.length;
      },
      resolve(scope, print) {
        const prior = store.get(scope) ?? overlay.get(scope);
        if (prior !== undefined) return prior === print ? "duplicate" : "conflict";
        if (dryRun) overlay.set(scope, print);
        else {
          store.set(scope, print);
          added.push(scope);
        }
        return "accepted";
      },
      commit() {
        overlay.clear();
        added.length = 0;
      },
      abort() {
        for (const scope of added) store.delete(scope);
        overlay.clear();
        added.length = 0;
      },
    };
  }
}

/** The outcome counters of a run, in Python's order. */
export type ReplayCounts = Record<"lines_read" | Outcome | "late_accepted", number>;

/** Everything one replay run did (Python: ReplayReport). */
export interface ReplayReport {
  readonly request: CheckedReplayRequest;
  readonly evaluated_at: string;
  readonly counts: Readonly<ReplayCounts>;
  readonly invalid_samples: readonly LineIssue[];
  readonly conflict_samples: readonly LineIssue[];
  /** (day or "", plan_label, event_kind) -> [events, quantity] of the accepted events. */
  readonly groups: ReadonlyMap<string, readonly [string, string, string, number, number]>;
  readonly index: { readonly kind: string; readonly persistent: boolean; readonly written: number };
}

/** The outcome counts do not add up to the lines read (Python: ConservationError); a bug, never an input problem. */
export class ConservationError extends ContractError {
  override name = "ConservationError";
}

/** The aggregate summary of a report (the request's suppression threshold unless given; Python: ReplayReport.summary()). */
export function usageSummary(report: ReplayReport, threshold: number = report.request.suppression_threshold): UsageSummaryDocument {
  if (threshold < 1) throw new RangeError("the suppression threshold is at least 1");
  const ordered = [...report.groups.values()].sort((a, b) => compareText(a[0], b[0]) || compareText(a[1], b[1]) || compareText(a[2], b[2]));
  const shown = ordered.filter((group) => group[3] >= threshold);
  const rows = shown.map(([day, plan, kind, events, quantity]): SummaryRow => ({ ...(day === "" ? {} : { day }), plan_label: plan, event_kind: kind, events, quantity }));
  return {
    window: { start: report.request.window.start, end: report.request.window.end },
    granularity: report.request.by_day ? "day" : "window",
    suppression: { threshold, suppressed_rows: ordered.length - shown.length },
    rows,
    totals: { events: shown.reduce((sum, row) => sum + row[3], 0), quantity: shown.reduce((sum, row) => sum + row[4], 0) },
  };
}

/** The `conservation` object; ConservationError when the outcomes do not add up to the lines read. */
export function conservation(report: ReplayReport): { lines_read: number; outcomes_total: number; holds: true } {
  const total = OUTCOMES.reduce((sum, name) => sum + report.counts[name], 0);
  if (total !== report.counts.lines_read) throw new ConservationError(`${total} outcomes for ${report.counts.lines_read} lines`);
  return { lines_read: report.counts.lines_read, outcomes_total: total, holds: true };
}

/** A reason's pointer: envelope field names and indices verbatim, every other key masked (Python: _public_pointer). */
function publicPointer(where: string): string {
  return where
    .split("/")
    .slice(1)
    .map((token) => (ENVELOPE_NAMES.has(token) || /^[0-9]+$/.test(token) || MASKED_TOKEN.test(token) ? `/${token}` : `/${escapeToken(mask(unescapeToken(token)))}`))
    .join("");
}

/** The pointer and reason of an invalid line from its first violation (Python: _describe). */
function describe(first: Violation, message: string, count: number): [string | undefined, string] {
  const where = publicPointer(first.pointer);
  const more = count > 1 ? ` (+${count - 1} more)` : "";
  return [where === "" ? undefined : where, `${where || "/"}: ${message}${more}`];
}

/** Python's str.isspace() over the bytes of a line: empty or ASCII whitespace only. */
const isBlank = (line: string): boolean => ASCII_SPACE.test(line);

/** What a replay can open runs on: a MemoryIndex, a D1Index (./d1.ts) or your own. */
export interface ReplayIndex {
  readonly kind: "memory" | "sqlite";
  readonly persistent: boolean;
  openRun(dryRun: boolean): IndexRun | BatchIndexRun;
}

export interface ReplayOptions {
  /** The instant the time rules are evaluated against (a UTC timestamp; the library never reads a clock). */
  readonly now: string;
  /** Defaults to a fresh MemoryIndex; a dry run never writes to it. */
  readonly index?: ReplayIndex;
}

/** A line that reached the index: its scope and fingerprint, and what its verdict would count. */
interface Candidate {
  readonly line: number;
  readonly scope: string;
  readonly print: string;
  readonly event: UsageEvent;
  readonly late: boolean;
}

/**
 * Replay in-memory JSON Lines (one string per line; a string holding "\n" is several lines, as in
 * Python, which joins and splits the bytes) under a checked request (replayRequest).
 */
export async function replayLines(lines: readonly string[], checked: CheckedReplayRequest, options: ReplayOptions): Promise<ReplayReport> {
  const now = instant(options.now);
  const start = instant(checked.window.start);
  const end = instant(checked.window.end);
  const rules = checked.time_rules;
  const skew = BigInt(rules.clock_skew_seconds) * NS_PER_SECOND;
  const lateAfter = BigInt(rules.late_after_seconds) * NS_PER_SECOND;
  const future = now + skew;
  const index = options.index ?? new MemoryIndex();
  const run = index.openRun(checked.dry_run);
  const counts: ReplayCounts = { lines_read: 0, accepted: 0, duplicate: 0, conflict: 0, invalid: 0, out_of_window: 0, late: 0, blank: 0, late_accepted: 0 };
  const invalid: LineIssue[] = [];
  const conflicts: LineIssue[] = [];
  const groups = new Map<string, [string, string, string, number, number]>();
  const reject = (line: number, pointer: string | undefined, reason: string): void => {
    counts.invalid += 1;
    if (invalid.length < MAX_SAMPLES) invalid.push({ input: 1, line, reason, ...(pointer === undefined ? {} : { pointer }) });
  };
  const physical = lines.length === 0 ? [] : lines.join("\n").split("\n");
  const candidates: Candidate[] = [];
  try {
    for (const [offset, text] of physical.entries()) {
      const line = offset + 1;
      counts.lines_read += 1;
      const raw = line === 1 && text.startsWith("\uFEFF") ? text.slice(1) : text;
      if (isBlank(raw)) {
        counts.blank += 1;
        continue;
      }
      let event: unknown;
      try {
        event = parseStrict(raw);
      } catch (error) {
        if (!(error instanceof JSONInputError)) throw error;
        reject(line, undefined, error.message);
        continue;
      }
      if (!validateUsageEvent(event)) {
        const found = describedViolations(validateUsageEvent.errors, event);
        const first = found[0] ?? { pointer: "", keyword: "schema", message: "is not a valid usage-ledger/v1/event" };
        reject(line, ...describe(first, first.message, found.length));
        continue;
      }
      const typed: UsageEvent = event;
      const occurred = instant(typed.occurred_at);
      const recorded = instant(typed.recorded_at);
      const captured = instant(typed.plan.captured_at);
      if (occurred > future || recorded > future || recorded < occurred - skew || captured > occurred + skew) {
        const broken = timeViolations({ occurred, recorded, captured, now }, rules);
        const first = broken[0] as TimeViolation;
        reject(line, ...describe(first, first.message, broken.length));
        continue;
      }
      if (occurred < start || occurred >= end) {
        counts.out_of_window += 1;
        continue;
      }
      const late = recorded - occurred > lateAfter;
      if (late && rules.late_policy === "reject") {
        counts.late += 1;
        continue;
      }
      candidates.push({ line, scope: toHex(await scopeKey(typed.source, typed.idempotency_key)), print: await fingerprint(typed), event: typed, late });
    }
    // Verdicts in input order: a batch index answers for all candidates at once, a memory one per line.
    const verdicts =
      "resolveAll" in run ? await run.resolveAll(candidates.map((item) => [item.scope, item.print] as const)) : candidates.map((item) => run.resolve(item.scope, item.print));
    for (const [position, { line, event: typed, late }] of candidates.entries()) {
      const verdict = verdicts[position] as IndexVerdict;
      counts[verdict] += 1;
      if (verdict === "conflict" && conflicts.length < MAX_SAMPLES) conflicts.push({ input: 1, line, reason: CONFLICT_REASON });
      if (verdict !== "accepted") continue;
      const day = checked.by_day ? typed.occurred_at.slice(0, 10) : "";
      const key = JSON.stringify([day, typed.plan.plan_label, typed.event_type]);
      const group = groups.get(key) ?? [day, typed.plan.plan_label, typed.event_type, 0, 0];
      group[3] += 1;
      group[4] += typed.quantity;
      groups.set(key, group);
      if (late) counts.late_accepted += 1;
    }
    const report: ReplayReport = {
      request: checked,
      evaluated_at: options.now,
      counts,
      invalid_samples: invalid,
      conflict_samples: conflicts,
      groups,
      index: { kind: index.kind, persistent: index.persistent, written: run.written },
    };
    conservation(report);
    await run.commit();
    return report;
  } catch (error) {
    await run.abort();
    throw error;
  }
}

/** The usage-ledger/v1/replay-report document of a run (Python: ReplayReport.to_json()). */
export function replayReportJson(report: ReplayReport): Record<string, unknown> {
  const { request } = report;
  return {
    request: { ...request, window: { ...request.window }, time_rules: { ...request.time_rules } },
    evaluated_at: report.evaluated_at,
    counts: { ...report.counts },
    conservation: conservation(report),
    invalid_samples: report.invalid_samples.map((issue) => ({ ...issue })),
    conflict_samples: report.conflict_samples.map((issue) => ({ ...issue })),
    aggregates: usageSummary(report),
    index: { ...report.index },
  };
}
