-- toygres metadata, in the engine's PostgreSQL schema next to its tables.
-- Times are epoch milliseconds. Passwords live in toygres_secrets only.

CREATE TABLE toygres_instances (
  id                      TEXT PRIMARY KEY,
  name                    TEXT NOT NULL,
  platform                TEXT NOT NULL,
  namespace               TEXT NOT NULL,
  postgres_version        TEXT NOT NULL,
  storage_gb              INTEGER NOT NULL,
  load_balancer           BOOLEAN NOT NULL DEFAULT FALSE,
  dns_label               TEXT,
  state                   TEXT NOT NULL DEFAULT 'creating'
                          CHECK (state IN ('creating', 'running', 'failed', 'deleting', 'deleted')),
  state_message           TEXT,
  health                  TEXT NOT NULL DEFAULT 'unknown' CHECK (health IN ('unknown', 'healthy', 'unhealthy')),
  latency_ms              DOUBLE PRECISION,
  last_health_check_at    BIGINT,
  server_version          TEXT,
  host                    TEXT,
  port                    INTEGER,
  db_user                 TEXT,
  db_name                 TEXT,
  external_ip             TEXT,
  dns_name                TEXT,
  create_orchestration_id TEXT NOT NULL,
  delete_orchestration_id TEXT,
  actor_orchestration_id  TEXT,
  created_at              BIGINT NOT NULL,
  updated_at              BIGINT NOT NULL,
  deleted_at              BIGINT
);

-- At most one record per name that is not deleted.
CREATE UNIQUE INDEX toygres_instances_live_name ON toygres_instances (name) WHERE state <> 'deleted';
CREATE INDEX toygres_instances_by_name ON toygres_instances (name, created_at);
CREATE INDEX toygres_instances_by_state ON toygres_instances (state, created_at);

CREATE TABLE toygres_instance_events (
  id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  instance_id TEXT NOT NULL,
  kind        TEXT NOT NULL,
  old_state   TEXT,
  new_state   TEXT,
  message     TEXT,
  at          BIGINT NOT NULL
);
CREATE INDEX toygres_instance_events_by_instance ON toygres_instance_events (instance_id, id);

CREATE TABLE toygres_health_checks (
  id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  instance_id    TEXT NOT NULL,
  status         TEXT NOT NULL,
  latency_ms     DOUBLE PRECISION,
  server_version TEXT,
  error          TEXT,
  checked_at     BIGINT NOT NULL
);
CREATE INDEX toygres_health_checks_by_instance ON toygres_health_checks (instance_id, id);

-- One password per instance record (keyed by the record id, stored before the record exists).
CREATE TABLE toygres_secrets (
  instance_id TEXT PRIMARY KEY,
  secret      TEXT NOT NULL,
  created_at  BIGINT NOT NULL
);
