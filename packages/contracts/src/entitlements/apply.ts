// The audited plan-source writer (Python: saas_contracts.entitlements._writer and _state), pure
// over JSON: a state in its `entitlements/v1/state` export form and delivered lifecycle events in,
// the new state, one outcome per event and the write envelopes of the applied ones out. A Worker
// that receives a provider webhook keeps the state document (KV, D1, a Durable Object) and applies.
//
// Per delivered event, in Python's order: schema-valid (else `invalid`); an already-seen event_id
// with the same fingerprint is a `duplicate`, with another a `conflict`. Otherwise the event joins
// its record's log and the record is the fold of the log in canonical order (./fold.ts): `applied`
// (possibly late; it yields an envelope), `stale` (late and superseded, or older than a pre-log
// base), `parked` (no creating event before it yet) or `illegal`. Every first-seen event gets a
// receipt holding its current place in the fold, so outcomes depend on the set of events, not
// their delivery order. Fingerprints are WebCrypto SHA-256 over RFC 8785 bytes, equal to Python's.

import { EVENT_OUTCOMES, LIFECYCLE_KINDS } from "../../generated/types/entitlements.js";
import type { EventOutcome, LifecycleEvent, PlanSourceRecord, PlanSourceState, Receipt, WriteEnvelope } from "../../generated/types/entitlements.js";
import { validateLifecycleEvent, validatePlanSourceState, validateWriteEnvelope } from "../../generated/validators/index.js";
import { canonicalDigest } from "../canonical.js";
import { ContractError, ContractViolationError, type Violation } from "../errors.js";
import { isDateTime } from "../formats.js";
import { toViolations } from "../validators.js";
import { canonicalKey, type Entry, fold, foldOnto, type FoldLabel, insert, sameAccess } from "./fold.js";
import { ENDING_KINDS, refundEndsAccess } from "./lifecycle.js";
import { compareText } from "../order.js";

/** An operator write without an operator label and approval reference (Python: ApprovalRequiredError). */
export class ApprovalRequiredError extends ContractError {
  override name = "ApprovalRequiredError";
}

/** A schema-valid state that repeats an id or logs an event without its receipt (Python: StateConsistencyError). */
export class StateConsistencyError extends ContractError {
  override name = "StateConsistencyError";
}

/** What every write envelope records about the writer (Python: AuditContext). */
export interface AuditContext {
  /** written_at: a UTC timestamp, passed in (the library never reads a clock). */
  readonly now: string;
  /** The 40-hex commit of the code that writes. */
  readonly commitSha: string;
}

export interface ApplyOptions {
  /** With an audit context every applied event yields its write envelope. */
  readonly audit?: AuditContext;
  /**
   * The privacy rule ids that fire on an event_id (Python refuses a flagged event_id as `invalid`,
   * keyword `publicSafety`). Without it event_ids are only checked against the schema.
   */
  readonly screenEventId?: (eventId: string) => readonly string[];
}

/** The one outcome of one delivered event (Python: EventResult.to_json()). */
export interface EventResult {
  /** 0-based position in the delivered stream. */
  readonly index: number;
  readonly outcome: EventOutcome;
  readonly detail: string;
  readonly event_id?: string;
  readonly kind?: string;
  readonly record_id?: string;
  readonly violations?: readonly Violation[];
}

export interface ApplyResult {
  /** The new state document (entitlements/v1/state, deterministic order). */
  readonly state: PlanSourceState;
  /** One result per delivered event, in delivery order. */
  readonly outcomes: readonly EventResult[];
  /** Events per outcome, every outcome listed. */
  readonly counts: Readonly<Record<EventOutcome, number>>;
  /** The write envelopes of applied events, in delivery order (empty without an audit context). */
  readonly envelopes: readonly WriteEnvelope[];
}

const STATE_TAG = "entitlements/v1";
const COMMIT_SHA = /^[0-9a-f]{40}$/;
const UTC_TIMESTAMP = /^[0-9]{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\.[0-9]{1,9})?Z$/;
/** Lifecycle kinds that are operator writes (they need an approval reference; Python: OPERATOR_KINDS). */
export const OPERATOR_KINDS: ReadonlySet<string> = new Set(["manual_grant", "manual_revoke"]);
const KINDS: ReadonlySet<string> = new Set(LIFECYCLE_KINDS);
const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;
const sortedKeys = <T>(map: ReadonlyMap<string, T>): string[] => [...map.keys()].sort(compareText);

/** `sha256:` + hex SHA-256 of the RFC 8785 canonical JSON of a lifecycle event (Python: _writer.fingerprint). */
export function lifecycleFingerprint(event: LifecycleEvent): Promise<string> {
  return canonicalDigest(event);
}

/** The working state: records, receipts, each record's log and the pre-log bases (Python: PlanSourceState). */
class WorkingState {
  readonly records = new Map<string, PlanSourceRecord>();
  readonly receipts = new Map<string, Receipt>();
  readonly log = new Map<string, Entry[]>();
  readonly bases = new Map<string, PlanSourceRecord>();

  static async from(document: unknown): Promise<WorkingState> {
    const state = new WorkingState();
    if (document === undefined) return state;
    if (!validatePlanSourceState(document)) throw new ContractViolationError("entitlements/v1/state", toViolations(validatePlanSourceState.errors));
    for (const record of document.records) {
      if (state.records.has(record.record_id)) throw new StateConsistencyError("the state repeats a record_id");
      state.records.set(record.record_id, clone(record));
    }
    for (const receipt of document.receipts) {
      if (state.receipts.has(receipt.event_id)) throw new StateConsistencyError("the state repeats a receipt event_id");
      state.receipts.set(receipt.event_id, { ...receipt });
    }
    if (document.events === undefined) {
      // Written before logs were kept: every record is a base its fold starts from.
      for (const [key, record] of state.records) state.bases.set(key, clone(record));
      return state;
    }
    for (const base of document.bases ?? []) state.bases.set(base.record_id, clone(base));
    for (const event of document.events) {
      const logged = clone(event);
      const print = await lifecycleFingerprint(logged);
      const receipt = state.receipts.get(logged.event_id);
      if (receipt === undefined || receipt.fingerprint !== print) throw new StateConsistencyError("a logged event has no receipt with its fingerprint");
      const entries = state.log.get(logged.record_id) ?? [];
      state.log.set(logged.record_id, entries);
      insert(entries, { key: canonicalKey(logged, print), event: logged, fingerprint: print });
    }
    return state;
  }

  toDocument(): PlanSourceState {
    const document: PlanSourceState = {
      state: STATE_TAG,
      records: sortedKeys(this.records).map((key) => clone(this.records.get(key) as PlanSourceRecord)),
      receipts: sortedKeys(this.receipts).map((key) => ({ ...(this.receipts.get(key) as Receipt) })),
      events: sortedKeys(this.log).flatMap((key) => (this.log.get(key) ?? []).map((entry) => clone(entry.event))),
    };
    if (this.bases.size > 0) document.bases = sortedKeys(this.bases).map((key) => clone(this.bases.get(key) as PlanSourceRecord));
    return document;
  }

  /** Log `entry`: undefined when it went last, else the whole log (sorted) to fold again. */
  addToLog(recordId: string, entry: Entry): Entry[] | undefined {
    const entries = this.log.get(recordId) ?? [];
    this.log.set(recordId, entries);
    return insert(entries, entry) ? undefined : entries;
  }
}

function defaultReason(event: LifecycleEvent): string {
  if (event.reason !== undefined) return String(event.reason);
  if (event.kind === "plan_change") return String(event.direction);
  return event.kind;
}

function operation(before: PlanSourceRecord | undefined, after: PlanSourceRecord, event: LifecycleEvent): WriteEnvelope["operation"] {
  if (before === undefined) return "create";
  const ending = ENDING_KINDS.has(event.kind) || (event.kind === "refund" && refundEndsAccess(event));
  return ending || (after.status === "ended" && before.status !== "ended") ? "end" : "update";
}

/** The audited write envelope of an applied event, valid against entitlements/v1/write (Python: build_envelope). */
export async function buildEnvelope(
  before: PlanSourceRecord | undefined,
  after: PlanSourceRecord,
  event: LifecycleEvent,
  audit: AuditContext,
): Promise<WriteEnvelope> {
  const operatorAction = OPERATOR_KINDS.has(event.kind) || "operator" in event;
  if (operatorAction && !("operator" in event && "approval_ref" in event)) {
    throw new ApprovalRequiredError("an operator write needs an operator label and an approval reference");
  }
  const source = event as Record<string, unknown>;
  const cause: Record<string, unknown> = {
    type: operatorAction ? "operator_action" : "lifecycle_event",
    event_kind: event.kind,
    event_id: event.event_id,
    occurred_at: event.occurred_at,
  };
  for (const name of ["provider", "direction", "timing"]) if (name in source) cause[name] = source[name];
  const auditBlock: Record<string, unknown> = { written_at: audit.now, commit_sha: audit.commitSha, reason: defaultReason(event) };
  for (const name of ["operator", "approval_ref"]) if (name in source) auditBlock[name] = source[name];
  const envelope: Record<string, unknown> = {
    idempotency_key: event.event_id,
    fingerprint: await lifecycleFingerprint(event),
    workspace: event.workspace,
    record_id: event.record_id,
    source_kind: event.source_kind,
    operation: operation(before, after, event),
    cause,
    effective_at: event.effective_at ?? event.occurred_at,
    after,
    audit: auditBlock,
  };
  if (before !== undefined) envelope["before"] = before;
  if (!validateWriteEnvelope(envelope)) throw new ContractViolationError("entitlements/v1/write", toViolations(validateWriteEnvelope.errors));
  return envelope;
}

function checkAudit(audit: AuditContext): void {
  if (typeof audit.now !== "string" || !UTC_TIMESTAMP.test(audit.now) || !isDateTime(audit.now)) {
    throw new ContractViolationError("common/v1/common#/$defs/utc_timestamp", [{ pointer: "", keyword: "pattern" }]);
  }
  if (typeof audit.commitSha !== "string" || !COMMIT_SHA.test(audit.commitSha)) {
    throw new ContractViolationError("common/v1/common#/$defs/commit_sha", [{ pointer: "", keyword: "pattern" }]);
  }
}

type Ids = { index: number; event_id: string; kind: string; record_id: string };

/** Write every label into its receipt; count the other events whose outcome the fold changed. */
function relabel(state: WorkingState, entries: readonly Entry[], labels: ReadonlyMap<string, FoldLabel>): Map<string, number> {
  const changed = new Map<string, number>();
  for (const entry of entries) {
    const label = labels.get(entry.event.event_id);
    if (label === undefined) continue;
    const receipt = state.receipts.get(entry.event.event_id);
    if (receipt === undefined) {
      const { event } = entry;
      state.receipts.set(event.event_id, { event_id: event.event_id, fingerprint: entry.fingerprint, kind: event.kind, record_id: event.record_id, outcome: label });
    } else if (receipt.outcome !== label) {
      state.receipts.set(entry.event.event_id, { ...receipt, outcome: label });
      changed.set(label, (changed.get(label) ?? 0) + 1);
    }
  }
  return changed;
}

async function applyOne(state: WorkingState, delivered: unknown, index: number, options: ApplyOptions): Promise<[EventResult, WriteEnvelope | undefined]> {
  let violations: Violation[] = validateLifecycleEvent(delivered) ? [] : toViolations(validateLifecycleEvent.errors);
  if (violations.length === 0 && options.screenEventId !== undefined) {
    const ruleIds = options.screenEventId((delivered as LifecycleEvent).event_id);
    if (ruleIds.length > 0) violations = [{ pointer: "/event_id", keyword: "publicSafety" }];
  }
  if (violations.length > 0) {
    const kind = typeof delivered === "object" && delivered !== null && !Array.isArray(delivered) ? (delivered as Record<string, unknown>)["kind"] : undefined;
    const result: EventResult = {
      index,
      outcome: "invalid",
      detail: `not a valid lifecycle event (${violations.length} violation(s))`,
      ...(typeof kind === "string" && KINDS.has(kind) ? { kind } : {}),
      violations,
    };
    return [result, undefined];
  }
  const event = clone(delivered as LifecycleEvent);
  const ids: Ids = { index, event_id: event.event_id, kind: event.kind, record_id: event.record_id };
  const print = await lifecycleFingerprint(event);
  const seen = state.receipts.get(event.event_id);
  if (seen !== undefined) {
    if (seen.fingerprint === print) return [{ ...ids, outcome: "duplicate", detail: `already received (${seen.outcome})` }, undefined];
    return [{ ...ids, outcome: "conflict", detail: "same event_id, different content; not applied" }, undefined];
  }
  const before = state.records.get(event.record_id);
  const base = state.bases.get(event.record_id);
  const entry: Entry = { key: canonicalKey(event, print), event, fingerprint: print };
  const entries = state.addToLog(event.record_id, entry);
  let after: PlanSourceRecord | undefined;
  let labels: ReadonlyMap<string, FoldLabel>;
  let reasons: ReadonlyMap<string, string>;
  if (entries === undefined) {
    const [next, label, reason] = foldOnto(before, entry, base);
    after = next;
    labels = new Map([[event.event_id, label]]);
    reasons = new Map([[event.event_id, reason]]);
  } else {
    ({ record: after, labels, reasons } = fold(entries, base));
  }
  const changed = relabel(state, entries ?? [entry], labels);
  if (after !== undefined && after !== before) state.records.set(event.record_id, after);
  const held = [...changed.entries()]
    .sort(([a], [b]) => compareText(a, b))
    .map(([outcome, count]) => `; ${count} other event(s) now ${outcome}`)
    .join("");
  const label = labels.get(event.event_id) as FoldLabel;
  const reason = reasons.get(event.event_id) ?? "";
  if (label === "parked") return [{ ...ids, outcome: "parked", detail: `held until its record exists (${reason}); re-evaluated when events land${held}` }, undefined];
  if (label === "illegal") return [{ ...ids, outcome: "illegal", detail: `${reason}; kept and re-evaluated when events land${held}` }, undefined];
  if (label === "stale") return [{ ...ids, outcome: "stale", detail: `${reason}; not applied` }, undefined];
  const applied = after as PlanSourceRecord;
  const late = entries !== undefined;
  if (late && sameAccess(before, applied) && changed.size === 0) {
    return [{ ...ids, outcome: "stale", detail: "older than newer events of its record that supersede it; folded in, no effect" }, undefined];
  }
  const envelope = options.audit === undefined ? undefined : await buildEnvelope(before, applied, event, options.audit);
  const when = late ? "applied late (folded in before newer events): " : "";
  return [{ ...ids, outcome: "applied", detail: `${when}${applied.status} on plan ${applied.plan}${held}` }, envelope];
}

/**
 * Apply `events` in delivery order to `state` (an entitlements/v1/state document; undefined: an
 * empty state) and return the new state, one outcome per event and the envelopes of the applied
 * ones: the outcomes Python's `apply_events` gives. Pure over JSON: the inputs are not changed.
 *
 * Throws ContractViolationError for an invalid state document or audit context,
 * StateConsistencyError for a state that repeats ids or logs an event without its receipt, and
 * ApprovalRequiredError for an operator write without approval (as Python does).
 */
export async function applyEvents(state: PlanSourceState | undefined, events: Iterable<unknown>, options: ApplyOptions = {}): Promise<ApplyResult> {
  if (options.audit !== undefined) checkAudit(options.audit);
  const working = await WorkingState.from(state);
  const outcomes: EventResult[] = [];
  const envelopes: WriteEnvelope[] = [];
  let index = 0;
  for (const event of events) {
    const [result, envelope] = await applyOne(working, event, index, options);
    outcomes.push(result);
    if (envelope !== undefined) envelopes.push(envelope);
    index += 1;
  }
  const counts = Object.fromEntries(EVENT_OUTCOMES.map((outcome) => [outcome, outcomes.filter((item) => item.outcome === outcome).length])) as Record<EventOutcome, number>;
  return { state: working.toDocument(), outcomes, counts, envelopes };
}

/** An empty entitlements/v1/state document. */
export function emptyState(): PlanSourceState {
  return { state: STATE_TAG, records: [], receipts: [], events: [] };
}
