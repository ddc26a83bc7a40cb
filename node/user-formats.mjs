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

const GRAMMARS = JSON.parse(
  fs.readFileSync(new URL("../src/saas_contracts/_formats.json", import.meta.url), "utf8"),
);
const TIME = "([01][0-9]|2[0-3]):([0-5][0-9]):([0-5][0-9]|60)(?:\\.[0-9]+)?(?:[Zz]|([+-])([01][0-9]|2[0-3]):([0-5][0-9]))";
const TIME_RE = new RegExp(`^${TIME}$`, "u");
const DATE_TIME_RE = new RegExp(`^([0-9]{4})-(0[1-9]|1[0-2])-([0-9]{2})[Tt]${TIME}$`, "u");

const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

const timeOk = ([hour, minute, second, sign, offH, offM]) => {
  if (second !== "60") return true;
  const offset = (Number(offH ?? 0) * 60 + Number(offM ?? 0)) * (sign === "-" ? -1 : 1);
  return (((Number(hour) * 60 + Number(minute) - offset) % 1440) + 1440) % 1440 === 23 * 60 + 59;
};

/** RFC 3339 `full-time` (offset required); a leap second only at 23:59:60 UTC. */
export function isTime(text) {
  const found = TIME_RE.exec(text);
  return found !== null && timeOk(found.slice(1));
}

/** RFC 3339 `date-time`: a real calendar day from year 1 on, then a `full-time`. */
export function isDateTime(text) {
  const found = DATE_TIME_RE.exec(text);
  if (found === null) return false;
  const [year, month, day] = found.slice(1, 4).map(Number);
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const last = month === 2 && leap ? 29 : DAYS[month - 1];
  return year !== 0 && day >= 1 && day <= last && timeOk(found.slice(4));
}

/** ECMA-262 with the u flag. */
export function isRegex(text) {
  try {
    new RegExp(text, "u");
    return true;
  } catch {
    return false;
  }
}

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
