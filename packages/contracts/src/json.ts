// JSON in Python's terms, both ways (Python: saas_contracts._jsonio). Writing: json.dumps's number
// spelling and dumps_pretty's layout. Reading, the rules of _jsonio.loads: RFC 8259 JSON with
// duplicate object keys, numbers beyond IEEE 754 doubles and lone surrogate escapes refused.
// JSON.parse checks the syntax (and refuses NaN/Infinity literals) but keeps the last of duplicate
// keys and turns 1e400 into Infinity; the checks below close those gaps. A refused text is scanned
// again the way CPython's json scanner reads it, so the reason is Python's, word for word
// ("invalid JSON: Expecting value (line 1, column 14)"): replay reports and ops summaries quote it.

import { ContractError } from "./errors.js";
import { compareText } from "./order.js";

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

/** Parse one strict JSON text; throws JSONInputError with a safe reason (Python's, word for word). */
export function parseStrict(text: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
    checkDuplicateKeys(text);
    checkValues(value);
  } catch (error) {
    const reason = pythonReason(text);
    if (reason !== undefined) throw new JSONInputError(reason);
    if (error instanceof JSONInputError) throw error;
    throw new JSONInputError("invalid JSON");
  }
  return value;
}

// Writing, in Python's spelling: json.dumps's numbers and separators (masks quote a value's text),
// and dumps_pretty's layout (every human-facing JSON document).

/** Python's repr of a float (json.dumps of a number Python parsed as a float). */
function pyFloat(value: number): string {
  if (!Number.isFinite(value)) return value > 0 ? "Infinity" : value < 0 ? "-Infinity" : "NaN";
  const [mantissa, exponentText] = value.toExponential().split("e") as [string, string];
  const exponent = Number(exponentText);
  const negative = mantissa.startsWith("-");
  const digits = mantissa.replace("-", "").replace(".", "");
  let out: string;
  if (exponent < -4 || exponent >= 16) {
    const rest = digits.slice(1);
    out = `${digits[0]}${rest ? `.${rest}` : ""}e${exponent < 0 ? "-" : "+"}${String(Math.abs(exponent)).padStart(2, "0")}`;
  } else if (exponent < 0) {
    out = `0.${"0".repeat(-exponent - 1)}${digits}`;
  } else {
    const whole = digits.slice(0, exponent + 1).padEnd(exponent + 1, "0");
    out = `${whole}.${digits.slice(exponent + 1) || "0"}`;
  }
  return negative ? `-${out}` : out;
}

/** json.dumps of a number: integers as integers, other numbers as Python floats (JSON.parse cannot tell 1 from 1.0). */
export function pyNumber(value: number): string {
  return Number.isInteger(value) && Math.abs(value) < 1e21 ? BigInt(value).toString() : pyFloat(value);
}

/** json.dumps(value, ensure_ascii=False) with Python's default separators. */
export function pyDumps(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number") return pyNumber(value);
  if (value === null || typeof value === "boolean") return String(value);
  if (Array.isArray(value)) return `[${value.map(pyDumps).join(", ")}]`;
  return `{${Object.entries(value as Record<string, unknown>).map(([key, item]) => `${JSON.stringify(key)}: ${pyDumps(item)}`).join(", ")}}`;
}

/** One value in Python's `json.dumps(indent=2)` layout, keys in code point order (written, not re-keyed:
 * an object would enumerate integer-like keys such as "9" before "10" first, whatever their order). */
function writePretty(value: unknown, indent: string, out: string[]): void {
  if (Array.isArray(value)) {
    if (value.length === 0) return void out.push("[]");
    const inner = `${indent}  `;
    out.push("[");
    value.forEach((item: unknown, index) => {
      out.push(index === 0 ? "\n" : ",\n", inner);
      writePretty(item, inner, out);
    });
    out.push("\n", indent, "]");
  } else if (typeof value === "object" && value !== null) {
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record).filter((key) => record[key] !== undefined).sort(compareText);
    if (keys.length === 0) return void out.push("{}");
    const inner = `${indent}  `;
    out.push("{");
    keys.forEach((key, index) => {
      out.push(index === 0 ? "\n" : ",\n", inner, JSON.stringify(key), ": ");
      writePretty(record[key], inner, out);
    });
    out.push("\n", indent, "}");
  } else {
    out.push(typeof value === "number" ? pyNumber(value) : (JSON.stringify(value) ?? "null"));
  }
}

/** The one human-facing JSON spelling (Python: dumps_pretty): 2-space indent, sorted keys, non-ASCII kept, final newline. */
export function prettyJson(value: unknown): string {
  const out: string[] = [];
  writePretty(value, "", out);
  out.push("\n");
  return out.join("");
}


// CPython's json scanner (Modules/_json.c with the decoder of json/decoder.py, Python 3.11), over
// code points: the first error it meets, in its words and at its position. Only errors are kept.

class Refused extends Error {}
class Stop extends Error {
  constructor(readonly at: number) {
    super("stop");
  }
}

const WHITESPACE: ReadonlySet<string> = new Set([" ", "\t", "\n", "\r"]);
const DIGIT = /^[0-9]$/;
const HEX = /^[0-9a-fA-F]$/;
const ESCAPES: ReadonlySet<string> = new Set(['"', "\\", "/", "b", "f", "n", "r", "t"]);
const MAX_DEPTH = 990; // about where CPython's default recursion limit stops its scanner

class PythonScanner {
  readonly chars: string[];

  constructor(text: string) {
    this.chars = Array.from(text);
  }

  fail(message: string, at: number): never {
    const before = this.chars.slice(0, at);
    const line = before.filter((char) => char === "\n").length + 1;
    const column = at - before.lastIndexOf("\n");
    throw new Refused(`invalid JSON: ${message} (line ${line}, column ${column})`);
  }

  skip(at: number): number {
    let index = at;
    while (index < this.chars.length && WHITESPACE.has(this.chars[index] as string)) index += 1;
    return index;
  }

  literal(at: number, word: string): boolean {
    return this.chars.slice(at, at + word.length).join("") === word;
  }

  value(at: number, depth: number): number {
    const char = this.chars[at];
    if (char === undefined) throw new Stop(at);
    if (char === '"') return this.string(at + 1);
    if (char === "{" || char === "[") {
      if (depth >= MAX_DEPTH) throw new Refused("invalid JSON: nested too deeply");
      return char === "{" ? this.object(at + 1, depth + 1) : this.array(at + 1, depth + 1);
    }
    for (const [word, refused] of [["null", false], ["true", false], ["false", false], ["NaN", true], ["Infinity", true], ["-Infinity", true]] as const) {
      if (word.startsWith(char) && this.literal(at, word)) {
        if (refused) throw new Refused(`${word} is not valid JSON`);
        return at + word.length;
      }
    }
    return this.number(at);
  }

  number(start: number): number {
    const chars = this.chars;
    const digit = (index: number): boolean => DIGIT.test(chars[index] ?? "");
    let index = start;
    if (chars[index] === "-") index += 1;
    if (index >= chars.length) throw new Stop(start);
    if (chars[index] === "0") index += 1;
    else if (digit(index)) while (digit(index)) index += 1;
    else throw new Stop(start);
    let float = false;
    if (chars[index] === "." && digit(index + 1)) {
      float = true;
      index += 2;
      while (digit(index)) index += 1;
    }
    if ((chars[index] === "e" || chars[index] === "E") && index < chars.length - 1) {
      const mark = index;
      index += 1;
      if ((chars[index] === "-" || chars[index] === "+") && index < chars.length - 1) index += 1;
      while (digit(index)) index += 1;
      if (digit(index - 1)) float = true;
      else index = mark;
    }
    const literal = chars.slice(start, index).join("");
    if (float && !Number.isFinite(Number(literal))) throw new Refused("invalid JSON: a number beyond the range of an IEEE 754 double");
    const digits = literal.replace("-", "").length;
    if (!float && digits > 4300) throw new Refused(`invalid JSON: an integer literal of ${digits} digits is longer than this reader accepts`);
    return index;
  }

  /** Scan a string whose opening quote is at `at - 1`; the index after its closing quote. */
  string(at: number): number {
    const chars = this.chars;
    const begin = at - 1;
    let index = at;
    for (;;) {
      let char: string | undefined;
      for (; index < chars.length; index += 1) {
        char = chars[index] as string;
        if (char === '"' || char === "\\") break;
        if ((char.codePointAt(0) ?? 0) <= 0x1f) this.fail("Invalid control character at", index);
      }
      if (index >= chars.length) this.fail("Unterminated string starting at", begin);
      if (char === '"') return index + 1;
      index += 1; // past the backslash
      if (index >= chars.length) this.fail("Unterminated string starting at", begin);
      if (chars[index] !== "u") {
        if (!ESCAPES.has(chars[index] as string)) this.fail("Invalid \\escape", index - 1);
        index += 1;
        continue;
      }
      index += 1;
      let end = index + 4;
      if (end >= chars.length) this.fail("Invalid \\uXXXX escape", index - 1);
      const quad = (from: number, until: number): number => {
        for (let position = from; position < until; position += 1) if (!HEX.test(chars[position] ?? "")) this.fail("Invalid \\uXXXX escape", until - 5);
        return Number.parseInt(chars.slice(from, until).join(""), 16);
      };
      const unit = quad(index, end);
      index = end;
      if (unit >= 0xd800 && unit <= 0xdbff && end + 6 < chars.length && chars[index] === "\\" && chars[index + 1] === "u") {
        end += 6;
        const low = quad(index + 2, end);
        if (low >= 0xdc00 && low <= 0xdfff) index = end;
      }
    }
  }

  object(at: number, depth: number): number {
    const chars = this.chars;
    let index = this.skip(at);
    const keys = new Set<string>();
    let duplicate = false;
    if (chars[index] !== "}") {
      for (;;) {
        if (chars[index] !== '"') this.fail("Expecting property name enclosed in double quotes", index);
        const after = this.string(index + 1);
        const key = JSON.parse(chars.slice(index, after).join("")) as string;
        duplicate ||= keys.has(key);
        keys.add(key);
        index = this.skip(after);
        if (chars[index] !== ":") this.fail("Expecting ':' delimiter", index);
        index = this.value(this.skip(index + 1), depth);
        index = this.skip(index);
        if (chars[index] === "}") break;
        if (chars[index] !== ",") this.fail("Expecting ',' delimiter", index);
        index = this.skip(index + 1);
      }
    }
    if (duplicate) throw new Refused("duplicate object key (JSON objects must have unique keys)");
    return index + 1;
  }

  array(at: number, depth: number): number {
    const chars = this.chars;
    let index = this.skip(at);
    if (chars[index] === "]") return index + 1;
    for (;;) {
      index = this.skip(this.value(index, depth));
      if (chars[index] === "]") return index + 1;
      if (chars[index] !== ",") this.fail("Expecting ',' delimiter", index);
      index = this.skip(index + 1);
    }
  }

  /** Python's reason for refusing the text, or undefined when its scanner accepts it. */
  reason(): string | undefined {
    try {
      let end: number;
      const start = this.skip(0);
      try {
        end = this.value(start, 0);
      } catch (error) {
        if (error instanceof Stop) this.fail("Expecting value", error.at);
        throw error;
      }
      end = this.skip(end);
      if (end !== this.chars.length) this.fail("Extra data", end);
      return undefined;
    } catch (error) {
      if (error instanceof Refused) return error.message;
      throw error;
    }
  }
}

/** The reason Python's loads gives for refusing `text` (undefined when its scanner accepts the syntax). */
function pythonReason(text: string): string | undefined {
  return new PythonScanner(text).reason();
}
