-- Initial durox schema for PostgreSQL: tables and indexes.
--
-- `:DUROX_SCHEMA` is replaced by the quoted schema identifier before this runs, and the
-- migrator sets `search_path` to that schema, so index names land there too. The placeholder is
-- only ever used outside string literals and dollar-quoted bodies.
--
-- Instance ids compare byte-wise (COLLATE "C", in every table so joins agree): listings sort
-- the same whatever the database's locale, and comparisons are cheaper.
--
-- Times are epoch milliseconds (bigint) supplied by the calling process, never the database
-- clock, so leases compare against the same clock the engine uses (as in duroxide-pg). Work
-- items and history events are JSON text, stored exactly as the engine wrote them. No foreign
-- keys: every multi-table change happens inside one function call, and deletes clean up
-- explicitly.
--
-- Tables that are updated in place (instances, executions, queues, leases, sessions) leave room
-- in each page (fillfactor) so that updates of non-indexed columns stay HOT. The queue, lease
-- and session tables churn (every row is inserted, updated and deleted within seconds), so
-- autovacuum visits them after a fixed number of dead rows rather than a fraction of the table,
-- without cost-based sleeps: a queue index full of dead entries slows every fetch.

-- One row per orchestration instance, created only by an ack that carries the orchestration name.
CREATE TABLE :DUROX_SCHEMA.instances (
  instance_id           text COLLATE "C" PRIMARY KEY,
  orchestration_name    text NOT NULL,
  orchestration_version text,
  current_execution_id  bigint NOT NULL DEFAULT 1,
  created_at            bigint NOT NULL,
  updated_at            bigint NOT NULL,
  parent_instance_id    text COLLATE "C",
  custom_status         text,
  custom_status_version integer NOT NULL DEFAULT 0,
  -- Copy of the current execution's status, kept by the ack function, so that listing and
  -- counting by status are index range scans instead of a join of every instance.
  status                text NOT NULL DEFAULT 'Running'
) WITH (fillfactor = 80);

-- Children of an instance in creation order (listChildren, delete cascades); most have no parent.
CREATE INDEX idx_instances_parent ON :DUROX_SCHEMA.instances (parent_instance_id, created_at)
  WHERE parent_instance_id IS NOT NULL;

-- Management listings page through instances newest first. created_at never changes, so this
-- index does not stop the per-ack update of updated_at from being HOT (an updated_at index
-- would; listings ordered by updatedAt sort instead).
CREATE INDEX idx_instances_created ON :DUROX_SCHEMA.instances (created_at, instance_id);

-- "Running instances, newest first, 50 per page" and "how many Failed": one range scan. The
-- status changes only when an execution starts or ends, so most acks stay HOT.
CREATE INDEX idx_instances_status ON :DUROX_SCHEMA.instances (status, created_at, instance_id);

-- One row per execution (continue-as-new starts a new one).
CREATE TABLE :DUROX_SCHEMA.executions (
  instance_id  text COLLATE "C" NOT NULL,
  execution_id bigint NOT NULL,
  status       text NOT NULL DEFAULT 'Running',
  output       text,
  started_at   bigint NOT NULL,
  completed_at bigint,
  PRIMARY KEY (instance_id, execution_id)
) WITH (fillfactor = 80);

-- Append-only event log; the primary key rejects a duplicate event id in an ack.
CREATE TABLE :DUROX_SCHEMA.history (
  instance_id  text COLLATE "C" NOT NULL,
  execution_id bigint NOT NULL,
  event_id     bigint NOT NULL,
  event_type   text NOT NULL,
  event_data   text NOT NULL,
  created_at   bigint NOT NULL,
  PRIMARY KEY (instance_id, execution_id, event_id)
);

-- Messages for orchestration instances. A row is "tagged" (lock_token, locked_until) by the
-- fetch that took its instance's lease; untagged rows have both NULL. A tag only means something
-- while that lease is live, so eligibility is decided by instance_locks alone.
CREATE TABLE :DUROX_SCHEMA.orchestrator_queue (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  instance_id   text COLLATE "C" NOT NULL,
  work_item     text NOT NULL,
  visible_at    bigint NOT NULL,
  lock_token    text,
  locked_until  bigint,
  attempt_count integer NOT NULL DEFAULT 0 CHECK (attempt_count >= 0),
  created_at    bigint NOT NULL
) WITH (fillfactor = 80,
  autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 1000,
  autovacuum_vacuum_cost_delay = 0);

-- Fetch: oldest (visible_at, id) visible message of an unleased instance, read in index order
-- with the instance id from the index; also the next delayed message (timers) for wake-ups.
-- Lock columns are left out so that tagging and renewing stay HOT.
CREATE INDEX idx_orch_ready ON :DUROX_SCHEMA.orchestrator_queue (visible_at, id) INCLUDE (instance_id);

-- Tagging, ack and abandon work on one instance's messages.
CREATE INDEX idx_orch_instance ON :DUROX_SCHEMA.orchestrator_queue (instance_id, visible_at);

-- Instance-level leases: at most one per instance. Lock tokens embed the instance id, so a
-- lease is always found by primary key and lock_token needs no index.
CREATE TABLE :DUROX_SCHEMA.instance_locks (
  instance_id  text COLLATE "C" PRIMARY KEY,
  lock_token   text NOT NULL,
  locked_until bigint NOT NULL,
  locked_at    bigint NOT NULL
) WITH (fillfactor = 70,
  autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 1000,
  autovacuum_vacuum_cost_delay = 0);

-- Activity executions (peek-lock). Identity columns let an ack withdraw a scheduled activity;
-- session_id and tag route it to workers.
CREATE TABLE :DUROX_SCHEMA.worker_queue (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  work_item     text NOT NULL,
  visible_at    bigint NOT NULL,
  lock_token    text,
  locked_until  bigint,
  attempt_count integer NOT NULL DEFAULT 0 CHECK (attempt_count >= 0),
  instance_id   text COLLATE "C" NOT NULL,
  execution_id  bigint NOT NULL,
  activity_id   bigint NOT NULL,
  session_id    text,
  tag           text,
  created_at    bigint NOT NULL
) WITH (fillfactor = 80,
  autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 1000,
  autovacuum_vacuum_cost_delay = 0);

-- Fetch: lowest id among unlocked rows. In-flight (locked) activities are not in this partial
-- index, so a fan-out of a thousand running activities at the queue head costs nothing.
CREATE INDEX idx_worker_ready ON :DUROX_SCHEMA.worker_queue (id) WHERE lock_token IS NULL;

-- Fetch first releases expired locks (keeps FIFO order for re-deliveries); this keeps that
-- sweep a narrow range scan that usually finds nothing.
CREATE INDEX idx_worker_expiry ON :DUROX_SCHEMA.worker_queue (locked_until) WHERE lock_token IS NOT NULL;

-- Cancellation ("lock stealing") and instance deletes find activities by identity.
CREATE INDEX idx_worker_identity ON :DUROX_SCHEMA.worker_queue (instance_id, execution_id, activity_id);

-- Orphaned-session cleanup checks for queued work of a session.
CREATE INDEX idx_worker_session ON :DUROX_SCHEMA.worker_queue (session_id) WHERE session_id IS NOT NULL;

-- Session affinity: which worker owns a session and until when.
CREATE TABLE :DUROX_SCHEMA.sessions (
  session_id       text PRIMARY KEY,
  worker_id        text NOT NULL,
  locked_until     bigint NOT NULL,
  last_activity_at bigint NOT NULL
) WITH (fillfactor = 70,
  autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 1000,
  autovacuum_vacuum_cost_delay = 0);

CREATE INDEX idx_sessions_worker ON :DUROX_SCHEMA.sessions (worker_id);

-- KV state committed by finished executions.
CREATE TABLE :DUROX_SCHEMA.kv_store (
  instance_id        text COLLATE "C" NOT NULL,
  key                text NOT NULL,
  value              text NOT NULL,
  last_updated_at_ms bigint NOT NULL,
  PRIMARY KEY (instance_id, key)
);

-- KV writes of the running execution; value NULL is a tombstone. Merged into kv_store when the
-- execution ends, so fetch snapshots never include the current execution's writes.
CREATE TABLE :DUROX_SCHEMA.kv_delta (
  instance_id        text COLLATE "C" NOT NULL,
  key                text NOT NULL,
  value              text,
  last_updated_at_ms bigint NOT NULL,
  PRIMARY KEY (instance_id, key)
);
