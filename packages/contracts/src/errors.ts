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
