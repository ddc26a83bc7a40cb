// Replays the privacy rules the way a TypeScript template runs them: plain Node, no npm packages.
//
//   node node/privacy-rules.mjs [RULES_JSON] [--probes PROBES_JSON]
//
// Every pattern is compiled with `new RegExp(pattern, flags)` where flags is the
// file's `regex.js_flags` ("u": code-point semantics, strict escapes, the same
// Unicode case folding Python's re and RE2 use) plus `regex.js_ignore_case_flag`
// ("i") for rules with ignore_case. Never "g" or "y": their lastIndex state
// makes test() order-dependent. Example texts are assembled from their fragments.
// Prints JSON: per rule and allow entry, whether it compiled and its verdict on
// every example; with --probes, the verdict of each {rule, text, key} probe.
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
let rulesPath = resolve(here, "..", "schemas", "privacy", "v1", "rules.json");
let probesPath = null;
for (let i = 0; i < args.length; i += 1) {
  if (args[i] === "--probes") {
    probesPath = args[i + 1];
    i += 1;
  } else {
    rulesPath = args[i];
  }
}
const document = JSON.parse(readFileSync(rulesPath, "utf8"));
const baseFlags = document.regex.js_flags;
const ignoreCaseFlag = document.regex.js_ignore_case_flag;
const FORMAT = /\p{Cf}/gu;

function compile(pattern, ignoreCase) {
  return new RegExp(pattern, ignoreCase ? baseFlags + ignoreCaseFlag : baseFlags);
}

// The file's key_normalization "snake_case", exactly as the Python side does it.
export function normalizeKey(key) {
  let text = key;
  if (!/^[\u0000-\u007f]*$/u.test(text)) {
    text = text.replace(FORMAT, "").normalize("NFKC").replace(FORMAT, "");
  }
  text = text.replace(/([a-z0-9])([A-Z])/g, "$1_$2").replace(/([A-Z]+)([A-Z][a-z])/g, "$1_$2");
  return text.toLowerCase().replace(/[^a-z0-9]+/g, "_").replace(/^_+|_+$/g, "");
}

const exampleText = (example) => example.text.join("");

const allow = document.allow.map((entry) => ({
  id: entry.id,
  entry,
  regex: compile(entry.pattern, false),
  keyRegex: entry.key_pattern === undefined ? null : compile(entry.key_pattern, false),
}));

function allowed(text, normalizedKey) {
  return allow.some(
    (a) => a.regex.test(text) && (a.keyRegex === null || (normalizedKey !== null && a.keyRegex.test(normalizedKey))),
  );
}

function jsonType(value) {
  if (Array.isArray(value)) return "array";
  if (value === null) return "null";
  return typeof value === "object" ? "object" : typeof value;
}

function buildRule(rule) {
  const compiled = {
    rule,
    regex: rule.pattern === undefined ? null : compile(rule.pattern, rule.ignore_case),
    keyRegex: rule.key_pattern === undefined ? null : compile(rule.key_pattern, false),
    conditions: (rule.structure?.all ?? []).map((c) => ({
      ...c,
      regex: c.pattern === undefined ? null : compile(c.pattern, rule.ignore_case),
    })),
  };
  compiled.search = (text) => {
    if (rule.keywords.length > 0) {
      const lowered = text.toLowerCase();
      if (!rule.keywords.some((keyword) => lowered.includes(keyword))) return false;
    }
    return compiled.regex.test(text);
  };
  compiled.verdict = (text, key) => {
    if (rule.target === "structure") {
      let node;
      try {
        node = JSON.parse(text);
      } catch {
        return false;
      }
      if (jsonType(node) !== "object") return false;
      return compiled.conditions.every((c) => {
        let current = node;
        for (const part of c.path) {
          if (jsonType(current) !== "object" || !Object.hasOwn(current, part)) return false;
          current = current[part];
        }
        if (c.type !== undefined && jsonType(current) !== c.type) return false;
        return c.regex === null || (typeof current === "string" && c.regex.test(current));
      });
    }
    if (rule.target === "field") {
      const normalized = normalizeKey(key ?? "");
      return compiled.keyRegex.test(normalized) && compiled.search(text) && !allowed(text, normalized);
    }
    return compiled.search(text);
  };
  return compiled;
}

const output = { engine: `node ${process.version}`, flags: { base: baseFlags, ignore_case: ignoreCaseFlag }, rules: {}, allow: {} };
const byId = new Map();
for (const rule of document.rules) {
  try {
    const compiled = buildRule(rule);
    byId.set(rule.id, compiled);
    output.rules[rule.id] = {
      compiled: "ok",
      match: rule.examples.match.map((e) => compiled.verdict(exampleText(e), e.key)),
      no_match: rule.examples.no_match.map((e) => compiled.verdict(exampleText(e), e.key)),
    };
  } catch (error) {
    output.rules[rule.id] = { compiled: String(error) };
  }
}
for (const a of allow) {
  const verdict = (e) => a.regex.test(exampleText(e)) && (a.keyRegex === null || (e.key !== undefined && a.keyRegex.test(normalizeKey(e.key))));
  output.allow[a.id] = { match: a.entry.examples.match.map(verdict), no_match: a.entry.examples.no_match.map(verdict) };
}
if (probesPath !== null) {
  const probes = JSON.parse(readFileSync(probesPath, "utf8"));
  output.probes = probes.map((p) => {
    if (p.normalize !== undefined) return normalizeKey(p.normalize);
    const compiled = byId.get(p.rule);
    if (compiled === undefined) return null;
    return p.raw ? compiled.search(p.text) : compiled.verdict(p.text, p.key);
  });
}
process.stdout.write(`${JSON.stringify(output)}\n`);
