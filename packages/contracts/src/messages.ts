// Python's public-safe violation messages (saas_contracts._validation: one message per keyword,
// never quoting an instance value except masked), for Ajv errors located as Python locates them.
// The replay quotes the first one in the reason of an invalid line.

import type { ValidationError } from "../generated/validators/index.js";
import type { Violation } from "./errors.js";
import { resolvePointer } from "./pointer.js";
import { maskValue } from "./privacy/scanner.js";
import { pyLen } from "./privacy/views.js";
import { locatedErrors } from "./validators.js";
import { compareText } from "./order.js";

/** A violation with Python's message. */
export interface DescribedViolation extends Violation {
  readonly message: string;
}

const SIMPLE: Readonly<Record<string, string>> = {
  minLength: "must be at least {v} characters long (is {n})",
  maxLength: "must be at most {v} characters long (is {n})",
  minimum: "must be >= {v}",
  maximum: "must be <= {v}",
  exclusiveMinimum: "must be > {v}",
  exclusiveMaximum: "must be < {v}",
  multipleOf: "must be a multiple of {v}",
  minItems: "must have at least {v} items (has {n})",
  maxItems: "must have at most {v} items (has {n})",
  minProperties: "must have at least {v} properties (has {n})",
  maxProperties: "must have at most {v} properties (has {n})",
  uniqueItems: "items must be unique",
  format: "must be a valid {v}",
  contains: "must contain an item matching the 'contains' schema",
  not: "must not match the schema under 'not'",
  unevaluatedProperties: "has properties this schema does not declare",
  unevaluatedItems: "has items this schema does not declare",
};
// The Ajv parameter that holds the schema value a SIMPLE message names.
const LIMIT: Readonly<Record<string, string>> = { multipleOf: "multipleOf", format: "format" };

/** The most specific JSON Schema type of a JSON value (Python: json_type). */
function jsonType(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "boolean") return "boolean";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  if (typeof value === "string") return "string";
  return Array.isArray(value) ? "array" : "object";
}

const size = (value: unknown): number =>
  typeof value === "string" ? pyLen(value) : Array.isArray(value) ? value.length : typeof value === "object" && value !== null ? Object.keys(value).length : 0;
const literal = (value: unknown): string => JSON.stringify(value);

function message(error: ValidationError, instance: unknown): string {
  const { keyword, params } = error;
  if (keyword === "required") return `missing required property '${String(params["missingProperty"])}'`;
  if (keyword === "additionalProperties") return "property is not allowed here (closed object)";
  if (keyword === "dependentRequired") return `missing property '${String(params["missingProperty"])}', required when '${String(params["property"])}' is present`;
  if (keyword === "type") {
    const expected = Array.isArray(params["type"]) ? (params["type"] as string[]) : String(params["type"]).split(",");
    return `expected ${expected.join(" or ")}, got ${jsonType(instance)}`;
  }
  if (keyword === "pattern") return `must match pattern ${String(params["pattern"])} (got ${maskValue(instance)})`;
  if (keyword === "const") return `must equal ${literal(params["allowedValue"])} (got ${maskValue(instance)})`;
  if (keyword === "enum") {
    const values = (params["allowedValues"] ?? []) as unknown[];
    const choices = values.length > 8 ? `one of ${values.length} allowed values` : `one of ${values.map(literal).join(", ")}`;
    return `must be ${choices} (got ${maskValue(instance)})`;
  }
  const template = SIMPLE[keyword];
  if (template === undefined) return `fails '${keyword}'`;
  const value = params[LIMIT[keyword] ?? "limit"];
  return template.replace("{v}", String(value)).replace("{n}", String(size(instance)));
}

/**
 * The violations of `data` with Python's messages, in Python's order (pointer, keyword, message).
 * Not yet worded as Python words them: anyOf/oneOf (Python adds its "closest alternative" hint),
 * propertyNames, minContains/maxContains; they read `fails '<keyword>'`. The usage event schema
 * uses none of them.
 */
export function describedViolations(errors: readonly ValidationError[] | null | undefined, data: unknown): DescribedViolation[] {
  return locatedErrors(errors)
    .map(({ pointer, keyword, error }) => {
      let instance: unknown;
      try {
        instance = resolvePointer(data, error.instancePath);
      } catch {
        instance = undefined;
      }
      return { pointer, keyword, message: message(error, instance) };
    })
    .sort((a, b) => compareText(a.pointer, b.pointer) || compareText(a.keyword, b.keyword) || compareText(a.message, b.message));
}
