// The package as a consumer gets it: `npm pack`, publint and attw on the tarball, the tarball
// installed into a scratch copy of examples/typescript-worker, tsc strict over the example, an
// esbuild bundle of it run in workerd (Miniflare, no nodejs_compat), and its gzip size reported.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import * as esbuild from "esbuild";
import { Miniflare } from "miniflare";
import { publint } from "publint";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { privacyReference } from "./privacy-reference.js";
import { reference } from "./reference.js";

const PACKAGE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const EXAMPLE = path.resolve(PACKAGE, "..", "..", "examples", "typescript-worker");
const BIN = path.join(PACKAGE, "node_modules", ".bin");
const python = reference();
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "contracts-pack-"));
const run = (command: string, args: string[], cwd: string): string =>
  execFileSync(command, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, npm_config_audit: "false", npm_config_fund: "false" } });

let tarball = "";
let files: string[] = [];
let bundle = "";
let worker: Miniflare | undefined;

beforeAll(async () => {
  // prepack would run the drift check and tsc; the drift check has its own CI step, so build and pack apart.
  fs.rmSync(path.join(PACKAGE, "dist"), { recursive: true, force: true });
  run(path.join(BIN, "tsc"), ["-p", "tsconfig.build.json"], PACKAGE);
  const packed = JSON.parse(run("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", scratch], PACKAGE)) as { filename: string; files: { path: string }[] }[];
  tarball = path.join(scratch, packed[0]!.filename);
  files = packed[0]!.files.map((item) => item.path).sort();
  const consumer = path.join(scratch, "consumer");
  fs.cpSync(EXAMPLE, consumer, { recursive: true, filter: (source) => !/node_modules|dist/.test(path.relative(EXAMPLE, source)) });
  run("npm", ["install", "--no-save", "--no-package-lock", "--offline", tarball], consumer);
  const built = await esbuild.build({
    entryPoints: [path.join(consumer, "src", "index.ts")],
    bundle: true,
    write: false,
    format: "esm",
    platform: "neutral",
    conditions: ["workerd", "worker", "browser"],
    minify: true,
    logLevel: "silent",
    absWorkingDir: consumer,
  });
  bundle = built.outputFiles[0]?.text ?? "";
  worker = new Miniflare({ modules: true, script: bundle, compatibilityDate: "2026-03-01", compatibilityFlags: [], d1Databases: ["DB"] });
}, 240_000);

afterAll(async () => {
  await worker?.dispose();
  fs.rmSync(scratch, { recursive: true, force: true });
});

describe("the packed tarball", () => {
  test("ships dist, generated and README only (no sources of tests or scripts)", () => {
    expect(files).toContain("dist/ledger/index.js");
    expect(files).toContain("generated/validators/index.js");
    expect(files).toContain("generated/types/index.d.ts");
    expect(files.filter((file) => file.startsWith("test/") || file.startsWith("scripts/") || file.startsWith("src/"))).toEqual([]);
  });

  test("publint finds nothing", async () => {
    const { messages } = await publint({ pack: { tarball: fs.readFileSync(tarball).buffer as ArrayBuffer }, level: "suggestion", strict: true });
    expect(messages).toEqual([]);
  });

  test("@arethetypeswrong/cli (esm-only profile) finds no problem", () => {
    // The esm-only profile ignores node10 and node16-from-CJS resolution (an ESM-only package has
    // neither); attw exits non-zero on any other problem, and execFileSync then throws.
    const output = run(path.join(BIN, "attw"), [tarball, "--profile", "esm-only", "--format", "json"], PACKAGE);
    const result = JSON.parse(output) as { analysis: { problems: { resolutionKind: string }[] } };
    expect(result.analysis.problems.filter((item) => !["node10", "node16-cjs"].includes(item.resolutionKind))).toEqual([]);
  });
});

describe("examples/typescript-worker over the installed tarball", () => {
  test("tsc --strict --noUncheckedIndexedAccess --exactOptionalPropertyTypes passes", () => {
    expect(() => run(path.join(BIN, "tsc"), ["-p", path.join(scratch, "consumer", "tsconfig.json")], path.join(scratch, "consumer"))).not.toThrow();
  });

  test("the bundle is pure Web: no node: imports, no eval, no new Function", () => {
    expect(bundle).not.toMatch(/from\s*"node:|\beval\s*\(|new Function/);
  });

  test("the gzip bundle size stays small (reported)", () => {
    const size = gzipSync(bundle).length;
    console.log(`examples/typescript-worker bundle: ${bundle.length} bytes, ${size} bytes gzip`);
    // About 12 KB without ./privacy and POST /lifecycle; the privacy scanner's rules, confusables and HTML
    // tables add about 36 KB, ./entitlements applyEvents about 26 KB (22 KB of it the precompiled
    // lifecycle-event, state and write-envelope validators); POST /usage/replay (replayLines, the
    // replay-request validator, CPython's JSON error wording, D1Index) brings it to about 86 KB.
    expect(size).toBeLessThan(95_000);
  });

  test("accepts a valid usage event with Python's fingerprint", async () => {
    const [name, answer] = Object.entries(python.events).find(([, item]) => item.valid)!;
    const line = python.events[name]!.cloudevent!;
    const event = { event_id: line.id, event_type: line.type, subject: line.subject, plan: line.data.plan, quantity: line.data.quantity, occurred_at: line.time, recorded_at: line.data.recorded_at, source: line.source.slice("/usage-ledger/".length), idempotency_key: line.data.idempotency_key };
    const response = await worker!.dispatchFetch("http://example.test/usage", { method: "POST", body: JSON.stringify(event) });
    expect(response.status).toBe(202);
    expect(((await response.json()) as { fingerprint: string }).fingerprint).toBe(answer.fingerprint);
  });

  test("rejects an invalid usage event with Python's violations", async () => {
    const response = await worker!.dispatchFetch("http://example.test/usage", { method: "POST", body: JSON.stringify({ quantity: -1 }) });
    expect(response.status).toBe(422);
    expect(((await response.json()) as { violations: unknown[] }).violations.length).toBeGreaterThan(0);
  });

  test("decides every fixture decision request as Python does", async () => {
    for (const item of python.generated.slice(0, 25)) {
      const response = await worker!.dispatchFetch("http://example.test/entitlement", { method: "POST", body: JSON.stringify(item.request) });
      if ("decision" in item.result) {
        expect(response.status).toBe(200);
        expect(await response.json()).toEqual(item.result.decision);
      } else {
        expect(response.status).toBe(500);
        await response.text();
      }
    }
  });

  test("replays a batch against its D1 index: Python's counts, then all duplicates on redelivery", async () => {
    const [run] = python.index_runs.runs;
    const lines = run!.lines.slice(0, 120);
    const request = run!.request;
    const replay = async (): Promise<Record<string, number>> => {
      const response = await worker!.dispatchFetch("http://example.test/usage/replay", { method: "POST", body: JSON.stringify({ request, lines }) });
      expect(response.status).toBe(200);
      return ((await response.json()) as { counts: Record<string, number> }).counts;
    };
    expect(await replay()).toMatchObject({ lines_read: 120, accepted: 120, duplicate: 0 });
    expect(await replay()).toMatchObject({ lines_read: 120, accepted: 0, duplicate: 120 });
  });

  test("applies a lifecycle stream event by event with Python's outcomes, state kept in the Worker", async () => {
    const stream = python.lifecycle.find((item) => item.group === "stream" && item.name === "late-duplicated-and-conflicting-deliveries")!;
    if ("error" in stream.python) throw new Error("the reference stream has no outcomes");
    const statuses = { invalid: 422, conflict: 409 } as Record<string, number>;
    for (const [index, event] of stream.events.entries()) {
      const response = await worker!.dispatchFetch("http://example.test/lifecycle", { method: "POST", body: JSON.stringify(event) });
      const theirs = stream.python.outcomes[index]!;
      const body = (await response.json()) as Record<string, unknown>;
      expect(response.status).toBe(statuses[String(theirs["outcome"])] ?? 200);
      expect([body["outcome"], body["detail"]]).toEqual([theirs["outcome"], theirs["detail"]]);
    }
  });
});

describe("examples/typescript-worker: POST /ops-summary privacy-scans before publishing", () => {
  const privacy = privacyReference();

  test("a clean ops summary gets the privacy evidence with Python's rules digest", async () => {
    const item = privacy.documents.find((document) => document.corpus === "accept" && document.name.startsWith("ops-summary"))!;
    const response = await worker!.dispatchFetch("http://example.test/ops-summary", { method: "POST", body: JSON.stringify(item.document) });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ privacy: { rules_digest: privacy.rules_digest, findings: 0 } });
  });

  test("a summary holding a disguised secret is refused with Python's masked findings", async () => {
    const item = privacy.documents.find((document) => document.corpus === "holdout/reject")!;
    const response = await worker!.dispatchFetch("http://example.test/ops-summary", { method: "POST", body: JSON.stringify(item.document) });
    expect(response.status).toBe(422);
    expect(((await response.json()) as { findings: unknown[] }).findings).toEqual(item.findings);
  });
});
