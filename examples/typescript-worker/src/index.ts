// A Worker consuming @saas-contracts/contracts (installed from the packed tarball in the tests):
//   POST /usage        a usage event -> 202 {fingerprint, scope_key} or 422 {violations}
//   POST /entitlement  a decision request -> 200 the entitlements/v1 decision, or 422 {violations}
//   POST /ops-summary  an ops summary (any JSON) -> 200 {privacy: {rules_digest, findings: 0}} when the
//                      privacy scanner finds nothing, or 422 {findings} (masked: rule, pointer, view, preview)
//   POST /lifecycle    a lifecycle event (a provider webhook, normalized) applied to the state ->
//                      200 {outcome, detail, ..., record}, 409 on a conflict, 422 when invalid
//   POST /usage/replay {request, lines}: a batch of JSON Lines replayed against the idempotency index
//                      in D1 (env.DB) -> 200 the usage-ledger/v1 replay report (a second delivery of
//                      the same lines is all duplicates), 409 when a concurrent replay wrote first
import { applyEvents, decide } from "@saas-contracts/contracts/entitlements";
import { D1Index, type D1DatabaseLike, fingerprint, IndexBusyError, replayLines, replayReportJson, replayRequest, scopeKey } from "@saas-contracts/contracts/ledger";
import { RULES_DIGEST, scan } from "@saas-contracts/contracts/privacy";
import type { EntitlementDecision, PlanSourceState, UsageEvent } from "@saas-contracts/contracts/types";
import { toViolations, validateDecisionRequest, validateUsageEvent } from "@saas-contracts/contracts/validators";

const hex = (bytes: Uint8Array): string => Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");

async function usage(body: unknown): Promise<Response> {
  if (!validateUsageEvent(body)) return Response.json({ violations: toViolations(validateUsageEvent.errors) }, { status: 422 });
  const event: UsageEvent = body;
  return Response.json(
    { fingerprint: await fingerprint(event), scope_key: hex(await scopeKey(event.source, event.idempotency_key)) },
    { status: 202 },
  );
}

function entitlement(body: unknown): Response {
  if (!validateDecisionRequest(body)) return Response.json({ violations: toViolations(validateDecisionRequest.errors) }, { status: 422 });
  const decision: EntitlementDecision = decide(body);
  return Response.json(decision);
}

function opsSummary(body: unknown): Response {
  const report = scan(body);
  if (!report.clean) return Response.json({ findings: report.findings }, { status: 422 });
  return Response.json({ privacy: { rules_digest: RULES_DIGEST, findings: 0 } });
}

// The plan-source state, in memory for the example (one per isolate). A real Worker keeps the
// entitlements/v1/state document in a Durable Object or D1 and applies inside one transaction.
let state: PlanSourceState | undefined;
let queue: Promise<unknown> = Promise.resolve();
// As Python's entitlements apply: an event_id a privacy rule flags is refused (invalid, publicSafety).
const screenEventId = (eventId: string): string[] => scan([eventId]).findings.map((finding) => finding.rule_id);

async function lifecycle(body: unknown): Promise<Response> {
  // One apply at a time: applyEvents awaits WebCrypto, and two interleaved applies would lose one.
  const applied = queue.then(async () => {
    const result = await applyEvents(state, [body], { screenEventId });
    state = result.state;
    return result;
  });
  queue = applied.catch(() => undefined);
  const { outcomes, state: current } = await applied;
  const outcome = outcomes[0]!;
  const record = current.records.find((item) => item.record_id === outcome.record_id);
  const status = outcome.outcome === "invalid" ? 422 : outcome.outcome === "conflict" ? 409 : 200;
  return Response.json({ ...outcome, ...(record === undefined ? {} : { record }) }, { status });
}

interface Env {
  /** The D1 database of wrangler.jsonc's d1_databases (Cloudflare's D1Database fits D1DatabaseLike). */
  readonly DB?: D1DatabaseLike;
}

async function usageReplay(body: unknown, env: Env): Promise<Response> {
  if (env.DB === undefined) return new Response("no D1 binding DB", { status: 501 });
  const { request, lines } = (body ?? {}) as { request?: unknown; lines?: unknown };
  if (!Array.isArray(lines) || !lines.every((line) => typeof line === "string")) {
    return Response.json({ violations: [{ pointer: "/lines", keyword: "type" }] }, { status: 422 });
  }
  let checked: ReturnType<typeof replayRequest>;
  try {
    checked = replayRequest(request);
  } catch (error) {
    return Response.json({ violations: (error as { violations?: unknown }).violations ?? [] }, { status: 422 });
  }
  // The library never reads a clock: the Worker passes the instant the time rules are judged at.
  const now = new Date().toISOString();
  try {
    const report = await replayLines(lines, checked, { now, index: await D1Index.open(env.DB) });
    return Response.json(replayReportJson(report));
  } catch (error) {
    if (error instanceof IndexBusyError) return Response.json({ error: error.message }, { status: 409 });
    throw error;
  }
}

export default {
  async fetch(request: Request, env: Env = {}): Promise<Response> {
    const { pathname } = new URL(request.url);
    if (request.method !== "POST") return new Response("POST only", { status: 405 });
    let body: unknown;
    try {
      body = await request.json();
    } catch {
      return Response.json({ violations: [{ pointer: "", keyword: "json" }] }, { status: 400 });
    }
    if (pathname === "/usage") return usage(body);
    if (pathname === "/usage/replay") return usageReplay(body, env);
    if (pathname === "/entitlement") return entitlement(body);
    if (pathname === "/ops-summary") return opsSummary(body);
    if (pathname === "/lifecycle") return lifecycle(body);
    return new Response("not found", { status: 404 });
  },
};
