// The entitlement-plan-source fixture's `writer`, `billing_lifecycle` and `audit` stages, with
// Python's expectation rules (saas_contracts.entitlements._fixture): used by checkFixture (../fixtures.ts).

import type { DecisionRequest, EntitlementDecision, LifecycleEvent, PlanSourceRecord, PlanSourceState, SourcePriorityPolicy } from "../../generated/types/entitlements.js";
import { SOURCE_KINDS } from "../../generated/types/entitlements.js";
import { canonicalize } from "../canonical.js";
import { clone, compose, place } from "../harness.js";
import { scan } from "../privacy/scanner.js";
import { applyEvents, type EventResult, lifecycleFingerprint, OPERATOR_KINDS } from "./apply.js";
import { decide } from "./decide.js";
import { summarize } from "./ops.js";

type Json = Record<string, unknown>;
/** Judges one decision against a vector's expectation (fixtures.ts: decisionProblems). */
export type DecisionJudge = (decision: EntitlementDecision, expect: Json) => string[];

/** manual_override > billing_provider > promotion > trial > default_plan (Python: DEFAULT_POLICY). */
const DEFAULT_POLICY: SourcePriorityPolicy = { policy: "default", order: [...SOURCE_KINDS] };
const same = (a: unknown, b: unknown): boolean => canonicalize(a ?? null) === canonicalize(b ?? null);
const show = (value: unknown): string => JSON.stringify(value ?? null);

function mismatch(expect: Json, actual: Json): string[] {
  return Object.keys(expect)
    .sort()
    .filter((key) => !same(actual[key], expect[key]));
}

/** `writer`: one event against a state, the expected outcome and envelope. */
export async function checkWriter(vector: Json): Promise<string[]> {
  const state = "state" in vector ? (vector["state"] as PlanSourceState) : undefined;
  const audit = { now: String(vector["now"]), commitSha: String(vector["commit_sha"]) };
  const report = await applyEvents(state, [clone(vector["event"])], { audit });
  const result = report.outcomes[0] as EventResult;
  const expect = vector["expect"] as Json;
  const problems: string[] = [];
  if (result.outcome !== expect["outcome"]) problems.push(`outcome: expected ${show(expect["outcome"])}, got ${show(result.outcome)} (${result.detail})`);
  if (typeof expect["detail_contains"] === "string" && !result.detail.includes(expect["detail_contains"])) problems.push(`detail does not mention ${show(expect["detail_contains"])}`);
  const envelope = (result.outcome === "applied" ? report.envelopes[0] : undefined) as Json | undefined;
  const view: Json = {
    operation: envelope?.["operation"],
    effective_at: envelope?.["effective_at"],
    reason: (envelope?.["audit"] as Json | undefined)?.["reason"],
  };
  const wanted = Object.fromEntries(["operation", "effective_at", "reason"].filter((key) => key in expect).map((key) => [key, expect[key]]));
  for (const key of mismatch(wanted, view)) problems.push(`${key}: expected ${show(wanted[key])}, got ${show(view[key])}`);
  if ("after" in expect) {
    const after = (envelope?.["after"] ?? {}) as Json;
    for (const key of mismatch(expect["after"] as Json, after)) problems.push(`after.${key} differs`);
  }
  return problems;
}

const workspaceRecords = (state: PlanSourceState, workspace: string): PlanSourceRecord[] =>
  state.records.filter((record) => record.workspace === workspace).map((record) => clone(record));

/**
 * `billing_lifecycle`: a delivered stream, the expected per-event outcomes and receipts, decisions
 * at checkpoints; the stream replayed onto its end state must be all duplicates (conflicts and
 * invalid events stay so) and leave the state as it is; `converges` vectors must end in the same
 * state and the same ops summary when delivered reversed and in every rotation.
 */
export function lifecycleCheck(judge: DecisionJudge): (vector: Json) => Promise<string[]> {
  return async (vector) => {
    const events = (vector["events"] as unknown[]).map((event) => clone(event));
    const checkpoints = vector["checkpoints"] as Json[];
    const policy = (vector["policy"] ?? DEFAULT_POLICY) as SourcePriorityPolicy;
    const problems: string[] = [];
    const stops = [...new Set([...checkpoints.map((point) => Number(point["after_events"] ?? events.length)), events.length])].sort((a, b) => a - b);
    const states = new Map<number, PlanSourceState | undefined>();
    let state: PlanSourceState | undefined;
    const outcomes: string[] = [];
    let done = 0;
    for (const stop of stops) {
      const part = await applyEvents(state, events.slice(done, stop));
      outcomes.push(...part.outcomes.map((item) => item.outcome));
      state = part.state;
      states.set(stop, state);
      done = stop;
    }
    const finalState = state as PlanSourceState;
    const expected = vector["expect_outcomes"] as string[];
    if (!same(outcomes, expected)) problems.push(`outcomes: expected ${show(expected)}, got ${show(outcomes)}`);
    const again = await applyEvents(finalState, events);
    const expectedAgain = outcomes.map((outcome) => (outcome === "conflict" || outcome === "invalid" ? outcome : "duplicate"));
    if (!same(again.state, finalState) || !same(again.outcomes.map((item) => item.outcome), expectedAgain)) {
      problems.push("replaying the stream again changed the state or was not all duplicates");
    }
    const receipts = new Map(finalState.receipts.map((receipt) => [receipt.event_id, receipt.outcome as string]));
    const expectReceipts = (vector["expect_receipts"] ?? {}) as Record<string, string>;
    for (const eventId of Object.keys(expectReceipts).sort()) {
      if (receipts.get(eventId) !== expectReceipts[eventId]) problems.push(`receipt ${eventId}: expected ${show(expectReceipts[eventId])}, got ${show(receipts.get(eventId))}`);
    }
    if (vector["converges"] === true) problems.push(...(await convergence(events, finalState)));
    for (const [number, point] of checkpoints.entries()) {
      const at = states.get(Number(point["after_events"] ?? events.length));
      const request: Json = {
        workspace: vector["workspace"],
        capability: point["capability"],
        as_of: point["as_of"],
        records: at === undefined ? [] : workspaceRecords(at, String(vector["workspace"])),
        policy,
        snapshot: vector["snapshot"],
      };
      if ("usage" in point) request["usage"] = point["usage"];
      const problem = judge(decide(request as DecisionRequest), point["expect"] as Json).join("; ");
      if (problem !== "") problems.push(`checkpoint ${number} (${String(point["as_of"])}): ${problem}`);
    }
    return problems;
  };
}

/** The delivery orders a `converges` vector must agree on: reversed, then rotated by 1..n-1. */
export function convergenceOrders<T>(events: readonly T[]): T[][] {
  const rotations = Array.from({ length: Math.max(events.length - 1, 0) }, (_, index) => [...events.slice(index + 1), ...events.slice(0, index + 1)]);
  return [[...events].reverse(), ...rotations];
}

async function convergence(events: readonly unknown[], expected: PlanSourceState): Promise<string[]> {
  const summary = (await summarize({ state: expected, generatedAt: SUMMARY_STAMP })).document;
  for (const [number, order] of convergenceOrders(events).entries()) {
    const other = await applyEvents(undefined, clone(order));
    if (!same(other.state, expected)) return [`delivery order ${number} (0: reversed, n: rotated by n) ends in another state`];
    if (!same((await summarize({ state: other.state, generatedAt: SUMMARY_STAMP })).document, summary)) return [`delivery order ${number} gives another ops summary`];
  }
  return [];
}

// The audit compares counts; the header's timestamp only has to be a fixed, valid instant.
const SUMMARY_STAMP = "2026-01-01T00:00:00Z";

async function auditSummary(vector: Json): Promise<string[]> {
  const report = await applyEvents(undefined, (vector["events"] as unknown[]).map((event) => clone(event)));
  const decisions = ((vector["decisions"] ?? []) as DecisionRequest[]).map((request) => decide(request));
  const summary = (await summarize({ state: report.state, results: report.outcomes as unknown as Json[], decisions, generatedAt: SUMMARY_STAMP })).document;
  const expect = vector["expect"] as Json;
  return mismatch(expect, summary).map((key) => `${key}: expected ${show(expect[key])}, got ${show(summary[key])}`);
}

async function auditEnvelopes(vector: Json): Promise<string[]> {
  const events = (vector["events"] as Json[]).map((event) => clone(event));
  const report = await applyEvents(undefined, events, { audit: { now: String(vector["now"]), commitSha: String(vector["commit_sha"]) } });
  const applied = report.outcomes.filter((result) => result.outcome === "applied");
  const problems: string[] = [];
  if (applied.length === 0) problems.push("no event was applied, so no envelope was audited");
  for (const [position, result] of applied.entries()) {
    const envelope = (report.envelopes[position] ?? {}) as Json;
    const event = events[result.index] as Json;
    if (envelope["fingerprint"] !== (await lifecycleFingerprint(event as unknown as LifecycleEvent)) || envelope["idempotency_key"] !== event["event_id"]) {
      problems.push(`event ${result.index}: fingerprint or idempotency key does not match the event`);
    }
    const audit = (envelope["audit"] ?? {}) as Json;
    if (OPERATOR_KINDS.has(String(event["kind"])) && !("approval_ref" in audit)) problems.push(`event ${result.index}: operator write without approval reference`);
    if (envelope["effective_at"] !== (event["effective_at"] ?? event["occurred_at"])) problems.push(`event ${result.index}: effective_at does not match the event`);
    if (!scan(envelope).clean) problems.push(`event ${result.index}: the envelope is not public-safe`);
  }
  return problems;
}

function auditPrivacy(vector: Json): string[] {
  const artifact = clone(vector["artifact"]);
  if (!scan(artifact).clean) return ["the artifact is not public-safe before injection"];
  const inject = vector["inject"] as Json;
  place(artifact, String(inject["pointer"]), compose(inject["probe"]));
  return scan(artifact).clean ? [`the privacy scan missed an injected ${String(inject["sample"])} sample`] : [];
}

const AUDIT_CHECKS: Readonly<Record<string, (vector: Json) => Promise<string[]> | string[]>> = {
  ops_summary: auditSummary,
  envelope_audit: auditEnvelopes,
  privacy_rejects: auditPrivacy,
};

/** `audit`: ops-summary counts, the audit rules of write envelopes, privacy rejection of injected samples. */
export async function checkAudit(vector: Json): Promise<string[]> {
  const check = AUDIT_CHECKS[String(vector["check"])];
  if (check === undefined) throw new TypeError("unknown audit check");
  return check(vector);
}
