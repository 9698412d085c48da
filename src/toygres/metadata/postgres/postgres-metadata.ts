/**
 * The metadata store on PostgreSQL: its own small `pg` pool on the engine's database, tables in
 * the engine's schema (prefixed `toygres_`), its own migrations (serialised by an advisory lock),
 * and row locks (`SELECT … FOR UPDATE`) for the read-check-write operations.
 */
import pg from 'pg';
import { migratePostgresSchema, quoteIdentifier } from '../../../index.js';
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

export interface PostgresMetadataOptions {
  /** Schema of the engine's tables (default `public`); the toygres tables go next to them. */
  schema?: string;
  /** Pool size (default 4). */
  maxConnections?: number;
}

type Queryable = Pick<pg.PoolClient, 'query'>;

export class PostgresMetadataStore implements MetadataStore {
  readonly kind = 'postgres' as const;
  readonly #pool: pg.Pool;
  readonly #s: string;
  readonly #schema: string;
  #closed = false;

  private constructor(pool: pg.Pool, schema: string) {
    this.#pool = pool;
    this.#schema = schema;
    this.#s = quoteIdentifier(schema);
  }

  /** Connects to `url` (postgres://…) and migrates the toygres tables in `schema`. */
  static async open(url: string, options: PostgresMetadataOptions = {}): Promise<PostgresMetadataStore> {
    const pool = new pg.Pool({
      connectionString: url,
      max: options.maxConnections ?? 4,
      connectionTimeoutMillis: 15_000,
      idleTimeoutMillis: 30_000,
    });
    // An idle connection that dies (server restart) must not crash the process.
    pool.on('error', () => undefined);
    const store = new PostgresMetadataStore(pool, options.schema ?? 'public');
    try {
      await store.#migrate();
      return store;
    } catch (err) {
      await pool.end().catch(() => undefined);
      throw err;
    }
  }

  /** The schema the tables are in. */
  get schema(): string {
    return this.#schema;
  }

  #t(table: string): string {
    return `${this.#s}.${table}`;
  }

  async #migrate(): Promise<void> {
    this.#assertOpen();
    const client = await this.#pool.connect();
    try {
      await migratePostgresSchema(client, this.#schema, migrations, {
        table: 'toygres_migrations',
        subject: 'the toygres metadata tables',
      });
      client.release();
    } catch (err) {
      // The connection may still hold the advisory lock or be broken: do not reuse it.
      client.release(true);
      throw err;
    }
  }

  async #tx<T>(body: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    this.#assertOpen();
    const client = await this.#pool.connect();
    let broken = false;
    try {
      await client.query('BEGIN');
      const result = await body(client);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      try {
        await client.query('ROLLBACK');
      } catch {
        broken = true;
      }
      throw err;
    } finally {
      client.release(broken);
    }
  }

  #q(): Queryable {
    this.#assertOpen();
    return this.#pool;
  }

  #assertOpen(): void {
    if (this.#closed) throw new Error('the toygres metadata store is closed');
  }

  async #row(c: Queryable, id: string, lock = false): Promise<InstanceRow | undefined> {
    const res = await c.query<InstanceRow>(
      `SELECT * FROM ${this.#t('toygres_instances')} WHERE id = $1${lock ? ' FOR UPDATE' : ''}`,
      [id],
    );
    return res.rows[0];
  }

  async #stateChange(
    c: Queryable,
    id: string,
    from: InstanceState | null,
    to: InstanceState,
    message: string | null,
    at: number,
  ): Promise<void> {
    await c.query(
      `INSERT INTO ${this.#t('toygres_instance_events')} (instance_id, kind, old_state, new_state, message, at)
       VALUES ($1, 'state_change', $2, $3, $4, $5)`,
      [id, from, to, message, at],
    );
  }

  reserve(instance: NewInstance): Promise<ReserveResult> {
    return this.#tx(async (c): Promise<ReserveResult> => {
      // Serialise reservations of one name (the unique index would only make the loser fail).
      await c.query('SELECT pg_advisory_xact_lock(hashtext($1))', [
        `toygres-name:${this.#schema}:${instance.name}`,
      ]);
      const mine = await this.#row(c, instance.id);
      if (mine) return { reserved: true, record: rowToRecord(mine) };
      const now = Date.now();
      const live = (
        await c.query<InstanceRow>(
          `SELECT * FROM ${this.#t('toygres_instances')} WHERE name = $1 AND state <> 'deleted' FOR UPDATE`,
          [instance.name],
        )
      ).rows[0];
      if (live && live.state !== 'failed') {
        const existing = rowToRecord(live);
        return { reserved: false, reason: nameTakenReason(existing), existing };
      }
      if (live) {
        await c.query(
          `UPDATE ${this.#t('toygres_instances')} SET state = 'deleted', state_message = $1, updated_at = $2,
             deleted_at = $2 WHERE id = $3`,
          [`superseded by a new create (${instance.id})`, now, live.id],
        );
        await this.#stateChange(c, live.id, 'failed', 'deleting', 'superseded by a new create', now);
        await this.#stateChange(c, live.id, 'deleting', 'deleted', 'superseded by a new create', now);
      }
      await c.query(
        `INSERT INTO ${this.#t('toygres_instances')} (id, name, platform, namespace, postgres_version, storage_gb,
           load_balancer, dns_label, state, create_orchestration_id, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'creating', $9, $10, $10)`,
        [
          instance.id,
          instance.name,
          instance.platform,
          instance.namespace,
          instance.postgresVersion,
          instance.storageGb,
          instance.loadBalancer,
          instance.dnsLabel,
          instance.createOrchestrationId,
          now,
        ],
      );
      await this.#stateChange(c, instance.id, null, 'creating', 'name reserved', now);
      return { reserved: true, record: rowToRecord((await this.#row(c, instance.id))!) };
    });
  }

  async get(id: string): Promise<InstanceRecord | null> {
    const row = await this.#row(this.#q(), id);
    return row ? rowToRecord(row) : null;
  }

  async findByName(name: string): Promise<InstanceRecord | null> {
    const res = await this.#q().query<InstanceRow>(
      `SELECT * FROM ${this.#t('toygres_instances')} WHERE name = $1
       ORDER BY (state = 'deleted'), created_at DESC LIMIT 1`,
      [name],
    );
    return res.rows[0] ? rowToRecord(res.rows[0]) : null;
  }

  async list(filter: ListFilter = {}): Promise<InstanceRecord[]> {
    const states = filter.states ?? ['creating', 'running', 'failed', 'deleting'];
    if (states.length === 0) return [];
    const res = await this.#q().query<InstanceRow>(
      `SELECT * FROM ${this.#t('toygres_instances')} WHERE state = ANY($1::text[])
       ORDER BY created_at DESC LIMIT $2`,
      [states, filter.limit ?? 1000],
    );
    return res.rows.map(rowToRecord);
  }

  transition(id: string, to: InstanceState, patch: TransitionPatch = {}): Promise<TransitionResult> {
    return this.#tx(async (c): Promise<TransitionResult> => {
      const row = await this.#row(c, id, true);
      if (!row) throw new Error(`no toygres instance record ${id}`);
      const from = row.state as InstanceState;
      checkTransition(row.name, from, to);
      const now = Date.now();
      const changed = from !== to;
      const conn = patch.connection;
      await c.query(
        `UPDATE ${this.#t('toygres_instances')} SET
           state = $1,
           health = CASE WHEN $1 = 'deleted' THEN 'unknown' ELSE health END,
           state_message = CASE WHEN $2 THEN $3 ELSE state_message END,
           host = COALESCE($4, host), port = COALESCE($5, port), db_user = COALESCE($6, db_user),
           db_name = COALESCE($7, db_name), external_ip = COALESCE($8, external_ip),
           dns_name = COALESCE($9, dns_name),
           server_version = COALESCE($10, server_version),
           delete_orchestration_id = COALESCE($11, delete_orchestration_id),
           actor_orchestration_id = COALESCE($12, actor_orchestration_id),
           updated_at = $13,
           deleted_at = CASE WHEN $1 = 'deleted' THEN COALESCE(deleted_at, $13) ELSE deleted_at END
         WHERE id = $14`,
        [
          to,
          patch.message !== undefined && changed,
          patch.message ?? null,
          conn?.host ?? null,
          conn?.port ?? null,
          conn?.user ?? null,
          conn?.database ?? null,
          conn?.externalIp ?? null,
          conn?.dnsName ?? null,
          patch.serverVersion ?? null,
          patch.deleteOrchestrationId ?? null,
          patch.actorOrchestrationId ?? null,
          now,
          id,
        ],
      );
      if (changed) await this.#stateChange(c, id, from, to, patch.message ?? null, now);
      return { changed, from, record: rowToRecord((await this.#row(c, id))!) };
    });
  }

  recordHealthCheck(id: string, check: HealthCheckInput, keep = DEFAULT_HEALTH_HISTORY): Promise<boolean> {
    return this.#tx(async (c) => {
      const row = await this.#row(c, id, true);
      if (!row) return false;
      await c.query(
        `INSERT INTO ${this.#t('toygres_health_checks')} (instance_id, status, latency_ms, server_version, error, checked_at)
         VALUES ($1, $2, $3, $4, $5, $6)`,
        [id, check.status, check.latencyMs, check.serverVersion, check.error, check.checkedAt],
      );
      await c.query(
        `DELETE FROM ${this.#t('toygres_health_checks')} WHERE instance_id = $1 AND id <= (
           SELECT id FROM ${this.#t('toygres_health_checks')} WHERE instance_id = $1
           ORDER BY id DESC LIMIT 1 OFFSET $2)`,
        [id, Math.max(1, keep)],
      );
      await c.query(
        `UPDATE ${this.#t('toygres_instances')} SET health = $1, latency_ms = $2, last_health_check_at = $3,
           server_version = COALESCE($4, server_version), updated_at = $5
         WHERE id = $6 AND state = 'running'`,
        [check.status, check.latencyMs, check.checkedAt, check.serverVersion, Date.now(), id],
      );
      return true;
    });
  }

  async healthChecks(id: string, limit = DEFAULT_HEALTH_HISTORY): Promise<HealthCheckRecord[]> {
    const res = await this.#q().query<HealthRow>(
      `SELECT * FROM ${this.#t('toygres_health_checks')} WHERE instance_id = $1 ORDER BY id DESC LIMIT $2`,
      [id, limit],
    );
    return res.rows.map(rowToHealthCheck);
  }

  async addEvent(id: string, message: string): Promise<void> {
    await this.#q().query(
      `INSERT INTO ${this.#t('toygres_instance_events')} (instance_id, kind, old_state, new_state, message, at)
       VALUES ($1, 'note', NULL, NULL, $2, $3)`,
      [id, message, Date.now()],
    );
  }

  async events(id: string, limit = 1000): Promise<InstanceEvent[]> {
    const res = await this.#q().query<EventRow>(
      `SELECT * FROM (SELECT * FROM ${this.#t('toygres_instance_events')} WHERE instance_id = $1
         ORDER BY id DESC LIMIT $2) AS e ORDER BY id`,
      [id, limit],
    );
    return res.rows.map(rowToEvent);
  }

  async putSecret(id: string, secret: string): Promise<void> {
    await this.#q().query(
      `INSERT INTO ${this.#t('toygres_secrets')} (instance_id, secret, created_at) VALUES ($1, $2, $3)
       ON CONFLICT (instance_id) DO UPDATE SET secret = excluded.secret`,
      [id, secret, Date.now()],
    );
  }

  async getSecret(id: string): Promise<string | null> {
    const res = await this.#q().query<{ secret: string }>(
      `SELECT secret FROM ${this.#t('toygres_secrets')} WHERE instance_id = $1`,
      [id],
    );
    return res.rows[0]?.secret ?? null;
  }

  async deleteSecret(id: string): Promise<boolean> {
    const res = await this.#q().query(`DELETE FROM ${this.#t('toygres_secrets')} WHERE instance_id = $1`, [
      id,
    ]);
    return (res.rowCount ?? 0) > 0;
  }

  async prune(before: number): Promise<{ secrets: number; healthChecks: number }> {
    const secrets = await this.#q().query(
      `DELETE FROM ${this.#t('toygres_secrets')} s WHERE s.created_at < $1 AND NOT EXISTS (
         SELECT 1 FROM ${this.#t('toygres_instances')} i WHERE i.id = s.instance_id
           AND i.state IN ('creating', 'running', 'deleting'))`,
      [before],
    );
    const checks = await this.#q().query(
      `DELETE FROM ${this.#t('toygres_health_checks')} WHERE instance_id IN (
         SELECT id FROM ${this.#t('toygres_instances')} WHERE state = 'deleted' AND deleted_at < $1)`,
      [before],
    );
    return { secrets: secrets.rowCount ?? 0, healthChecks: checks.rowCount ?? 0 };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#pool.end();
  }
}
