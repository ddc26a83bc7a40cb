// @saas-contracts/contracts/ledger: usage-event fingerprints, idempotency scope keys and the
// CloudEvents mapping, byte for byte as Python's saas_contracts.ledger computes them.
export {
  FINGERPRINT_EXCLUDED_FIELDS,
  FINGERPRINT_VERSION,
  SCOPE_KEY_BYTES,
  businessContent,
  canonicalInstant,
  fingerprint,
  fingerprintBytes,
  scopeKey,
} from "./fingerprint.js";
export {
  CLOUDEVENT_SCHEMA,
  CLOUDEVENT_SOURCE_PREFIX,
  EVENT_SCHEMA,
  EVENT_SCHEMA_ID,
  fromCloudEvent,
  toCloudEvent,
} from "./cloudevent.js";
export { canonicalBytes, canonicalDigest, canonicalize, sha256Digest, type JsonValue } from "../canonical.js";
