-- Initial durox schema for SQLite.
--
-- Times are epoch milliseconds (INTEGER) written by the calling process. Work items and history
-- events are JSON text. Tables keyed by text are WITHOUT ROWID: one b-tree instead of a table
-- plus a primary-key index, so a write touches fewer pages and one instance's rows (history,
-- kv) sit together on disk. Every page a transaction touches is a WAL frame written at commit,
-- which is what a file-backed transaction mostly costs.

-- One row per orchestration instance, created only by an ack that carries the orchestration name.
CREATE TABLE instances (
  instance_id           TEXT PRIMARY KEY,
  orchestration_name    TEXT NOT NULL,
  orchestration_version TEXT,
  current_execution_id  INTEGER NOT NULL DEFAULT 1,
  created_at            INTEGER NOT NULL,
  updated_at            INTEGER NOT NULL,
  parent_instance_id    TEXT,
  custom_status         TEXT,
  custom_status_version INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

-- Children of an instance (tree walks for delete); most instances have no parent.
CREATE INDEX idx_instances_parent ON instances (parent_instance_id)
  WHERE parent_instance_id IS NOT NULL;

-- One row per execution (continue-as-new starts a new one).
CREATE TABLE executions (
  instance_id  TEXT NOT NULL,
  execution_id INTEGER NOT NULL,
  status       TEXT NOT NULL DEFAULT 'Running',
  output       TEXT,
  started_at   INTEGER NOT NULL,
  completed_at INTEGER,
  PRIMARY KEY (instance_id, execution_id)
) WITHOUT ROWID;

-- Append-only event log; the primary key rejects a duplicate event id in an ack.
CREATE TABLE history (
  instance_id  TEXT NOT NULL,
  execution_id INTEGER NOT NULL,
  event_id     INTEGER NOT NULL,
  event_type   TEXT NOT NULL,
  event_data   TEXT NOT NULL,
  created_at   INTEGER NOT NULL,
  PRIMARY KEY (instance_id, execution_id, event_id)
) WITHOUT ROWID;

-- Messages for orchestration instances. A row is "tagged" (lock_token, locked_until) by the
-- fetch that took its instance's lease; untagged rows have both columns NULL. A tag is only
-- meaningful while that lease is live, so eligibility is decided by instance_locks alone.
-- The id is a plain rowid alias (no AUTOINCREMENT): a new row still gets an id above every
-- existing row, which is all FIFO order needs, and AUTOINCREMENT would add a sqlite_sequence
-- write to every insert. The same holds for worker_queue.
CREATE TABLE orchestrator_queue (
  id            INTEGER PRIMARY KEY,
  instance_id   TEXT NOT NULL,
  work_item     TEXT NOT NULL,
  visible_at    INTEGER NOT NULL,
  lock_token    TEXT,
  locked_until  INTEGER,
  attempt_count INTEGER NOT NULL DEFAULT 0 CHECK (attempt_count >= 0),
  created_at    INTEGER NOT NULL
);

-- Fetch: oldest (visible_at, id) visible message of an unleased instance. The explicit id
-- column makes the index order exactly (visible_at, id); with instance_id the scan is
-- index-only. Lock columns are left out so that tagging and renewing rewrite no index page.
CREATE INDEX idx_orch_ready ON orchestrator_queue (visible_at, id, instance_id);

-- Tagging, ack and abandon work on one instance's messages.
CREATE INDEX idx_orch_instance ON orchestrator_queue (instance_id, visible_at);

-- Instance-level leases: at most one per instance. Lock tokens embed the instance id, so a
-- lease is always found by primary key and lock_token needs no index.
CREATE TABLE instance_locks (
  instance_id  TEXT PRIMARY KEY,
  lock_token   TEXT NOT NULL,
  locked_until INTEGER NOT NULL,
  locked_at    INTEGER NOT NULL
) WITHOUT ROWID;

-- Activity executions. Identity columns (instance_id, execution_id, activity_id) let an ack
-- withdraw a scheduled activity; session_id and tag route it to workers.
CREATE TABLE worker_queue (
  id            INTEGER PRIMARY KEY,
  work_item     TEXT NOT NULL,
  visible_at    INTEGER NOT NULL,
  lock_token    TEXT,
  locked_until  INTEGER,
  attempt_count INTEGER NOT NULL DEFAULT 0 CHECK (attempt_count >= 0),
  instance_id   TEXT NOT NULL,
  execution_id  INTEGER NOT NULL,
  activity_id   INTEGER NOT NULL,
  session_id    TEXT,
  tag           TEXT,
  created_at    INTEGER NOT NULL
);

-- Fetch: lowest id among unlocked rows. Locked rows (in-flight activities) are not in this
-- partial index, so a busy queue head costs nothing; the extra columns make the filter on
-- visibility, tag and session index-only.
CREATE INDEX idx_worker_ready ON worker_queue (id, visible_at, tag, session_id, lock_token)
  WHERE lock_token IS NULL;

-- Fetch first releases expired locks; this keeps that sweep a narrow range scan. (Ack, renew
-- and abandon find their row by the id embedded in the lock token, so lock_token itself
-- needs no index.)
CREATE INDEX idx_worker_expiry ON worker_queue (locked_until) WHERE lock_token IS NOT NULL;

-- Cancellation ("lock stealing") deletes by activity identity.
CREATE INDEX idx_worker_identity ON worker_queue (instance_id, execution_id, activity_id);

-- Orphaned-session cleanup checks for queued work of a session.
CREATE INDEX idx_worker_session ON worker_queue (session_id) WHERE session_id IS NOT NULL;

-- Session affinity: which worker owns a session and until when.
CREATE TABLE sessions (
  session_id       TEXT PRIMARY KEY,
  worker_id        TEXT NOT NULL,
  locked_until     INTEGER NOT NULL,
  last_activity_at INTEGER NOT NULL
) WITHOUT ROWID;

CREATE INDEX idx_sessions_worker ON sessions (worker_id);

-- KV state committed by finished executions.
CREATE TABLE kv_store (
  instance_id        TEXT NOT NULL,
  key                TEXT NOT NULL,
  value              TEXT NOT NULL,
  last_updated_at_ms INTEGER NOT NULL,
  PRIMARY KEY (instance_id, key)
) WITHOUT ROWID;

-- KV writes of the running execution; value NULL is a tombstone. Merged into kv_store when the
-- execution ends, so fetch snapshots never include the current execution's writes.
CREATE TABLE kv_delta (
  instance_id        TEXT NOT NULL,
  key                TEXT NOT NULL,
  value              TEXT,
  last_updated_at_ms INTEGER NOT NULL,
  PRIMARY KEY (instance_id, key)
) WITHOUT ROWID;
