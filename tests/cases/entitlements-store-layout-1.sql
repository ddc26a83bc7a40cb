-- entitlements/v1 store: the plan-source state as SQL tables (SQLite; Cloudflare D1 speaks the same dialect).
--
-- The contract DDL: saas_contracts.entitlements opens its SQLite store with exactly these statements, and
-- a template applies them to D1 (`wrangler d1 execute DB --file store.sql`). Every statement is idempotent
-- (IF NOT EXISTS) and the file holds no PRAGMA, so it can be applied again at every start.
-- JSON columns hold the documents of the JSON state (entitlements/v1/state): records, receipts and logged
-- events as they appear there, so `entitlements export` reproduces the JSON state byte for byte.

-- The store's format tag; the runtime refuses a store whose tag it does not know.
CREATE TABLE IF NOT EXISTS ent_meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
INSERT OR IGNORE INTO ent_meta (key, value) VALUES ('format', 'entitlements/v1/store');

-- Current plan-source records (entitlements/v1/record as JSON in body); workspace and status for queries.
CREATE TABLE IF NOT EXISTS ent_records (
  record_id TEXT PRIMARY KEY,
  workspace TEXT NOT NULL,
  source_kind TEXT NOT NULL,
  status TEXT NOT NULL,
  body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS ent_records_by_workspace ON ent_records (workspace, record_id);

-- Records written before event logs were kept: a record's fold starts from its base.
CREATE TABLE IF NOT EXISTS ent_bases (
  record_id TEXT PRIMARY KEY,
  body TEXT NOT NULL
);

-- One receipt per first-seen valid event: duplicate vs conflict, and the event's outcome in the fold.
-- The outcome CHECK is spelled as comparisons, not IN (...): SQLite builds an IN list's lookup table for
-- every inserted row, which doubled the cost of a receipt insert.
CREATE TABLE IF NOT EXISTS ent_receipts (
  event_id TEXT PRIMARY KEY,
  fingerprint TEXT NOT NULL,
  kind TEXT NOT NULL,
  record_id TEXT NOT NULL,
  outcome TEXT NOT NULL
    CHECK (outcome = 'applied' OR outcome = 'stale' OR outcome = 'parked' OR outcome = 'illegal')
);

-- Each record's event log (entitlements/v1/lifecycle-event as JSON in body), folded in canonical order:
-- occurred_ns (exact nanoseconds since the epoch, as decimal text: years up to 9999 exceed 64 bits),
-- then sequence (provider_sequence, -1 when absent), then fingerprint.
CREATE TABLE IF NOT EXISTS ent_events (
  record_id TEXT NOT NULL,
  event_id TEXT NOT NULL,
  occurred_ns TEXT NOT NULL,
  sequence INTEGER NOT NULL,
  fingerprint TEXT NOT NULL,
  body TEXT NOT NULL,
  PRIMARY KEY (record_id, event_id)
);

-- The canonical key of the last event in each record's log: an event after it is folded on directly.
CREATE TABLE IF NOT EXISTS ent_tails (
  record_id TEXT PRIMARY KEY,
  occurred_ns TEXT NOT NULL,
  sequence INTEGER NOT NULL,
  fingerprint TEXT NOT NULL
);

-- The audit trail: one entitlements/v1/write envelope per applied event, committed with its receipt.
-- identity is the digest of the envelope without audit.written_at and audit.commit_sha (one write, once).
CREATE TABLE IF NOT EXISTS ent_writes (
  position INTEGER PRIMARY KEY AUTOINCREMENT,
  identity TEXT NOT NULL UNIQUE,
  idempotency_key TEXT NOT NULL,
  envelope TEXT NOT NULL
);
