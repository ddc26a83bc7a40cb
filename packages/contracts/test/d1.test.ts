// ./ledger's D1Index against real D1 (workerd's, through Miniflare): the same verdicts, reports and
// stored rows as Python's SqliteIndex over the same runs (tests/ts_package/_reference.py
// `index_runs`), kept across reopened indexes; a concurrent writer makes the later commit fail
// whole (IndexBusyError, nothing kept); foreign layouts and fingerprint versions are refused.
import { Miniflare } from "miniflare";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { IndexBusyError, IndexFormatError } from "../src/errors.js";
import { D1Index, type D1DatabaseLike } from "../src/ledger/d1.js";
import { replayLines, replayReportJson, replayRequest } from "../src/ledger/replay.js";
import { reference } from "./reference.js";

const python = reference().index_runs;
const NAMES = ["PARITY", "RACE", "LAYOUT", "VERSION", "LEGACY", "TEXT"] as const;
let worker: Miniflare | undefined;
const databases = new Map<string, D1DatabaseLike>();

beforeAll(async () => {
  worker = new Miniflare({ modules: true, script: "export default { fetch() { return new Response(''); } };", d1Databases: [...NAMES] });
  for (const name of NAMES) databases.set(name, (await worker.getD1Database(name)) as unknown as D1DatabaseLike);
}, 60_000);

afterAll(async () => {
  await worker?.dispose();
});

const database = (name: (typeof NAMES)[number]): D1DatabaseLike => databases.get(name) as D1DatabaseLike;
const rows = async (db: D1DatabaseLike): Promise<[string, string][]> =>
  (await db.prepare("SELECT lower(hex(k)) AS k, lower(hex(fp)) AS fp FROM seen ORDER BY k").all<{ k: string; fp: string }>()).results.map((row) => [row.k, row.fp]);

describe("D1Index answers as Python's SqliteIndex", () => {
  test("every run's report, then the stored rows and the fingerprint version, equal Python's", async () => {
    const db = database("PARITY");
    for (const run of python.runs) {
      const index = await D1Index.open(db); // reopened per run: what it knows is what D1 kept
      const report = await replayLines(run.lines, replayRequest(run.request), { now: python.now, index });
      expect(replayReportJson(report)).toEqual(run.report);
    }
    expect(python.rows.length).toBeGreaterThan(1000);
    expect(await rows(db)).toEqual(python.rows);
    const meta = (await db.prepare("SELECT name, value FROM meta").all<{ name: string; value: string }>()).results;
    expect(Object.fromEntries(meta.map((row) => [row.name, row.value]))).toEqual(python.meta);
  });
});

describe("two runs at once never double an event", () => {
  test("the later commit of a scope both accepted fails whole and keeps nothing; its replay again sees the first", async () => {
    const db = database("RACE");
    const [run] = python.runs;
    const request = replayRequest(run!.request);
    const index = await D1Index.open(db);
    const first = index.openRun(false);
    const second = index.openRun(false);
    const pairs = [["0".repeat(32), `sha256:${"a".repeat(64)}`] as const, ["1".repeat(32), `sha256:${"b".repeat(64)}`] as const];
    expect(await first.resolveAll(pairs.slice(0, 1))).toEqual(["accepted"]);
    expect(await second.resolveAll(pairs)).toEqual(["accepted", "accepted"]);
    await first.commit();
    await expect(second.commit()).rejects.toBeInstanceOf(IndexBusyError);
    expect(await rows(db)).toEqual([["0".repeat(32), "a".repeat(64)]]);
    const replayed = await replayLines(run!.lines.slice(0, 5), request, { now: python.now, index });
    expect(replayed.counts.accepted).toBe(5);
    const again = await replayLines(run!.lines.slice(0, 5), request, { now: python.now, index });
    expect([again.counts.accepted, again.counts.duplicate]).toEqual([0, 5]);
  });

  test("a dry run writes nothing", async () => {
    const db = database("RACE");
    const before = await rows(db);
    const [run] = python.runs;
    const report = await replayLines(run!.lines, replayRequest({ ...(run!.request as object), dry_run: true }), { now: python.now, index: await D1Index.open(db) });
    expect(report.counts.accepted).toBeGreaterThan(600);
    expect(await rows(db)).toEqual(before);
  });
});

describe("a database that is not this index is refused, never written", () => {
  test("a table 'seen' of other columns", async () => {
    const db = database("LAYOUT");
    await db.prepare("CREATE TABLE seen (k TEXT PRIMARY KEY, value TEXT)").all();
    await expect(D1Index.open(db)).rejects.toThrow(new IndexFormatError("its table 'seen' is not an idempotency index (expected exactly the columns k and fp)"));
  });

  test("another fingerprint version, and scopes from before the version row (version 1)", async () => {
    const db = database("VERSION");
    await (await D1Index.open(db)).openRun(false).resolveAll([]);
    await db.prepare("INSERT INTO meta (name, value) VALUES ('fingerprint_version', '3')").all();
    await expect(D1Index.open(db)).rejects.toThrow(/version 3, this package compares version 2/);
    const legacy = database("LEGACY");
    await D1Index.open(legacy);
    await legacy.prepare("INSERT INTO seen (k, fp) VALUES (unhex('00'), unhex('00'))").all();
    await expect(D1Index.open(legacy)).rejects.toThrow(/version 1, this package compares version 2/);
    const text = database("TEXT");
    await D1Index.open(text);
    await text.prepare("INSERT INTO meta (name, value) VALUES ('fingerprint_version', 'two')").all();
    await expect(D1Index.open(text)).rejects.toBeInstanceOf(IndexFormatError);
  });
});
