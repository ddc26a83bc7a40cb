// Node-side checks of the package: agreement with the npm `canonicalize` package, the CloudEvents
// JS SDK round trip, the bundles read by json-schema-to-typescript and Ajv, the format semantics,
// fingerprints of JSON lines and the privacy rules' RegExps on Python's probes (these two were
// node/ scripts reimplementing the package; they test the package itself now).
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import Ajv2020 from "ajv/dist/2020.js";
import npmCanonicalize from "canonicalize";
import { CloudEvent, HTTP } from "cloudevents";
import { compile } from "json-schema-to-typescript";
import { describe, expect, test } from "vitest";
import { decide } from "../src/entitlements/index.js";
import { businessContent, canonicalBytes, canonicalize, canonicalInstant, fingerprint, fromCloudEvent, scopeKey, toCloudEvent } from "../src/ledger/index.js";
import { ContractViolationError } from "../src/errors.js";
import { parseStrict } from "../src/json.js";
import { normalizeKey, RuleSet } from "../src/privacy/index.js";
import { ENVELOPE_NAMES } from "../src/ledger/replay.js";
import { isDateTime, isTime, toViolations, validateUsageEvent } from "../src/validators.js";
import type { UsageEvent } from "../generated/types/usage-ledger.js";
import { privacyReference } from "./privacy-reference.js";
import { reference } from "./reference.js";

const PACKAGE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const ROOT = path.resolve(PACKAGE, "..", "..");
const python = reference();
const validEvents = Object.entries(python.events).filter(([, answer]) => answer.valid);
const eventOf = (name: string): UsageEvent => fromCloudEvent(python.events[name]!.cloudevent);
const bundles = (): string[] => {
  const base = path.join(PACKAGE, "generated", "schemas", "bundled");
  const walk = (dir: string): string[] =>
    fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? walk(path.join(dir, entry.name)) : [path.join(dir, entry.name)]));
  return walk(base).map((file) => path.relative(base, file)).sort();
};
const readBundle = (rel: string): Record<string, unknown> =>
  JSON.parse(fs.readFileSync(path.join(PACKAGE, "generated", "schemas", "bundled", rel), "utf8")) as Record<string, unknown>;

describe("RFC 8785: our canonicalize equals npm canonicalize", () => {
  const values: unknown[] = [
    { b: 1, a: [true, false, null], "": "empty" },
    { "\u20ac": 1, "\r": 2, "\ud83d\ude00": 3, "\u0080": 4, a: { z: 1, y: { x: [] } } },
    [1e21, 1e-7, -0, 0.1, 5.0, 123456789012345680000, Number.MAX_SAFE_INTEGER, -1.5e-300, 333333333.33333329],
    ["\u0000\u001f\"\\/", "\u2028\u2029", "caf\u00e9"],
  ];
  test.each(values.map((value, index) => [index, value] as const))("value #%i", (_index, value) => {
    expect(canonicalize(value)).toBe(npmCanonicalize(value));
  });

  test.each(validEvents.map(([name]) => name))("fixture event %s", (name) => {
    const event = eventOf(name);
    expect(canonicalize(event)).toBe(npmCanonicalize(event));
  });

  test("non-JSON values are refused", () => {
    expect(() => canonicalize({ a: Number.NaN })).toThrow(/NaN/);
    expect(() => canonicalize({ a: new Date(0) })).toThrow(/JSON values only/);
  });
});

describe("JSON lines a consumer reads (respelled events, the example stream): Python's canonical bytes and fingerprints", () => {
  const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString("hex");
  test("there are lines, respelled ones among them", () => {
    expect(python.fingerprint_lines.length).toBeGreaterThan(200);
    expect(python.fingerprint_lines.some((line) => line.text.includes('"quantity": 5.0'))).toBe(true);
  });
  test("parseStrict, then the RFC 8785 bytes of the business content and the fingerprint, line by line", async () => {
    const differences: string[] = [];
    for (const [index, line] of python.fingerprint_lines.entries()) {
      const event = parseStrict(line.text) as Record<string, unknown>;
      const content = businessContent(event);
      if (hex(canonicalBytes(content)) !== line.canonical_hex) differences.push(`#${index}: canonical bytes`);
      if (canonicalize(content) !== npmCanonicalize(content)) differences.push(`#${index}: npm canonicalize differs`);
      if ((await fingerprint(event)) !== line.fingerprint) differences.push(`#${index}: fingerprint`);
    }
    expect(differences).toEqual([]);
  });
});

describe("the CloudEvents JS SDK round trip is a duplicate, never a conflict", () => {
  const roundTrip = (event: UsageEvent): UsageEvent => {
    const message = HTTP.structured(new CloudEvent(toCloudEvent(event) as unknown as ConstructorParameters<typeof CloudEvent>[0]));
    return fromCloudEvent(JSON.parse(String(message.body)));
  };

  test.each(["Z", ".5Z", ".123Z", ".123456789Z", ".000001Z"])("occurred_at spelled …%s", async (suffix) => {
    const base = eventOf(validEvents[0]![0]);
    const event: UsageEvent = { ...base, occurred_at: base.occurred_at.slice(0, 19) + suffix };
    const back = roundTrip(event);
    // The SDK rewrote `time` with toISOString(): the test really crosses a spelling change.
    expect(back.occurred_at).toMatch(/\.[0-9]{3}Z$/);
    expect(await fingerprint(back)).toBe(await fingerprint(event));
    expect(await scopeKey(back.source, back.idempotency_key)).toEqual(await scopeKey(event.source, event.idempotency_key));
  });

  test("one millisecond apart is a different fingerprint (a conflict)", async () => {
    const base = eventOf(validEvents[0]![0]);
    const later: UsageEvent = { ...base, occurred_at: base.occurred_at.slice(0, 19) + ".001Z" };
    expect(await fingerprint(roundTrip(later))).not.toBe(await fingerprint(base));
  });

  test("fromCloudEvent refuses a CloudEvent that is not usage-ledger/v1/cloudevent", () => {
    expect(() => fromCloudEvent({ specversion: "1.0" })).toThrow(ContractViolationError);
  });

  test("canonicalInstant is idempotent on every spelling", () => {
    for (const text of ["2026-01-01T00:00:00Z", "2026-01-01T00:00:00.000Z", "2026-01-01T00:00:00.1Z", "2026-01-01T00:00:00.987654321Z"]) {
      expect(canonicalInstant(canonicalInstant(text))).toBe(canonicalInstant(text));
    }
  });
});

describe("bundles are self-contained", () => {
  test.each(bundles())("json-schema-to-typescript compiles %s", async (rel) => {
    const schema = readBundle(rel);
    const text = JSON.stringify(schema);
    expect(text).not.toMatch(/"\$ref":"(?!#)/);
    const output = await compile(schema as Parameters<typeof compile>[0], "Root", { bannerComment: "", declareExternallyReferenced: true, additionalProperties: false });
    expect(output.length).toBeGreaterThan(0);
  });

  test("Ajv compiling a bundle alone agrees with the precompiled validator on every event vector", () => {
    const ajv = new Ajv2020.default({ strict: true, allErrors: true });
    ajv.addFormat("date-time", { type: "string", validate: isDateTime });
    const validate = ajv.compile(readBundle("usage-ledger/v1/event.schema.json"));
    for (const [name, answer] of Object.entries(python.events)) {
      const vector = (python.events[name] as unknown as { cloudevent?: unknown }).cloudevent;
      if (vector === undefined) continue;
      const event = fromCloudEvent(vector);
      expect(validate(event)).toBe(answer.valid);
    }
  });

  test("Ajv on the decision bundle accepts every decision Python made", () => {
    const ajv = new Ajv2020.default({ strict: true, allErrors: true });
    ajv.addFormat("date-time", { type: "string", validate: isDateTime });
    const validate = ajv.compile(readBundle("entitlements/v1/decision.schema.json"));
    for (const decision of Object.values(python.decisions)) expect(validate(decision)).toBe(true);
  });
});

describe("precompiled validators", () => {
  test("are pure ESM: no require, eval or new Function", () => {
    const code = fs.readFileSync(path.join(PACKAGE, "generated", "validators", "index.js"), "utf8");
    expect(code).not.toMatch(/\brequire\s*\(|\beval\s*\(|new Function/);
    expect(code).toMatch(/^export \{/m);
  });

  test("toViolations reports an anyOf failure once, not per branch, and extra properties at the property", () => {
    const base = eventOf(validEvents[0]![0]);
    expect(validateUsageEvent({ ...base, extra: 1 })).toBe(false);
    expect(toViolations(validateUsageEvent.errors)).toEqual([{ pointer: "/extra", keyword: "additionalProperties" }]);
    const { quantity: _quantity, ...missing } = base;
    expect(validateUsageEvent(missing)).toBe(false);
    expect(toViolations(validateUsageEvent.errors)).toEqual([{ pointer: "", keyword: "required" }]);
  });
});

describe("formats: the answers of Python's _formats.py", () => {
  const groups = JSON.parse(fs.readFileSync(path.join(ROOT, "tests", "cases", "formats.json"), "utf8")) as {
    schema: { format?: string };
    tests: { description: string; data: unknown; valid: boolean }[];
  }[];
  const cases = groups
    .filter((group) => group.schema.format === "date-time" || group.schema.format === "time")
    .flatMap((group) => group.tests.filter((item) => typeof item.data === "string").map((item) => [group.schema.format, item.description, item.data as string, item.valid] as const));
  test("there are date-time and time cases", () => {
    expect(cases.length).toBeGreaterThan(10);
  });
  test.each(cases)("%s: %s", (format, _description, data, valid) => {
    expect((format === "time" ? isTime : isDateTime)(data)).toBe(valid);
  });
});

describe("strict JSON (Python's _jsonio.loads rules)", () => {
  test.each([
    ['{"a": 1, "a": 2}', "duplicate"],
    ['{"a": 1e400}', "IEEE 754"],
    ['{"a": "\\ud800"}', "lone surrogate"],
    ["{", "invalid JSON"],
  ])("%s is refused (%s)", (text, reason) => {
    expect(() => parseStrict(text)).toThrow(reason);
  });
  test("a nested duplicate under an escaped key spelling is found", () => {
    expect(() => parseStrict('{"x": {"\\u0061": 1, "a": 2}}')).toThrow("duplicate");
  });
});

describe("replay reasons keep the event schema's member names verbatim (and mask every other key)", () => {
  test("ENVELOPE_NAMES are the properties of usage-ledger/v1/event and its plan snapshot", () => {
    const schema = JSON.parse(fs.readFileSync(path.join(PACKAGE, "generated", "schemas", "usage-ledger", "v1", "event.schema.json"), "utf8")) as {
      properties: Record<string, unknown>;
      $defs: { plan_snapshot: { properties: Record<string, unknown> } };
    };
    const names = new Set([...Object.keys(schema.properties), ...Object.keys(schema.$defs.plan_snapshot.properties)]);
    expect([...ENVELOPE_NAMES].sort()).toEqual([...names].sort());
  });
});

describe("decide in Node equals Python on the property cases", () => {
  test("every generated request", () => {
    const answers = python.generated.map((item) => {
      try {
        return { decision: decide(item.request) };
      } catch (error) {
        return { error: (error as Error).name };
      }
    });
    expect(JSON.stringify(answers)).toBe(JSON.stringify(python.generated.map((item) => item.result)));
  });
});

describe("privacy rules: the package's RegExps (flags u / ui) give RE2's verdicts", () => {
  const probes = privacyReference().rule_probes;
  const rules = new RuleSet();
  test("every packaged rule compiled; Python probed every rule with a value pattern", () => {
    const withPattern = rules.rules.filter((rule) => rule.regex !== null).map((rule) => rule.id);
    expect(withPattern.sort()).toEqual(Object.keys(probes.matches).sort());
    expect(probes.texts.length * withPattern.length).toBeGreaterThan(10_000);
  });
  test("each value pattern (after its keyword prefilter) on every example text and case variant", () => {
    const disagreements: string[] = [];
    for (const rule of rules.rules) {
      const expected = probes.matches[rule.id];
      if (expected === undefined) continue;
      const found = probes.texts.flatMap((text, index) => (rule.search(text) === null ? [] : [index]));
      if (JSON.stringify(found) !== JSON.stringify(expected)) disagreements.push(rule.id);
    }
    expect(disagreements).toEqual([]);
  });
  test("normalizeKey equals Python's normalize_key", () => {
    const keys = Object.keys(probes.normalized_keys);
    expect(keys.length).toBeGreaterThan(5);
    expect(Object.fromEntries(keys.map((key) => [key, normalizeKey(key)]))).toEqual(probes.normalized_keys);
  });
});
