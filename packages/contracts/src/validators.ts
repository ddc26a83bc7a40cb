// Precompiled validators (Ajv standalone, generated at build time: no eval, no new Function, so they
// run inside workerd) and the translation of their errors into Python's violation list.

import { VALIDATORS } from "../generated/validators/by-name.js";
import type { ValidationError, Validator } from "../generated/validators/index.js";
import { ContractViolationError, type Violation } from "./errors.js";
import { escapeToken } from "./pointer.js";
import { compareText } from "./order.js";

export * from "../generated/validators/index.js";
export { VALIDATORS };

/** A packaged schema with a root type, named as Python names it (`usage-ledger/v1/event`). */
export type SchemaName = keyof typeof VALIDATORS;
export { isDateTime, isRegex, isTime } from "./formats.js";

// Keywords whose failure Python reports once, under their own name, instead of the inner failures.
const CONTAINERS: ReadonlySet<string> = new Set(["anyOf", "oneOf", "propertyNames"]);
// Keywords that only route to other schemas: Python reports the inner failure, not these.
const ROUTING: ReadonlySet<string> = new Set(["if", "allOf", "$ref"]);

const within = (pointer: string, base: string): boolean => pointer === base || pointer.startsWith(`${base}/`);

/**
 * Indexes of the errors that belong inside a failed container (anyOf, oneOf, propertyNames). With
 * allErrors, Ajv pushes a container's error right after the errors of its branches (or names); the
 * branches' schemaPath may point into a referenced schema, so a preceding error is a child unless it
 * lies outside the container's instance or is a sibling keyword of the container's own schema.
 */
function containedErrors(errors: readonly ValidationError[]): Set<number> {
  const contained = new Set<number>();
  errors.forEach((container, index) => {
    if (!CONTAINERS.has(container.keyword)) return;
    const own = container.schemaPath;
    const parent = own.slice(0, own.lastIndexOf("/"));
    for (let before = index - 1; before >= 0; before -= 1) {
      const error = errors[before];
      if (error === undefined || !within(error.instancePath, container.instancePath)) break;
      const sibling = error.schemaPath.startsWith(`${parent}/`) && !error.schemaPath.startsWith(`${own}/`);
      if (sibling) break;
      contained.add(before);
    }
  });
  return contained;
}

/** A reported Ajv error and the violation it is, located as Python locates it. */
export interface LocatedError {
  readonly pointer: string;
  readonly keyword: string;
  readonly error: ValidationError;
}

/** The errors Python reports (routing keywords and the inner failures of containers left out), located. */
export function locatedErrors(errors: readonly ValidationError[] | null | undefined): LocatedError[] {
  const all = errors ?? [];
  const contained = containedErrors(all);
  const found: LocatedError[] = [];
  all.forEach((error, index) => {
    if (ROUTING.has(error.keyword) || contained.has(index)) return;
    let pointer = error.instancePath;
    if (error.keyword === "additionalProperties") pointer += `/${escapeToken(String(error.params["additionalProperty"]))}`;
    found.push({ pointer, keyword: error.keyword, error });
  });
  return found;
}

/**
 * Ajv errors as Python's violations: sorted (JSON Pointer, keyword) pairs, located like
 * saas_contracts violations (`additionalProperties` at the extra property, `required` at the
 * object, an `anyOf`/`oneOf`/`propertyNames` failure once instead of its inner failures).
 */
export function toViolations(errors: readonly ValidationError[] | null | undefined): Violation[] {
  return locatedErrors(errors)
    .map(({ pointer, keyword }) => ({ pointer, keyword }))
    .sort((a, b) => compareText(a.pointer, b.pointer) || compareText(a.keyword, b.keyword));
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

/**
 * The violations of `data` against a packaged schema named as in Python
 * (`validate(instance, "usage-ledger/v1/event")`); empty when valid. Importing this pulls in every
 * validator: a Worker that needs one imports it by name (`validateUsageEvent`).
 */
export function validate(data: unknown, schema: SchemaName): Violation[] {
  return violationsOf(VALIDATORS[schema], data);
}
