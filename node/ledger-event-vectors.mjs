// Run the `event` stage of the usage-event-ledger core fixture the way a TypeScript
// template would: strict JSON parsing, Ajv validation against usage-ledger/v1/event,
// and the idempotency fingerprint = sha256(RFC 8785 canonical JSON of the event
// without its receipt fields, timestamps to the millisecond: ledger-fingerprint.mjs).
//
//   node node/ledger-event-vectors.mjs [fixture.json]   ->  JSON [{name, valid, violations, fingerprint}]
import path from "node:path";
import { fingerprint } from "./ledger-fingerprint.mjs";
import { BASE_URI, loadAjv, readJson } from "./schemas.mjs";
import { parseStrict } from "./strict-json.mjs";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const fixturePath = process.argv[2] ?? path.join(root, "fixtures", "usage-event-ledger.core-fixture.json");

const escape = (token) => String(token).replaceAll("~", "~0").replaceAll("/", "~1");

/** Ajv errors as sorted, unique (pointer, keyword) pairs, located like saas_contracts violations. */
function violations(errors) {
  const pairs = new Map();
  for (const error of errors ?? []) {
    let pointer = error.instancePath;
    if (error.keyword === "additionalProperties") pointer += "/" + escape(error.params.additionalProperty);
    if (["if", "anyOf", "oneOf", "allOf"].includes(error.keyword)) continue; // reported by their branches
    pairs.set(`${pointer}\u0000${error.keyword}`, { pointer, keyword: error.keyword });
  }
  return [...pairs.values()].sort((a, b) =>
    a.pointer === b.pointer ? (a.keyword < b.keyword ? -1 : 1) : a.pointer < b.pointer ? -1 : 1,
  );
}

const ajv = loadAjv(root);
const validate = ajv.getSchema(`${BASE_URI}usage-ledger/v1/event.schema.json`);
const stage = readJson(fixturePath).stages.find((candidate) => candidate.stage === "event");
const results = stage.vectors.map((vector) => {
  let event = vector.event;
  if (vector.line !== undefined) {
    try {
      event = parseStrict(vector.line);
    } catch {
      return { name: vector.name, valid: false, violations: [{ pointer: "", keyword: "json" }], fingerprint: null };
    }
  }
  const valid = validate(event);
  return {
    name: vector.name,
    valid,
    violations: valid ? [] : violations(validate.errors),
    fingerprint: valid ? fingerprint(event) : null,
  };
});
process.stdout.write(JSON.stringify(results));
