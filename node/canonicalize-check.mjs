// RFC 8785 agreement for usage-event fingerprints, the way a TypeScript consumer computes them.
//
// Usage:
//   node canonicalize-check.mjs events EXCLUDED_FIELDS < lines.jsonl
//     For each input line (raw JSON text, parsed by JSON.parse): drop the comma-separated
//     EXCLUDED_FIELDS from the top-level object, put occurred_at and plan.captured_at in their
//     millisecond form (fingerprint version 2, ledger-fingerprint.mjs), canonicalize with the npm `canonicalize`
//     package (RFC 8785) and print {"canonical_hex", "fingerprint"} as one JSON line.
//   node canonicalize-check.mjs fixture PATH EXCLUDED_FIELDS
//     Run the event stage of a usage-event-ledger core fixture: every vector that expects a
//     fingerprint (or the same fingerprint as another vector) is recomputed here; prints
//     {"checked": n, "failed": [names]}.
import { readFileSync } from "node:fs";
import { fingerprintOf } from "./ledger-fingerprint.mjs";

const [mode, ...args] = process.argv.slice(2);
if (mode === "events") {
  const excluded = new Set((args[0] ?? "").split(",").filter(Boolean));
  const lines = readFileSync(0, "utf8").split("\n").filter((line) => line.trim() !== "");
  for (const line of lines) {
    process.stdout.write(JSON.stringify(fingerprintOf(JSON.parse(line), [...excluded])) + "\n");
  }
} else if (mode === "fixture") {
  const fixture = JSON.parse(readFileSync(args[0], "utf8"));
  const excluded = new Set((args[1] ?? "").split(",").filter(Boolean));
  const stage = fixture.stages.find((candidate) => candidate.stage === "event");
  const seen = new Map();
  const failed = [];
  let checked = 0;
  for (const vector of stage.vectors) {
    if (!vector.expect.valid) continue;
    const event = "event" in vector ? vector.event : JSON.parse(vector.line);
    const { fingerprint } = fingerprintOf(event, [...excluded]);
    seen.set(vector.name, fingerprint);
    if ("fingerprint" in vector.expect) {
      checked += 1;
      if (vector.expect.fingerprint !== fingerprint) failed.push(vector.name);
    }
    if ("same_fingerprint_as" in vector.expect) {
      checked += 1;
      if (seen.get(vector.expect.same_fingerprint_as) !== fingerprint) failed.push(vector.name);
    }
  }
  process.stdout.write(JSON.stringify({ checked, failed }) + "\n");
} else {
  process.stderr.write("usage: canonicalize-check.mjs events EXCLUDED | fixture PATH EXCLUDED\n");
  process.exit(2);
}
