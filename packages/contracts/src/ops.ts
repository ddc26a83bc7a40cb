// The one ops-summary path every contract uses (Python: saas_contracts._ops): header, privacy
// evidence, scan, validate, render. A contract supplies its body and its renderers (an
// OpsSummarySpec); buildOpsSummary then
//
// 1. joins the shared header (kind, generated_at, commit_sha when given) and the body, and scans
//    the document (a finding throws PublicSafetyError before anything is rendered);
// 2. embeds the evidence (`privacy`: the rules digest and zero findings) and validates the document
//    against the contract's schema (ContractViolationError otherwise);
// 3. renders every format (JSON is shared: Python's dumps_pretty spelling) and scans each rendering.

import type { PrivacyConfig } from "../generated/types/privacy.js";
import type { Validator } from "../generated/validators/index.js";
import { compareText } from "./order.js";
import { assertPublicSafe } from "./privacy/scanner.js";
import { ensureValid } from "./validators.js";

type Json = Record<string, unknown>;

/** The properties of common/v1/common#/$defs/ops_summary_header, in document order. */
export const HEADER_FIELDS: readonly string[] = Object.freeze(["kind", "generated_at", "commit_sha", "privacy"]);

/** What one contract contributes: its schema (name and validator), its `kind` tag and its non-JSON renderers. */
export interface OpsSummarySpec {
  readonly schema: string;
  readonly validator: Validator<unknown>;
  readonly kind: string;
  readonly renderers: Readonly<Record<string, (document: Json) => string>>;
}

/** A scanned, schema-valid ops summary and its renderings (each scanned too, each ending in one newline). */
export interface OpsSummary {
  readonly document: Json;
  readonly renderings: Readonly<Record<string, string>>;
}

export interface OpsSummaryOptions {
  /** The instant the summary is stamped with (time is an argument). */
  readonly generatedAt: string;
  readonly commitSha?: string | undefined;
  readonly config?: PrivacyConfig | undefined;
  /** Edits the joined document before the scan (the fixtures' negative probes use it). */
  readonly mutate?: ((document: Json) => void) | undefined;
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
    const record = value as Json;
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
    out.push(JSON.stringify(value) ?? "null");
  }
}

/** The one human-facing JSON spelling (Python: dumps_pretty): 2-space indent, sorted keys, non-ASCII kept, final newline. */
export function prettyJson(value: unknown): string {
  const out: string[] = [];
  writePretty(value, "", out);
  out.push("\n");
  return out.join("");
}

/** The shared header without its privacy evidence (added after the scan). */
export function opsHeader(kind: string, generatedAt: string, commitSha?: string): Json {
  const header: Json = { kind, generated_at: generatedAt };
  if (commitSha !== undefined) header["commit_sha"] = commitSha;
  return header;
}

/** Header + `body`: scan, embed the evidence, validate, render and scan every rendering (JSON first). */
export async function buildOpsSummary(spec: OpsSummarySpec, body: Json, options: OpsSummaryOptions): Promise<OpsSummary> {
  const document = opsHeader(spec.kind, options.generatedAt, options.commitSha);
  for (const [key, value] of Object.entries(body)) if (!HEADER_FIELDS.includes(key)) document[key] = value;
  options.mutate?.(document);
  const report = await assertPublicSafe(document, options.config);
  document["privacy"] = { rules_digest: report.rulesDigest, findings: 0 };
  ensureValid(spec.validator, document, spec.schema);
  const renderers: Record<string, (document: Json) => string> = { json: prettyJson };
  for (const [name, render] of Object.entries(spec.renderers)) if (!(name in renderers)) renderers[name] = render;
  const renderings: Record<string, string> = {};
  for (const [name, render] of Object.entries(renderers)) {
    const text = render(document);
    await assertPublicSafe(text, options.config);
    renderings[name] = text.endsWith("\n") ? text : `${text}\n`;
  }
  return { document, renderings };
}
