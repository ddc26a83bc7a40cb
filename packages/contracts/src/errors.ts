// Errors of @saas-contracts/contracts, named as in Python's saas_contracts.errors. Messages never
// echo input values.

/** One schema violation: where (RFC 6901 JSON Pointer into the instance) and which keyword. */
export interface Violation {
  readonly pointer: string;
  readonly keyword: string;
}

/** Base class of every error this package throws (Python: ContractError). */
export class ContractError extends Error {
  override name = "ContractError";
}

/** An instance does not satisfy its schema (Python: ContractViolationError). */
export class ContractViolationError extends ContractError {
  override name = "ContractViolationError";
  readonly schema: string;
  readonly violations: readonly Violation[];

  constructor(schema: string, violations: readonly Violation[]) {
    super(`not a valid ${schema}: ${violations.length} violation(s)`);
    this.schema = schema;
    this.violations = violations;
  }
}

/** Two records of one decision request share a record_id (Python: DuplicateRecordError). */
export class DuplicateRecordError extends ContractError {
  override name = "DuplicateRecordError";

  constructor() {
    super("two records of the decision request share one record_id");
  }
}

/** The masked facts of one privacy finding an error names (a subset of privacy's Finding). */
export interface FindingSummary {
  readonly rule_id: string;
  readonly family: string;
  readonly pointer: string;
  readonly target: string;
}

/** An artifact that must be public-safe is not (Python: PublicSafetyError); `findings` says where, masked. */
export class PublicSafetyError extends ContractError {
  override name = "PublicSafetyError";
  readonly findings: readonly FindingSummary[];
  readonly rulesDigest: string;

  constructor(findings: readonly FindingSummary[], rulesDigest = "") {
    const first = findings[0];
    const detail = first === undefined ? "" : `: ${first.pointer || "/"}: ${first.rule_id} (${first.family}, ${first.target})`;
    const more = findings.length > 1 ? ` (+${findings.length - 1} more)` : "";
    super(`artifact is not public-safe${detail}${more}`);
    this.findings = findings;
    this.rulesDigest = rulesDigest;
  }
}

/** Another run wrote some of this run's idempotency scopes first; nothing of this run was kept (Python: IndexBusyError). */
export class IndexBusyError extends ContractError {
  override name = "IndexBusyError";
}

/** A database that is not a usable idempotency index: another table layout or fingerprint version. */
export class IndexFormatError extends ContractError {
  override name = "IndexFormatError";
}
