// @saas-contracts/contracts/privacy: the privacy scanner, in TypeScript, with the verdicts of the
// Python reference (saas_contracts.privacy): same rules (schemas/privacy/v1/rules.json, embedded
// at build time), same normalized views, same work budget, same masked findings.
export { RULES_DIGEST, RULES_DOCUMENT } from "../../generated/privacy/index.js";
export { AllowEntry, BUDGET_RULE_ID, DENY_RULE_ID, normalizeKey, Rule, RuleSet, type KeyInfo, type RuleDocument } from "./rules.js";
export { assertPublicSafe, isSafeSegment, mask, rulesDigest, scan, scanText, type BudgetUnits, type Finding, type ScanReport } from "./scanner.js";
export { Budget, derivedViews, VIEWS, type ViewName } from "./views.js";
export { PublicSafetyError } from "../errors.js";
