// A Worker that runs the package inside workerd (no nodejs_compat) and answers with its results:
// POST the Python reference (tests/ts_package/_reference.py) and get every vector's JS answer back.
// test/workerd.test.ts bundles it, runs it in Miniflare and compares the answers with Python's.
import { applyEvents, decide, DuplicateRecordError } from "../../src/entitlements/index.js";
import { ContractError } from "../../src/errors.js";
import { checkFixture, entitlementPlanSourceFixture, usageEventLedgerFixture } from "../../src/fixtures.js";
import { parseStrict, JSONInputError } from "../../src/json.js";
import { canonicalInstant, fingerprint, fingerprintBytes, fromCloudEvent, scopeKey, toCloudEvent } from "../../src/ledger/index.js";
import { opsSummaryRenderings } from "../../src/ledger/fixture.js";
import { MemoryIndex, replayLines, replayReportJson, replayRequest } from "../../src/ledger/replay.js";
import { canonicalize, toHex } from "../../src/canonical.js";
import { describedViolations } from "../../src/messages.js";
import { prettyJson } from "../../src/json.js";
import { compareText } from "../../src/order.js";
import { redact } from "../../src/redaction.js";
import { toViolations, validate, VALIDATORS, validateEntitlementDecision, validateUsageEvent, type SchemaName } from "../../src/validators.js";
import type { DecisionRequest } from "../../generated/types/entitlements.js";
import type { UsageEvent } from "../../generated/types/usage-ledger.js";
import type { ApplyAnswer, LifecycleCase, Reference } from "../reference.js";

type Json = Record<string, unknown>;

const fromHex = (text: string): Uint8Array => new Uint8Array(text.match(/../g)?.map((pair) => Number.parseInt(pair, 16)) ?? []);

async function eventAnswers(): Promise<Json> {
  const stage = usageEventLedgerFixture.stages.find((item) => item.stage === "event");
  const answers: Json = {};
  for (const vector of (stage?.vectors ?? []) as Json[]) {
    let event: unknown;
    try {
      event = "event" in vector ? vector["event"] : parseStrict(String(vector["line"]));
    } catch (error) {
      if (!(error instanceof JSONInputError)) throw error;
      answers[String(vector["name"])] = { valid: false, violations: [{ pointer: "", keyword: "json" }], fingerprint: null };
      continue;
    }
    const valid = validateUsageEvent(event);
    const answer: Json = { valid, violations: valid ? [] : toViolations(validateUsageEvent.errors), fingerprint: null };
    if (validateUsageEvent(event)) {
      const typed: UsageEvent = event;
      const cloudEvent = toCloudEvent(typed);
      answer["fingerprint"] = await fingerprint(typed);
      answer["canonical_hex"] = toHex(fingerprintBytes(typed));
      answer["cloudevent"] = cloudEvent;
      answer["roundtrip"] = canonicalize(fromCloudEvent(cloudEvent)) === canonicalize(typed);
      answer["scope_key"] = toHex(await scopeKey(typed.source, typed.idempotency_key));
    }
    answers[String(vector["name"])] = answer;
  }
  return answers;
}

function decideResult(request: DecisionRequest): Json {
  try {
    const decision = decide(request);
    return { decision, schema_valid: validateEntitlementDecision(decision) };
  } catch (error) {
    if (error instanceof DuplicateRecordError) return { error: "DuplicateRecordError" };
    throw error;
  }
}

/** Fingerprints of one event under several spellings of its instants (the fingerprint instant rule). */
async function instantRule(base: UsageEvent): Promise<Json> {
  const spelled = (occurred: string, captured: string): UsageEvent => ({ ...base, occurred_at: occurred, plan: { ...base.plan, captured_at: captured } });
  const stem = base.occurred_at.slice(0, 19);
  const capturedStem = base.plan.captured_at.slice(0, 19);
  const spellings = ["Z", ".0Z", ".000Z", ".000000Z", ".000000000Z", ".0004Z", ".0009999Z"];
  const fingerprints: Json = {};
  for (const suffix of spellings) fingerprints[suffix] = await fingerprint(spelled(stem + suffix, capturedStem + suffix));
  const distinct: Json = {};
  for (const suffix of [".12Z", ".120Z", ".1209Z", ".123Z", ".123456789Z", ".1234Z", ".5Z", ".999999999Z"]) {
    distinct[suffix] = await fingerprint(spelled(stem + suffix, capturedStem));
  }
  const canonical: Json = {};
  for (const text of ["2026-01-01T00:00:05Z", "2026-01-01T00:00:05.000Z", "2026-01-01T00:00:05.000000Z", "2026-01-01T00:00:05.120Z", "2026-01-01T00:00:05.123456789Z", "2026-01-01T00:00:05.999Z", "2026-01-01T00:00:05.0001Z", "2026-01-01T00:00:05.1234567891Z", "not a timestamp"]) {
    canonical[text] = canonicalInstant(text);
  }
  return { fingerprints, distinct, canonical };
}

/** applyEvents on one lifecycle case, in the shape Python's answer has (tests/ts_package/_lifecycle_cases.py). */
async function applyAnswer(item: LifecycleCase): Promise<ApplyAnswer> {
  const audit = item.audit === undefined ? undefined : { now: item.audit.now, commitSha: item.audit.commit_sha };
  try {
    const result = await applyEvents(item.state, item.events, audit === undefined ? {} : { audit });
    return { outcomes: result.outcomes.map((outcome) => ({ ...outcome })), state: result.state, envelopes: [...result.envelopes] };
  } catch (error) {
    if (error instanceof ContractError) return { error: error.name };
    throw error;
  }
}

/** Every replay vector's report (its prior runs first), as Python's replay-report document. */
async function replayAnswers(): Promise<Json> {
  const stage = usageEventLedgerFixture.stages.find((item) => item.stage === "replay");
  const answers: Json = {};
  for (const vector of (stage?.vectors ?? []) as Json[]) {
    const now = String(vector["now"]);
    const index = new MemoryIndex();
    try {
      const request = replayRequest(vector["request"]);
      for (const prior of (vector["prior_runs"] ?? []) as string[][]) await replayLines(prior, replayRequest({ ...(vector["request"] as Json), dry_run: false }), { now, index });
      answers[String(vector["name"])] = replayReportJson(await replayLines(vector["lines"] as string[], request, { now, index }));
    } catch (error) {
      if (!(error instanceof ContractError)) throw error;
      answers[String(vector["name"])] = { error: "request" };
    }
  }
  return answers;
}

async function opsSummaryAnswers(): Promise<Json> {
  const stage = usageEventLedgerFixture.stages.find((item) => item.stage === "ops-summary");
  const answers: Json = {};
  for (const vector of (stage?.vectors ?? []) as Json[]) {
    const { renderings, error } = await opsSummaryRenderings(vector);
    answers[String(vector["name"])] = renderings ?? { error };
  }
  return answers;
}

function jsonReason(text: string): string | null {
  try {
    parseStrict(text);
    return null;
  } catch (error) {
    if (error instanceof JSONInputError) return error.message;
    throw error;
  }
}

async function answers(reference: Reference): Promise<Json> {
  const decisionStage = entitlementPlanSourceFixture.stages.find((item) => item.stage === "decision");
  const decisions: Json = {};
  for (const vector of (decisionStage?.vectors ?? []) as Json[]) decisions[String(vector["name"])] = decideResult(vector["request"] as DecisionRequest);
  const key = fromHex(reference.redaction.key_hex);
  const redactions = await Promise.all(reference.redaction.vectors.map((vector) => redact(vector.kind, vector.raw_id, key)));
  const firstValid = Object.values(reference.events).find((item) => item.cloudevent !== undefined)?.cloudevent;
  if (firstValid === undefined) throw new Error("the reference has no valid event");
  return {
    runtime: { userAgent: globalThis.navigator?.userAgent ?? null, hasProcess: typeof (globalThis as Json)["process"] !== "undefined" },
    events: await eventAnswers(),
    decisions,
    generated: reference.generated.map((item) => decideResult(item.request)),
    schemaCases: reference.schema_cases.map((item) => {
      if (!(item.schema in VALIDATORS)) return { error: "no validator" };
      const validator = VALIDATORS[item.schema as SchemaName];
      const violations = validate(item.data, item.schema as SchemaName);
      validator(item.data);
      return { violations, messages: describedViolations(validator.errors, item.data).map((found) => found.message) };
    }),
    instantRequests: reference.instant_requests.map((item) => decideResult(item.request)),
    redactions,
    lifecycle: await Promise.all(reference.lifecycle.map(applyAnswer)),
    instantRule: await instantRule(fromCloudEvent(firstValid)),
    fixtures: {
      "usage-event-ledger": await checkFixture(usageEventLedgerFixture),
      "entitlement-plan-source": await checkFixture(entitlementPlanSourceFixture),
    },
    unknownStage: await checkFixture({ candidate: "usage-event-ledger", stages: [{ stage: "no-such-stage", vectors: [{ name: "a" }] }, { stage: "empty-unknown", vectors: [] }] }),
    mutations: await Promise.all(reference.mutations.map((item) => checkFixture(item.fixture))),
    replays: await replayAnswers(),
    eventLines: await Promise.all(reference.event_lines.map(async (run) => replayReportJson(await replayLines(run.lines, replayRequest(run.request), { now: run.now })))),
    opsSummaries: await opsSummaryAnswers(),
    jsonErrors: reference.json_errors.map((item) => jsonReason(item.text)),
    sortedTexts: [...reference.sorted_texts].reverse().sort(compareText),
    prettyJson: reference.pretty_json.map((item) => prettyJson(item.value)),
  };
}

export default {
  async fetch(request: Request): Promise<Response> {
    const reference = (await request.json()) as Reference;
    return Response.json(await answers(reference));
  },
};
