// auto-generated — DO NOT EDIT
// Source: src/toygres/metadata/sqlite/migrations/*.sql (after changing them run
// `DUROX_WRITE_MIGRATIONS=1 npx vitest run test/toygres/migrations.test.ts`).

/** One schema migration compiled from a `.sql` file. */
export interface Migration {
  /** Sequence number from the file name; applied in increasing order. */
  readonly id: number;
  readonly name: string;
  /** True when older durox versions cannot run on the migrated schema. */
  readonly breaking: boolean;
  readonly sql: string;
}

/** Every migration of this provider, ordered by id. */
export const migrations: readonly Migration[] = [
  {
    id: 1,
    name: 'initial',
    breaking: false,
    sql: "-- toygres metadata, in the engine's SQLite file next to its tables.\n-- Times are epoch milliseconds. Passwords live in toygres_secrets only.\n\nCREATE TABLE toygres_instances (\n  id                      TEXT PRIMARY KEY,\n  name                    TEXT NOT NULL,\n  platform                TEXT NOT NULL,\n  namespace               TEXT NOT NULL,\n  postgres_version        TEXT NOT NULL,\n  storage_gb              INTEGER NOT NULL,\n  load_balancer           INTEGER NOT NULL DEFAULT 0,\n  dns_label               TEXT,\n  state                   TEXT NOT NULL DEFAULT 'creating'\n                          CHECK (state IN ('creating', 'running', 'failed', 'deleting', 'deleted')),\n  state_message           TEXT,\n  health                  TEXT NOT NULL DEFAULT 'unknown' CHECK (health IN ('unknown', 'healthy', 'unhealthy')),\n  latency_ms              REAL,\n  last_health_check_at    INTEGER,\n  server_version          TEXT,\n  host                    TEXT,\n  port                    INTEGER,\n  db_user                 TEXT,\n  db_name                 TEXT,\n  external_ip             TEXT,\n  dns_name                TEXT,\n  create_orchestration_id TEXT NOT NULL,\n  delete_orchestration_id TEXT,\n  actor_orchestration_id  TEXT,\n  created_at              INTEGER NOT NULL,\n  updated_at              INTEGER NOT NULL,\n  deleted_at              INTEGER\n);\n\n-- At most one record per name that is not deleted.\nCREATE UNIQUE INDEX toygres_instances_live_name ON toygres_instances (name) WHERE state <> 'deleted';\nCREATE INDEX toygres_instances_by_name ON toygres_instances (name, created_at);\nCREATE INDEX toygres_instances_by_state ON toygres_instances (state, created_at);\n\nCREATE TABLE toygres_instance_events (\n  id          INTEGER PRIMARY KEY AUTOINCREMENT,\n  instance_id TEXT NOT NULL,\n  kind        TEXT NOT NULL,\n  old_state   TEXT,\n  new_state   TEXT,\n  message     TEXT,\n  at          INTEGER NOT NULL\n);\nCREATE INDEX toygres_instance_events_by_instance ON toygres_instance_events (instance_id, id);\n\nCREATE TABLE toygres_health_checks (\n  id             INTEGER PRIMARY KEY AUTOINCREMENT,\n  instance_id    TEXT NOT NULL,\n  status         TEXT NOT NULL,\n  latency_ms     REAL,\n  server_version TEXT,\n  error          TEXT,\n  checked_at     INTEGER NOT NULL\n);\nCREATE INDEX toygres_health_checks_by_instance ON toygres_health_checks (instance_id, id);\n\n-- One password per instance record (keyed by the record id, stored before the record exists).\nCREATE TABLE toygres_secrets (\n  instance_id TEXT PRIMARY KEY,\n  secret      TEXT NOT NULL,\n  created_at  INTEGER NOT NULL\n);\n",
  },
];
