// @saas-contracts/contracts/ledger: usage-event fingerprints, idempotency scope keys, the
// CloudEvents mapping, replay over JSON Lines (memory or D1 index) and the ops summary, byte for byte as Python's
// saas_contracts.ledger computes them.
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
export {
  type CheckedReplayRequest,
  ConservationError,
  conservation,
  DEFAULT_MAX_SPAN_DAYS,
  DEFAULT_SUPPRESSION_THRESHOLD,
  type BatchIndexRun,
  type IndexRun,
  type IndexVerdict,
  type LineIssue,
  MAX_SAMPLES,
  MemoryIndex,
  type Outcome,
  OUTCOMES,
  type ReplayCounts,
  replayLines,
  type ReplayIndex,
  type ReplayOptions,
  type ReplayReport,
  replayReportJson,
  replayRequest,
  REQUEST_SCHEMA,
  type SummaryRow,
  type TimeRules,
  type TimeViolation,
  timeViolations,
  type UsageSummaryDocument,
  usageSummary,
} from "./replay.js";
export { D1Index, type D1DatabaseLike, type D1StatementLike } from "./d1.js";
export { IndexBusyError, IndexFormatError } from "../errors.js";
export { buildLedgerOpsSummary, type LedgerOpsOptions, OPS_SUMMARY_KIND, OPS_SUMMARY_SCHEMA, opsSummaryBody, renderMarkdown } from "./ops.js";
export { prettyJson } from "../json.js";
export { type OpsSummary } from "../ops.js";
