// @saas-contracts/contracts/entitlements: the entitlement decision, the lifecycle apply and the ops
// summary, as Python's saas_contracts.entitlements decides, applies and counts them.
export {
  conversionGraceNanos,
  decide,
  evaluateRecord,
  formatInstant,
  instant,
  materialize,
  nextChange,
  resolve,
  type Resolution,
  type SourceState,
} from "./decide.js";
export {
  type ApplyOptions,
  type ApplyResult,
  ApprovalRequiredError,
  applyEvents,
  type AuditContext,
  buildEnvelope,
  emptyState,
  type EventResult,
  lifecycleFingerprint,
  OPERATOR_KINDS,
  StateConsistencyError,
} from "./apply.js";
export { canonicalKey, compareKeys, type CanonicalKey, type Entry, fold, type Fold, type FoldLabel } from "./fold.js";
export { type IllegalTransition, isIllegal, refundEndsAccess, transition } from "./lifecycle.js";
export { DuplicateRecordError } from "../errors.js";
export {
  ENTITLEMENTS_OPS_SUMMARY_KIND,
  ENTITLEMENTS_OPS_SUMMARY_SCHEMA,
  renderSummaryMarkdown,
  renderSummaryText,
  summarize,
  type SummarizeInput,
  SummaryInputError,
} from "./ops.js";
export { type OpsSummary } from "../ops.js";
