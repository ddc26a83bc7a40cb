// The package where it runs: test/worker/entry.ts bundled with esbuild for workerd (no node
// builtins allowed), run in Miniflare WITHOUT nodejs_compat, its answers compared with Python's
// (tests/ts_package/_reference.py) vector by vector.
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";
import { Miniflare } from "miniflare";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { CHECKED_STAGES, entitlementPlanSourceFixture, usageEventLedgerFixture } from "../src/fixtures.js";
import { canonicalInstant } from "../src/ledger/index.js";
import { reference } from "./reference.js";

const HERE = path.dirname(fileURLToPath(import.meta.url));
type Json = Record<string, any>;

const python = reference();
let worker: Miniflare | undefined;
let js: Json = {};
let imports: string[] = [];

beforeAll(async () => {
  const built = await esbuild.build({
    entryPoints: [path.join(HERE, "worker", "entry.ts")],
    bundle: true,
    write: false,
    format: "esm",
    platform: "neutral",
    conditions: ["workerd", "worker", "browser"],
    target: "es2022",
    metafile: true,
    logLevel: "silent",
  });
  imports = Object.values(built.metafile.inputs).flatMap((input) => input.imports.filter((item) => item.external).map((item) => item.path));
  const script = built.outputFiles[0]?.text ?? "";
  worker = new Miniflare({ modules: true, script, compatibilityDate: "2026-03-01", compatibilityFlags: [] });
  const response = await worker.dispatchFetch("http://contracts.test/", { method: "POST", body: JSON.stringify(python) });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`the Worker answered ${response.status}: ${text.slice(0, 2000)}`);
  js = JSON.parse(text) as Json;
});

afterAll(async () => {
  await worker?.dispose();
});

describe("the Worker bundle", () => {
  test("imports nothing from outside the bundle (no node: builtins)", () => {
    expect(imports).toEqual([]);
  });

  test("ran in workerd without nodejs_compat", () => {
    expect(js["runtime"]).toEqual({ userAgent: "Cloudflare-Workers", hasProcess: false });
  });
});

// Python before fingerprint v2 (the ledger branch) hashed instants as written: a vector whose
// instants are not in canonical millisecond form cannot agree with it and waits for that merge.
const waitsForV2 = (name: string): boolean => {
  const event = python.events[name]!.cloudevent;
  if (python.fingerprint_version >= 2 || event === undefined) return false;
  return canonicalInstant(event.time) !== event.time || canonicalInstant(event.data.plan.captured_at) !== event.data.plan.captured_at;
};

describe("usage-event-ledger event vectors: workerd equals Python", () => {
  test.each(Object.keys(python.events))("%s", (name) => {
    const ours = js["events"][name];
    const theirs = python.events[name]!;
    expect(ours.valid).toBe(theirs.valid);
    expect(ours.violations).toEqual(theirs.violations);
    if (!waitsForV2(name)) expect(ours.fingerprint).toBe(theirs.fingerprint);
    if (theirs.valid) {
      expect(ours.fingerprint).toBe(theirs.millisecond_fingerprint);
      if (!waitsForV2(name)) expect(ours.canonical_hex).toBe(theirs.canonical_hex);
      expect(ours.cloudevent).toEqual(theirs.cloudevent);
      expect(ours.roundtrip).toBe(true);
      expect(ours.scope_key).toMatch(/^[0-9a-f]{32}$/);
    }
  });
});

describe("shared schema cases (tests/cases/schemas) through the precompiled validators: workerd equals Python", () => {
  test.each(python.schema_cases.map((item, index) => [item.schema, index] as const))("%s #%i", (_schema, index) => {
    const theirs = python.schema_cases[index]!;
    const ours = js["schemaCases"][index];
    expect(ours.violations).toEqual(theirs.violations);
    expect(ours.violations.length === 0).toBe(theirs.valid);
  });
});

// Keywords messages.ts does not word as Python yet (documented there): cases with them are left out.
const UNWORDED = new Set(["anyOf", "oneOf", "propertyNames", "contains", "minContains", "maxContains"]);

describe("shared schema cases: violation messages (the words of replay reasons) equal Python's", () => {
  const worded = python.schema_cases
    .map((item, index) => [item.schema, index] as const)
    .filter(([, index]) => python.schema_cases[index]!.violations.every((found) => !UNWORDED.has(found.keyword)));
  test("most cases are worded", () => {
    expect(worded.length).toBeGreaterThan(python.schema_cases.length * 0.8);
  });
  test.each(worded)("%s #%i", (_schema, index) => {
    expect(js["schemaCases"][index].messages).toEqual(python.schema_cases[index]!.messages);
  });
});

describe("entitlement decision vectors: workerd equals Python", () => {
  test.each(Object.keys(python.decisions))("%s", (name) => {
    const ours = js["decisions"][name];
    expect(ours.schema_valid).toBe(true);
    // Byte-identical JSON: key order matches too.
    expect(JSON.stringify(ours.decision)).toBe(JSON.stringify(python.decisions[name]));
  });
});

describe("generated decision requests (the property cases): workerd equals Python", () => {
  test("one answer per request", () => {
    expect(js["generated"]).toHaveLength(python.generated.length);
    expect(python.generated.length).toBeGreaterThanOrEqual(475);
  });

  test("every request agrees, decision by decision or the duplicate-record error", () => {
    const mismatches = python.generated
      .map((item, index) => [index, item.result, js["generated"][index]] as const)
      .filter(([, theirs, ours]) => {
        const { schema_valid: _schemaValid, ...answer } = ours;
        return JSON.stringify(answer) !== JSON.stringify(theirs);
      })
      .map(([index]) => index);
    expect(mismatches).toEqual([]);
  });

  test("every decision is schema-valid", () => {
    expect(js["generated"].filter((item: Json) => "decision" in item && item.schema_valid !== true)).toEqual([]);
  });
});

describe("instants are compared exactly, not as strings (BigInt nanoseconds)", () => {
  test("a cancellation at .5Z is due at .500000000Z, pending at .49999999Z, as in Python", () => {
    const [due, pending] = js["instantRequests"];
    expect(due.decision.reason).toBe("source_expired");
    expect(pending.decision.reason).toBe("cancel_scheduled");
    expect(pending.decision.valid_until).toBe("2026-01-10T00:00:00.5Z");
    expect([due, pending].map(({ schema_valid: _valid, ...answer }: Json) => answer)).toEqual(python.instant_requests.map((item) => item.result));
  });
});

describe("redaction vectors: WebCrypto HMAC in workerd", () => {
  test.each(python.redaction.vectors.map((vector, index) => [vector.kind, index] as const))("%s #%i", (_kind, index) => {
    const vector = python.redaction.vectors[index]!;
    expect(js["redactions"][index]).toBe(vector.reference);
    expect(js["redactions"][index]).toBe(vector.python);
  });
});

describe("fingerprint instant rule in workerd", () => {
  test("every spelling of a whole second (and sub-millisecond fractions) is one fingerprint", () => {
    const values = Object.values(js["instantRule"].fingerprints);
    expect(new Set(values).size).toBe(1);
  });

  test("the whole-second spelling is Python's fingerprint of the fixture event", () => {
    const first = Object.values(python.events).find((item) => item.valid)!;
    expect(js["instantRule"].fingerprints["Z"]).toBe(first.fingerprint);
  });

  test("millisecond fractions that differ give different fingerprints; equal ones the same", () => {
    const distinct = js["instantRule"].distinct;
    expect(distinct[".12Z"]).toBe(distinct[".120Z"]);
    expect(distinct[".12Z"]).toBe(distinct[".1209Z"]);
    expect(distinct[".123Z"]).toBe(distinct[".123456789Z"]);
    expect(distinct[".123Z"]).toBe(distinct[".1234Z"]);
    expect(new Set([distinct[".12Z"], distinct[".123Z"], distinct[".5Z"], distinct[".999999999Z"]]).size).toBe(4);
  });

  test("canonical spellings: truncated to milliseconds, trailing zeros and a bare '.' dropped", () => {
    expect(js["instantRule"].canonical).toEqual({
      "2026-01-01T00:00:05Z": "2026-01-01T00:00:05Z",
      "2026-01-01T00:00:05.000Z": "2026-01-01T00:00:05Z",
      "2026-01-01T00:00:05.000000Z": "2026-01-01T00:00:05Z",
      "2026-01-01T00:00:05.120Z": "2026-01-01T00:00:05.12Z",
      "2026-01-01T00:00:05.123456789Z": "2026-01-01T00:00:05.123Z",
      "2026-01-01T00:00:05.999Z": "2026-01-01T00:00:05.999Z",
      "2026-01-01T00:00:05.0001Z": "2026-01-01T00:00:05Z",
      "2026-01-01T00:00:05.1234567891Z": "2026-01-01T00:00:05.1234567891Z",
      "not a timestamp": "not a timestamp",
    });
  });
});

const FIXTURES = { "usage-event-ledger": usageEventLedgerFixture, "entitlement-plan-source": entitlementPlanSourceFixture } as const;
const outcomeKey = (item: Json): [string, string, boolean] => [item.stage, item.name, item.passed];

describe("checkFixture in workerd: every vector of every stage, Python's expectation rules, outcome by outcome", () => {
  test.each(["usage-event-ledger", "entitlement-plan-source"] as const)("%s", (candidate) => {
    const report = js["fixtures"][candidate];
    const theirs = python.outcomes[candidate]!;
    expect(report.outcomes.map(outcomeKey)).toEqual(theirs.map(outcomeKey));
    expect(report.outcomes.filter((item: Json) => !item.passed)).toEqual([]);
    expect(report.passed).toBe(true);
  });

  test.each(["usage-event-ledger", "entitlement-plan-source"] as const)("%s: no stage is skipped, every vector has its outcome", (candidate) => {
    const report = js["fixtures"][candidate];
    expect(report).not.toHaveProperty("skipped");
    const stages: { stage: string; vectors: Json[] }[] = FIXTURES[candidate].stages as never;
    expect([...new Set(report.outcomes.map((item: Json) => item.stage))]).toEqual(stages.map((stage) => stage.stage));
    expect(report.outcomes).toHaveLength(stages.reduce((sum, stage) => sum + stage.vectors.length, 0));
    expect(CHECKED_STAGES[candidate]).toEqual(stages.map((stage) => stage.stage));
  });

  test("a stage no contract knows fails (each vector, or one (stage) outcome), never passes", () => {
    const report = js["unknownStage"];
    expect(report.passed).toBe(false);
    expect(report.outcomes.map(outcomeKey)).toEqual([
      ["no-such-stage", "a", false],
      ["empty-unknown", "(stage)", false],
    ]);
  });
});

describe("checkFixture fails a vector whose expectation was changed, as Python does", () => {
  test("there is a mutation for every stage of both fixtures", () => {
    const covered = new Set(python.mutations.map((item) => `${item.candidate}/${item.stage}`));
    for (const [candidate, fixture] of Object.entries(FIXTURES)) for (const stage of fixture.stages) expect(covered).toContain(`${candidate}/${stage.stage}`);
  });

  test.each(python.mutations.map((item, index) => [`${item.stage}: ${item.vector}`, index] as const))("%s", (_name, index) => {
    const mutation = python.mutations[index]!;
    const report = js["mutations"][index];
    expect(report.passed).toBe(false);
    expect(report.outcomes.filter((item: Json) => !item.passed).map((item: Json) => item.name)).toEqual([mutation.vector]);
    expect(report.outcomes.map(outcomeKey)).toEqual(mutation.outcomes.map(outcomeKey));
    // The ledger and audit checks word their details as Python does.
    if (!["decision", "writer", "billing_lifecycle"].includes(mutation.stage)) {
      expect(report.outcomes.map((item: Json) => item.detail)).toEqual(mutation.outcomes.map((item) => item.detail));
    }
  });
});

describe("replay vectors: workerd's replay report equals Python's", () => {
  test.each(Object.keys(python.replays))("%s", (name) => {
    expect(js["replays"][name]).toEqual(python.replays[name]);
  });
});

describe("every event vector as a line of one replay: the same report, invalid reasons word for word", () => {
  test.each([0, 1])("run %i", (run) => {
    const theirs = python.event_lines[run]!.report as Json;
    expect(theirs["invalid_samples"].length).toBeGreaterThan(5);
    expect(theirs["invalid_samples"].length).toBeLessThan(20);
    expect(js["eventLines"][run]).toEqual(theirs);
  });
});

describe("ops-summary vectors: workerd renders Python's bytes (JSON and Markdown) or refuses as Python does", () => {
  test.each(Object.keys(python.ops_summaries))("%s", (name) => {
    const theirs = python.ops_summaries[name]!;
    const ours = js["opsSummaries"][name];
    expect(Object.keys(ours).sort()).toEqual(Object.keys(theirs).sort());
    for (const format of Object.keys(theirs)) expect(ours[format]).toBe(theirs[format]);
  });
});

describe("orders and layout: code point order and Python's dumps_pretty bytes", () => {
  test("strings sort as Python sorts them (code points, not UTF-16 code units)", () => {
    expect(python.sorted_texts.length).toBeGreaterThan(10);
    expect(js["sortedTexts"]).toEqual(python.sorted_texts);
  });
  test("prettyJson writes Python's text, integer-like keys included", () => {
    expect(js["prettyJson"]).toEqual(python.pretty_json.map((item) => item.text));
  });
});

describe("strict JSON: a refused text gets Python's reason, word for word", () => {
  test("every text", () => {
    expect(python.json_errors.length).toBeGreaterThan(50);
    expect(js["jsonErrors"]).toEqual(python.json_errors.map((item) => item.reason));
  });
});

// tests/ts_package/_lifecycle_cases.py: every writer vector, every stream, the converges streams
// reversed and rotated, seeded permutations. Outcome by outcome (detail included), state, envelopes.
const lifecycleGroup = (group: string) => python.lifecycle.map((item, index) => [item.name, index] as const).filter(([, index]) => python.lifecycle[index]!.group === group);

describe.each(["writer", "stream", "converges", "permutation", "generated", "edge"])("lifecycle apply (%s): workerd equals Python", (group) => {
  test("the group has cases", () => {
    expect(lifecycleGroup(group).length).toBeGreaterThan(group === "permutation" || group === "generated" ? 50 : 5);
  });

  test.each(lifecycleGroup(group))("%s", (_name, index) => {
    const theirs = python.lifecycle[index]!.python;
    const ours = js["lifecycle"][index];
    if ("error" in theirs) {
      expect(ours).toEqual(theirs);
      return;
    }
    expect(ours.outcomes).toHaveLength(theirs.outcomes.length);
    theirs.outcomes.forEach((outcome, position) => expect(ours.outcomes[position]).toEqual(outcome));
    expect(ours.state).toEqual(theirs.state);
    expect(ours.envelopes).toEqual(theirs.envelopes);
  });
});

describe("lifecycle apply: the converges streams end in one state whatever the order", () => {
  test("every reversed and rotated order ends where the stream in order ends (TypeScript alone)", () => {
    const byStream = new Map<string, unknown>();
    python.lifecycle.forEach((item, index) => {
      if (item.group === "stream") byStream.set(item.name, js["lifecycle"][index].state);
    });
    const orders = python.lifecycle.map((item, index) => [item, index] as const).filter(([item]) => item.group === "converges");
    expect(orders.length).toBeGreaterThan(10);
    for (const [item, index] of orders) expect(js["lifecycle"][index].state).toEqual(byStream.get(item.name.split(" ")[0]!));
  });
});
