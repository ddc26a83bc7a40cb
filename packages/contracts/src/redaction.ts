// Redacted references (Python: saas_contracts.redaction), with WebCrypto: a kind prefix, "_ref_",
// then lower-case RFC 4648 base32 (no padding) of the first 16 bytes of
// HMAC-SHA256(product key, kind + ":" + raw id).

import { ContractError } from "./errors.js";

/** Keys shorter than this are refused. */
export const MIN_KEY_BYTES = 16;
/** The grammar of common/v1/common#/$defs/redacted_reference. */
export const REFERENCE_PATTERN = /^[a-z][a-z0-9]{1,15}_ref_[a-z2-7]{26}$/;

const KIND = /^[a-z][a-z0-9]{1,15}$/;
const DIGEST_BYTES = 16;
const ALPHABET = "abcdefghijklmnopqrstuvwxyz234567";
const encoder = new TextEncoder();

/** The key, kind or raw id cannot make a reference (Python: RedactionError). */
export class RedactionError extends ContractError {
  override name = "RedactionError";
}

function base32(bytes: Uint8Array): string {
  let bits = 0;
  let value = 0;
  let out = "";
  for (const byte of bytes) {
    value = ((value << 8) | byte) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out;
}

/** The redacted reference of `rawId` of the given `kind` under `key` (at least 16 bytes). */
export async function redact(kind: string, rawId: string, key: Uint8Array): Promise<string> {
  if (!(key instanceof Uint8Array) || key.length < MIN_KEY_BYTES) {
    throw new RedactionError(`the redaction key must be at least ${MIN_KEY_BYTES} bytes`);
  }
  if (typeof kind !== "string" || !KIND.test(kind)) {
    throw new RedactionError("kind must be a letter followed by 1 to 15 lower-case letters or digits");
  }
  if (typeof rawId !== "string" || rawId === "") throw new RedactionError("raw_id must be a non-empty string");
  const secret = await crypto.subtle.importKey("raw", key as Uint8Array<ArrayBuffer>, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", secret, encoder.encode(`${kind}:${rawId}`)));
  return `${kind}_ref_${base32(mac.slice(0, DIGEST_BYTES))}`;
}

/** True when `value` is a string in the redacted-reference grammar. */
export function isRedactedReference(value: unknown): value is string {
  return typeof value === "string" && REFERENCE_PATTERN.test(value);
}
