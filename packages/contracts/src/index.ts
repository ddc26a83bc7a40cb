// @saas-contracts/contracts: errors and versions. The capabilities live in subpath modules:
// ./types, ./validators, ./ledger, ./entitlements, ./fixtures, ./redaction, ./schemas/*.
export { ContractError, ContractViolationError, DuplicateRecordError, IndexBusyError, IndexFormatError, PublicSafetyError, type Violation } from "./errors.js";
export { CONTRACT_VERSIONS, PACKAGE_VERSION } from "../generated/versions.js";
