// RFC 8785 (JSON Canonicalization Scheme) over parsed JSON, and the `sha256:` digests the
// contracts publish (Python: saas_contracts._digest). Our own module rather than a dependency on
// the npm `canonicalize` package (its current release, 5.1.0, requires Node >= 22); the tests prove
// equal bytes with `canonicalize` 4.0.0 (Node >= 18) and with Python's rfc8785.

import { ContractError } from "./errors.js";

/** A JSON value as JSON.parse returns it. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

const encoder = new TextEncoder();

/** Compare by UTF-16 code units, the order RFC 8785 section 3.2.3 sorts property names in. */
const byCodeUnits = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function write(value: unknown, out: string[]): void {
  if (value === null || typeof value === "boolean") {
    out.push(String(value));
  } else if (typeof value === "number") {
    // ECMAScript Number-to-String is exactly RFC 8785's number serialization (section 3.2.2.3).
    if (!Number.isFinite(value)) throw new ContractError("RFC 8785 has no form for NaN or Infinity");
    out.push(JSON.stringify(value));
  } else if (typeof value === "string") {
    out.push(JSON.stringify(value));
  } else if (Array.isArray(value)) {
    out.push("[");
    value.forEach((item: unknown, index) => {
      if (index > 0) out.push(",");
      write(item, out);
    });
    out.push("]");
  } else if (typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    const record = value as Record<string, unknown>;
    out.push("{");
    Object.keys(record)
      .sort(byCodeUnits)
      .forEach((key, index) => {
        if (index > 0) out.push(",");
        out.push(JSON.stringify(key), ":");
        write(record[key], out);
      });
    out.push("}");
  } else {
    throw new ContractError(`RFC 8785 canonicalizes JSON values only, not ${typeof value}`);
  }
}

/** The RFC 8785 canonical text of a JSON value (throws ContractError on anything else). */
export function canonicalize(value: unknown): string {
  const out: string[] = [];
  write(value, out);
  return out.join("");
}

/** The RFC 8785 canonical UTF-8 bytes of a JSON value. */
export function canonicalBytes(value: unknown): Uint8Array {
  return encoder.encode(canonicalize(value));
}

const hex = (bytes: ArrayBuffer | Uint8Array): string =>
  Array.from(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes), (byte) => byte.toString(16).padStart(2, "0")).join("");

/** `sha256:<64 lower-case hex>` of `data` (WebCrypto). */
export async function sha256Digest(data: Uint8Array): Promise<string> {
  return `sha256:${hex(await crypto.subtle.digest("SHA-256", data as Uint8Array<ArrayBuffer>))}`;
}

/** `sha256:<64 hex>` over the RFC 8785 bytes of a JSON value. */
export async function canonicalDigest(value: unknown): Promise<string> {
  return sha256Digest(canonicalBytes(value));
}

export { hex as toHex };
