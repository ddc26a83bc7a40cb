// Times every privacy pattern in a backtracking engine (V8's RegExp) on adversarial strings.
//
//   node node/privacy-linearity.mjs [RULES_JSON] [--length N]
//
// TypeScript templates run the rules with `new RegExp(pattern, flags)`, which
// backtracks: a pattern RE2 runs in linear time can still be quadratic there
// (`eyJ[A-Za-z0-9_-]{8,}\.` on 64k of "eyJA": every "eyJ" start scans to the
// end). For every pattern of every rule, allow entry and structure condition,
// the pattern is cut into atoms (literal characters and classes); each atom
// gets representative characters (tested against the class itself), and the
// probes are every window of up to 3 consecutive atoms, repeated to N
// characters (default 65536), plus every prefix followed by one class's run.
// Each probe runs once with exec(); a slow probe is re-timed (best of 3), so a
// busy machine does not fail the test.
// Prints JSON: {engine, length, patterns: [{owner, field, probes, worst_ms, worst_probe}]}.
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
let rulesPath = resolve(here, "..", "schemas", "privacy", "v1", "rules.json");
let length = 65536;
for (let i = 0; i < args.length; i += 1) {
  if (args[i] === "--length") {
    length = Number(args[i + 1]);
    i += 1;
  } else {
    rulesPath = args[i];
  }
}
const document = JSON.parse(readFileSync(rulesPath, "utf8"));
const baseFlags = document.regex.js_flags;
const ignoreCaseFlag = document.regex.js_ignore_case_flag;
const MAX_WINDOW = 3;
const FAIL_MS = 200; // past this the pattern has failed: its remaining probes are skipped
const SLOW_MS = 5;
const CANDIDATES = [
  ..."aA0zZ9_-./+=:;%@~ \t\n,#&?!*$'\"<>[](){}",
  ...Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)),
  "\u00e9",
  "\u0430",
  "\u200b",
];

// Atoms of a pattern in the portable subset: a literal character or a class.
function atoms(pattern) {
  const out = [];
  let i = 0;
  while (i < pattern.length) {
    const char = pattern[i];
    if (char === "\\") {
      const next = pattern[i + 1];
      let source = `\\${next}`;
      if (next === "x") source = pattern.slice(i, i + 4);
      else if (next === "u") source = pattern[i + 2] === "{" ? pattern.slice(i, pattern.indexOf("}", i) + 1) : pattern.slice(i, i + 6);
      out.push(source);
      i += source.length;
    } else if (char === "[") {
      let j = i + 1;
      if (pattern[j] === "^") j += 1;
      if (pattern[j] === "]") j += 1;
      while (j < pattern.length && pattern[j] !== "]") j += pattern[j] === "\\" ? 2 : 1;
      out.push(pattern.slice(i, j + 1));
      i = j + 1;
    } else if (char === "{") {
      i = pattern.indexOf("}", i) + 1; // a repetition bound
    } else if (char === "(") {
      i += pattern.startsWith("(?:", i) ? 3 : 1;
    } else if ("|)^$*+?".includes(char)) {
      i += 1;
    } else {
      out.push(char);
      i += 1;
    }
  }
  return out;
}

// Up to two characters each atom matches (first and last of the candidates that fit).
function representatives(atom, flags) {
  const regex = new RegExp(`^${atom}$`, flags);
  const fits = CANDIDATES.filter((candidate) => regex.test(candidate));
  if (fits.length === 0) return [];
  return fits.length === 1 ? [fits[0]] : [fits[0], fits[fits.length - 1]];
}

function repeatTo(unit, size) {
  return unit.repeat(Math.ceil(size / unit.length)).slice(0, size);
}

function probes(pattern, flags) {
  const atomList = atoms(pattern);
  const reps = atomList.map((atom) => representatives(atom, flags));
  const units = new Set();
  const found = [];
  const add = (text) => {
    if (!units.has(text)) {
      units.add(text);
      found.push(text);
    }
  };
  for (let start = 0; start < reps.length; start += 1) {
    for (let size = 1; size <= MAX_WINDOW && start + size <= reps.length; size += 1) {
      const window = reps.slice(start, start + size);
      if (window.some((r) => r.length === 0)) break;
      for (const pick of size === 1 ? [0, 1] : [0]) {
        add(repeatTo(window.map((r) => r[Math.min(pick, r.length - 1)]).join(""), length));
      }
    }
    if (atomList[start].startsWith("[")) {
      const prefix = reps.slice(0, start).map((r) => r[0] ?? "").join("");
      for (const rep of reps[start]) add(prefix + repeatTo(rep, length - prefix.length));
    }
  }
  return found;
}

function timed(regex, text) {
  const begin = performance.now();
  regex.exec(text);
  return performance.now() - begin;
}

function measure(owner, field, pattern, ignoreCase) {
  const flags = ignoreCase ? baseFlags + ignoreCaseFlag : baseFlags;
  const regex = new RegExp(pattern, flags);
  let worst = 0;
  let worstProbe = "";
  const all = probes(pattern, flags);
  for (const text of all) {
    let ms = timed(regex, text);
    if (ms > SLOW_MS) ms = Math.min(ms, timed(regex, text), timed(regex, text));
    if (ms > worst) {
      worst = ms;
      worstProbe = text.slice(0, 24);
    }
    if (worst > FAIL_MS) break;
  }
  return { owner, field, probes: all.length, worst_ms: worst, worst_probe: worstProbe };
}

const patterns = [];
for (const rule of document.rules) {
  if (rule.pattern !== undefined) patterns.push(measure(rule.id, "pattern", rule.pattern, rule.ignore_case));
  if (rule.key_pattern !== undefined) patterns.push(measure(rule.id, "key_pattern", rule.key_pattern, false));
  for (const [index, condition] of (rule.structure?.all ?? []).entries()) {
    if (condition.pattern !== undefined) {
      patterns.push(measure(rule.id, `structure.all[${index}]`, condition.pattern, rule.ignore_case));
    }
  }
}
for (const entry of document.allow) {
  patterns.push(measure(entry.id, "pattern", entry.pattern, false));
  if (entry.key_pattern !== undefined) patterns.push(measure(entry.id, "key_pattern", entry.key_pattern, false));
}
process.stdout.write(`${JSON.stringify({ engine: `node ${process.version}`, length, patterns })}\n`);
