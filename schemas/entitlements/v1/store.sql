-- entitlements/v1 store, layout 2: the plan-source state as SQL tables (SQLite; Cloudflare D1 speaks the same dialect).
--
-- The contract DDL: saas_contracts.entitlements opens its SQLite store with exactly these statements, and
-- a template applies them to D1 (`wrangler d1 execute DB --file store.sql`). Every statement is idempotent
-- (IF NOT EXISTS) and the file holds no PRAGMA, so it can be applied again at every start.
-- JSON columns hold the documents of the JSON state (entitlements/v1/state): records and logged events as
-- they appear there, so `entitlements export` reproduces the JSON state byte for byte.
-- Layout 2 (format tag entitlements/v1/store-2) keeps one row per event (receipt, log entry and audit
-- envelope together) and one row per record (the record and its log's tail), written once per batch:
-- layout 1 (entitlements/v1/store) wrote five tables per event. `saas-contracts entitlements migrate`
-- copies a layout-1 store into a new layout-2 store.

-- The store's format tag; the runtime refuses a store whose tag it does not know.
CREATE TABLE IF NOT EXISTS ent_meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
INSERT OR IGNORE INTO ent_meta (key, value) VALUES ('format', 'entitlements/v1/store-2');

-- One row per record_id with a log or a record. body: the current record (entitlements/v1/record JSON),
-- status its status; both NULL while no event has created the record (only parked events are logged),
-- workspace and source_kind are then the first logged event's. tail_*: the canonical key of the last event
-- in the record's log (an event after it is folded on directly); NULL when nothing is logged (a base).
CREATE TABLE IF NOT EXISTS ent_records (
  record_id TEXT PRIMARY KEY,
  workspace TEXT NOT NULL,
  source_kind TEXT NOT NULL,
  status TEXT,
  body TEXT,
  tail_ns TEXT,
  tail_sequence INTEGER,
  tail_fingerprint TEXT,
  CHECK ((status IS NULL) = (body IS NULL))
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS ent_records_by_workspace ON ent_records (workspace, record_id);

-- Records written before event logs were kept: a record's fold starts from its base.
CREATE TABLE IF NOT EXISTS ent_bases (
  record_id TEXT PRIMARY KEY,
  body TEXT NOT NULL
);

-- One row per first-seen valid event, in delivery order (position; a migrated store lists its written
-- events first, in audit order):
-- * the receipt (event_id, fingerprint, kind, record_id, outcome): duplicate vs conflict, and the
--   event's outcome in its record's fold (relabelled in place when a later fold changes it);
-- * the log entry (body: entitlements/v1/lifecycle-event JSON), folded in canonical order: occurred_ns
--   (exact nanoseconds since the epoch, as decimal text: years up to 9999 exceed 64 bits), then sequence
--   (provider_sequence, -1 when absent), then fingerprint; all three NULL for a receipt kept from before
--   logs (a migrated legacy state);
-- * envelope: the audit trail, the entitlements/v1/write envelope when this delivery was applied (NULL
--   otherwise), committed with its receipt. The trail in commit order:
--   SELECT envelope FROM ent_events WHERE envelope IS NOT NULL ORDER BY position.
-- The outcome CHECK is spelled as comparisons, not IN (...): SQLite builds an IN list's lookup table for
-- every inserted row.
CREATE TABLE IF NOT EXISTS ent_events (
  position INTEGER PRIMARY KEY,
  event_id TEXT NOT NULL UNIQUE,
  record_id TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  kind TEXT NOT NULL,
  outcome TEXT NOT NULL
    CHECK (outcome = 'applied' OR outcome = 'stale' OR outcome = 'parked' OR outcome = 'illegal'),
  occurred_ns TEXT,
  sequence INTEGER,
  body TEXT,
  envelope TEXT,
  CHECK ((body IS NULL) = (occurred_ns IS NULL) AND (body IS NULL) = (sequence IS NULL))
);
CREATE INDEX IF NOT EXISTS ent_events_by_record ON ent_events (record_id);
