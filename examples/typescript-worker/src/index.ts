// A Worker consuming @saas-contracts/contracts (installed from the packed tarball in the tests):
//   POST /usage        a usage event -> 202 {fingerprint, scope_key} or 422 {violations}
//   POST /entitlement  a decision request -> 200 the entitlements/v1 decision, or 422 {violations}
//   POST /ops-summary  an ops summary (any JSON) -> 200 {privacy: {rules_digest, findings: 0}} when the
//                      privacy scanner finds nothing, or 422 {findings} (masked: rule, pointer, view, preview)
//   POST /lifecycle    a lifecycle event (a provider webhook, normalized) applied to the state ->
//                      200 {outcome, detail, ..., record}, 409 on a conflict, 422 when invalid
import { applyEvents, decide } from "@saas-contracts/contracts/entitlements";
import { fingerprint, scopeKey } from "@saas-contracts/contracts/ledger";
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

export default {
  async fetch(request: Request): Promise<Response> {
    const { pathname } = new URL(request.url);
    if (request.method !== "POST") return new Response("POST only", { status: 405 });
    let body: unknown;
    try {
      body = await request.json();
    } catch {
      return Response.json({ violations: [{ pointer: "", keyword: "json" }] }, { status: 400 });
    }
    if (pathname === "/usage") return usage(body);
    if (pathname === "/entitlement") return entitlement(body);
    if (pathname === "/ops-summary") return opsSummary(body);
    if (pathname === "/lifecycle") return lifecycle(body);
    return new Response("not found", { status: 404 });
  },
};
