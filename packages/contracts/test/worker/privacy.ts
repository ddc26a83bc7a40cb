// A Worker that runs the ./privacy kit inside workerd (no nodejs_compat): POST Python's privacy
// reference (tests/ts_package/_privacy.py) and get the kit's findings for every document back.
// test/privacy.test.ts bundles it, runs it in Miniflare and compares with Python item by item.
import { DECLARED_NAMES, RULES_DOCUMENT } from "../../generated/privacy/index.js";
import { canonicalDigest } from "../../src/canonical.js";
import { rulesDigest, scan, scanText } from "../../src/privacy/index.js";
import type { PrivacyReference } from "../privacy-reference.js";

export default {
  async fetch(request: Request): Promise<Response> {
    const reference = (await request.json()) as PrivacyReference;
    const started = Date.now();
    const documents = reference.documents.map((item) => scan(item.document, item.config ? reference.config : undefined).findings);
    const budgetCases = reference.budget_cases.map((item) => {
      const document = reference.documents[item.document]!;
      return scan(document.document, document.config ? reference.config : undefined, { base: item.base, perChar: item.per_char }).findings;
    });
    const textCases = reference.text_cases.map((item) => scanText(item.text, item.config ? reference.config : undefined).findings);
    return Response.json({
      runtime: { userAgent: globalThis.navigator?.userAgent ?? null, hasProcess: typeof (globalThis as Record<string, unknown>)["process"] !== "undefined" },
      documents,
      budgetCases,
      textCases,
      milliseconds: Date.now() - started,
      rulesDigest: await rulesDigest(),
      recomputedDigest: await canonicalDigest({ rules: RULES_DOCUMENT }),
      configRulesDigest: await rulesDigest(reference.config),
      declaredNames: DECLARED_NAMES,
    });
  },
};
