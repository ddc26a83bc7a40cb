// The acceptance fixtures and checkFixture(): every vector of a core fixture's stages, judged with
// Python's expectation rules (saas_contracts._fixture_harness and */_fixture.py): one outcome per
// vector, an exception inside a check is that vector's failed outcome, details never echo values.
//
// Stages with a TypeScript check: usage-event-ledger `event`, entitlement-plan-source `decision`,
// `writer` and `billing_lifecycle`. The other stages (replay, ops-summary, privacy-boundary; audit)
// need the replay, ops-summary and privacy-scan ports; until they land, checkFixture lists them in
// `skipped` (never as passed).

import { entitlementPlanSourceFixture, usageEventLedgerFixture } from "../generated/fixtures/index.js";
import type { DecisionRequest, EntitlementDecision } from "../generated/types/entitlements.js";
import { validateEntitlementDecision, validateUsageEvent } from "../generated/validators/index.js";
import { decide } from "./entitlements/decide.js";
import { checkWriter, lifecycleCheck } from "./entitlements/fixture.js";
import { ContractError, type Violation } from "./errors.js";
import { JSONInputError, parseStrict } from "./json.js";
import { fingerprint } from "./ledger/fingerprint.js";
import { toViolations } from "./validators.js";

export { entitlementPlanSourceFixture, usageEventLedgerFixture };

/** The result of running one vector of one stage (Python: VectorOutcome). */
export interface VectorOutcome {
  readonly stage: string;
  readonly name: string;
  readonly passed: boolean;
  /** Public-safe explanation (what was expected and what happened); empty when passed. */
  readonly detail: string;
}

/** Every outcome of the stages this package can check, and the stages it cannot check yet. */
export interface FixtureReport {
  readonly candidate: string;
  readonly outcomes: readonly VectorOutcome[];
  readonly skipped: readonly { readonly stage: string; readonly vectors: number }[];
  /** True when every checked vector passed (skipped stages are not counted as passed). */
  readonly passed: boolean;
}

type Json = Record<string, unknown>;
type Check = (vector: Json, shared: Map<string, string>) => Promise<string[]> | string[];

const MAX_DETAIL = 240;
const MALFORMED = new Set(["TypeError", "RangeError", "SyntaxError"]);

function oneLine(text: string): string {
  const line = text.replace(/\s+/g, " ").trim();
  return line.length <= MAX_DETAIL ? line : `${line.slice(0, MAX_DETAIL - 1)}…`;
}

/** A safe one-line detail for an exception raised inside a check (Python: error_detail). */
function errorDetail(error: unknown): string {
  const name = error instanceof Error ? error.name : typeof error;
  if (error instanceof ContractError) return oneLine(`raised ${name}: ${error.message}`);
  if (MALFORMED.has(name)) return `malformed vector (${name})`;
  return `the check raised ${name}`;
}

const sameViolations = (a: readonly Violation[], b: readonly Violation[]): boolean =>
  a.length === b.length && a.every((item, index) => item.pointer === b[index]?.pointer && item.keyword === b[index]?.keyword);

async function checkEvent(vector: Json, fingerprints: Map<string, string>): Promise<string[]> {
  const problems: string[] = [];
  const expect = vector["expect"] as Json;
  const name = String(vector["name"]);
  let event: unknown;
  let found: Violation[];
  try {
    event = "event" in vector ? vector["event"] : parseStrict(String(vector["line"]));
    found = validateUsageEvent(event) ? [] : toViolations(validateUsageEvent.errors);
  } catch (error) {
    if (!(error instanceof JSONInputError)) throw error;
    event = undefined;
    found = [{ pointer: "", keyword: "json" }];
  }
  if ((found.length === 0) !== expect["valid"]) problems.push(`expected valid=${String(expect["valid"])}, got ${found.length} violation(s)`);
  if ("violations" in expect && !sameViolations(found, expect["violations"] as Violation[])) {
    const shown = found.map((item) => `${item.pointer || "/"} ${item.keyword}`).join(", ") || "none";
    problems.push(`violations differ: got ${shown}`);
  }
  if (found.length === 0 && typeof event === "object" && event !== null && !Array.isArray(event)) {
    const digest = await fingerprint(event as Json);
    fingerprints.set(name, digest);
    if ("fingerprint" in expect && digest !== expect["fingerprint"]) problems.push("fingerprint differs from the expected digest");
    const other = expect["same_fingerprint_as"];
    if (typeof other === "string" && fingerprints.get(other) !== digest) problems.push(`fingerprint differs from vector '${other}'`);
  } else if ("fingerprint" in expect || "same_fingerprint_as" in expect) {
    problems.push("a fingerprint was expected but the event is not valid");
  }
  return problems;
}

function decisionView(decision: EntitlementDecision): Json {
  const view: Json = {};
  for (const key of ["outcome", "reason", "plan", "tie_break", "valid_until"] as const) {
    if (key in decision) view[key] = decision[key];
  }
  if (decision.source !== undefined) view["record_id"] = decision.source.record_id;
  return view;
}

/** Python's entitlements _check_decision: schema-valid, the expected view, the no_* shorthands. */
export function decisionProblems(decision: EntitlementDecision, expect: Json): string[] {
  if (!validateEntitlementDecision(decision)) return ["the decision is not valid against entitlements/v1/decision"];
  const view = decisionView(decision);
  const problems = Object.keys(expect)
    .filter((key) => key !== "no_valid_until" && key !== "no_source")
    .sort()
    .filter((key) => JSON.stringify(view[key]) !== JSON.stringify(expect[key]))
    .map((key) => `${key}: expected ${JSON.stringify(expect[key])}, got ${JSON.stringify(view[key] ?? null)}`);
  if (expect["no_valid_until"] === true && "valid_until" in decision) problems.push("expected no valid_until");
  if (expect["no_source"] === true && "source" in decision) problems.push("expected no winning source");
  return problems;
}

function checkDecision(vector: Json): string[] {
  const request = vector["request"] as DecisionRequest;
  const decision = decide(request);
  const reversed = decide({ ...request, records: [...request.records].reverse() });
  if (JSON.stringify(reversed) !== JSON.stringify(decision)) return ["the decision changed when the records were reversed"];
  return decisionProblems(decision, vector["expect"] as Json);
}

/** Per candidate: stage name -> check. The stages left out are reported as skipped. */
const CHECKS: Readonly<Record<string, Readonly<Record<string, Check>>>> = {
  "usage-event-ledger": { event: checkEvent },
  "entitlement-plan-source": { decision: checkDecision, writer: checkWriter, billing_lifecycle: lifecycleCheck(decisionProblems) },
};

/** The stages checkFixture checks, per fixture candidate. */
export const CHECKED_STAGES: Readonly<Record<string, readonly string[]>> = Object.freeze(
  Object.fromEntries(Object.entries(CHECKS).map(([candidate, checks]) => [candidate, Object.freeze(Object.keys(checks))])),
);

/** Run every vector of every checked stage of a core fixture (parsed JSON). */
export async function checkFixture(fixture: unknown): Promise<FixtureReport> {
  const document = (fixture ?? {}) as Json;
  const candidate = String(document["candidate"]);
  const checks = CHECKS[candidate];
  if (checks === undefined) throw new ContractError("not a core fixture this package knows (unknown candidate)");
  const outcomes: VectorOutcome[] = [];
  const skipped: { stage: string; vectors: number }[] = [];
  for (const stage of (document["stages"] ?? []) as Json[]) {
    const stageName = String(stage["stage"]);
    const vectors = Array.isArray(stage["vectors"]) ? (stage["vectors"] as Json[]) : [];
    const check = checks[stageName];
    if (check === undefined) {
      skipped.push({ stage: stageName, vectors: vectors.length });
      continue;
    }
    const shared = new Map<string, string>();
    for (const [index, vector] of vectors.entries()) {
      const name = typeof vector["name"] === "string" ? vector["name"] : `vector-${index}`;
      let problems: string[];
      try {
        problems = (await check(vector, shared)).filter(Boolean);
      } catch (error) {
        problems = [errorDetail(error)];
      }
      outcomes.push({ stage: stageName, name, passed: problems.length === 0, detail: problems.join("; ") });
    }
  }
  return { candidate, outcomes, skipped, passed: outcomes.every((outcome) => outcome.passed) };
}
