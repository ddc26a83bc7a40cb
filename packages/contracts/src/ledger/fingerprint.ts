// Idempotency scope and fingerprint of a usage event (Python: saas_contracts.ledger._fingerprint).
//
// * Scope: an idempotency key is unique within its producer, the scope is (source, idempotency_key);
//   its index key is the first 16 bytes of SHA-256 over "source\nidempotency_key".
// * Fingerprint: "sha256:" + hex(SHA-256(RFC 8785 bytes of the business content)), the business
//   content being the event without the receipt fields event_id and recorded_at, with the instants
//   occurred_at and plan.captured_at in their canonical spelling (canonicalInstant): so an event whose
//   `time` a CloudEvents SDK rewrote with Date#toISOString ("…05Z" -> "…05.000Z") stays a duplicate.

import { canonicalBytes, sha256Digest } from "../canonical.js";
import type { UsageEvent } from "../../generated/types/usage-ledger.js";

/** Receipt fields left out of the fingerprint, in sorted order. */
export const FINGERPRINT_EXCLUDED_FIELDS = Object.freeze(["event_id", "recorded_at"] as const);

/** Version of the fingerprint rule (2: instants compared to the millisecond; 1: as written). */
export const FINGERPRINT_VERSION = 2;

/** Index keys are the first 16 bytes of SHA-256 over the scope (no raw key is stored). */
export const SCOPE_KEY_BYTES = 16;

const EXCLUDED: ReadonlySet<string> = new Set(FINGERPRINT_EXCLUDED_FIELDS);
const INSTANT = /^([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2})(?:\.([0-9]{1,9}))?Z$/;
const encoder = new TextEncoder();

/**
 * The canonical spelling of a UTC timestamp inside fingerprinted content: the fraction truncated
 * (not rounded) to at most 3 digits, trailing zeros removed, the "." dropped when nothing is left.
 * "…05.000Z" and "…05Z" are one spelling ("…05Z"), "…05.120Z" is "…05.12Z", "…05.123456789Z" is
 * "…05.123Z". Text that is not a contract timestamp (1 to 9 fraction digits) is returned unchanged.
 */
export function canonicalInstant(timestamp: string): string {
  const found = INSTANT.exec(timestamp);
  if (found === null) return timestamp;
  const fraction = (found[2] ?? "").slice(0, 3).replace(/0+$/, "");
  return `${found[1] ?? ""}${fraction === "" ? "" : `.${fraction}`}Z`;
}

type EventLike = UsageEvent | Readonly<Record<string, unknown>>;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** The part of an event its fingerprint covers: receipt fields removed, instants canonical (a copy). */
export function businessContent(event: EventLike): Record<string, unknown> {
  const content: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(event)) {
    if (!EXCLUDED.has(name)) content[name] = value;
  }
  if (typeof content["occurred_at"] === "string") content["occurred_at"] = canonicalInstant(content["occurred_at"]);
  const plan = content["plan"];
  if (isRecord(plan) && typeof plan["captured_at"] === "string") {
    content["plan"] = { ...plan, captured_at: canonicalInstant(plan["captured_at"]) };
  }
  return content;
}

/** The RFC 8785 bytes a fingerprint is taken over. */
export function fingerprintBytes(event: EventLike): Uint8Array {
  return canonicalBytes(businessContent(event));
}

/** The event's fingerprint: `sha256:<64 hex>` over the RFC 8785 bytes of its business content. */
export async function fingerprint(event: EventLike): Promise<string> {
  return sha256Digest(fingerprintBytes(event));
}

/** The 16-byte index key of an idempotency scope (source, idempotency_key). */
export async function scopeKey(source: string, idempotencyKey: string): Promise<Uint8Array> {
  const digest = await crypto.subtle.digest("SHA-256", encoder.encode(`${source}\n${idempotencyKey}`));
  return new Uint8Array(digest).slice(0, SCOPE_KEY_BYTES);
}
