// The entitlement decision (entitlements/v1), a faithful port of Python's
// saas_contracts.entitlements.decide: same request, same decision, key order included.
//
// Pure functions (no clock, no I/O, input never mutated) over a request that is valid against
// entitlements/v1/decision-request (check it with validateDecisionRequest first, as Python's decide()
// does). Instants are compared exactly as BigInt nanoseconds since the epoch, never as strings or as
// Date milliseconds, so "…00.5Z" and "…00.500Z" are equal and nanosecond fractions are kept.
//
// Reason precedence (first match wins; the same table as Python's _decision module docstring):
// not_started; ended (the end's reason); effective_end reached: in_conversion_grace for a trial
// inside the policy's trial_conversion_grace, else source_expired; paused_with_access; paused;
// in_grace / grace_ended; in_trial; cancel_scheduled; granted.

import type {
  DecisionReason,
  DecisionRequest,
  EntitlementDecision,
  PlanSourceRecord,
  ScheduledChange,
  SourceKind,
  SourcePriorityPolicy,
  TieBreakStep,
} from "../../generated/types/entitlements.js";
import { DuplicateRecordError } from "../errors.js";
import { compareBig, compareText } from "../order.js";

/** One record evaluated at an instant. */
export interface SourceState {
  /** The record as it stands then (scheduled changes due by then applied). */
  readonly record: PlanSourceRecord;
  readonly active: boolean;
  /** An allow reason when active, else a deny reason. */
  readonly reason: DecisionReason;
}

/** The winner of the source-priority resolution and the tie-break step that decided it. */
export interface Resolution {
  readonly winner: PlanSourceRecord;
  readonly tie_break: TieBreakStep;
}

type Considered = EntitlementDecision["considered"][number];
/** A decision while it is being built: outcome and reason come last, as in Python. */
type Draft = Omit<EntitlementDecision, "outcome" | "reason"> & Partial<Pick<EntitlementDecision, "outcome" | "reason">>;

const NANOS = 1_000_000_000n;
const NANOS_PER_MINUTE = 60n * NANOS;
const GRACE = /^PT(?:([0-9]+)H)?(?:([0-9]+)M)?$/;
const TIMESTAMP = /^([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]{1,9}))?Z$/;

const END_REASONS: Readonly<Record<string, DecisionReason>> = Object.freeze({
  scheduled_end: "source_expired",
  expired: "source_expired",
  canceled: "canceled",
  revoked: "revoked",
  refunded: "refunded",
});

const CHANGE_ORDER: Readonly<Record<ScheduledChange["change"], number>> = Object.freeze({ plan_change: 0, pause: 1, resume: 2, cancel: 3 });
const TIE_BREAK_CHAIN = ["source_priority", "later_effective_start", "higher_sequence", "record_id"] as const;

/** Days from 1970-01-01 to a proleptic Gregorian date (exact for every year 0000-9999; no Date quirks). */
function daysFromCivil(year: bigint, month: bigint, day: bigint): bigint {
  const y = month <= 2n ? year - 1n : year;
  const era = (y >= 0n ? y : y - 399n) / 400n;
  const yoe = y - era * 400n;
  const doy = (153n * (month + (month > 2n ? -3n : 9n)) + 2n) / 5n + day - 1n;
  const doe = yoe * 365n + yoe / 4n - yoe / 100n + doy;
  return era * 146097n + doe - 719468n;
}

/**
 * Nanoseconds since the epoch of a schema-valid UTC timestamp, exactly (Python: _vocab.instant).
 * A leap second (":60") counts as the first second of the next minute, as in Python.
 */
export function instant(timestamp: string): bigint {
  const match = TIMESTAMP.exec(timestamp);
  if (match === null) throw new TypeError("not a UTC timestamp ending in Z");
  const [, year = "", month = "", day = "", hour = "", minute = "", second = "", fraction = ""] = match;
  const days = daysFromCivil(BigInt(year), BigInt(month), BigInt(day));
  const seconds = ((days * 24n + BigInt(hour)) * 60n + BigInt(minute)) * 60n + BigInt(second);
  return seconds * NANOS + BigInt(fraction.padEnd(9, "0"));
}

/** Civil date of a day count from 1970-01-01 (the inverse of daysFromCivil). */
function civilFromDays(days: bigint): [bigint, bigint, bigint] {
  const z = days + 719468n;
  const era = (z >= 0n ? z : z - 146096n) / 146097n;
  const doe = z - era * 146097n;
  const yoe = (doe - doe / 1460n + doe / 36524n - doe / 146096n) / 365n;
  const doy = doe - (365n * yoe + yoe / 4n - yoe / 100n);
  const mp = (5n * doy + 2n) / 153n;
  const day = doy - (153n * mp + 2n) / 5n + 1n;
  const month = mp < 10n ? mp + 3n : mp - 9n;
  return [month <= 2n ? yoe + era * 400n + 1n : yoe + era * 400n, month, day];
}

const pad = (value: bigint, width: number): string => value.toString().padStart(width, "0");

/** The contract spelling of an instant (Python: _time.format_utc_ns): a fraction only when non-zero, trailing zeros trimmed. */
export function formatInstant(nanos: bigint): string {
  const rest = ((nanos % NANOS) + NANOS) % NANOS;
  const seconds = (nanos - rest) / NANOS;
  const secondOfDay = ((seconds % 86400n) + 86400n) % 86400n;
  const [year, month, day] = civilFromDays((seconds - secondOfDay) / 86400n);
  const clock = `${pad(secondOfDay / 3600n, 2)}:${pad((secondOfDay / 60n) % 60n, 2)}:${pad(secondOfDay % 60n, 2)}`;
  const fraction = rest === 0n ? "" : `.${pad(rest, 9).replace(/0+$/, "")}`;
  return `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}T${clock}${fraction}Z`;
}

/** The latest instant a timestamp can spell: a boundary after it is never reached. */
const LAST_INSTANT = instant("9999-12-31T23:59:59.999999999Z");

/** The policy's trial conversion grace in nanoseconds (0n: none); the schema bounds it to PT72H. */
export function conversionGraceNanos(policy: SourcePriorityPolicy): bigint {
  const text = policy.trial_conversion_grace;
  const match = text === undefined ? null : GRACE.exec(text);
  if (match === null) return 0n;
  const [, hours = "0", minutes = "0"] = match;
  return (BigInt(hours) * 60n + BigInt(minutes)) * NANOS_PER_MINUTE;
}

const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

function sortedSchedule(items: readonly ScheduledChange[]): ScheduledChange[] {
  return [...items].sort(
    (a, b) => compareBig(instant(a.effective_at), instant(b.effective_at)) || CHANGE_ORDER[a.change] - CHANGE_ORDER[b.change],
  );
}

function setSchedule(record: PlanSourceRecord, items: readonly ScheduledChange[]): void {
  if (items.length > 0) record.scheduled = sortedSchedule(items);
  else delete record.scheduled;
}

function end(record: PlanSourceRecord, at: string): void {
  delete record.grace_end;
  delete record.paused_at;
  delete record.pause_keeps_access;
  delete record.ended_at;
  delete record.end_reason;
  record.status = "ended";
  record.ended_at = at;
  record.end_reason = "scheduled_end";
  delete record.scheduled;
}

/** Pause `record` from `at` (a paused one keeps its paused_at); whether access is kept follows `keepsAccess`. */
export function pause(record: PlanSourceRecord, at: string, keepsAccess: boolean): void {
  if (record.status !== "paused") {
    delete record.grace_end;
    record.status = "paused";
    record.paused_at = at;
  }
  if (keepsAccess) record.pause_keeps_access = true;
  else delete record.pause_keeps_access;
}

/** End a pause: active again. */
export function unpause(record: PlanSourceRecord): void {
  record.status = "active";
  delete record.paused_at;
  delete record.pause_keeps_access;
}

/** The record as it stands at `at`: scheduled changes due by then are applied (a copy). */
export function materialize(record: PlanSourceRecord, at: string): PlanSourceRecord {
  const result = clone(record);
  const moment = instant(at);
  const remaining: ScheduledChange[] = [];
  for (const item of sortedSchedule(result.scheduled ?? [])) {
    if (result.status === "ended") break;
    if (instant(item.effective_at) > moment) {
      remaining.push(item);
    } else if (item.change === "plan_change") {
      if (item.plan !== undefined) result.plan = item.plan;
    } else if (item.change === "pause") {
      pause(result, item.effective_at, item.keeps_access === true);
    } else if (item.change === "resume") {
      // A resume due with nothing paused (the pause it ended was withdrawn or resumed) is a no-op.
      if (result.status === "paused") unpause(result);
    } else {
      end(result, item.effective_at);
    }
  }
  if (result.status !== "ended") setSchedule(result, remaining);
  return result;
}

/** The instant a trialing record's conversion grace ends (undefined: no grace, or not a trial with an end). */
function conversionGraceEnd(record: PlanSourceRecord, graceNanos: bigint): bigint | undefined {
  if (graceNanos <= 0n || record.status !== "trialing" || record.effective_end === undefined) return undefined;
  return instant(record.effective_end) + graceNanos;
}

/** Whether `record` grants its plan at `asOf`, and why; `graceNanos` is the policy's trial conversion grace. */
export function evaluateRecord(record: PlanSourceRecord, asOf: string, graceNanos = 0n): SourceState {
  const current = materialize(record, asOf);
  const moment = instant(asOf);
  const state = (active: boolean, reason: DecisionReason): SourceState => ({ record: current, active, reason });
  if (moment < instant(current.effective_start)) return state(false, "not_started");
  if (current.status === "ended") return state(false, END_REASONS[current.end_reason ?? ""] ?? "source_expired");
  if (current.effective_end !== undefined && moment >= instant(current.effective_end)) {
    const graceEnd = conversionGraceEnd(current, graceNanos);
    return graceEnd !== undefined && moment < graceEnd ? state(true, "in_conversion_grace") : state(false, "source_expired");
  }
  if (current.status === "paused") return current.pause_keeps_access === true ? state(true, "paused_with_access") : state(false, "paused");
  if (current.status === "past_due") {
    const inGrace = current.grace_end !== undefined && moment < instant(current.grace_end);
    return state(inGrace, inGrace ? "in_grace" : "grace_ended");
  }
  if (current.status === "trialing") return state(true, "in_trial");
  const cancel = (current.scheduled ?? []).some((item) => item.change === "cancel");
  return state(true, cancel ? "cancel_scheduled" : "granted");
}

function boundaries(record: PlanSourceRecord, graceNanos: bigint): string[] {
  const found = [record.effective_start];
  if (record.effective_end !== undefined) found.push(record.effective_end);
  if (record.grace_end !== undefined) found.push(record.grace_end);
  for (const item of record.scheduled ?? []) found.push(item.effective_at);
  const graceEnd = conversionGraceEnd(record, graceNanos);
  if (graceEnd !== undefined && graceEnd <= LAST_INSTANT) found.push(formatInstant(graceEnd));
  return found;
}

/**
 * The earliest instant after `asOf` at which any record changes by itself (undefined: never).
 * Equal instants spelled differently: the smaller spelling wins, as Python's min() over (instant, text).
 */
export function nextChange(records: readonly PlanSourceRecord[], asOf: string, graceNanos = 0n): string | undefined {
  const moment = instant(asOf);
  let best: [bigint, string] | undefined;
  for (const record of records) {
    const current = materialize(record, asOf);
    if (current.status === "ended") continue;
    for (const stamp of boundaries(current, graceNanos)) {
      const at = instant(stamp);
      if (at <= moment) continue;
      if (best === undefined || at < best[0] || (at === best[0] && stamp < best[1])) best = [at, stamp];
    }
  }
  return best?.[1];
}

type RankKey = readonly [number, bigint, number, string];

/**
 * The winner among `candidates` (records whose kind the policy ranks) and the tie-break step;
 * undefined when none. Order: policy rank, later effective_start, higher sequence, smallest record_id.
 */
export function resolve(candidates: Iterable<PlanSourceRecord>, policy: SourcePriorityPolicy): Resolution | undefined {
  const rank = new Map<SourceKind, number>(policy.order.map((kind, index) => [kind, index]));
  const ranked: [RankKey, PlanSourceRecord][] = [];
  for (const record of candidates) {
    const position = rank.get(record.source_kind);
    if (position === undefined) continue;
    ranked.push([[position, -instant(record.effective_start), -record.sequence, record.record_id], record]);
  }
  const compareKeys = (a: RankKey, b: RankKey): number =>
    a[0] - b[0] || compareBig(a[1], b[1]) || a[2] - b[2] || compareText(a[3], b[3]);
  ranked.sort((a, b) => compareKeys(a[0], b[0]));
  const [first, second] = ranked;
  if (first === undefined) return undefined;
  if (second === undefined) return { winner: first[1], tie_break: "only_candidate" };
  const index = first[0].findIndex((value, position) => value !== second[0][position]);
  return { winner: first[1], tie_break: TIE_BREAK_CHAIN[index] ?? "record_id" };
}

function workspaceRecords(request: DecisionRequest): PlanSourceRecord[] {
  const records = request.records.filter((record) => record.workspace === request.workspace).map(clone);
  const seen = new Set<string>();
  for (const record of records) {
    if (seen.has(record.record_id)) throw new DuplicateRecordError();
    seen.add(record.record_id);
  }
  return records.sort((a, b) => compareText(a.record_id, b.record_id));
}

/** Check the winning plan against the product's snapshot; sets limit, outcome and reason. */
function capabilityCheck(request: DecisionRequest, plan: string, decision: Draft, allowReason: DecisionReason): EntitlementDecision {
  const plans = request.snapshot.plans;
  const capability = request.capability;
  const entry = Object.hasOwn(plans, plan) ? plans[plan] : undefined;
  if (entry === undefined) return { ...decision, outcome: "deny", reason: "plan_not_in_snapshot" };
  if (!entry.capabilities.includes(capability)) return { ...decision, outcome: "deny", reason: "capability_not_in_plan" };
  const limits = entry.limits ?? {};
  const limit = Object.hasOwn(limits, capability) ? limits[capability] : undefined;
  if (limit !== undefined) {
    const usage = request.usage ?? {};
    const used = (Object.hasOwn(usage, capability) ? usage[capability] : undefined) ?? 0;
    const requested = request.quantity ?? 1;
    decision.limit = { limit, used, requested };
    // Exact integer arithmetic: every term is <= 2^53 - 1, so this difference never rounds
    // (used + requested could exceed Number.MAX_SAFE_INTEGER).
    if (used > limit - requested) return { ...decision, outcome: "deny", reason: "limit_reached" };
  }
  return { ...decision, outcome: "allow", reason: allowReason };
}

/**
 * Decide one schema-valid request (entitlements/v1/decision-request); returns an entitlements/v1/decision.
 * Throws DuplicateRecordError when record ids of the workspace repeat.
 */
export function decide(request: DecisionRequest): EntitlementDecision {
  const asOf = request.as_of;
  const records = workspaceRecords(request);
  const graceNanos = conversionGraceNanos(request.policy);
  const states = records.map((record) => evaluateRecord(record, asOf, graceNanos));
  const ranked = new Set<SourceKind>(request.policy.order);
  const considered: Considered[] = states.map((state) => ({
    record_id: state.record.record_id,
    source_kind: state.record.source_kind,
    active: state.active && ranked.has(state.record.source_kind),
    reason: ranked.has(state.record.source_kind) ? state.reason : "not_in_policy",
  }));
  const decision: Draft = { workspace: request.workspace, capability: request.capability, as_of: asOf, considered };
  const until = nextChange(records, asOf, graceNanos);
  if (until !== undefined) decision.valid_until = until;
  const byId = new Map(states.map((state) => [state.record.record_id, state]));
  const winner = resolve(
    states.filter((state) => state.active).map((state) => state.record),
    request.policy,
  );
  if (winner === undefined) {
    const fallback = resolve(
      states.map((state) => state.record),
      request.policy,
    );
    const reason = fallback === undefined ? "no_active_source" : (byId.get(fallback.winner.record_id)?.reason ?? "no_active_source");
    return { ...decision, outcome: "deny", reason };
  }
  const state = byId.get(winner.winner.record_id);
  if (state === undefined) throw new Error("unreachable: the winner is one of the states");
  decision.plan = state.record.plan;
  decision.source = { record_id: state.record.record_id, source_kind: state.record.source_kind, status: state.record.status };
  decision.tie_break = winner.tie_break;
  return capabilityCheck(request, state.record.plan, decision, state.reason);
}
