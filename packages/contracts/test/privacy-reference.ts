// The shape of Python's privacy answers (tests/ts_package/_privacy.py, under "privacy" in the reference file).
import type { PrivacyConfig } from "../generated/types/privacy.js";
import type { Finding } from "../src/privacy/index.js";
import { reference } from "./reference.js";

export interface PrivacyDocument {
  corpus: string;
  name: string;
  document: unknown;
  config: boolean;
  findings: Finding[];
}

export interface PrivacyReference {
  config: PrivacyConfig;
  rules_digest: string;
  config_rules_digest: string;
  declared_names: string[];
  documents: PrivacyDocument[];
  budget_cases: { document: number; base: number; per_char: number; findings: Finding[] }[];
  /** Plain texts (corpora as JSON Lines and indented reports, sample lines) and Python's scan_text findings. */
  text_cases: { name: string; text: string; config: boolean; findings: Finding[] }[];
  /** Probe texts, the indices each value-pattern rule matches (RE2, keyword prefilter first), normalized member names. */
  rule_probes: { texts: string[]; matches: Record<string, number[]>; normalized_keys: Record<string, string> };
}

/** Python's privacy verdicts, read once per test file. */
export const privacyReference = (): PrivacyReference => (reference() as unknown as { privacy: PrivacyReference }).privacy;
