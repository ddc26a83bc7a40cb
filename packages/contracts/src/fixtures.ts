// The acceptance fixtures and checkFixture(): every vector of every stage of a core fixture, judged
// with Python's expectation rules (saas_contracts._fixture_harness and */_fixture.py): one outcome
// per vector, an exception inside a check is that vector's failed outcome, details never echo values.
//
// usage-event-ledger: `event` (here), `replay`, `ops-summary`, `privacy-boundary` (./ledger/fixture.ts);
// entitlement-plan-source: `decision` (here), `writer`, `billing_lifecycle`, `audit`
// (./entitlements/fixture.ts). A stage no contract knows fails each of its vectors, as in Python.

import { entitlementPlanSourceFixture, usageEventLedgerFixture } from "../generated/fixtures/index.js";
import type { DecisionRequest, EntitlementDecision } from "../generated/types/entitlements.js";
import { validateEntitlementDecision, validateUsageEvent } from "../generated/validators/index.js";
import { decide } from "./entitlements/decide.js";
import { checkAudit, checkWriter, lifecycleCheck } from "./entitlements/fixture.js";
import { ContractError, type Violation } from "./errors.js";
import { JSONInputError, parseStrict } from "./json.js";
import { pyShow } from "./harness.js";
import { fingerprint } from "./ledger/fingerprint.js";
import { checkOpsSummary, checkPrivacyBoundary, checkReplay } from "./ledger/fixture.js";
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

/** One outcome per vector of every stage of the fixture. */
export interface FixtureReport {
  readonly candidate: string;
  readonly outcomes: readonly VectorOutcome[];
  /** True when there are outcomes and every one passed. */
  readonly passed: boolean;
}

type Json = Record<string, unknown>;
/** What a check sees besides its vector: the whole stage and state its vectors share (Python: StageRun). */
interface StageRun {
  readonly stage: Json;
  readonly shared: Map<string, string>;
}
type Check = (vector: Json, run: StageRun) => Promise<string[]> | string[];

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

async function checkEvent(vector: Json, { shared: fingerprints }: StageRun): Promise<string[]> {
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
  if ((found.length === 0) !== expect["valid"]) problems.push(`expected valid=${pyShow(expect["valid"])}, got ${found.length} violation(s)`);
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

/** Per candidate: stage name -> check (Python: each contract's CHECKS, in the same order). */
const CHECKS: Readonly<Record<string, Readonly<Record<string, Check>>>> = {
  "usage-event-ledger": {
    event: checkEvent,
    replay: checkReplay,
    "ops-summary": checkOpsSummary,
    "privacy-boundary": (vector, run) => checkPrivacyBoundary(vector, run.stage),
  },
  "entitlement-plan-source": {
    decision: checkDecision,
    writer: checkWriter,
    billing_lifecycle: lifecycleCheck(decisionProblems),
    audit: checkAudit,
  },
};

/** The stages checkFixture checks (every stage of the fixtures), per fixture candidate. */
export const CHECKED_STAGES: Readonly<Record<string, readonly string[]>> = Object.freeze(
  Object.fromEntries(Object.entries(CHECKS).map(([candidate, checks]) => [candidate, Object.freeze(Object.keys(checks))])),
);

const UNKNOWN_STAGE = "unknown stage for this contract";

/** Run every vector of every stage of a core fixture (parsed JSON): exactly one outcome per vector. */
export async function checkFixture(fixture: unknown): Promise<FixtureReport> {
  const document = (fixture ?? {}) as Json;
  const candidate = String(document["candidate"]);
  const checks = CHECKS[candidate];
  if (checks === undefined) throw new ContractError("not a core fixture this package knows (unknown candidate)");
  const outcomes: VectorOutcome[] = [];
  for (const stage of (document["stages"] ?? []) as Json[]) {
    const stageName = String(stage["stage"]);
    const vectors = Array.isArray(stage["vectors"]) ? (stage["vectors"] as Json[]) : [];
    const check = Object.hasOwn(checks, stageName) ? checks[stageName] : undefined;
    if (check === undefined && vectors.length === 0) {
      outcomes.push({ stage: stageName, name: "(stage)", passed: false, detail: UNKNOWN_STAGE });
      continue;
    }
    const run: StageRun = { stage, shared: new Map() };
    for (const [index, vector] of vectors.entries()) {
      const name = typeof vector?.["name"] === "string" ? vector["name"] : `vector-${index}`;
      let problems: string[];
      try {
        problems = check === undefined ? [UNKNOWN_STAGE] : (await check(vector, run)).filter(Boolean);
      } catch (error) {
        problems = [errorDetail(error)];
      }
      outcomes.push({ stage: stageName, name, passed: problems.length === 0, detail: problems.join("; ") });
    }
  }
  return { candidate, outcomes, passed: outcomes.length > 0 && outcomes.every((outcome) => outcome.passed) };
}
