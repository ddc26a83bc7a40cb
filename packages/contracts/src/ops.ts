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
import { prettyJson } from "./json.js";
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
