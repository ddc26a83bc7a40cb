// The shape of Python's answers (tests/ts_package/_reference.py) as the tests read them.
import fs from "node:fs";
import { inject } from "vitest";
import type { Violation } from "../src/errors.js";
import type { DecisionRequest, EntitlementDecision, PlanSourceState } from "../generated/types/entitlements.js";
import type { UsageCloudEvent } from "../generated/types/usage-ledger.js";
import type { VectorOutcome } from "../src/fixtures.js";

export interface EventAnswer {
  valid: boolean;
  violations: Violation[];
  fingerprint: string | null;
  canonical_hex?: string;
  millisecond_fingerprint?: string;
  cloudevent?: UsageCloudEvent;
}

/** One lifecycle stream (tests/ts_package/_lifecycle_cases.py) and its apply result. */
export interface LifecycleCase {
  group: "writer" | "stream" | "converges" | "permutation" | "generated" | "edge";
  name: string;
  state?: PlanSourceState;
  events: unknown[];
  audit?: { now: string; commit_sha: string };
  python: ApplyAnswer;
}

export type ApplyAnswer = { outcomes: Record<string, unknown>[]; state: PlanSourceState; envelopes: unknown[] } | { error: string };

export type DecideResult = { decision: EntitlementDecision } | { error: string };

export interface Reference {
  fingerprint_version: number;
  events: Record<string, EventAnswer>;
  /** JSON lines (respelled events, the head of the example stream) Python parsed to objects. */
  fingerprint_lines: { text: string; canonical_hex: string; fingerprint: string }[];
  decisions: Record<string, EntitlementDecision>;
  generated: { request: DecisionRequest; result: DecideResult }[];
  instant_requests: { request: DecisionRequest; result: DecideResult }[];
  schema_cases: { schema: string; data: unknown; valid: boolean; violations: Violation[]; messages: string[] }[];
  redaction: { key_hex: string; vectors: { kind: string; raw_id: string; reference: string; python: string }[] };
  outcomes: Record<string, VectorOutcome[]>;
  lifecycle: LifecycleCase[];
  /** Per replay vector: Python's replay-report document, or the request refused. */
  replays: Record<string, Record<string, unknown>>;
  /** Per ops-summary vector: Python's renderings (json, markdown), or why it refused to write. */
  ops_summaries: Record<string, Record<string, string>>;
  /** Every event vector as a JSON line (and a few more), replayed by Python. */
  event_lines: { lines: string[]; request: unknown; now: string; report: Record<string, unknown> }[];
  /** One fixture stage with one changed expectation, and Python's outcomes for it. */
  mutations: { candidate: string; stage: string; vector: string; fixture: unknown; outcomes: VectorOutcome[] }[];
  /** JSON texts and Python's reason for refusing each (null: accepted). */
  json_errors: { text: string; reason: string | null }[];
  /** Strings in Python's sorted order (code points), and values with Python's dumps_pretty text. */
  sorted_texts: string[];
  pretty_json: { value: unknown; text: string }[];
}

let cached: Reference | undefined;

/** Python's answers, read once per test file. */
export function reference(): Reference {
  cached ??= JSON.parse(fs.readFileSync(inject("pythonReference"), "utf8")) as Reference;
  return cached;
}
