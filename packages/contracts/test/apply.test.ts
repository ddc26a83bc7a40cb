// Node-side properties of applyEvents (the workerd tests compare it with Python case by case):
// inputs are never changed, one call per event equals one batch, counts add up, the privacy hook.
import { describe, expect, test } from "vitest";
import { applyEvents, emptyState, type EventResult } from "../src/entitlements/index.js";
import type { PlanSourceState } from "../generated/types/entitlements.js";
import { reference } from "./reference.js";

const python = reference();
const streams = python.lifecycle.filter((item) => item.group === "stream" || item.group === "generated").filter((item) => !("error" in item.python));
const outcomeOf = (item: EventResult) => [item.outcome, item.detail];

describe("applyEvents", () => {
  test("never changes its inputs (state document and events)", async () => {
    for (const item of streams) {
      const state = item.state === undefined ? undefined : structuredClone(item.state);
      const events = structuredClone(item.events);
      await applyEvents(state, events, item.audit === undefined ? {} : { audit: { now: item.audit.now, commitSha: item.audit.commit_sha } });
      expect(events).toEqual(item.events);
      expect(state).toEqual(item.state);
    }
  });

  test("one call per event (the state handed on as JSON text) equals one call for the batch", async () => {
    for (const item of streams) {
      const batch = await applyEvents(item.state, item.events);
      let state: PlanSourceState | undefined = item.state;
      const outcomes: EventResult[] = [];
      for (const event of item.events) {
        const step = await applyEvents(state, [event]);
        outcomes.push(...step.outcomes);
        state = JSON.parse(JSON.stringify(step.state)) as PlanSourceState;
      }
      expect(outcomes.map(outcomeOf)).toEqual(batch.outcomes.map(outcomeOf));
      expect(state).toEqual(batch.state);
    }
  });

  test("counts list every outcome and add up to the events; an empty stream leaves an empty state", async () => {
    const item = streams[0]!;
    const result = await applyEvents(undefined, item.events);
    expect(Object.keys(result.counts)).toEqual(["applied", "duplicate", "conflict", "stale", "parked", "illegal", "invalid"]);
    expect(Object.values(result.counts).reduce((a, b) => a + b, 0)).toBe(item.events.length);
    expect((await applyEvents(undefined, [])).state).toEqual(emptyState());
  });

  test("screenEventId: an event_id a privacy rule flags is invalid (publicSafety), nothing is logged", async () => {
    const event = streams[0]!.events[0] as { event_id: string };
    const result = await applyEvents(undefined, [event], { screenEventId: (id) => (id === event.event_id ? ["some-rule"] : []) });
    expect(result.outcomes[0]).toMatchObject({ outcome: "invalid", violations: [{ pointer: "/event_id", keyword: "publicSafety" }] });
    expect(result.state).toEqual(emptyState());
    const clean = await applyEvents(undefined, [event], { screenEventId: () => [] });
    expect(clean.outcomes[0]?.outcome).toBe("applied");
  });
});
