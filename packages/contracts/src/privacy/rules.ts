// The privacy rules as compiled RegExps (Python: saas_contracts.privacy._rules, the reference).
// The rules file is embedded at build time (generated/privacy/, Workers have no fs); the build
// checks that every pattern compiles with the file's JavaScript flags ("u", plus "i" for
// ignore_case) and gives each example its labelled verdict. The patterns are linted (Python
// side) into the subset RE2, Python and JavaScript read alike, and linear in backtracking engines.
import { RULES, type CompactRule } from "../../generated/privacy/index.js";
import type { PrivacyConfig } from "../../generated/types/privacy.js";
import { ContractError } from "../errors.js";
import { isAscii } from "./views.js";

/** A rule as the rules file (or a product config) spells it; what the scanner reads of it. */
export type RuleDocument = CompactRule;

interface AllowDocument {
  readonly id: string;
  readonly pattern: string;
  readonly key_pattern?: string;
}

/** The engine's own rule id: the document's views cost more than its work budget (fail closed). */
export const BUDGET_RULE_ID = "undecidable-budget";
export const DENY_RULE_ID = "product-deny-term";

const FORMAT = /\p{Cf}/gu;

/** The snake_case member-name normalization rules and allow scopes are written against (Python: normalize_key). */
export function normalizeKey(key: string): string {
  let text = key;
  if (!isAscii(text)) text = text.replace(FORMAT, "").normalize("NFKC").replace(FORMAT, "");
  text = text.replace(/([a-z0-9])([A-Z])/g, "$1_$2").replace(/([A-Z]+)([A-Z][a-z])/g, "$1_$2");
  return text.toLowerCase().replace(/[^a-z0-9]+/g, "_").replace(/^_+|_+$/g, "");
}

const compile = (pattern: string, ignoreCase: boolean): RegExp =>
  new RegExp(pattern, RULES.regex.js_flags + (ignoreCase ? RULES.regex.js_ignore_case_flag : ""));

function hasJsonType(value: unknown, type: string): boolean {
  switch (type) {
    case "null":
      return value === null;
    case "boolean":
      return typeof value === "boolean";
    case "integer":
      return typeof value === "number" && Number.isInteger(value);
    case "number":
      return typeof value === "number";
    case "string":
      return typeof value === "string";
    case "array":
      return Array.isArray(value);
    case "object":
      return value !== null && typeof value === "object" && !Array.isArray(value);
    default:
      return false;
  }
}

export const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === "object" && !Array.isArray(value);

/** One compiled rule. */
export class Rule {
  readonly id: string;
  readonly family: string;
  readonly target: string;
  readonly document: RuleDocument;
  readonly regex: RegExp | null;
  readonly keyRegex: RegExp | null;
  readonly keywords: readonly string[];
  readonly conditions: readonly { path: readonly string[]; type: string | undefined; regex: RegExp | null }[];


  constructor(document: RuleDocument) {
    this.id = document.id;
    this.family = document.family;
    this.target = document.target;
    this.document = document;
    this.regex = document.pattern === undefined ? null : compile(document.pattern, document.ignore_case);
    // Member names are normalized to lower snake_case first, so key patterns are case-sensitive.
    this.keyRegex = document.key_pattern === undefined ? null : compile(document.key_pattern, false);
    this.keywords = document.keywords;
    this.conditions = (document.structure?.all ?? []).map((condition) => ({
      path: condition.path,
      type: condition.type,
      regex: condition.pattern === undefined ? null : compile(condition.pattern, document.ignore_case),
    }));
  }

  /** The first match of the value pattern (after the keyword prefilter), or null. */
  search(text: string): RegExpExecArray | null {
    if (this.regex === null) return null;
    if (this.keywords.length > 0) {
      const lowered = text.toLowerCase();
      if (!this.keywords.some((keyword) => lowered.includes(keyword))) return null;
    }
    return this.regex.exec(text);
  }

  /** True when an object satisfies every condition of a structure rule. */
  matchesStructure(node: Record<string, unknown>): boolean {
    if (this.conditions.length === 0) return false;
    return this.conditions.every((condition) => {
      let current: unknown = node;
      for (const part of condition.path) {
        if (!isObject(current) || !Object.hasOwn(current, part)) return false;
        current = current[part];
      }
      if (condition.type !== undefined && !hasJsonType(current, condition.type)) return false;
      return condition.regex === null || (typeof current === "string" && condition.regex.test(current));
    });
  }
}

/** An exact-grammar exemption, optionally scoped to member names. */
export class AllowEntry {
  readonly id: string;
  readonly regex: RegExp;
  readonly keyRegex: RegExp | null;

  constructor(document: AllowDocument) {
    this.id = document.id;
    this.regex = compile(document.pattern, false);
    this.keyRegex = document.key_pattern === undefined ? null : compile(document.key_pattern, false);
  }

  /** True when `text` is exactly this grammar under a member this entry covers. */
  allows(text: string, normalizedKey: string | null): boolean {
    if (!this.regex.test(text)) return false;
    return this.keyRegex === null || (normalizedKey !== null && this.keyRegex.test(normalizedKey));
  }
}

/** What a member name means to the scanner (computed once per distinct name). */
export interface KeyInfo {
  normalized: string;
  fieldRules: readonly Rule[];
  scopedAllow: readonly AllowEntry[];
}

export const exempt = (info: KeyInfo, text: string): boolean => info.scopedAllow.some((entry) => entry.allows(text, info.normalized));

const REGEX_SYNTAX = new Set("^$\\.*+?()[]{}|/");
const TERM_SEPARATORS = /[-_ .]+/;

/** A deny term as a portable pattern; separators (-, _, space, .) may vary or vanish. */
export function escapeTerm(term: string): string {
  return term
    .split(TERM_SEPARATORS)
    .filter((part) => part !== "")
    .map((part) => [...part].map((char) => (REGEX_SYNTAX.has(char) ? `\\${char}` : char)).join(""))
    .join("[-_ .]?");
}

const byCodePoint = (a: string, b: string): number => {
  const x = [...a].map((c) => c.codePointAt(0)!);
  const y = [...b].map((c) => c.codePointAt(0)!);
  for (let i = 0; i < Math.min(x.length, y.length); i += 1) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
};

/** The synthesized rule for a product's deny terms (Python: deny_term_rule). */
export function denyTermRule(terms: readonly string[]): RuleDocument {
  const alternatives = [...new Set(terms.map(escapeTerm))].sort((a, b) => [...b].length - [...a].length || byCodePoint(a, b)).join("|");
  const keywords = [...new Set(terms.filter((term) => term.trim() !== "").map((term) => term.toLowerCase().split(TERM_SEPARATORS)[0]!))]
    .filter((keyword) => keyword !== "")
    .sort(byCodePoint);
  return {
    id: DENY_RULE_ID,
    family: "product",
    target: "value",
    pattern: `(?:^|[^A-Za-z0-9])(?:${alternatives})(?:$|[^A-Za-z0-9])`,
    ignore_case: true,
    keywords,
  };
}

/** The compiled rules in effect for one scan. */
export class RuleSet {
  readonly rules: readonly Rule[];
  readonly allow: readonly AllowEntry[];
  readonly textRules: readonly Rule[];
  readonly fieldRules: readonly Rule[];
  readonly structureRules: readonly Rule[];
  readonly structureFirstKeys: readonly string[];
  readonly extras: { deny_terms: string[]; rules: unknown[] } | null;
  private readonly keyCache = new Map<string, KeyInfo>();

  constructor(config?: PrivacyConfig) {
    this.allow = RULES.allow.map((entry) => new AllowEntry(entry));
    const rules = RULES.rules.map((document) => new Rule(document));
    const denyTerms = config?.deny_terms ?? [];
    const extraRules = (config?.rules ?? []) as unknown as RuleDocument[];
    // The digest covers the extras as written (descriptions and examples too).
    this.extras = denyTerms.length > 0 || extraRules.length > 0 ? { deny_terms: [...denyTerms], rules: [...extraRules] } : null;
    const known = new Set(rules.map((rule) => rule.id));
    for (const document of [...extraRules, ...(denyTerms.length > 0 ? [denyTermRule(denyTerms)] : [])]) {
      if (known.has(document.id)) throw new ContractError(`<config>: extra rule id ${JSON.stringify(document.id)} is already defined`);
      known.add(document.id);
      rules.push(new Rule(document));
    }
    this.rules = rules;
    this.textRules = rules.filter((rule) => rule.target === "value" || rule.target === "key");
    this.fieldRules = rules.filter((rule) => rule.target === "field");
    this.structureRules = rules.filter((rule) => rule.target === "structure");
    this.structureFirstKeys = [...new Set(this.structureRules.map((rule) => rule.conditions[0]!.path[0]!))].sort();
  }

  /** Normalized member name, the field rules and the key-scoped allow entries that apply (cached). */
  keyInfo(key: string): KeyInfo {
    let info = this.keyCache.get(key);
    if (info === undefined) {
      const normalized = normalizeKey(key);
      const fieldRules = this.fieldRules.filter((rule) => rule.keyRegex!.test(normalized));
      // Under a member with field rules, unscoped entries join too (their values are exempt).
      const scopedAllow = this.allow.filter(
        (entry) => (entry.keyRegex === null && fieldRules.length > 0) || (entry.keyRegex !== null && entry.keyRegex.test(normalized)),
      );
      info = { normalized, fieldRules, scopedAllow };
      if (this.keyCache.size > 65536) this.keyCache.clear();
      this.keyCache.set(key, info);
    }
    return info;
  }

  /** True when `text` is exempt under the member `normalizedKey` (null for member names). */
  allowed(text: string, normalizedKey: string | null): boolean {
    return this.allow.some((entry) => entry.allows(text, normalizedKey));
  }
}
