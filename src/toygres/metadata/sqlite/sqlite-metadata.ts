/**
 * The metadata store on SQLite: its own better-sqlite3 connection to the engine's file (WAL, so
 * readers never block), short synchronous transactions retried asynchronously while another
 * connection holds the write lock (the engine's busy handling), and its own migrations.
 */
import type Database from 'better-sqlite3';
import { migrateSqliteSchema, openSqliteSideConnection, retryWhileSqliteBusy } from '../../../index.js';
import { migrations } from './generated/migrations.js';
import {
  checkTransition,
  DEFAULT_HEALTH_HISTORY,
  nameTakenReason,
  rowToEvent,
  rowToHealthCheck,
  rowToRecord,
} from '../store.js';
import type {
  EventRow,
  HealthCheckInput,
  HealthCheckRecord,
  HealthRow,
  InstanceEvent,
  InstanceRecord,
  InstanceRow,
  InstanceState,
  ListFilter,
  MetadataStore,
  NewInstance,
  ReserveResult,
  TransitionPatch,
  TransitionResult,
} from '../store.js';

/** The store's migrations table and what the too-new refusal calls its tables. */
const MIGRATIONS = { table: 'toygres_migrations', subject: 'the toygres metadata tables' };

export class SqliteMetadataStore implements MetadataStore {
  readonly kind = 'sqlite' as const;
  readonly #db: Database.Database;
  #closed = false;

  private constructor(db: Database.Database) {
    this.#db = db;
  }

  /**
   * Opens the metadata tables in the SQLite store `url` (`sqlite:<path>`, a bare path, or
   * `sqlite::memory:` for a private in-memory database), migrating them if needed.
   */
  static async open(url: string): Promise<SqliteMetadataStore> {
    const db = openSqliteSideConnection(url);
    try {
      await retryWhileSqliteBusy('toygres:configure', () => {
        if (!db.memory) {
          db.pragma('journal_mode = WAL');
          db.pragma('synchronous = NORMAL');
        }
      });
      const store = new SqliteMetadataStore(db);
      await store.#migrate();
      return store;
    } catch (err) {
      db.close();
      throw err;
    }
  }

  async #migrate(): Promise<void> {
    this.#assertOpen();
    await migrateSqliteSchema(this.#db, migrations, MIGRATIONS);
  }

  /** Runs `body` in an IMMEDIATE transaction, retried while the database is locked. */
  async #write<T>(operation: string, body: () => T): Promise<T> {
    this.#assertOpen();
    return retryWhileSqliteBusy(operation, () => this.#db.transaction(body).immediate());
  }

  async #read<T>(operation: string, body: () => T): Promise<T> {
    this.#assertOpen();
    return retryWhileSqliteBusy(operation, body);
  }

  #assertOpen(): void {
    if (this.#closed) throw new Error('the toygres metadata store is closed');
  }

  #row(id: string): InstanceRow | undefined {
    return this.#db.prepare<[string], InstanceRow>('SELECT * FROM toygres_instances WHERE id = ?').get(id);
  }

  #liveByName(name: string): InstanceRow | undefined {
    return this.#db
      .prepare<[string], InstanceRow>("SELECT * FROM toygres_instances WHERE name = ? AND state <> 'deleted'")
      .get(name);
  }

  #stateChange(id: string, from: InstanceState, to: InstanceState, message: string | null, at: number): void {
    this.#db
      .prepare(
        `INSERT INTO toygres_instance_events (instance_id, kind, old_state, new_state, message, at)
         VALUES (?, 'state_change', ?, ?, ?, ?)`,
      )
      .run(id, from, to, message, at);
  }

  reserve(instance: NewInstance): Promise<ReserveResult> {
    return this.#write('toygres:reserve', (): ReserveResult => {
      const mine = this.#row(instance.id);
      if (mine) return { reserved: true, record: rowToRecord(mine) };
      const now = Date.now();
      const live = this.#liveByName(instance.name);
      if (live && live.state !== 'failed') {
        const existing = rowToRecord(live);
        return { reserved: false, reason: nameTakenReason(existing), existing };
      }
      if (live) {
        // A failed record gives its name up to the new create.
        this.#db
          .prepare(
            `UPDATE toygres_instances SET state = 'deleted', state_message = ?, updated_at = ?, deleted_at = ?
             WHERE id = ?`,
          )
          .run(`superseded by a new create (${instance.id})`, now, now, live.id);
        this.#stateChange(live.id, 'failed', 'deleting', 'superseded by a new create', now);
        this.#stateChange(live.id, 'deleting', 'deleted', 'superseded by a new create', now);
      }
      this.#db
        .prepare(
          `INSERT INTO toygres_instances (id, name, platform, namespace, postgres_version, storage_gb,
             load_balancer, dns_label, state, create_orchestration_id, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'creating', ?, ?, ?)`,
        )
        .run(
          instance.id,
          instance.name,
          instance.platform,
          instance.namespace,
          instance.postgresVersion,
          instance.storageGb,
          instance.loadBalancer ? 1 : 0,
          instance.dnsLabel,
          instance.createOrchestrationId,
          now,
          now,
        );
      this.#db
        .prepare(
          `INSERT INTO toygres_instance_events (instance_id, kind, old_state, new_state, message, at)
           VALUES (?, 'state_change', NULL, 'creating', 'name reserved', ?)`,
        )
        .run(instance.id, now);
      return { reserved: true, record: rowToRecord(this.#row(instance.id)!) };
    });
  }

  async get(id: string): Promise<InstanceRecord | null> {
    const row = await this.#read('toygres:get', () => this.#row(id));
    return row ? rowToRecord(row) : null;
  }

  async findByName(name: string): Promise<InstanceRecord | null> {
    const row = await this.#read('toygres:find', () =>
      this.#db
        .prepare<[string], InstanceRow>(
          `SELECT * FROM toygres_instances WHERE name = ?
           ORDER BY (state = 'deleted'), created_at DESC, rowid DESC LIMIT 1`,
        )
        .get(name),
    );
    return row ? rowToRecord(row) : null;
  }

  async list(filter: ListFilter = {}): Promise<InstanceRecord[]> {
    const states = filter.states ?? ['creating', 'running', 'failed', 'deleting'];
    if (states.length === 0) return [];
    const rows = await this.#read('toygres:list', () =>
      this.#db
        .prepare<unknown[], InstanceRow>(
          `SELECT * FROM toygres_instances WHERE state IN (${states.map(() => '?').join(', ')})
           ORDER BY created_at DESC, rowid DESC LIMIT ?`,
        )
        .all(...states, filter.limit ?? 1000),
    );
    return rows.map(rowToRecord);
  }

  transition(id: string, to: InstanceState, patch: TransitionPatch = {}): Promise<TransitionResult> {
    return this.#write('toygres:transition', (): TransitionResult => {
      const row = this.#row(id);
      if (!row) throw new Error(`no toygres instance record ${id}`);
      const from = row.state as InstanceState;
      checkTransition(row.name, from, to);
      const now = Date.now();
      const changed = from !== to;
      const c = patch.connection;
      this.#db
        .prepare(
          `UPDATE toygres_instances SET
             state = ?,
             health = CASE WHEN ? = 'deleted' THEN 'unknown' ELSE health END,
             state_message = CASE WHEN ? THEN ? ELSE state_message END,
             host = COALESCE(?, host), port = COALESCE(?, port), db_user = COALESCE(?, db_user),
             db_name = COALESCE(?, db_name), external_ip = COALESCE(?, external_ip),
             dns_name = COALESCE(?, dns_name),
             server_version = COALESCE(?, server_version),
             delete_orchestration_id = COALESCE(?, delete_orchestration_id),
             actor_orchestration_id = COALESCE(?, actor_orchestration_id),
             updated_at = ?,
             deleted_at = CASE WHEN ? = 'deleted' THEN COALESCE(deleted_at, ?) ELSE deleted_at END
           WHERE id = ?`,
        )
        .run(
          to,
          to,
          patch.message !== undefined && changed ? 1 : 0,
          patch.message ?? null,
          c?.host ?? null,
          c?.port ?? null,
          c?.user ?? null,
          c?.database ?? null,
          c?.externalIp ?? null,
          c?.dnsName ?? null,
          patch.serverVersion ?? null,
          patch.deleteOrchestrationId ?? null,
          patch.actorOrchestrationId ?? null,
          now,
          to,
          now,
          id,
        );
      if (changed) this.#stateChange(id, from, to, patch.message ?? null, now);
      return { changed, from, record: rowToRecord(this.#row(id)!) };
    });
  }

  recordHealthCheck(id: string, check: HealthCheckInput, keep = DEFAULT_HEALTH_HISTORY): Promise<boolean> {
    return this.#write('toygres:health', () => {
      if (!this.#row(id)) return false;
      this.#db
        .prepare(
          `INSERT INTO toygres_health_checks (instance_id, status, latency_ms, server_version, error, checked_at)
           VALUES (?, ?, ?, ?, ?, ?)`,
        )
        .run(id, check.status, check.latencyMs, check.serverVersion, check.error, check.checkedAt);
      this.#db
        .prepare(
          `DELETE FROM toygres_health_checks WHERE instance_id = ? AND id <= (
             SELECT id FROM toygres_health_checks WHERE instance_id = ? ORDER BY id DESC LIMIT 1 OFFSET ?)`,
        )
        .run(id, id, Math.max(1, keep));
      this.#db
        .prepare(
          `UPDATE toygres_instances SET health = ?, latency_ms = ?, last_health_check_at = ?,
             server_version = COALESCE(?, server_version), updated_at = ?
           WHERE id = ? AND state = 'running'`,
        )
        .run(check.status, check.latencyMs, check.checkedAt, check.serverVersion, Date.now(), id);
      return true;
    });
  }

  async healthChecks(id: string, limit = DEFAULT_HEALTH_HISTORY): Promise<HealthCheckRecord[]> {
    const rows = await this.#read('toygres:health-list', () =>
      this.#db
        .prepare<[string, number], HealthRow>(
          'SELECT * FROM toygres_health_checks WHERE instance_id = ? ORDER BY id DESC LIMIT ?',
        )
        .all(id, limit),
    );
    return rows.map(rowToHealthCheck);
  }

  addEvent(id: string, message: string): Promise<void> {
    return this.#write('toygres:event', () => {
      this.#db
        .prepare(
          `INSERT INTO toygres_instance_events (instance_id, kind, old_state, new_state, message, at)
           VALUES (?, 'note', NULL, NULL, ?, ?)`,
        )
        .run(id, message, Date.now());
    });
  }

  async events(id: string, limit = 1000): Promise<InstanceEvent[]> {
    const rows = await this.#read('toygres:events', () =>
      this.#db
        .prepare<[string, number], EventRow>(
          `SELECT * FROM (SELECT * FROM toygres_instance_events WHERE instance_id = ? ORDER BY id DESC LIMIT ?)
           ORDER BY id`,
        )
        .all(id, limit),
    );
    return rows.map(rowToEvent);
  }

  putSecret(id: string, secret: string): Promise<void> {
    return this.#write('toygres:secret-put', () => {
      this.#db
        .prepare(
          `INSERT INTO toygres_secrets (instance_id, secret, created_at) VALUES (?, ?, ?)
           ON CONFLICT (instance_id) DO UPDATE SET secret = excluded.secret`,
        )
        .run(id, secret, Date.now());
    });
  }

  async getSecret(id: string): Promise<string | null> {
    const row = await this.#read('toygres:secret-get', () =>
      this.#db
        .prepare<[string], { secret: string }>('SELECT secret FROM toygres_secrets WHERE instance_id = ?')
        .get(id),
    );
    return row?.secret ?? null;
  }

  deleteSecret(id: string): Promise<boolean> {
    return this.#write(
      'toygres:secret-delete',
      () => this.#db.prepare('DELETE FROM toygres_secrets WHERE instance_id = ?').run(id).changes > 0,
    );
  }

  prune(before: number): Promise<{ secrets: number; healthChecks: number }> {
    return this.#write('toygres:prune', () => {
      const secrets = this.#db
        .prepare(
          `DELETE FROM toygres_secrets WHERE created_at < ? AND NOT EXISTS (
             SELECT 1 FROM toygres_instances i WHERE i.id = toygres_secrets.instance_id
               AND i.state IN ('creating', 'running', 'deleting'))`,
        )
        .run(before).changes;
      const healthChecks = this.#db
        .prepare(
          `DELETE FROM toygres_health_checks WHERE instance_id IN (
             SELECT id FROM toygres_instances WHERE state = 'deleted' AND deleted_at < ?)`,
        )
        .run(before).changes;
      return { secrets, healthChecks };
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#db.close();
  }
}
