// Lifecycle normalization (Python: saas_contracts.entitlements._lifecycle): one neutral event moved
// through the record's small state machine. transition() returns the new record (a copy) or an
// IllegalTransition naming why the event does not fit the record's status. Pure: no clock, no I/O.
//
// Access is only revoked when it truly ends (expiry, immediate cancellation, a scheduled end
// reached, an operator revoke, a refund that ends access); events whose target state already holds
// (billing_recovered on an active source, resume with nothing paused, cancel_revoked with nothing
// scheduled) are no-ops that still advance what the record reflects.
//
// A pause may carry resume_at (the resume becomes a scheduled change: active again from then, no
// resume event needed) and keeps_access (billing stops, access continues: pause_keeps_access on the
// record while paused). A pause on a paused source re-states it; paused_at stays.

import type { LifecycleEvent, PlanSourceRecord } from "../../generated/types/entitlements.js";
import { instant, materialize as materializeRecord, pause, unpause } from "./decide.js";
import { compareBig } from "../order.js";

// Records and events are handled as their JSON objects, exactly as Python handles dicts: fields
// are added and removed by name (the generated types describe the valid shapes).
type Doc = Record<string, any>;

/** Why an event cannot be applied to a record in its current status (a public-safe sentence). */
export interface IllegalTransition {
  readonly illegal: true;
  readonly reason: string;
}

const CHANGE_ORDER: Readonly<Record<string, number>> = Object.freeze({ plan_change: 0, pause: 1, resume: 2, cancel: 3 });
const LIVE: ReadonlySet<string> = new Set(["trialing", "active", "past_due", "paused"]);
const STATE_FIELDS = ["grace_end", "paused_at", "pause_keeps_access", "ended_at", "end_reason"] as const;
/** Kinds that create a record for a source that has none. */
export const CREATING_KINDS: ReadonlySet<string> = new Set(["purchase", "trial_start", "manual_grant"]);
/** Kinds whose write ends access (the envelope's `end` operation). */
export const ENDING_KINDS: ReadonlySet<string> = new Set(["cancel_scheduled", "cancel_immediate", "expiry", "manual_revoke"]);

const illegal = (reason: string): IllegalTransition => ({ illegal: true, reason });

function sortedSchedule(items: readonly Doc[]): Doc[] {
  return [...items].sort(
    (a, b) => compareBig(instant(a["effective_at"]), instant(b["effective_at"])) || (CHANGE_ORDER[a["change"]] ?? 0) - (CHANGE_ORDER[b["change"]] ?? 0),
  );
}

function setSchedule(record: Doc, items: readonly Doc[]): void {
  if (items.length > 0) record["scheduled"] = sortedSchedule(items);
  else delete record["scheduled"];
}

function end(record: Doc, at: string, reason: string): void {
  for (const name of STATE_FIELDS) delete record[name];
  record["status"] = "ended";
  record["ended_at"] = at;
  record["end_reason"] = reason;
  delete record["scheduled"];
}

/** Whether a refund ends access: `ends_access` when the adapter says so, else a full refund does. */
export function refundEndsAccess(event: Readonly<Doc>): boolean {
  return Boolean(event["ends_access"] ?? event["refund_scope"] === "full");
}

const materialize = (record: Readonly<Doc>, at: string): Doc => materializeRecord(record as PlanSourceRecord, at) as Doc;

/** The pending scheduled change of one kind, if any. */
function scheduled(record: Readonly<Doc>, change: string): Doc | undefined {
  return ((record["scheduled"] ?? []) as Doc[]).find((item) => item["change"] === change);
}

function schedule(record: Doc, item: Doc): void {
  const others = ((record["scheduled"] ?? []) as Doc[]).filter((existing) => existing["change"] !== item["change"]);
  setSchedule(record, [...others, item]);
}

function unschedule(record: Doc, change: string): void {
  setSchedule(record, ((record["scheduled"] ?? []) as Doc[]).filter((item) => item["change"] !== change));
}

function create(event: Readonly<Doc>, effective: string): Doc {
  const record: Doc = {
    record_id: event["record_id"],
    workspace: event["workspace"],
    source_kind: event["source_kind"],
    plan: event["plan"],
    status: event["kind"] === "trial_start" ? "trialing" : "active",
    effective_start: effective,
  };
  if ("provider" in event) record["provider"] = event["provider"];
  const endAt = event["kind"] === "trial_start" ? event["trial_end"] : event["ends_at"];
  if (endAt !== undefined && endAt !== null) record["effective_end"] = endAt;
  if ("period_end" in event) record["current_period_end"] = event["period_end"];
  return record;
}

function restart(record: Doc, event: Readonly<Doc>, effective: string): void {
  const fresh = create(event, effective);
  for (const name of ["sequence", "last_event_id", "last_event_at", "last_event_sequence"]) {
    if (name in record) fresh[name] = record[name];
  }
  for (const name of Object.keys(record)) delete record[name];
  Object.assign(record, fresh);
}

function applyPlanChange(record: Doc, event: Readonly<Doc>, effective: string): void {
  if (event["timing"] === "immediate") {
    record["plan"] = event["plan"];
    unschedule(record, "plan_change");
  } else {
    schedule(record, { change: "plan_change", effective_at: effective, plan: event["plan"], direction: event["direction"] });
  }
}

function applyPause(record: Doc, event: Readonly<Doc>, effective: string): IllegalTransition | undefined {
  const status = String(record["status"]);
  if (!LIVE.has(status)) return illegal(`pause of a source that is ${status}`);
  const resumeAt = event["resume_at"] as string | undefined;
  if (resumeAt !== undefined && instant(resumeAt) <= instant(effective)) return illegal("the pause resumes before it takes effect");
  const keepsAccess = Boolean(event["keeps_access"] ?? false);
  if (event["timing"] === "immediate") {
    // On a paused source this re-states the pause: access and resume follow it, paused_at stays.
    pause(record as PlanSourceRecord, effective, keepsAccess);
  } else if (status === "paused") {
    return illegal("pause scheduled on a source that is already paused");
  } else {
    const item: Doc = { change: "pause", effective_at: effective };
    if (keepsAccess) item["keeps_access"] = true;
    schedule(record, item);
  }
  if (resumeAt === undefined) unschedule(record, "resume");
  else schedule(record, { change: "resume", effective_at: resumeAt });
  return undefined;
}

// One branch per lifecycle kind, in Python's order: reads as the state table.
function applyExisting(record: Doc, event: Readonly<Doc>, effective: string): IllegalTransition | undefined {
  const kind = String(event["kind"]);
  const status = String(record["status"]);
  const live = LIVE.has(status);
  switch (kind) {
    case "purchase":
      if (status === "trialing" || status === "paused") {
        // A trial converts; so does a source paused for want of a payment method once it is paid.
        unpause(record as PlanSourceRecord);
        unschedule(record, "resume");
        record["plan"] = event["plan"];
        delete record["effective_end"];
        if ("period_end" in event) record["current_period_end"] = event["period_end"];
      } else if (status === "ended") {
        restart(record, event, effective);
      } else {
        return illegal(`purchase on a source that is already ${status}`);
      }
      break;
    case "trial_start":
      return illegal("a trial can only start a new source");
    case "renewal":
      if (status !== "active" && status !== "past_due") return illegal(`renewal of a source that is ${status}`);
      if (scheduled(record, "cancel") !== undefined) return illegal("renewal while a cancellation is scheduled");
      record["status"] = "active";
      delete record["grace_end"];
      if ("period_end" in event) record["current_period_end"] = event["period_end"];
      break;
    case "plan_change":
      if (!live) return illegal("plan change on an ended source");
      applyPlanChange(record, event, effective);
      break;
    case "cancel_scheduled":
      if (!live) return illegal("cancellation scheduled on an ended source");
      schedule(record, { change: "cancel", effective_at: effective });
      break;
    case "schedule_withdrawn":
      // Nothing scheduled of that kind is the target state (a no-op).
      if (!live) return illegal("scheduled change withdrawn on an ended source");
      unschedule(record, String(event["change"]));
      // The resume that would have ended the withdrawn pause goes with it.
      if (event["change"] === "pause" && status !== "paused") unschedule(record, "resume");
      break;
    case "cancel_revoked":
      if (!live) return illegal("cancellation revoked after the source has already ended");
      unschedule(record, "cancel");
      break;
    case "cancel_immediate":
    case "manual_revoke":
      if (!live) return illegal(`${kind} on a source that has already ended`);
      end(record, effective, kind === "cancel_immediate" ? "canceled" : "revoked");
      break;
    case "expiry":
      if (live) end(record, effective, "expired");
      else if (record["end_reason"] === "scheduled_end") record["end_reason"] = "expired";
      else return illegal("expiry of a source that has already ended");
      break;
    case "pause":
      return applyPause(record, event, effective);
    case "resume":
      if (status === "paused") {
        unpause(record as PlanSourceRecord);
      } else if (!live) {
        return illegal("resume of a source that has already ended");
      } else {
        unschedule(record, "pause");
      }
      unschedule(record, "resume");
      break;
    case "billing_issue":
      if (status !== "active" && status !== "trialing" && status !== "past_due") return illegal(`billing issue on a source that is ${status}`);
      if (status === "trialing") delete record["effective_end"];
      // Grace is anchored at the first failure of the cycle: retries while past due do not slide it.
      if (status !== "past_due") record["grace_end"] = event["grace_end"];
      record["status"] = "past_due";
      break;
    case "billing_recovered":
      if (status !== "past_due" && status !== "active") return illegal(`billing recovered on a source that is ${status}`);
      record["status"] = "active";
      delete record["grace_end"];
      break;
    case "refund":
      if (refundEndsAccess(event) && live) end(record, effective, "refunded");
      break;
    case "manual_grant":
      if (status === "ended") {
        restart(record, event, effective);
      } else {
        for (const name of STATE_FIELDS) delete record[name];
        delete record["scheduled"];
        record["status"] = "active";
        record["plan"] = event["plan"];
        if ("ends_at" in event) record["effective_end"] = event["ends_at"];
        else delete record["effective_end"];
      }
      break;
    default:
      break;
  }
  return undefined;
}

/**
 * Apply one schema-valid lifecycle event to `record` (undefined: the source is new). Returns the
 * new record (a copy; bookkeeping fields updated) or why the event is illegal for the record's
 * status. Pure: the inputs are not changed.
 */
export function transition(record: PlanSourceRecord | undefined, event: LifecycleEvent): PlanSourceRecord | IllegalTransition {
  const doc = event as Doc;
  const occurred = String(doc["occurred_at"]);
  const effective = String(doc["effective_at"] ?? occurred);
  let result: Doc;
  let sequence: number;
  if (record === undefined) {
    if (!CREATING_KINDS.has(String(doc["kind"]))) return illegal(`${String(doc["kind"])} for a source that has no record yet`);
    result = create(doc, effective);
    sequence = 1;
  } else {
    if (record.workspace !== doc["workspace"]) return illegal("the event names another workspace than the record");
    if (record.source_kind !== doc["source_kind"]) return illegal("the event names another source kind than the record");
    result = materialize(record, occurred);
    const refused = applyExisting(result, doc, effective);
    if (refused !== undefined) return refused;
    sequence = Number(record.sequence) + 1;
  }
  result["sequence"] = sequence;
  result["last_event_id"] = doc["event_id"];
  result["last_event_at"] = occurred;
  if ("provider_sequence" in doc) result["last_event_sequence"] = doc["provider_sequence"];
  else delete result["last_event_sequence"];
  return materialize(result, occurred) as PlanSourceRecord;
}

/** True when `value` is an IllegalTransition (not a record). */
export const isIllegal = (value: PlanSourceRecord | IllegalTransition): value is IllegalTransition => "illegal" in value && value.illegal === true;
