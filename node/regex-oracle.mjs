// JavaScript's answer for the differential regex test (tests/test_ecma_differential.py):
// one JSON request per stdin line, {"pattern": p, "inputs": [s, ...]}, one JSON answer per
// stdout line, {"ok": false} when `new RegExp(p, "u")` throws, else {"ok": true, "matches": [...]}.
//
//   node node/regex-oracle.mjs
import readline from "node:readline";

const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of lines) {
  const { pattern, inputs } = JSON.parse(line);
  let regex;
  try {
    regex = new RegExp(pattern, "u");
  } catch {
    process.stdout.write(`${JSON.stringify({ ok: false })}\n`);
    continue;
  }
  process.stdout.write(`${JSON.stringify({ ok: true, matches: inputs.map((text) => regex.test(text)) })}\n`);
}
