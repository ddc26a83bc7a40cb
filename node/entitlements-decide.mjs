// @ts-check
// The entitlement decision (entitlements/v1) in plain JavaScript: a faithful,
// dependency-free port of saas_contracts.entitlements.decide for TypeScript
// templates to copy. Same input, same output, in Python and in TypeScript:
// tests/entitlements/test_node_decision.py compares both, vector by vector and
// on generated requests.
//
// The functions below are pure (no clock, no I/O, input never mutated) and
// assume a request that is valid against entitlements/v1/decision-request
// (validate it with Ajv first, as Python's decide() does with jsonschema).
// Instants are compared exactly as BigInt nanoseconds since the epoch, never
// as strings or as Date milliseconds, so "…00.5Z" and "…00.500Z" are equal
// and nanosecond fractions are not rounded away.
//
//   node node/entitlements-decide.mjs FIXTURE.json      every vector of the decision stage -> [{name, decision}]
//   node node/entitlements-decide.mjs --requests FILE   a JSON array of requests -> [{decision} | {error}]

/**
 * @typedef {"manual_override" | "billing_provider" | "promotion" | "trial" | "default_plan"} SourceKind
 * @typedef {"trialing" | "active" | "past_due" | "paused" | "ended"} RecordStatus
 * @typedef {"only_candidate" | "source_priority" | "later_effective_start" | "higher_sequence" | "record_id"} TieBreakStep
 *
 * @typedef {object} ScheduledChange
 * @property {"plan_change" | "pause" | "cancel"} change
 * @property {string} effective_at
 * @property {string} [plan]
 * @property {"upgrade" | "downgrade" | "lateral"} [direction]
 *
 * @typedef {object} PlanSourceRecord  entitlements/v1/record (only the fields the decision reads are listed)
 * @property {string} record_id
 * @property {string} workspace
 * @property {SourceKind} source_kind
 * @property {string} plan
 * @property {RecordStatus} status
 * @property {string} effective_start
 * @property {string} [effective_end]
 * @property {string} [grace_end]
 * @property {string} [paused_at]
 * @property {string} [ended_at]
 * @property {"scheduled_end" | "expired" | "canceled" | "revoked" | "refunded"} [end_reason]
 * @property {ScheduledChange[]} [scheduled]
 * @property {number} sequence
 *
 * @typedef {object} Policy
 * @property {string} policy
 * @property {SourceKind[]} order
 *
 * @typedef {object} PlanCapabilities
 * @property {string[]} capabilities
 * @property {Record<string, number>} [limits]
 *
 * @typedef {object} DecisionRequest  entitlements/v1/decision-request
 * @property {string} workspace
 * @property {string} capability
 * @property {string} as_of
 * @property {PlanSourceRecord[]} records
 * @property {Policy} policy
 * @property {{snapshot?: string, plans: Record<string, PlanCapabilities>}} snapshot
 * @property {Record<string, number>} [usage]
 * @property {number} [quantity]
 *
 * @typedef {object} Considered
 * @property {string} record_id
 * @property {SourceKind} source_kind
 * @property {boolean} active
 * @property {string} reason
 *
 * @typedef {object} Decision  entitlements/v1/decision
 * @property {string} workspace
 * @property {string} capability
 * @property {string} as_of
 * @property {Considered[]} considered
 * @property {string} [valid_until]
 * @property {string} [plan]
 * @property {{record_id: string, source_kind: SourceKind, status: RecordStatus}} [source]
 * @property {TieBreakStep} [tie_break]
 * @property {{limit: number, used: number, requested: number}} [limit]
 * @property {"allow" | "deny"} [outcome]
 * @property {string} [reason]
 *
 * @typedef {object} SourceState  one record evaluated at an instant
 * @property {PlanSourceRecord} record  the record as it stands then (scheduled changes due by then applied)
 * @property {boolean} active
 * @property {string} reason  an allow reason when active, else a deny reason
 *
 * @typedef {object} Resolution
 * @property {PlanSourceRecord} winner
 * @property {TieBreakStep} tie_break
 */

/** Thrown when two records of one request share a record_id (Python: DuplicateRecordError). */
export class DuplicateRecordError extends Error {
  constructor() {
    super("two records of the decision request share one record_id");
    this.name = "DuplicateRecordError";
  }
}

const NANOS = 1_000_000_000n;
const TIMESTAMP = /^([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]{1,9}))?Z$/;

/** @type {Readonly<Record<string, string>>} */
const END_REASONS = Object.freeze({
  scheduled_end: "source_expired",
  expired: "source_expired",
  canceled: "canceled",
  revoked: "revoked",
  refunded: "refunded",
});

/** @type {Readonly<Record<string, number>>} */
const CHANGE_ORDER = Object.freeze({ plan_change: 0, pause: 1, cancel: 2 });

const TIE_BREAK_CHAIN = /** @type {const} */ (["source_priority", "later_effective_start", "higher_sequence", "record_id"]);

/**
 * Days from 1970-01-01 to a proleptic Gregorian date (exact for every year 0000-9999; no Date quirks).
 * @param {bigint} year @param {bigint} month @param {bigint} day
 */
function daysFromCivil(year, month, day) {
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
 * @param {string} timestamp
 * @returns {bigint}
 */
export function instant(timestamp) {
  const match = TIMESTAMP.exec(timestamp);
  if (match === null) throw new TypeError("not a UTC timestamp ending in Z");
  const [, year, month, day, hour, minute, second, fraction = ""] = match;
  const days = daysFromCivil(BigInt(year), BigInt(month), BigInt(day));
  const seconds = ((days * 24n + BigInt(hour)) * 60n + BigInt(minute)) * 60n + BigInt(second);
  return seconds * NANOS + BigInt(fraction.padEnd(9, "0"));
}

/** @template T @param {T} value @returns {T} */
const clone = (value) => JSON.parse(JSON.stringify(value));

/** Compare two strings by code point, like Python's str ordering. @param {string} a @param {string} b */
const compareText = (a, b) => (a < b ? -1 : a > b ? 1 : 0);

/** @param {bigint} a @param {bigint} b */
const compareBig = (a, b) => (a < b ? -1 : a > b ? 1 : 0);

/** @param {ScheduledChange[]} items */
function sortedSchedule(items) {
  return [...items].sort(
    (a, b) => compareBig(instant(a.effective_at), instant(b.effective_at)) || CHANGE_ORDER[a.change] - CHANGE_ORDER[b.change],
  );
}

/** @param {PlanSourceRecord} record @param {ScheduledChange[]} items */
function setSchedule(record, items) {
  if (items.length > 0) record.scheduled = sortedSchedule(items);
  else delete record.scheduled;
}

/** @param {PlanSourceRecord} record @param {string} at @param {"scheduled_end"} reason */
function end(record, at, reason) {
  for (const name of /** @type {const} */ (["grace_end", "paused_at", "ended_at", "end_reason"])) delete record[name];
  record.status = "ended";
  record.ended_at = at;
  record.end_reason = reason;
  delete record.scheduled;
}

/**
 * The record as it stands at `at`: scheduled changes due by then are applied (a copy).
 * @param {PlanSourceRecord} record @param {string} at
 * @returns {PlanSourceRecord}
 */
export function materialize(record, at) {
  const result = clone(record);
  const moment = instant(at);
  /** @type {ScheduledChange[]} */
  const remaining = [];
  for (const item of sortedSchedule(result.scheduled ?? [])) {
    if (result.status === "ended") break;
    if (instant(item.effective_at) > moment) {
      remaining.push(item);
    } else if (item.change === "plan_change") {
      result.plan = /** @type {string} */ (item.plan);
    } else if (item.change === "pause") {
      delete result.grace_end;
      result.status = "paused";
      result.paused_at = item.effective_at;
    } else {
      end(result, item.effective_at, "scheduled_end");
    }
  }
  if (result.status !== "ended") setSchedule(result, remaining);
  return result;
}

/**
 * Whether `record` grants its plan at `asOf`, and why.
 * @param {PlanSourceRecord} record @param {string} asOf
 * @returns {SourceState}
 */
export function evaluateRecord(record, asOf) {
  const current = materialize(record, asOf);
  const moment = instant(asOf);
  const state = (/** @type {boolean} */ active, /** @type {string} */ reason) => ({ record: current, active, reason });
  if (moment < instant(current.effective_start)) return state(false, "not_started");
  if (current.status === "ended") return state(false, END_REASONS[/** @type {string} */ (current.end_reason)]);
  if (current.effective_end !== undefined && moment >= instant(current.effective_end)) return state(false, "source_expired");
  if (current.status === "paused") return state(false, "paused");
  if (current.status === "past_due") {
    const inGrace = moment < instant(/** @type {string} */ (current.grace_end));
    return state(inGrace, inGrace ? "in_grace" : "grace_ended");
  }
  if (current.status === "trialing") return state(true, "in_trial");
  const cancel = (current.scheduled ?? []).some((item) => item.change === "cancel");
  return state(true, cancel ? "cancel_scheduled" : "granted");
}

/** @param {PlanSourceRecord} record @returns {string[]} */
function boundaries(record) {
  const found = [record.effective_start];
  if (record.effective_end !== undefined) found.push(record.effective_end);
  if (record.grace_end !== undefined) found.push(record.grace_end);
  for (const item of record.scheduled ?? []) found.push(item.effective_at);
  return found;
}

/**
 * The earliest instant after `asOf` at which any record changes by itself (undefined: never).
 * Equal instants spelled differently: the smaller spelling wins, as Python's min() over (instant, text).
 * @param {PlanSourceRecord[]} records @param {string} asOf
 * @returns {string | undefined}
 */
export function nextChange(records, asOf) {
  const moment = instant(asOf);
  /** @type {[bigint, string] | undefined} */
  let best;
  for (const record of records) {
    const current = materialize(record, asOf);
    if (current.status === "ended") continue;
    for (const stamp of boundaries(current)) {
      const at = instant(stamp);
      if (at <= moment) continue;
      if (best === undefined || at < best[0] || (at === best[0] && stamp < best[1])) best = [at, stamp];
    }
  }
  return best?.[1];
}

/**
 * The winner among `candidates` (records whose kind the policy ranks) and the tie-break step; undefined when none.
 * Order: policy rank, later effective_start, higher sequence, smallest record_id.
 * @param {Iterable<PlanSourceRecord>} candidates @param {Policy} policy
 * @returns {Resolution | undefined}
 */
export function resolve(candidates, policy) {
  const rank = new Map(policy.order.map((kind, index) => [kind, index]));
  /** @type {(record: PlanSourceRecord) => [number, bigint, number, string]} */
  const key = (record) => [
    /** @type {number} */ (rank.get(record.source_kind)),
    -instant(record.effective_start),
    -record.sequence,
    record.record_id,
  ];
  const ranked = [...candidates]
    .filter((record) => rank.has(record.source_kind))
    .map((record) => /** @type {const} */ ([key(record), record]));
  /** @param {[number, bigint, number, string]} a @param {[number, bigint, number, string]} b */
  const compareKeys = (a, b) => a[0] - b[0] || compareBig(a[1], b[1]) || a[2] - b[2] || compareText(a[3], b[3]);
  ranked.sort((a, b) => compareKeys(a[0], b[0]));
  if (ranked.length === 0) return undefined;
  if (ranked.length === 1) return { winner: ranked[0][1], tie_break: "only_candidate" };
  const [first, second] = [ranked[0][0], ranked[1][0]];
  const index = first.findIndex((value, position) => value !== second[position]);
  return { winner: ranked[0][1], tie_break: index === -1 ? "record_id" : TIE_BREAK_CHAIN[index] };
}

/** @param {DecisionRequest} request @returns {PlanSourceRecord[]} */
function workspaceRecords(request) {
  const records = request.records.filter((record) => record.workspace === request.workspace).map(clone);
  const seen = new Set();
  for (const record of records) {
    if (seen.has(record.record_id)) throw new DuplicateRecordError();
    seen.add(record.record_id);
  }
  return records.sort((a, b) => compareText(a.record_id, b.record_id));
}

/**
 * Check the winning plan against the product's snapshot; sets limit, outcome and reason.
 * @param {DecisionRequest} request @param {string} plan @param {Decision} decision @param {string} allowReason
 */
function capabilityCheck(request, plan, decision, allowReason) {
  const plans = request.snapshot.plans;
  const capability = request.capability;
  if (!Object.hasOwn(plans, plan)) {
    Object.assign(decision, { outcome: "deny", reason: "plan_not_in_snapshot" });
    return;
  }
  const entry = plans[plan];
  if (!entry.capabilities.includes(capability)) {
    Object.assign(decision, { outcome: "deny", reason: "capability_not_in_plan" });
    return;
  }
  const limits = entry.limits ?? {};
  if (Object.hasOwn(limits, capability)) {
    const usage = request.usage ?? {};
    const used = Object.hasOwn(usage, capability) ? usage[capability] : 0;
    const requested = request.quantity ?? 1;
    decision.limit = { limit: limits[capability], used, requested };
    // Exact integer arithmetic: every term is <= 2^53 - 1, so this difference never rounds
    // (used + requested could exceed Number.MAX_SAFE_INTEGER).
    if (used > limits[capability] - requested) {
      Object.assign(decision, { outcome: "deny", reason: "limit_reached" });
      return;
    }
  }
  Object.assign(decision, { outcome: "allow", reason: allowReason });
}

/**
 * Decide one schema-valid request (entitlements/v1/decision-request); returns an entitlements/v1/decision.
 * Throws DuplicateRecordError when record ids of the workspace repeat.
 * @param {DecisionRequest} request
 * @returns {Decision}
 */
export function decide(request) {
  const asOf = request.as_of;
  const records = workspaceRecords(request);
  const states = records.map((record) => evaluateRecord(record, asOf));
  const ranked = new Set(request.policy.order);
  /** @type {Decision} */
  const decision = {
    workspace: request.workspace,
    capability: request.capability,
    as_of: asOf,
    considered: states.map((state) => ({
      record_id: state.record.record_id,
      source_kind: state.record.source_kind,
      active: state.active && ranked.has(state.record.source_kind),
      reason: ranked.has(state.record.source_kind) ? state.reason : "not_in_policy",
    })),
  };
  const until = nextChange(records, asOf);
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
    const reason = fallback === undefined ? "no_active_source" : /** @type {SourceState} */ (byId.get(fallback.winner.record_id)).reason;
    Object.assign(decision, { outcome: "deny", reason });
    return decision;
  }
  const state = /** @type {SourceState} */ (byId.get(winner.winner.record_id));
  decision.plan = state.record.plan;
  decision.source = {
    record_id: state.record.record_id,
    source_kind: state.record.source_kind,
    status: state.record.status,
  };
  decision.tie_break = winner.tie_break;
  capabilityCheck(request, state.record.plan, decision, state.reason);
  return decision;
}

/** @param {string[]} argv @returns {Promise<unknown>} */
async function main(argv) {
  const { readFileSync } = await import("node:fs");
  /** @param {string} file */
  const load = (file) => JSON.parse(readFileSync(file, "utf8"));
  if (argv[0] === "--requests" && argv.length === 2) {
    /** @type {DecisionRequest[]} */
    const requests = load(argv[1]);
    return requests.map((request) => {
      try {
        return { decision: decide(request) };
      } catch (error) {
        if (error instanceof DuplicateRecordError) return { error: error.name };
        throw error;
      }
    });
  }
  if (argv.length === 1 && !argv[0].startsWith("-")) {
    /** @type {{stages: {stage: string, vectors: {name: string, request: DecisionRequest}[]}[]}} */
    const fixture = load(argv[0]);
    const stage = fixture.stages.find((item) => item.stage === "decision");
    if (stage === undefined) throw new Error("the fixture has no decision stage");
    return stage.vectors.map((vector) => ({ name: vector.name, decision: decide(vector.request) }));
  }
  throw new Error("usage: entitlements-decide.mjs FIXTURE.json | --requests REQUESTS.json");
}

const isMain =
  typeof process !== "undefined" &&
  process.argv[1] !== undefined &&
  import.meta.url === (await import("node:url")).pathToFileURL(process.argv[1]).href;
if (isMain) {
  try {
    process.stdout.write(`${JSON.stringify(await main(process.argv.slice(2)))}\n`);
  } catch (error) {
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 2;
  }
}
