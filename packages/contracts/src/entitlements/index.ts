// @saas-contracts/contracts/entitlements: the entitlement decision, as Python's
// saas_contracts.entitlements decides it.
export { decide, evaluateRecord, instant, materialize, nextChange, resolve, type Resolution, type SourceState } from "./decide.js";
export { DuplicateRecordError } from "../errors.js";
