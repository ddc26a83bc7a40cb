// A Worker consuming @saas-contracts/contracts (installed from the packed tarball in the tests):
//   POST /usage        a usage event -> 202 {fingerprint, scope_key} or 422 {violations}
//   POST /entitlement  a decision request -> 200 the entitlements/v1 decision, or 422 {violations}
//   POST /ops-summary  an ops summary (any JSON) -> 200 {privacy: {rules_digest, findings: 0}} when the
//                      privacy scanner finds nothing, or 422 {findings} (masked: rule, pointer, view, preview)
import { decide } from "@saas-contracts/contracts/entitlements";
import { fingerprint, scopeKey } from "@saas-contracts/contracts/ledger";
import { RULES_DIGEST, scan } from "@saas-contracts/contracts/privacy";
import type { EntitlementDecision, UsageEvent } from "@saas-contracts/contracts/types";
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
    return new Response("not found", { status: 404 });
  },
};
