// @saas-contracts/contracts/entitlements: the entitlement decision and the lifecycle apply, as
// Python's saas_contracts.entitlements decides and applies them.
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
  StateConsistencyError,
} from "./apply.js";
export { canonicalKey, compareKeys, type CanonicalKey, type Entry, fold, type Fold, type FoldLabel } from "./fold.js";
export { type IllegalTransition, isIllegal, refundEndsAccess, transition } from "./lifecycle.js";
export { DuplicateRecordError } from "../errors.js";
