// ./privacy where it runs: test/worker/privacy.ts bundled with esbuild for workerd (no node
// builtins), run in Miniflare WITHOUT nodejs_compat, its findings compared with Python's
// (tests/ts_package/_privacy.py) document by document: every corpus of tests/privacy/corpus/,
// the disguised variants, seeded fuzz documents built from every decoder's edge cases, and the
// same documents under shrunken work budgets.
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";
import { Miniflare } from "miniflare";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Finding } from "../src/privacy/index.js";
import { privacyReference } from "./privacy-reference.js";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const python = privacyReference();
let worker: Miniflare | undefined;
let imports: string[] = [];
let js: {
  runtime: { userAgent: string | null; hasProcess: boolean };
  documents: Finding[][];
  budgetCases: Finding[][];
  textCases: Finding[][];
  rulesDigest: string;
  recomputedDigest: string;
  configRulesDigest: string;
  declaredNames: string[];
};

beforeAll(async () => {
  const built = await esbuild.build({
    entryPoints: [path.join(HERE, "worker", "privacy.ts")],
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
  worker = new Miniflare({ modules: true, script: built.outputFiles[0]?.text ?? "", compatibilityDate: "2026-03-01", compatibilityFlags: [] });
  const response = await worker.dispatchFetch("http://contracts.test/", { method: "POST", body: JSON.stringify(python) });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`the Worker answered ${response.status}: ${text.slice(0, 2000)}`);
  js = JSON.parse(text) as typeof js;
});

afterAll(async () => {
  await worker?.dispose();
});

describe("the privacy Worker bundle", () => {
  test("imports nothing from outside the bundle and runs without nodejs_compat", () => {
    expect(imports).toEqual([]);
    expect(js.runtime).toEqual({ userAgent: "Cloudflare-Workers", hasProcess: false });
  });
});

const CORPORA = ["accept", "reject", "holdout/accept", "holdout/reject", "recall/dev", "recall/clean", "disguised", "fuzz"];

/** Names of the documents whose findings differ from Python's (empty when the kits agree). */
const disagreements = (corpus: string): string[] =>
  python.documents
    .map((item, index) => [item, index] as const)
    .filter(([item]) => item.corpus === corpus)
    .filter(([item, index]) => JSON.stringify(js.documents[index]) !== JSON.stringify(item.findings))
    .map(([item]) => item.name);

describe("scan(): workerd gives Python's findings (rule, family, pointer, target, view, preview), item by item", () => {
  test("every corpus is there, with the expected sizes", () => {
    const sizes = Object.fromEntries(CORPORA.map((corpus) => [corpus, python.documents.filter((item) => item.corpus === corpus).length]));
    expect(sizes["recall/dev"]).toBe(1323);
    expect(sizes["reject"]).toBeGreaterThanOrEqual(39);
    expect(sizes["holdout/reject"]).toBeGreaterThanOrEqual(135);
    expect(sizes["disguised"]).toBeGreaterThanOrEqual(290);
    expect(sizes["fuzz"]).toBe(400);
    expect(js.documents).toHaveLength(python.documents.length);
  });

  test.each(CORPORA)("%s", (corpus) => {
    expect(disagreements(corpus)).toEqual([]);
  });

  test("accept corpora are clean and reject corpora are not (the comparison is not vacuous)", () => {
    for (const [index, item] of python.documents.entries()) {
      if (item.corpus === "fuzz") continue; // seeded random documents: some clean, some not
      const rejects = ["reject", "holdout/reject", "recall/dev", "disguised"].includes(item.corpus);
      expect(js.documents[index]!.length > 0, `${item.corpus}/${item.name}`).toBe(rejects);
    }
  });

  test("disguised variants are found through the view Python names (not only raw)", () => {
    const views = new Set(js.documents.flatMap((found) => found.map((finding) => finding.view)));
    expect([...views].sort()).toEqual(["base64", "hex", "json", "nfkc", "percent", "raw", "skeleton", "trimmed", "unescaped", "unwrapped"]);
  });
});

describe("the shared work budget: shrunken budgets run out at the same view in both kits", () => {
  test.each([...new Set(python.budget_cases.map((item) => `${item.base}/${item.per_char}`))])("base/per-char units %s", (units) => {
    const differing = python.budget_cases
      .map((item, index) => [item, index] as const)
      .filter(([item]) => `${item.base}/${item.per_char}` === units)
      .filter(([item, index]) => JSON.stringify(js.budgetCases[index]) !== JSON.stringify(item.findings))
      .map(([item]) => python.documents[item.document]!.name);
    expect(differing).toEqual([]);
  });

  test("some documents are undecidable (fail closed) under the smallest budget", () => {
    const undecidable = js.budgetCases.filter((found) => found.some((finding) => finding.rule_id === "undecidable-budget"));
    expect(undecidable.length).toBeGreaterThan(100);
  });
});

describe("scanText(): workerd gives Python's scan_text findings, line numbers included", () => {
  test.each(python.text_cases.map((item, index) => [item.name, index] as const))("%s", (_name, index) => {
    expect(js.textCases[index]).toEqual(python.text_cases[index]!.findings);
  });

  test("texts of reject corpora have findings on many lines, accept corpora none (not vacuous)", () => {
    const byName = new Map(python.text_cases.map((item, index) => [item.name, js.textCases[index]!] as const));
    expect(new Set(byName.get("disguised/report")!.map((finding) => finding.line)).size).toBeGreaterThan(200);
    expect(byName.get("accept/report")).toEqual([]);
    expect(byName.get("masked-previews")).toEqual([]);
  });
});

describe("rulesDigest()", () => {
  test("equals Python's rules_digest(), with and without the product config", () => {
    expect(js.rulesDigest).toBe(python.rules_digest);
    expect(js.configRulesDigest).toBe(python.config_rules_digest);
    expect(js.configRulesDigest).not.toBe(js.rulesDigest);
  });

  test("the build-time digest is the RFC 8785 digest of the embedded rules, recomputed in workerd", () => {
    expect(js.recomputedDigest).toBe(js.rulesDigest);
  });

  test("pointer segments shown verbatim: the declared schema property names equal Python's", () => {
    expect(js.declaredNames).toEqual(python.declared_names);
  });
});
