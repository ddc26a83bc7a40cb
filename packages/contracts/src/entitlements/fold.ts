// Convergence (Python: saas_contracts.entitlements._fold): a record is the fold of its event log in
// one canonical order, whatever the delivery order. The order: occurred_at (exact nanoseconds), then
// provider_sequence (absent: -1, first among equal instants), then the event's fingerprint (its
// RFC 8785 canonical digest). A late event is inserted at its place and the log folded again; an
// event that does not fit at its place stays in the log as `parked` (no creating event before it)
// or `illegal`, and is evaluated again at every fold. Records written before logs were kept are
// bases: the fold starts from them, and an event older than a base reflects stays `stale`.

import type { LifecycleEvent, PlanSourceRecord } from "../../generated/types/entitlements.js";
import { canonicalize } from "../canonical.js";
import { instant } from "./decide.js";
import { isIllegal, transition } from "./lifecycle.js";
import { compareBig, compareText } from "../order.js";

/** Record fields that say which events a record reflects, not what access it grants. */
export const BOOKKEEPING: ReadonlySet<string> = new Set(["sequence", "last_event_id", "last_event_at", "last_event_sequence"]);

/** The canonical key of a logged event: occurred_at (ns), provider_sequence (absent: -1), fingerprint. */
export type CanonicalKey = readonly [bigint, bigint, string];

/** One logged event with its canonical key. */
export interface Entry {
  readonly key: CanonicalKey;
  readonly event: LifecycleEvent;
  readonly fingerprint: string;
}

/** How an event stands in its record's fold. */
export type FoldLabel = "applied" | "parked" | "illegal" | "stale";

/** A folded log: the record (undefined while nothing created it), each event's label and reason. */
export interface Fold {
  readonly record: PlanSourceRecord | undefined;
  readonly labels: Map<string, FoldLabel>;
  readonly reasons: Map<string, string>;
}

/** The canonical key of `event` whose fingerprint is `fingerprint`. */
export function canonicalKey(event: LifecycleEvent, fingerprint: string): CanonicalKey {
  const sequence = event.provider_sequence;
  return [instant(event.occurred_at), sequence === undefined ? -1n : BigInt(sequence), fingerprint];
}

/** Order two canonical keys (Python's tuple order). */
export function compareKeys(a: CanonicalKey, b: CanonicalKey): number {
  return compareBig(a[0], b[0]) || compareBig(a[1], b[1]) || compareText(a[2], b[2]);
}

/**
 * Whether `event` is older than what the base `record` reflects (the pre-log, per-record rule):
 * compared on occurred_at; on equal instants on provider_sequence when both carry one.
 */
export function isStale(record: PlanSourceRecord, event: LifecycleEvent): boolean {
  const recordAt = instant(String(record.last_event_at));
  const eventAt = instant(event.occurred_at);
  if (eventAt !== recordAt) return eventAt < recordAt;
  const recordSequence = record.last_event_sequence;
  const eventSequence = event.provider_sequence;
  return recordSequence !== undefined && eventSequence !== undefined && BigInt(eventSequence) < BigInt(recordSequence);
}

/** Fold one entry onto `record`: the new record, its label, and why it was not applied. */
export function foldOnto(
  record: PlanSourceRecord | undefined,
  entry: Entry,
  base: PlanSourceRecord | undefined,
): [PlanSourceRecord | undefined, FoldLabel, string] {
  if (base !== undefined && isStale(base, entry.event)) return [record, "stale", "older than what the record reflected before its log was kept"];
  const after = transition(record, entry.event);
  if (isIllegal(after)) return [record, record === undefined ? "parked" : "illegal", after.reason];
  return [after, "applied", ""];
}

/** Fold `entries` (sorted by key) from `base` (undefined: no record). */
export function fold(entries: readonly Entry[], base?: PlanSourceRecord): Fold {
  let record: PlanSourceRecord | undefined = base === undefined ? undefined : { ...base };
  const labels = new Map<string, FoldLabel>();
  const reasons = new Map<string, string>();
  for (const entry of entries) {
    const [next, label, reason] = foldOnto(record, entry, base);
    record = next;
    labels.set(entry.event.event_id, label);
    if (reason !== "") reasons.set(entry.event.event_id, reason);
  }
  return { record, labels, reasons };
}

/** Insert `entry` at its canonical place; true when it went last (no refold needed). */
export function insert(entries: Entry[], entry: Entry): boolean {
  const last = entries[entries.length - 1];
  if (last === undefined || compareKeys(last.key, entry.key) < 0) {
    entries.push(entry);
    return true;
  }
  // After every entry that is not greater (bisect.insort_right); keys are unique per event.
  let low = 0;
  let high = entries.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (compareKeys(entry.key, (entries[middle] as Entry).key) < 0) high = middle;
    else low = middle + 1;
  }
  entries.splice(low, 0, entry);
  return false;
}

function access(record: PlanSourceRecord): string {
  return canonicalize(Object.fromEntries(Object.entries(record).filter(([key]) => !BOOKKEEPING.has(key))));
}

/** Whether two records are equal once the bookkeeping fields are left out. */
export function sameAccess(before: PlanSourceRecord | undefined, after: PlanSourceRecord | undefined): boolean {
  if (before === undefined || after === undefined) return before === after;
  return access(before) === access(after);
}
