// The usage-event-ledger fixture's `replay`, `ops-summary` and `privacy-boundary` stages, with
// Python's expectation rules (saas_contracts.ledger._fixture): used by checkFixture (../fixtures.ts).
// Details never echo a probe or an instance value.

import { validateUsageEvent, validateUsageSummary } from "../../generated/validators/index.js";
import { canonicalize } from "../canonical.js";
import { ContractViolationError, PublicSafetyError } from "../errors.js";
import { clone, compose, place, pyShow } from "../harness.js";
import { resolvePointer } from "../pointer.js";
import { scan } from "../privacy/scanner.js";
import { buildLedgerOpsSummary } from "./ops.js";
import { MemoryIndex, replayLines, replayRequest, type ReplayReport, usageSummary } from "./replay.js";

type Json = Record<string, unknown>;

const lines = (value: unknown): string[] => value as string[];
const same = (a: unknown, b: unknown): boolean => canonicalize(a ?? null) === canonicalize(b ?? null);

/** The vector's replay: its prior runs (written) into one index, then its lines. */
async function replay(vector: Json): Promise<ReplayReport> {
  const request = replayRequest(vector["request"]);
  const index = new MemoryIndex();
  const now = String(vector["now"]);
  for (const prior of (vector["prior_runs"] ?? []) as unknown[]) {
    await replayLines(lines(prior), replayRequest({ ...(vector["request"] as Json), dry_run: false }), { now, index });
  }
  return replayLines(lines(vector["lines"]), request, { now, index });
}

/** `replay`: outcome counts, aggregate rows and index writes (or the request refused). */
export async function checkReplay(vector: Json): Promise<string[]> {
  const expect = vector["expect"] as Json;
  let report: ReplayReport;
  try {
    report = await replay(vector);
  } catch (error) {
    if (!(error instanceof ContractViolationError)) throw error;
    return expect["error"] === "request" ? [] : [`the request was refused: ${error.message}`];
  }
  const problems: string[] = [];
  if (expect["error"] === "request") problems.push("expected the request to be refused, but it ran");
  const counts = expect["counts"] as Record<string, number>;
  const got = report.counts as Readonly<Record<string, number>>;
  for (const name of Object.keys(counts).sort()) {
    if (got[name] !== counts[name]) problems.push(`${name}: expected ${counts[name]}, got ${pyShow(got[name])}`);
  }
  if ("rows" in expect) {
    const rows = usageSummary(report).rows;
    if (!same(rows, expect["rows"])) problems.push(`aggregate rows differ (${rows.length} row(s) produced)`);
  }
  if ("index_written" in expect && report.index.written !== expect["index_written"]) {
    problems.push(`index writes: expected ${String(expect["index_written"])}, got ${report.index.written}`);
  }
  return problems;
}

function writtenProblems(expect: Json, json: string, markdown: string): string[] {
  const problems: string[] = [];
  const document = JSON.parse(json) as unknown;
  for (const [number, text] of ((expect["markdown_contains"] ?? []) as string[]).entries()) {
    if (!markdown.includes(text)) problems.push(`Markdown lacks expected text #${number + 1}`);
  }
  const wanted = (expect["json"] ?? {}) as Json;
  for (const where of Object.keys(wanted).sort()) {
    let got: unknown;
    try {
      got = resolvePointer(document, where);
    } catch {
      problems.push(`${where}: missing`);
      continue;
    }
    if (!same(got, wanted[where])) problems.push(`${where}: value differs`);
  }
  return problems;
}

/** The renderings an ops-summary vector produces (undefined when refused) and why it was refused. */
export async function opsSummaryRenderings(vector: Json): Promise<{ renderings?: Readonly<Record<string, string>>; error: "privacy" | "contract" | null }> {
  const report = await replayLines(lines(vector["lines"]), replayRequest(vector["request"]), { now: String(vector["now"]) });
  const inject = vector["inject"] as Json | undefined;
  const mutate = inject === undefined ? undefined : (body: Json): void => place(body, String(inject["pointer"]), compose(inject["probe"]));
  try {
    const summary = await buildLedgerOpsSummary(report, {
      commitSha: typeof vector["commit_sha"] === "string" ? vector["commit_sha"] : undefined,
      ...(mutate === undefined ? {} : { mutate }),
    });
    return { renderings: summary.renderings, error: null };
  } catch (error) {
    if (error instanceof PublicSafetyError) return { error: "privacy" };
    if (error instanceof ContractViolationError) return { error: "contract" };
    throw error;
  }
}

/** `ops-summary`: the summary is written (JSON and Markdown), or refused with no file. */
export async function checkOpsSummary(vector: Json): Promise<string[]> {
  const expect = vector["expect"] as Json;
  const { renderings, error } = await opsSummaryRenderings(vector);
  const written = renderings !== undefined;
  const problems: string[] = [];
  if (written !== expect["written"]) problems.push(`expected written=${pyShow(expect["written"])}, got ${pyShow(written)}`);
  if ((expect["error"] ?? null) !== error) problems.push(`expected error ${pyShow(expect["error"], true)}, got ${pyShow(error, true)}`);
  if (renderings !== undefined) problems.push(...writtenProblems(expect, renderings["json"] ?? "", renderings["markdown"] ?? ""));
  return problems;
}


async function rejected(artifact: string, base: Json, pointer: string, value: unknown): Promise<boolean> {
  if (artifact === "event") {
    const event = clone(base["event"]);
    place(event, pointer, value);
    return !validateUsageEvent(event) || !scan(event).clean;
  }
  const report = await replayLines(lines(base["lines"]), replayRequest(base["request"]), { now: String(base["now"]) });
  if (artifact === "usage-summary") {
    const document = usageSummary(report);
    place(document, pointer, value);
    return !validateUsageSummary(document) || !scan(document).clean;
  }
  try {
    await buildLedgerOpsSummary(report, { mutate: (body) => place(body, pointer, value) });
  } catch (error) {
    if (error instanceof PublicSafetyError || error instanceof ContractViolationError) return true;
    throw error;
  }
  return false;
}

/** `privacy-boundary`: an allowed value or a composed probe placed into an event, a usage summary or an ops summary. */
export async function checkPrivacyBoundary(vector: Json, stage: Json): Promise<string[]> {
  const value = "probe" in vector ? compose(vector["probe"]) : vector["value"];
  const verdict = (await rejected(String(vector["artifact"]), stage["base"] as Json, String(vector["pointer"]), value)) ? "rejected" : "allowed";
  return verdict === vector["expect"] ? [] : [`expected ${String(vector["expect"])}, got ${verdict}`];
}
