// What every fixture stage check shares besides the vector loop (Python: saas_contracts._fixture_harness
// and _fragments): composing split samples and placing them at JSON Pointers.
//
// Fixtures never hold a forbidden value whole: a probe is stored as `{"$concat": ["sk_li", "ve_…"]}`
// (that single member, a non-empty array of strings) and joined only at run time.

import { setPointer } from "./pointer.js";

/** The member a split value is stored under. */
export const CONCAT = "$concat";

/** The forbidden value a split sample stands for; TypeError (a malformed vector) for anything else. */
export function compose(sample: unknown): string {
  const parts = typeof sample === "object" && sample !== null && !Array.isArray(sample) && Object.keys(sample).length === 1 ? (sample as Record<string, unknown>)[CONCAT] : undefined;
  if (!Array.isArray(parts) || parts.length === 0 || !parts.every((part) => typeof part === "string")) throw new TypeError(`expected {"${CONCAT}": [string, ...]} (a split value)`);
  return parts.join("");
}

/** Put `value` at an RFC 6901 pointer of `document`; RangeError (a malformed vector) when the pointer does not fit. */
export function place(document: unknown, pointer: string, value: unknown): void {
  setPointer(document, pointer, value);
}

/** A deep copy of parsed JSON. */
export const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/** A value as Python's f-string shows it in a detail (True/False/None, strings quoted with repr). */
export function pyShow(value: unknown, quoteStrings = false): string {
  if (value === true) return "True";
  if (value === false) return "False";
  if (value === null || value === undefined) return "None";
  return typeof value === "string" && quoteStrings ? `'${value}'` : String(value);
}
