// Strict JSON reading, the rules of Python's saas_contracts._jsonio.loads: RFC 8259 JSON with
// duplicate object keys, numbers beyond IEEE 754 doubles and lone surrogate escapes refused.
// JSON.parse checks the syntax (and refuses NaN/Infinity literals) but keeps the last of duplicate
// keys and turns 1e400 into Infinity; the checks below close those gaps.

import { ContractError } from "./errors.js";

/** The text is not strict JSON (Python: JSONInputError). Never echoes the text. */
export class JSONInputError extends ContractError {
  override name = "JSONInputError";
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function checkDuplicateKeys(text: string): void {
  const stack: ({ keys: Set<string>; expectKey: boolean } | null)[] = [];
  for (let i = 0; i < text.length; i += 1) {
    const char = text[i];
    if (char === '"') {
      let end = i + 1;
      while (text[end] !== '"') end += text[end] === "\\" ? 2 : 1;
      const top = stack[stack.length - 1];
      if (top?.expectKey) {
        const key = JSON.parse(text.slice(i, end + 1)) as string; // compare keys unescaped
        if (top.keys.has(key)) throw new JSONInputError("invalid JSON: duplicate object key");
        top.keys.add(key);
        top.expectKey = false;
      }
      i = end;
    } else if (char === "{") {
      stack.push({ keys: new Set(), expectKey: true });
    } else if (char === "[") {
      stack.push(null);
    } else if (char === "}" || char === "]") {
      stack.pop();
    } else if (char === ",") {
      const top = stack[stack.length - 1];
      if (top) top.expectKey = true;
    }
  }
}

function checkValues(value: unknown): void {
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const item = pending.pop();
    if (typeof item === "number" && !Number.isFinite(item)) {
      throw new JSONInputError("invalid JSON: a number beyond the range of an IEEE 754 double");
    } else if (typeof item === "string" && LONE_SURROGATE.test(item)) {
      throw new JSONInputError("invalid JSON: a string holds a lone surrogate escape (no UTF-8 spelling; RFC 7493 2.1)");
    } else if (Array.isArray(item)) {
      pending.push(...(item as unknown[]));
    } else if (typeof item === "object" && item !== null) {
      pending.push(...Object.keys(item), ...Object.values(item));
    }
  }
}

/** Parse one strict JSON text; throws JSONInputError with a safe reason. */
export function parseStrict(text: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new JSONInputError("invalid JSON");
  }
  checkDuplicateKeys(text);
  checkValues(value);
  return value;
}
