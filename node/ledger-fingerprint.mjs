// The usage-event fingerprint the way a TypeScript consumer computes it (one copy for every
// Node script here): sha256 over the RFC 8785 canonical JSON (npm `canonicalize`) of the
// event's business content. Mirrors saas_contracts.ledger._fingerprint.
import crypto from "node:crypto";
import canonicalize from "canonicalize";

/** Receipt fields left out of the fingerprint (saas_contracts.ledger FINGERPRINT_EXCLUDED_FIELDS). */
export const FINGERPRINT_EXCLUDED_FIELDS = ["event_id", "recorded_at"];

const TIMESTAMP = /^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,9})?Z$/;

/**
 * Fingerprint version 2: idempotency compares instants to the millisecond. The fraction of a
 * contract timestamp is truncated (not rounded) to 3 digits, trailing zeros and an empty "."
 * dropped: ...05Z, ...05.000Z, ...05.000000Z -> ...05Z; ...05.120Z -> ...05.12Z;
 * ...05.123456789Z -> ...05.123Z. Any other value is returned as it is.
 */
export function millisecondForm(value) {
  if (typeof value !== "string" || !TIMESTAMP.test(value) || value.length === 20) return value;
  const fraction = value.slice(20, 23).replace(/Z$/, "").replace(/0+$/, "");
  return value.slice(0, 19) + (fraction ? "." + fraction : "") + "Z";
}

/** The fingerprinted content: receipt fields removed, occurred_at and plan.captured_at in millisecond form. */
export function businessContent(event, excluded = FINGERPRINT_EXCLUDED_FIELDS) {
  const drop = new Set(excluded);
  const content = Object.fromEntries(Object.entries(event).filter(([name]) => !drop.has(name)));
  if ("occurred_at" in content) content.occurred_at = millisecondForm(content.occurred_at);
  const plan = content.plan;
  if (plan !== null && typeof plan === "object" && !Array.isArray(plan) && "captured_at" in plan) {
    content.plan = { ...plan, captured_at: millisecondForm(plan.captured_at) };
  }
  return content;
}

/** {canonical_hex, fingerprint} of an event; `sha256:<hex>` is the fingerprint. */
export function fingerprintOf(event, excluded = FINGERPRINT_EXCLUDED_FIELDS) {
  const bytes = Buffer.from(canonicalize(businessContent(event, excluded)), "utf8");
  return {
    canonical_hex: bytes.toString("hex"),
    fingerprint: "sha256:" + crypto.createHash("sha256").update(bytes).digest("hex"),
  };
}

/** `sha256:<hex>` over the canonical JSON of the event's business content. */
export const fingerprint = (event) => fingerprintOf(event).fingerprint;
