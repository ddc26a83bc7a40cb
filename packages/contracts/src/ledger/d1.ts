// The usage ledger's idempotency index in Cloudflare D1 (Python: saas_contracts.ledger.SqliteIndex).
// The tables are Python's, column for column: `seen (k BLOB PRIMARY KEY, fp BLOB NOT NULL) WITHOUT
// ROWID` (16-byte scope key -> 32-byte SHA-256 fingerprint of the scope's first event) and `meta`
// (the fingerprint version, written with the first scopes). So a D1 index answers what a SQLite
// index file with the same scopes answers, and `wrangler d1 export` gives the rows Python keeps.
//
// A run reads only the scopes its lines name (one query per KEYS_PER_QUERY keys, bound as one JSON
// array), judges them in input order, and keeps its new scopes only at commit: one `batch()`, which
// D1 runs as one transaction. Two Workers replaying at once never double an event: when another run
// wrote one of the same scopes after this run read it, the plain INSERT fails, the whole batch rolls
// back and commit throws IndexBusyError (nothing of this run was kept; replay the lines again). A dry
// run reads and never writes.

import { ContractError, IndexBusyError, IndexFormatError } from "../errors.js";
import { FINGERPRINT_VERSION } from "./fingerprint.js";
import type { BatchIndexRun, IndexVerdict } from "./replay.js";

/** The part of a D1 prepared statement the index uses (Cloudflare's D1PreparedStatement fits it). */
export interface D1StatementLike {
  bind(...values: unknown[]): D1StatementLike;
  all<T = Record<string, unknown>>(): Promise<{ results: T[] }>;
}

/** The part of a D1 database binding the index uses (Cloudflare's D1Database fits it). */
export interface D1DatabaseLike {
  prepare(query: string): D1StatementLike;
  batch(statements: D1StatementLike[]): Promise<unknown[]>;
}

const KEYS_PER_QUERY = 500;
const ROWS_PER_INSERT = 500;
const VERSION_ROW = "fingerprint_version";
const LEGACY_VERSION = 1;
const SCHEMA = [
  "CREATE TABLE IF NOT EXISTS seen (k BLOB PRIMARY KEY, fp BLOB NOT NULL) WITHOUT ROWID",
  "CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID",
];
const LOOKUP = "SELECT lower(hex(k)) AS k, lower(hex(fp)) AS fp FROM seen WHERE k IN (SELECT unhex(value) FROM json_each(?1))";
const INSERT = "INSERT INTO seen (k, fp) SELECT unhex(json_extract(value, '$[0]')), unhex(json_extract(value, '$[1]')) FROM json_each(?1)";
const STAMP = "INSERT OR REPLACE INTO meta (name, value) VALUES (?1, ?2)";
const HEX_KEY = /^[0-9a-f]{32}$/;
const FINGERPRINT = /^sha256:([0-9a-f]{64})$/;

const chunks = <T>(items: readonly T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, index) => items.slice(index * size, (index + 1) * size));

/** Python's verdict rule: the first fingerprint of a scope wins. */
const judge = (prior: string | undefined, print: string): IndexVerdict => (prior === undefined ? "accepted" : prior === print ? "duplicate" : "conflict");

async function checkLayout(db: D1DatabaseLike): Promise<void> {
  const columns = (await db.prepare("SELECT name, upper(type) AS type, pk FROM pragma_table_info('seen')").all<{ name: string; type: string; pk: number }>()).results;
  const layout = columns.map((column) => `${column.name} ${column.type} ${column.pk}`).join(", ");
  if (layout !== "k BLOB 1, fp BLOB 0") throw new IndexFormatError("its table 'seen' is not an idempotency index (expected exactly the columns k and fp)");
  const rows = (await db.prepare("SELECT value FROM meta WHERE name = ?1").bind(VERSION_ROW).all<{ value: string }>()).results;
  let version: number | undefined;
  if (rows[0] !== undefined) {
    version = /^[0-9]+$/.test(rows[0].value) ? Number(rows[0].value) : Number.NaN;
    if (Number.isNaN(version)) throw new IndexFormatError("its fingerprint version row is not a number");
  } else if ((await db.prepare("SELECT 1 AS found FROM seen LIMIT 1").all()).results.length > 0) {
    version = LEGACY_VERSION;
  }
  if (version !== undefined && version !== FINGERPRINT_VERSION) {
    throw new IndexFormatError(
      `its fingerprints are version ${version}, this package compares version ${FINGERPRINT_VERSION}; ` +
        "upgrade it with Python's `saas-contracts ledger replay --upgrade-index` or rebuild it by replaying the inputs",
    );
  }
}

/**
 * An idempotency index kept in a D1 database (`env.DB`), remembered across requests and Workers.
 * Open it with `await D1Index.open(env.DB)` (creates the tables when missing, refuses a foreign
 * layout or fingerprint version) and pass it to `replayLines(..., { now, index })`.
 */
export class D1Index {
  /** The index kind a replay report names: D1 is SQLite, with Python's table layout. */
  readonly kind = "sqlite";
  readonly persistent = true;

  private constructor(private readonly db: D1DatabaseLike) {}

  static async open(db: D1DatabaseLike): Promise<D1Index> {
    await db.batch(SCHEMA.map((statement) => db.prepare(statement)));
    await checkLayout(db);
    return new D1Index(db);
  }

  /** How many scopes the index holds. */
  async size(): Promise<number> {
    const rows = (await this.db.prepare("SELECT count(*) AS n FROM seen").all<{ n: number }>()).results;
    return rows[0]?.n ?? 0;
  }

  openRun(dryRun: boolean): BatchIndexRun {
    const db = this.db;
    const seen = new Map<string, string>(); // scopes this run has judged: key hex -> fingerprint hex
    const added: [string, string][] = [];
    let open = true;
    return {
      get written() {
        return dryRun ? 0 : added.length;
      },
      async resolveAll(pairs) {
        if (!open) throw new ContractError("this index run has already ended");
        const rows = pairs.map(([scope, print]): [string, string] => {
          const digest = FINGERPRINT.exec(print)?.[1];
          if (!HEX_KEY.test(scope) || digest === undefined) throw new TypeError("a scope key is 32 lower-case hex digits and a fingerprint sha256:<64 hex>");
          return [scope, digest];
        });
        const unknown = [...new Set(rows.map(([scope]) => scope).filter((scope) => !seen.has(scope)))];
        for (const keys of chunks(unknown, KEYS_PER_QUERY)) {
          const found = (await db.prepare(LOOKUP).bind(JSON.stringify(keys)).all<{ k: string; fp: string }>()).results;
          for (const row of found) seen.set(row.k, row.fp);
        }
        return rows.map(([scope, digest]) => {
          const verdict = judge(seen.get(scope), digest);
          if (verdict === "accepted") {
            seen.set(scope, digest);
            added.push([scope, digest]);
          }
          return verdict;
        });
      },
      async commit() {
        if (!open) return;
        open = false;
        if (dryRun || added.length === 0) return;
        const statements = [db.prepare(STAMP).bind(VERSION_ROW, String(FINGERPRINT_VERSION))];
        for (const rows of chunks(added, ROWS_PER_INSERT)) statements.push(db.prepare(INSERT).bind(JSON.stringify(rows)));
        try {
          await db.batch(statements);
        } catch (error) {
          if (error instanceof Error && error.message.includes("UNIQUE constraint failed")) {
            throw new IndexBusyError("another run wrote some of this run's idempotency scopes first; nothing of this run was kept: replay the lines again");
          }
          throw error;
        }
      },
      async abort() {
        open = false;
        added.length = 0;
      },
    };
  }
}
