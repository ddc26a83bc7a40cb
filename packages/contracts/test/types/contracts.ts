// Type-level tests of ./types, compiled by `npm run typecheck` under --strict
// --noUncheckedIndexedAccess --exactOptionalPropertyTypes (a failing expectation is a tsc error).
import * as barrel from "../../generated/types/index.js";
import type { DecisionReason, EntitlementDecision, PlanSourceRecord, SourceKind, UsageEvent, UtcTimestamp } from "../../generated/types/index.js";
import { DECISION_REASONS, SOURCE_KINDS } from "../../generated/types/index.js";
import type { Validator } from "../../generated/validators/index.js";
import { validateUsageEvent } from "../../src/validators.js";

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const assert = <T extends true>(): T => true as T;

// Vocabulary enums: unions and const arrays that agree.
assert<Equal<SourceKind, (typeof SOURCE_KINDS)[number]>>();
assert<Equal<DecisionReason, (typeof DECISION_REASONS)[number]>>();
assert<Equal<SourceKind, "manual_override" | "billing_provider" | "promotion" | "trial" | "default_plan">>();

// Wire timestamps stay strings.
assert<Equal<UtcTimestamp, string>>();
assert<Equal<UsageEvent["occurred_at"], string>>();

// Required fields are required, optional ones optional (and not `| undefined` under exactOptionalPropertyTypes).
assert<Equal<undefined extends UsageEvent["quantity"] ? true : false, false>>();
assert<Equal<{} extends Pick<UsageEvent, "attributes"> ? true : false, true>>();
assert<Equal<{} extends Pick<UsageEvent, "event_id"> ? true : false, false>>();
// @ts-expect-error - exactOptionalPropertyTypes: an optional field cannot be set to undefined
const _noUndefined: Pick<PlanSourceRecord, "effective_end"> = { effective_end: undefined };

// The shared common types are imported, not copied: the same type by identity.
assert<Equal<EntitlementDecision["as_of"], barrel.UtcTimestamp>>();

// Validators are type guards.
assert<Equal<typeof validateUsageEvent, Validator<UsageEvent>>>();
export function quantityOf(data: unknown): number | undefined {
  return validateUsageEvent(data) ? data.quantity : undefined;
}
