// The formats for user (bare) schemas, the same answers as src/saas_contracts/_formats.py:
// RFC 3339 section 5.6 `date-time` and `time`, read strictly, and `regex` as ECMA-262 with
// the u flag (the flag Ajv compiles `pattern` with). ajv-formats' full mode differs on purpose
// (README, "Regular expressions and formats"): its date-time/time also accept a space for "T",
// offsets spelled +HHMM or +HH, and the year 0000; its regex compiles without the u flag.
// Every other format the official suite exercises (duration, hostname, uri, uri-reference, iri,
// iri-reference, uri-template, json-pointer, relative-json-pointer, email, idn-email) is the
// grammar of src/saas_contracts/_formats.json: the very strings Python compiles, here with
// new RegExp(p, "u"). ajv-formats keeps date, ipv4, ipv6 and uuid (jsonschema agrees on them).
import fs from "node:fs";

// The package's own date-time, time and regex (generated/formats.js is src/formats.ts compiled to
// plain ESM by the package build), so this oracle copies none of its logic.
import { isDateTime, isRegex, isTime } from "../packages/contracts/generated/formats.js";

const GRAMMARS = JSON.parse(
  fs.readFileSync(new URL("../src/saas_contracts/_formats.json", import.meta.url), "utf8"),
);
/** Replace `{{name}}` by its definition until none is left (as _formats.py `_expand` does). */
function expand(text, names) {
  for (let round = 0; round < 32; round += 1) {
    if (!text.includes("{{")) return text;
    text = text.replace(/\{\{([a-z0-9_]+)\}\}/gu, (_, name) => {
      if (!(name in names)) throw new Error(`_formats.json: no fragment ${name}`);
      return names[name];
    });
  }
  throw new Error("_formats.json: a fragment refers to itself");
}

const octets = (text) => new TextEncoder().encode(text).length;

/** The check of a format defined in _formats.json: its pattern, then its octet limits. */
export function grammarCheck(name) {
  const spec = GRAMMARS.formats[name];
  const regex = new RegExp(expand(spec.pattern, { ...GRAMMARS.fragments, ...(spec.bind ?? {}) }), "u");
  const limits = spec.limits;
  return (text) => {
    if (!regex.test(text)) return false;
    if (limits === undefined) return true;
    const at = text.lastIndexOf(limits.split);
    const parts = at < 0 ? ["", text] : [text.slice(0, at), text.slice(at + limits.split.length)];
    return parts.every((part, index) => octets(part) <= limits.max_octets[index]);
  };
}

export const GRAMMAR_FORMATS = Object.keys(GRAMMARS.formats).sort();

/** Register ours on an Ajv instance that already has ajv-formats. */
export function addUserFormats(ajv) {
  ajv.addFormat("date-time", { type: "string", validate: isDateTime });
  ajv.addFormat("time", { type: "string", validate: isTime });
  ajv.addFormat("regex", { type: "string", validate: isRegex });
  for (const name of GRAMMAR_FORMATS) ajv.addFormat(name, { type: "string", validate: grammarCheck(name) });
  return ajv;
}
