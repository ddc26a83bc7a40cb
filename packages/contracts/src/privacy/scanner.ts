// The privacy scanner: walk parsed JSON (member names and string values), match the rules on
// the raw text and on the normalized views, report masked findings (Python:
// saas_contracts.privacy._scanner, the reference; same findings for the same document).
// Python preselects rules with an RE2 set over all texts at once; here every rule is tried
// on every text, which reports the same matches (the set only ever preselects a superset).
import { DECLARED_NAMES, RULES_DIGEST, RULES_DOCUMENT } from "../../generated/privacy/index.js";
import type { PrivacyConfig } from "../../generated/types/privacy.js";
import { canonicalDigest } from "../canonical.js";
import { PublicSafetyError } from "../errors.js";
import { parseStrict, pyDumps, pyNumber } from "../json.js";
import { compareText } from "../order.js";
import { escapeToken } from "../pointer.js";
import { BUDGET_RULE_ID, exempt, isObject, RuleSet, type KeyInfo, type Rule } from "./rules.js";
import { Budget, decodeBase64Runs, decodeHexRuns, derivedViews, hexIsUtf8, isAscii, pyHead, pyLen, pyStrip, triggerMatches, VIEWS, type ViewName } from "./views.js";

/** One rule match. Never holds the matched text: `preview` is masked. */
export interface Finding {
  rule_id: string;
  family: string;
  /** RFC 6901 pointer to the value (or to the member, for a `key` finding); flagged names are masked. */
  pointer: string;
  /** `key` when a member name matched, `value` otherwise. */
  target: "key" | "value";
  /** The first view that matched. */
  view: ViewName;
  /** A masked preview of the matched text. */
  preview: string;
  /** 1-based line for JSON Lines input (Python's scan_text); always null from scan(). */
  line: number | null;
}

/** The result of scanning one artifact. */
export interface ScanReport {
  clean: boolean;
  findings: Finding[];
}

/** A document's work budget: `base` units plus `perChar` per character (tests shrink it to exhaust it on purpose). */
export interface BudgetUnits {
  base: number;
  perChar: number;
}

const MAX_JSON_DEPTH = 3;
const RUN = 16;
const MAX_SKIPS = 32;
const SHORT = 12;
const LONG = 24;
const HEX_ONLY = /^[0-9a-fA-F]+$/;
const RUN_CHARS = /^[A-Za-z0-9+/_-]/;
const LONE_SURROGATE = /[\uD800-\uDFFF]/gu;
const VIEW_RANK = new Map<string, number>(VIEWS.map((name, rank) => [name, rank]));
const BUDGET_RULE = { id: BUDGET_RULE_ID, family: "undecidable" } as const;

/** A preview that hints at a value's shape without revealing it (Python: _mask.mask). */
export function mask(text: string): string {
  const length = pyLen(text);
  if (length < SHORT) return `\u2026(${length} chars)`;
  const head = pyHead(text, length >= LONG ? 4 : 2);
  const visible = [...head].map((char) => (char >= " " && char <= "~" ? char : "?")).join("");
  return `${visible}\u2026(${length} chars)`;
}

/** mask() of any JSON value: a non-string is masked via its JSON text, spelled as Python's json.dumps spells it. */
export function maskValue(value: unknown): string {
  return mask(typeof value === "string" ? value : pyDumps(value));
}

const utf8Safe = (text: string): string => (isAscii(text) ? text : text.replace(LONE_SURROGATE, "\ufffd"));

type Part = string | number;
interface Loc {
  path: readonly Part[];
  isKey: boolean;
}
interface Hit {
  rule: { id: string; family: string };
  loc: Loc;
  target: "key" | "value";
  view: ViewName;
  preview: string;
}
interface Text {
  text: string;
  loc: Loc;
}

const locKey = (loc: Loc): string => JSON.stringify([loc.path, loc.isKey]);

function mayDecode(run: string): boolean {
  if (run.length < RUN) return false;
  if (HEX_ONLY.test(run)) return hexIsUtf8(run);
  return decodeHexRuns(run) !== "" || decodeBase64Runs(run) !== "";
}

/** Scans one parsed document. */
class Walk {
  readonly texts: Text[] = [];
  readonly hits = new Map<string, Hit>();
  private readonly pending: [KeyInfo, string, Loc][] = [];

  constructor(
    private readonly rules: RuleSet,
    private readonly depth: number,
    private budget: Budget | null,
    private readonly units?: BudgetUnits,
  ) {}

  run(value: unknown): Map<string, Hit> {
    this.collect(value);
    for (const item of this.texts) item.text = utf8Safe(item.text);
    if (this.budget === null) {
      // Python sizes the budget by the newline-joined texts.
      const size = this.texts.reduce((sum, item) => sum + pyLen(item.text), 0) + Math.max(0, this.texts.length - 1);
      this.budget = this.units === undefined ? new Budget(size) : new Budget(size, this.units.base, this.units.perChar);
    }
    for (const [info, text, loc] of this.pending) this.fieldViews(info, text, loc);
    this.matchRaw();
    this.matchViews(this.triggerViews());
    return this.hits;
  }

  private collect(value: unknown): void {
    const add = (text: string, loc: Loc): void => {
      this.texts.push({ text, loc });
    };
    if (typeof value === "string") {
      add(value, { path: [], isKey: false });
      return;
    }
    const stack: [unknown, readonly Part[], KeyInfo | null][] = [[value, [], null]];
    while (stack.length > 0) {
      const [node, path, scope] = stack.pop()!;
      if (Array.isArray(node)) {
        node.forEach((child: unknown, index) => {
          const loc: Loc = { path: [...path, index], isKey: false };
          if (typeof child === "string") {
            if (scope !== null && scope.scopedAllow.length > 0 && exempt(scope, child)) return;
            add(child, loc);
            if (scope !== null && scope.fieldRules.length > 0) this.field(scope, child, loc);
          } else if (child !== null && typeof child === "object") {
            stack.push([child, loc.path, scope]);
          } else if (scope !== null && scope.fieldRules.length > 0 && typeof child === "number") {
            this.number(scope, child, loc);
          }
        });
      } else if (isObject(node)) {
        for (const [key, child] of Object.entries(node)) {
          const loc: Loc = { path: [...path, key], isKey: false };
          add(key, { path: loc.path, isKey: true });
          const info = this.rules.keyInfo(key);
          if (typeof child === "string") {
            if (info.scopedAllow.length > 0 && exempt(info, child)) continue;
            add(child, loc);
            if (info.fieldRules.length > 0) this.field(info, child, loc);
          } else if (child !== null && typeof child === "object") {
            stack.push([child, loc.path, info.fieldRules.length > 0 || info.scopedAllow.length > 0 ? info : null]);
          } else if (info.fieldRules.length > 0 && typeof child === "number") {
            this.number(info, child, loc);
          }
        }
        if (this.rules.structureFirstKeys.some((first) => Object.hasOwn(node, first))) this.structure(node, path);
      }
    }
  }

  private record(loc: Loc, target: "key" | "value", rule: { id: string; family: string }, view: ViewName, preview: string): void {
    const key = `${locKey(loc)}\u0000${target}\u0000${rule.id}`;
    if (!this.hits.has(key)) this.hits.set(key, { rule, loc, target, view, preview });
  }

  /** The normalized member name a value sits under (array items inherit their array's). */
  private scopeKey(loc: Loc): string | null {
    for (let index = loc.path.length - 1; index >= 0; index -= 1) {
      const part = loc.path[index]!;
      if (typeof part === "string") return this.rules.keyInfo(part).normalized;
    }
    return null;
  }

  private number(info: KeyInfo, value: number, loc: Loc): void {
    const text = pyNumber(value);
    if (!exempt(info, text)) this.field(info, text, loc);
  }

  private field(info: KeyInfo, text: string, loc: Loc): void {
    let missed = false;
    for (const rule of info.fieldRules) {
      if (rule.search(text) !== null) this.record(loc, "value", rule, "raw", mask(text));
      else missed = true;
    }
    if (missed) this.pending.push([info, text, loc]);
  }

  private fieldViews(info: KeyInfo, text: string, loc: Loc): void {
    const views = this.views(text, loc);
    for (const rule of info.fieldRules) {
      if (rule.search(text) !== null) continue;
      for (const [view, viewText] of views) {
        if (rule.search(viewText) !== null) {
          this.record(loc, "value", rule, view, mask(text));
          break;
        }
      }
    }
  }

  private views(text: string, loc: Loc): [ViewName, string][] {
    const budget = this.budget!;
    const views = derivedViews(text, budget);
    if (budget.exhausted && !budget.reported) {
      budget.reported = true;
      this.record(loc, loc.isKey ? "key" : "value", BUDGET_RULE, "raw", mask(text));
    }
    return views;
  }

  private structure(node: Record<string, unknown>, path: readonly Part[]): void {
    const loc: Loc = { path, isKey: false };
    for (const rule of this.rules.structureRules) {
      if (rule.matchesStructure(node)) this.record(loc, "value", rule, "raw", mask(pyHead(pyDumps(node), 4096)));
    }
  }

  private confirm(rule: Rule, item: Text, text: string, view: ViewName): void {
    const { loc } = item;
    if (rule.target === "key" && !loc.isKey) return;
    const match = rule.search(text);
    if (match === null) return;
    if (this.rules.allowed(item.text, loc.isKey ? null : this.scopeKey(loc))) return;
    this.record(loc, loc.isKey ? "key" : "value", rule, view, mask(match[0]));
  }

  private matchRaw(): void {
    for (const rule of this.rules.textRules) {
      for (const item of this.texts) this.confirm(rule, item, item.text, "raw");
    }
  }

  /** Texts whose views could differ from the raw text (Python: _trigger_views, text by text). */
  private triggerViews(): Text[] {
    return this.texts.filter(({ text }) => {
      if (!isAscii(text) || text.includes("\n")) return true;
      let skipped = 0;
      // At most MAX_SKIPS + 1 matches are read, each in one pass over the rest of the text.
      for (const run of triggerMatches(text)) {
        if (RUN_CHARS.test(run) && !mayDecode(run)) {
          skipped += 1;
          if (skipped <= MAX_SKIPS) continue;
        }
        return true;
      }
      return false;
    });
  }

  private matchViews(flagged: Text[]): void {
    for (const item of flagged) {
      const { text: raw, loc } = item;
      if (this.rules.allowed(raw, loc.isKey ? null : this.scopeKey(loc))) continue;
      const views = this.views(raw, loc).map(([view, text]) => [view, utf8Safe(text)] as [ViewName, string]);
      for (const [view, text] of views) {
        for (const rule of this.rules.textRules) this.confirm(rule, item, text, view);
      }
      if (this.depth < MAX_JSON_DEPTH) this.embeddedJson(item, [raw, ...views.map(([, text]) => text)]);
    }
  }

  private embeddedJson(item: Text, candidates: string[]): void {
    const { loc } = item;
    const target = loc.isKey ? "key" : "value";
    for (const text of candidates) {
      const stripped = pyStrip(text);
      if (!"{[".includes(stripped[0] ?? "-") || !"}]".includes(stripped[stripped.length - 1] ?? "-")) continue;
      const budget = this.budget!;
      if (!budget.spend(2 * pyLen(stripped))) {
        if (!budget.reported) {
          budget.reported = true;
          this.record(loc, target, BUDGET_RULE, "raw", mask(text));
        }
        return;
      }
      let inner: unknown;
      try {
        inner = parseStrict(stripped);
      } catch {
        continue;
      }
      for (const hit of new Walk(this.rules, this.depth + 1, budget).run(inner).values()) this.record(loc, target, hit.rule, "json", hit.preview);
    }
  }
}

const SAFE_NAME = /^\$?[a-z][a-z0-9]{0,23}(?:[._-][a-z0-9]{1,24}|[A-Z][a-z0-9]{1,23})*$/;
const SMALL_INDEX = /^[0-9]{1,3}$/;
const DECLARED = new Set(DECLARED_NAMES);

let defaultRuleSet: RuleSet | undefined;
const defaultRules = (): RuleSet => (defaultRuleSet ??= new RuleSet());
const safeCache = new Map<string, boolean>();

/** True when a JSON Pointer segment (a member name) may be shown verbatim (Python: _mask.is_safe_segment). */
export function isSafeSegment(segment: string): boolean {
  if (SMALL_INDEX.test(segment) || DECLARED.has(segment)) return true;
  if (segment.length > 64 || !SAFE_NAME.test(segment)) return false;
  if ([...segment].filter((char) => char >= "0" && char <= "9").length > 3) return false;
  let safe = safeCache.get(segment);
  if (safe === undefined) {
    safe = new Walk(defaultRules(), MAX_JSON_DEPTH, null).run({ [segment]: null }).size === 0;
    if (safeCache.size > 8192) safeCache.clear();
    safeCache.set(segment, safe);
  }
  return safe;
}

function pointer(loc: Loc, maskedKeys: Set<string>): string {
  return loc.path
    .map((segment, index) => {
      if (typeof segment === "number") return `/${segment}`;
      const masked = maskedKeys.has(JSON.stringify(loc.path.slice(0, index + 1))) || !isSafeSegment(segment);
      return `/${escapeToken(masked ? mask(segment) : segment)}`;
    })
    .join("");
}

/** Python's Finding.sort_key: line, pointer, target, rule, view. */
const byFindingOrder = (a: Finding, b: Finding): number =>
  (a.line ?? 0) - (b.line ?? 0) ||
  compareText(a.pointer, b.pointer) ||
  compareText(a.target, b.target) ||
  compareText(a.rule_id, b.rule_id) ||
  (VIEW_RANK.get(a.view) ?? 99) - (VIEW_RANK.get(b.view) ?? 99);

function findings(hits: Map<string, Hit>): Finding[] {
  const maskedKeys = new Set([...hits.values()].filter((hit) => hit.target === "key").map((hit) => JSON.stringify(hit.loc.path)));
  const unique = new Map<string, Finding>();
  for (const hit of hits.values()) {
    const finding: Finding = {
      rule_id: hit.rule.id,
      family: hit.rule.family,
      pointer: pointer(hit.loc, maskedKeys),
      target: hit.target,
      view: hit.view,
      preview: hit.preview,
      line: null,
    };
    unique.set(JSON.stringify(finding), finding);
  }
  return [...unique.values()].sort(byFindingOrder);
}

const configCache = new Map<string, RuleSet>();

function ruleSetFor(config: PrivacyConfig | undefined): RuleSet {
  if (config === undefined || ((config.deny_terms ?? []).length === 0 && (config.rules ?? []).length === 0)) return defaultRules();
  const key = JSON.stringify([config.deny_terms ?? [], config.rules ?? []]);
  let found = configCache.get(key);
  if (found === undefined) {
    found = new RuleSet(config);
    if (configCache.size > 32) configCache.clear();
    configCache.set(key, found);
  }
  return found;
}

/**
 * Scan one parsed JSON artifact (any JSON value) for material a public-safe artifact must not
 * hold: the same findings, in the same order, as Python's `saas_contracts.privacy.scan`.
 * `config` adds a product's deny terms and extra rules (privacy/v1/config); extras only add findings.
 * `units` overrides the work budget (default: 2^20 units plus 64 per character, as Python).
 */
export function scan(value: unknown, config?: PrivacyConfig, units?: BudgetUnits): ScanReport {
  const found = findings(new Walk(ruleSetFor(config), 0, null, units).run(value));
  return { clean: found.length === 0, findings: found };
}

/** Lines matched per walk (Python's _TEXT_BATCH): the cost stays linear in the text. */
const TEXT_BATCH = 64;
/** A line of only these ("{", "  ],") has nothing to find, but its JSON start would trigger views. */
const PUNCTUATION_ONLY = /^[ \t[\]{},]*$/;

/**
 * Scan plain text (a log line, a report, a diagnostic) line by line, as Python's `scan_text`: each
 * line is one text, matched raw and through its views, so anchored rules anchor at line ends; a
 * finding has the pointer "" and its 1-based `line`. Member-based rules have no member here and
 * embedded JSON is not parsed. The ellipsis of masked previews reads as "..." (its NFKC form).
 */
export function scanText(text: string, config?: PrivacyConfig): ScanReport {
  const rules = ruleSetFor(config);
  const numbered = text
    .replaceAll("\u2026", "...")
    .split("\n")
    .map((line, index) => [index + 1, line] as const)
    .filter(([, line]) => !PUNCTUATION_ONLY.test(line));
  const found: Finding[] = [];
  for (let start = 0; start < numbered.length; start += TEXT_BATCH) {
    const batch = numbered.slice(start, start + TEXT_BATCH);
    for (const hit of new Walk(rules, MAX_JSON_DEPTH, null).run(batch.map(([, line]) => line)).values()) {
      const line = batch[Number(hit.loc.path[0] ?? 0)]?.[0] ?? null;
      found.push({ rule_id: hit.rule.id, family: hit.rule.family, pointer: "", target: "value", view: hit.view, preview: hit.preview, line });
    }
  }
  const unique = new Map(found.map((finding) => [JSON.stringify(finding), finding]));
  return { clean: unique.size === 0, findings: [...unique.values()].sort(byFindingOrder) };
}

/**
 * Scan and return the (clean) report with the digest of the rules used, or throw PublicSafetyError
 * naming the findings (masked), as Python's `assert_public_safe`.
 */
export async function assertPublicSafe(value: unknown, config?: PrivacyConfig): Promise<ScanReport & { rulesDigest: string }> {
  const report = scan(value, config);
  const digest = await rulesDigest(config);
  if (!report.clean) throw new PublicSafetyError(report.findings, digest);
  return { ...report, rulesDigest: digest };
}

/**
 * The digest of the rules a scan with `config` uses: `sha256:` + SHA-256 of the RFC 8785 JSON of
 * `{"rules": <rules.json>}`, plus `"extras": {"deny_terms": [...], "rules": [...]}` when a config
 * adds any (Python: `rules_digest`). The packaged rules' digest is computed at build time.
 */
export async function rulesDigest(config?: PrivacyConfig): Promise<string> {
  const extras = ruleSetFor(config).extras;
  if (extras === null) return RULES_DIGEST;
  return canonicalDigest({ rules: RULES_DOCUMENT, extras });
}
