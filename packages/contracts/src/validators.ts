// Precompiled validators (Ajv standalone, generated at build time: no eval, no new Function, so they
// run inside workerd) and the translation of their errors into Python's violation list.

import type { ValidationError, Validator } from "../generated/validators/index.js";
import { ContractViolationError, type Violation } from "./errors.js";

export * from "../generated/validators/index.js";
export { isDateTime, isRegex, isTime } from "./formats.js";

// Combinators whose failure Python reports once, under their own keyword, not per branch.
const ALTERNATIVES: ReadonlySet<string> = new Set(["anyOf", "oneOf"]);
// Keywords that only route to other schemas: Python reports the inner failure, not these.
const ROUTING: ReadonlySet<string> = new Set(["if", "allOf", "$ref"]);

const escapeToken = (token: string): string => token.replaceAll("~", "~0").replaceAll("/", "~1");
const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Ajv errors as Python's violations: sorted (JSON Pointer, keyword) pairs, located like
 * saas_contracts violations (`additionalProperties` at the extra property, `required` at the
 * object, an `anyOf`/`oneOf` failure once at the instance instead of once per branch).
 */
export function toViolations(errors: readonly ValidationError[] | null | undefined): Violation[] {
  const all = errors ?? [];
  const alternatives = all.filter((error) => ALTERNATIVES.has(error.keyword)).map((error) => error.schemaPath);
  const found: Violation[] = [];
  for (const error of all) {
    if (ROUTING.has(error.keyword)) continue;
    if (!ALTERNATIVES.has(error.keyword) && alternatives.some((path) => error.schemaPath.startsWith(`${path}/`))) continue;
    // A property name failing its schema: Python reports one `propertyNames` violation at the object.
    if (error.schemaPath.includes("/propertyNames/")) continue;
    let pointer = error.instancePath;
    if (error.keyword === "additionalProperties") pointer += `/${escapeToken(String(error.params["additionalProperty"]))}`;
    found.push({ pointer, keyword: error.keyword });
  }
  return found.sort((a, b) => compare(a.pointer, b.pointer) || compare(a.keyword, b.keyword));
}

/** The violations of `data` against `validator` (empty when valid). */
export function violationsOf(validator: Validator<unknown>, data: unknown): Violation[] {
  return validator(data) ? [] : toViolations(validator.errors);
}

/** Return `data` typed, or throw ContractViolationError naming `schema` and listing the violations. */
export function ensureValid<T>(validator: Validator<T>, data: unknown, schema: string): T {
  if (!validator(data)) throw new ContractViolationError(schema, toViolations(validator.errors));
  return data;
}
