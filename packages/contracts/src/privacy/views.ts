// Normalized views of a string, so disguised secrets still meet the rules (Python:
// saas_contracts.privacy._views, the reference). Same views, same order, same shared work
// budget: every view and decoder charges it, and an exhausted budget makes the document
// undecidable (fail closed) instead of letting padding hide what comes later.
// Lengths are counted in code points, as Python counts them, so budgets agree exactly.
import { CONFUSABLES, HTML_INVALID_CHARREFS, HTML_INVALID_CODEPOINTS, HTML_NAMED, UNICODE_NAMES } from "../../generated/privacy/index.js";

/** Every view name a finding can carry, in the order tried (`json`: inside an embedded JSON text). */
export const VIEWS = ["raw", "nfkc", "skeleton", "unwrapped", "unescaped", "percent", "base64", "hex", "trimmed", "json"] as const;
export type ViewName = (typeof VIEWS)[number];

const S = "[A-Za-z0-9+/_-]";
const MIXED = [
  ["A-Z", "a-z"],
  ["a-z", "A-Z"],
]
  .flatMap(([x, y]) =>
    [
      [`${S}{5,}`, `${S}*`, `${S}*`],
      [`${S}*`, `${S}{5,}`, `${S}*`],
      [`${S}*`, `${S}*`, `${S}{5,}`],
    ].map(([a, b, c]) => `${a}[${x}]${b}[${y}]${c}`),
  )
  .join("|");
/** TRIGGER's alternatives before the mixed-case runs (V8 matches each in linear time). */
const TRIGGER_OTHERS = String.raw`[\r\x0b\x0c\x1c-\x1e\\]|%[0-9A-Fa-f]{2}|^[ \t]*[\[{]|&#[0-9]{1,7};|&#[xX][0-9A-Fa-f]{1,6};|&[A-Za-z]{2,8};|(?:[2-7][0-9A-Fa-f]){8,}`;
/**
 * Texts whose views could differ from the raw text (Python: TRIGGER_PATTERN, same alternatives). The
 * reference spelling: V8 backtracks it in cubic time on a long run without a case change (2,000
 * letters: 12 s), so the scanner reads its matches through triggerMatches instead.
 */
export const TRIGGER = new RegExp(`${TRIGGER_OTHERS}|${MIXED}`, "gm");
const OTHERS = new RegExp(TRIGGER_OTHERS, "gm");
const RUN_SPAN = /[A-Za-z0-9+/_-]+/g;
const MIXED_SEGMENT = 5;

const isUpper = (code: number): boolean => code >= 65 && code <= 90;
const isLower = (code: number): boolean => code >= 97 && code <= 122;

/**
 * Whether MIXED matches at the start of `run` (characters of S only) with an `isX` letter before an
 * `isY` letter: some X at i before some Y at j with a 5+ segment before i, between them or after j.
 */
function orderedCases(run: string, isX: (code: number) => boolean, isY: (code: number) => boolean): boolean {
  let firstX = -1;
  let lastY = -1;
  for (let index = 0; index < run.length; index += 1) {
    const code = run.charCodeAt(index);
    if (firstX < 0 && isX(code)) firstX = index;
    if (isY(code)) lastY = index;
  }
  if (firstX < 0 || lastY <= firstX) return false;
  if (lastY - firstX - 1 >= MIXED_SEGMENT) return true;
  for (let index = MIXED_SEGMENT; index < lastY; index += 1) if (isX(run.charCodeAt(index))) return true;
  for (let index = firstX + 1; index <= run.length - MIXED_SEGMENT - 1; index += 1) if (isY(run.charCodeAt(index))) return true;
  return false;
}

/** The first run of S characters in text[from, before) that MIXED matches, as [start, end) (the whole run). */
function firstMixedRun(text: string, from: number, before: number): [number, number] | undefined {
  RUN_SPAN.lastIndex = from;
  for (let span = RUN_SPAN.exec(text); span !== null && span.index < before; span = RUN_SPAN.exec(text)) {
    const run = span[0];
    if (orderedCases(run, isUpper, isLower) || orderedCases(run, isLower, isUpper)) return [span.index, span.index + run.length];
  }
  return undefined;
}

/**
 * TRIGGER's matches in order, each the text `TRIGGER.exec` would give, in linear time per match.
 * Every MIXED alternative ends in a greedy run of S, so a match of it is the rest of a run of S; one
 * found in a run at some start is found at the run's start too (a longer first segment only helps),
 * so the leftmost MIXED match is a whole run (from where the last match ended). The other
 * alternatives come first in TRIGGER, so at an equal start they win.
 */
export function* triggerMatches(text: string): Generator<string> {
  let position = 0;
  while (position < text.length) {
    OTHERS.lastIndex = position;
    const other = OTHERS.exec(text);
    const mixed = firstMixedRun(text, position, other === null ? text.length : other.index);
    if (mixed !== undefined) {
      yield text.slice(mixed[0], mixed[1]);
      position = mixed[1];
    } else if (other === null) {
      return;
    } else {
      yield other[0];
      position = other.index + other[0].length;
    }
  }
}

const MIN_DECODED = 8;
const PRINTABLE_RATIO = 0.85;
const PERCENT_ROUNDS = 3;
const PER_CHAR = 64;
const BASE_UNITS = 1 << 20;
/** Budget units one decoded run or reference costs on top of its characters. */
export const PER_ITEM = 16;

const NON_ASCII = /[^\u0000-\u007f]/;
const SURROGATE = /[\uD800-\uDFFF]/;
const INVISIBLE =
  /[\u00ad\u034f\u0600-\u0605\u061c\u06dd\u070f\u0890-\u0891\u08e2\u115f-\u1160\u17b4-\u17b5\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\u2800\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff9-\ufffb\u{110bd}\u{110cd}\u{13430}-\u{13438}\u{1bca0}-\u{1bca3}\u{1d173}-\u{1d17a}\u{e0001}\u{e0020}-\u{e007f}\u{e0100}-\u{e01ef}]+/gu;
const NON_PRINTABLE_ASCII = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g;
const UNPRINTABLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]/u;
const BASE64_RUN = /[A-Za-z0-9+/]{16,}={0,2}|[A-Za-z0-9_-]{16,}={0,2}/g;
const HEX_RUN = /(?:[0-9A-Fa-f]{2}){12,}/g;
const ESCAPE = /\\(?:u\{([0-9A-Fa-f]{1,6})\}|u([0-9A-Fa-f]{4})|x([0-9A-Fa-f]{2})|([nrtbf"'/\\]))/g;
const ESCAPE_SPLIT = /(\\(?:u\{[0-9A-Fa-f]{1,6}\}|u[0-9A-Fa-f]{4}|x[0-9A-Fa-f]{2}|[nrtbf"'/\\]))/u;
const HTML_REFERENCE = /(&(?:#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\t\n\f <&#;]{1,32};?))/u;
const STRAY_PERCENT = /%(?![0-9A-Fa-f]{2})/g;
const PERCENT = /%[0-9A-Fa-f]{2}/;
const SIMPLE_ESCAPES: Record<string, string> = { n: "\n", r: "\r", t: "\t", b: "\b", f: "\f", '"': '"', "'": "'", "/": "/", "\\": "\\" };
/** Python's str.isspace() characters (str.strip() removes them). */
const PY_SPACE = "\t\n\u000b\u000c\r\u001c\u001d\u001e\u001f \u0085\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000";
/** Python's str.splitlines() boundaries (\r\n counts as one). */
const LINE_SPLIT = /\r\n|[\n\r\u000b\u000c\u001c\u001d\u001e\u0085\u2028\u2029]/;
const LINE_BREAKS = "\n\r\u000b\u000c\u001c\u001d\u001e\u0085\u2028\u2029";

export const isAscii = (text: string): boolean => !NON_ASCII.test(text);

/** Length in code points (Python's len). */
export function pyLen(text: string): number {
  if (!SURROGATE.test(text)) return text.length;
  let count = 0;
  for (const _char of text) count += 1;
  return count;
}

/** The first `count` code points (Python's text[:count]). */
export function pyHead(text: string, count: number): string {
  if (!SURROGATE.test(text)) return text.slice(0, count);
  return Array.from(text).slice(0, count).join("");
}

/** Python's str.strip(): leading and trailing str.isspace() characters removed. */
export function pyStrip(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && PY_SPACE.includes(text[start]!)) start += 1;
  while (end > start && PY_SPACE.includes(text[end - 1]!)) end -= 1;
  return start === 0 && end === text.length ? text : text.slice(start, end);
}

/** NFKC with format and invisible characters removed (identity for ASCII). */
export function clean(text: string): string {
  if (isAscii(text)) return text;
  const normalized = text.replace(INVISIBLE, "").normalize("NFKC");
  return isAscii(normalized) ? normalized : normalized.replace(INVISIBLE, "");
}

const CONFUSABLE_MAP = new Map(Object.entries(CONFUSABLES));

/** Fold non-ASCII look-alikes to their ASCII confusable (identity for ASCII text). */
export function skeleton(text: string): string {
  if (isAscii(text)) return text;
  let out = "";
  for (const char of text) out += CONFUSABLE_MAP.get(char) ?? char;
  return out;
}

/** Join lines: drop line breaks, the spaces around them and a continuation backslash. */
export function unwrap(text: string): string {
  const lines = text.replaceAll("\\\r\n", "\n").replaceAll("\\\n", "\n").split(LINE_SPLIT);
  if (lines.length > 1 && lines[lines.length - 1] === "") lines.pop(); // splitlines keeps no empty last line
  if (lines.length <= 1) return text;
  return lines.map(pyStrip).join("");
}

/** The work a document's views may do: proportional to its size, shared by every view and decoder. */
export class Budget {
  remaining: number;
  exhausted = false;
  /** Set by the scanner once it has recorded the undecidable finding. */
  reported = false;

  /** A budget for a document of `size` characters (`base` and `perChar` are Python's _BASE_UNITS and _PER_CHAR). */
  constructor(size: number, base = BASE_UNITS, perChar = PER_CHAR) {
    this.remaining = base + perChar * size;
  }

  /** Charge `units`; false (and exhausted from now on) when the budget does not cover them. */
  spend(units: number): boolean {
    if (this.exhausted) return false;
    this.remaining -= units;
    if (this.remaining < 0) this.exhausted = true;
    return !this.exhausted;
  }
}

const unlimited = (): Budget => new Budget(2 ** 40);

const HEX_DIGIT = /^[0-9A-Fa-f]$/;
const NAMES = new Map(Object.entries(UNICODE_NAMES));

/**
 * Python's `text.encode("latin-1", "backslashreplace").decode("unicode_escape")`; null where
 * the codec raises (a malformed \x, \u, \U or \N escape, a trailing backslash).
 * \N{name} is decoded for the names of printable ASCII and its full-width forms (case-insensitive,
 * as Python); any other name is treated as unknown (the fallback keeps it, where Python would
 * decode a valid one: the kit has no full Unicode name table).
 */
function unicodeEscapeCodec(text: string): string | null {
  // backslashreplace: code points above U+00FF become \uXXXX or \UXXXXXXXX text first.
  let source = "";
  for (const char of text) {
    const code = char.codePointAt(0)!;
    source += code <= 0xff ? char : code <= 0xffff ? `\\u${code.toString(16).padStart(4, "0")}` : `\\U${code.toString(16).padStart(8, "0")}`;
  }
  let out = "";
  let index = 0;
  while (index < source.length) {
    const char = source[index]!;
    if (char !== "\\") {
      out += char;
      index += 1;
      continue;
    }
    if (index + 1 >= source.length) return null;
    const next = source[index + 1]!;
    index += 2;
    const simple: Record<string, string> = { "\n": "", "\\": "\\", "'": "'", '"': '"', b: "\b", f: "\f", t: "\t", n: "\n", r: "\r", v: "\u000b", a: "\u0007" };
    if (next in simple) {
      out += simple[next];
    } else if (next >= "0" && next <= "7") {
      let digits = next;
      while (digits.length < 3 && index < source.length && source[index]! >= "0" && source[index]! <= "7") {
        digits += source[index];
        index += 1;
      }
      out += String.fromCodePoint(Number.parseInt(digits, 8));
    } else if (next === "x" || next === "u" || next === "U") {
      const width = next === "x" ? 2 : next === "u" ? 4 : 8;
      const digits = source.slice(index, index + width);
      if (digits.length < width || ![...digits].every((d) => HEX_DIGIT.test(d))) return null;
      const code = Number.parseInt(digits, 16);
      if (code > 0x10ffff) return null;
      out += code >= 0xd800 && code <= 0xdfff ? String.fromCharCode(code) : String.fromCodePoint(code);
      index += width;
    } else if (next === "N") {
      const close = source.indexOf("}", index);
      if (source[index] !== "{" || close <= index + 1) return null;
      const named = NAMES.get(source.slice(index + 1, close).toUpperCase());
      if (named === undefined) return null;
      out += named;
      index = close + 1;
    } else {
      out += `\\${next}`;
    }
  }
  return out;
}

/** Substitute every match of `pattern` (one capture group) with `decode(match)`, once per distinct match; null when the budget does not cover it. */
function decodeDistinct(pattern: RegExp, text: string, decode: (item: string) => string, budget: Budget): string | null {
  const parts = text.split(pattern);
  const found = parts.filter((_part, index) => index % 2 === 1);
  const distinct = new Set(found);
  if (!budget.spend(pyLen(text) + 2 * found.length + PER_ITEM * distinct.size)) return null;
  const table = new Map([...distinct].map((item) => [item, decode(item)]));
  return parts.map((part, index) => (index % 2 === 1 ? table.get(part)! : part)).join("");
}

function unescapeOne(_match: string, braced?: string, four?: string, two?: string, simple?: string): string {
  if (simple !== undefined) return SIMPLE_ESCAPES[simple]!;
  const code = Number.parseInt((braced ?? four ?? two)!, 16);
  if (code > 0x10ffff) return _match;
  return code >= 0xd800 && code <= 0xdfff ? String.fromCharCode(code) : String.fromCodePoint(code);
}

/** Decode backslash escapes as Python's unicode_escape codec does, or (where it raises) the JSON/JS escapes one by one. */
export function unescape(text: string, budget: Budget = unlimited()): string {
  budget.spend(2 * pyLen(text));
  const decoded = unicodeEscapeCodec(text);
  if (decoded !== null) return decoded;
  const fallback = decodeDistinct(ESCAPE_SPLIT, text, (item) => item.replace(ESCAPE, unescapeOne), budget);
  return fallback ?? text;
}

const INVALID_CODEPOINTS = new Set(HTML_INVALID_CODEPOINTS);
const NAMED = new Map(Object.entries(HTML_NAMED));

/** One HTML character reference decoded exactly as Python's html.unescape decodes it. */
function htmlReference(item: string): string {
  const body = item.slice(1);
  if (body.startsWith("#")) {
    const hex = body[1] === "x" || body[1] === "X";
    const digits = body.slice(hex ? 2 : 1).replace(/;$/, "");
    const num = hex ? Number.parseInt(digits, 16) : Number.parseInt(digits, 10);
    const replacement = HTML_INVALID_CHARREFS[String(num)];
    if (replacement !== undefined) return replacement;
    if ((num >= 0xd800 && num <= 0xdfff) || num > 0x10ffff) return "\ufffd";
    if (INVALID_CODEPOINTS.has(num)) return "";
    return String.fromCodePoint(num);
  }
  const named = NAMED.get(body);
  if (named !== undefined) return named;
  const chars = Array.from(body);
  for (let cut = chars.length - 1; cut > 1; cut -= 1) {
    const prefix = chars.slice(0, cut).join("");
    const found = NAMED.get(prefix);
    if (found !== undefined) return found + chars.slice(cut).join("");
  }
  return `&${body}`;
}

/** Decode HTML character references exactly as Python's html.unescape (kept as is when the budget does not cover them). */
export function unescapeHtml(text: string, budget: Budget = unlimited()): string {
  if (!text.includes("&")) return text;
  return decodeDistinct(HTML_REFERENCE, text, htmlReference, budget) ?? text;
}

const encoder = new TextEncoder();
const lenient = new TextDecoder("utf-8");
const strict = new TextDecoder("utf-8", { fatal: true });

function hexValue(code: number): number {
  return code <= 0x39 ? code - 0x30 : (code | 0x20) - 0x57;
}

function percentRound(input: string): string {
  let text = input;
  if (text.includes("%")) text = text.replace(STRAY_PERCENT, "%25");
  const bytes = encoder.encode(text);
  const out = new Uint8Array(bytes.length);
  let size = 0;
  for (let index = 0; index < bytes.length; index += 1) {
    if (bytes[index] === 0x25) {
      out[size] = hexValue(bytes[index + 1]!) * 16 + hexValue(bytes[index + 2]!);
      index += 2;
    } else {
      out[size] = bytes[index]!;
    }
    size += 1;
  }
  return lenient.decode(out.subarray(0, size));
}

/** Percent-decode up to three rounds (stops when nothing changes). */
export function percentDecode(input: string, budget: Budget = unlimited()): string {
  let text = input;
  for (let round = 0; round < PERCENT_ROUNDS; round += 1) {
    if (!PERCENT.test(text) || !budget.spend(4 * pyLen(text))) break;
    text = percentRound(text);
  }
  return text;
}

function printableText(data: Uint8Array): string | null {
  if (data.length < MIN_DECODED) return null;
  let text: string;
  try {
    text = strict.decode(data);
  } catch {
    return null;
  }
  let unprintable = 0;
  let length = 0;
  if (isAscii(text)) {
    unprintable = text.match(NON_PRINTABLE_ASCII)?.length ?? 0;
    length = text.length;
  } else {
    for (const char of text) {
      length += 1;
      if (char !== " " && char !== "\t" && char !== "\n" && char !== "\r" && UNPRINTABLE.test(char)) unprintable += 1;
    }
  }
  return unprintable <= (1 - PRINTABLE_RATIO) * length ? text : null;
}

const BASE64_ALPHABET = new Map([..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"].map((char, index) => [char, index]));

function base64urlBytes(run: string): Uint8Array {
  const out: number[] = [];
  let bits = 0;
  let value = 0;
  for (const char of run) {
    value = (value << 6) | BASE64_ALPHABET.get(char)!;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push((value >> bits) & 0xff);
    }
  }
  return new Uint8Array(out);
}

const mixedCase = (run: string): boolean => run.toLowerCase() !== run && run.toUpperCase() !== run;

/** Decoded text of every base64/base64url run that decodes to readable UTF-8. */
export function decodeBase64Runs(text: string, budget: Budget = unlimited()): string {
  const pieces: string[] = [];
  for (const match of text.matchAll(BASE64_RUN)) {
    const found = match[0];
    if (!budget.spend(PER_ITEM + 2 * found.length)) break;
    let run = found.replace(/=+$/, "");
    if (!mixedCase(run)) continue;
    if (run.length % 4 === 1) run = run.slice(0, run.length - 1);
    const decoded = printableText(base64urlBytes(run.replaceAll("+", "-").replaceAll("/", "_")));
    if (decoded !== null) pieces.push(decoded);
  }
  return pieces.join("\n");
}

function hexBytes(run: string): Uint8Array {
  const out = new Uint8Array(run.length >> 1);
  for (let index = 0; index < out.length; index += 1) out[index] = Number.parseInt(run.slice(2 * index, 2 * index + 2), 16);
  return out;
}

/** Decoded text of every hex run (24+ digits) that decodes to readable UTF-8. */
export function decodeHexRuns(text: string, budget: Budget = unlimited()): string {
  const pieces: string[] = [];
  for (const match of text.matchAll(HEX_RUN)) {
    const run = match[0];
    if (!budget.spend(PER_ITEM + 2 * run.length)) break;
    const decoded = printableText(hexBytes(run));
    if (decoded !== null) pieces.push(decoded);
  }
  return pieces.join("\n");
}

/** Whether a hex string's bytes are UTF-8 (a SHA or digest almost never is). */
export function hexIsUtf8(run: string): boolean {
  try {
    strict.decode(hexBytes(run.slice(0, run.length - (run.length % 2))));
    return true;
  } catch {
    return false;
  }
}

const unescaped = (base: string, budget: Budget): string => clean(unescapeHtml(base.includes("\\") ? unescape(base, budget) : base, budget));

type Step = readonly [ViewName, (base: string) => boolean, (base: string, budget: Budget) => string];
const STEPS: readonly Step[] = [
  ["nfkc", () => true, (base) => base],
  ["skeleton", (base) => !isAscii(base), (base) => skeleton(base)],
  ["unwrapped", (base) => [...LINE_BREAKS].some((char) => base.includes(char)), (base) => clean(unwrap(base))],
  ["unescaped", (base) => base.includes("\\") || base.includes("&"), unescaped],
  ["percent", (base) => base.includes("%"), (base, budget) => clean(percentDecode(base, budget))],
  ["base64", (base) => pyLen(base) >= 16, (base, budget) => clean(decodeBase64Runs(base, budget))],
  ["hex", (base) => pyLen(base) >= 16, (base, budget) => clean(decodeHexRuns(base, budget))],
  ["trimmed", (base) => base !== pyStrip(base), (base) => pyStrip(base)],
];

/** Every non-raw view of `text` that differs from the views before it, in VIEWS order, charged to `budget`. */
export function derivedViews(text: string, budget: Budget = new Budget(pyLen(text))): [ViewName, string][] {
  const views: [ViewName, string][] = [];
  if (!budget.spend(pyLen(text))) return views;
  const base = clean(text);
  const seen = new Set([text]);
  for (const [name, applies, make] of STEPS) {
    if (!applies(base)) continue;
    const value = make(base, budget);
    if (!budget.spend(pyLen(value))) break;
    if (value !== "" && !seen.has(value)) {
      seen.add(value);
      views.push([name, value]);
    }
  }
  return views;
}
