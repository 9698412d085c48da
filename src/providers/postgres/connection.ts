/**
 * Connection and migration: the `pg` pool (bigint columns as numbers, errors of idle or
 * checked-out connections absorbed), the schema migrated under retries at connect, the query
 * context every query takes, and running one operation on a pooled connection.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { InvalidInputError, ProviderError } from '../../core/errors.js';
import { migrations } from './generated/migrations.js';
import { migratePostgresSchema } from './migrate.js';
import {
  compilePostgresOptions,
  type CompiledPostgresOptions,
  type PostgresProviderOptions,
} from './postgres-options.js';
import type { Db, QueryContext } from './queries/context.js';
import { mustDiscardConnection, toProviderError, withRetries } from './retry.js';
import { quoteIdentifier, statementPrefix, validateSchemaName } from './schema-name.js';

const INT8_OID = 20;

/**
 * bigint columns (epoch ms, ids, counts) as JS numbers: every value durox stores in one is far
 * below 2^53. Configured per pool, so other users of `pg` in the process are unaffected.
 */
const TYPES: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID && format !== 'binary'
      ? (value: string) => Number(value)
      : pg.types.getTypeParser(oid, format)) as pg.CustomTypesConfig['getTypeParser'],
};

function connectionConfig(url: string, options: CompiledPostgresOptions): pg.ClientConfig {
  return {
    connectionString: url,
    connectionTimeoutMillis: options.connectionTimeoutMs,
    application_name: options.applicationName,
    keepAlive: true,
    ...(options.statementTimeoutMs === undefined ? {} : { statement_timeout: options.statementTimeoutMs }),
  };
}

/** Runs one operation on a pooled connection (see `runner`). */
export type Run = <T>(operation: string, work: (db: Db) => Promise<T>) => Promise<T>;

/** A migrated store, ready for a provider. */
export interface OpenedStore {
  pool: pg.Pool;
  ctx: QueryContext;
  /** The NOTIFY channel of the schema. */
  channel: string;
  /** Connection settings for the LISTEN connection. */
  listenConfig: pg.ClientConfig;
}

/**
 * Validates the arguments, opens the pool and migrates `schema` (created if needed); on failure
 * the pool is ended.
 *
 * @throws InvalidInputError for an invalid url, schema name or options.
 * @throws SchemaTooNewError when a newer durox migrated the schema with a breaking change.
 */
export async function openStore(
  url: string,
  schema: string,
  options?: PostgresProviderOptions,
): Promise<OpenedStore> {
  if (typeof url !== 'string' || url.trim() === '') {
    throw new InvalidInputError('url must be a PostgreSQL connection string (postgres://…)');
  }
  validateSchemaName(schema);
  const compiled = compilePostgresOptions(options);
  const config = connectionConfig(url, compiled);
  const pool = new pg.Pool({
    ...config,
    types: TYPES,
    max: compiled.poolSize,
    idleTimeoutMillis: compiled.idleTimeoutMs,
    // Idle pooled connections (and their idle timers) must not keep the process alive: a
    // script that shut its runtime down exits without close(), as with duroxide-node.
    allowExitOnIdle: true,
  });
  // A pooled connection that dies while idle (server restart, pg_terminate_backend) is
  // dropped by the pool; without a listener the error would crash the process.
  pool.on('error', () => undefined);
  // A connection killed while checked out emits 'error' besides failing its query (which the
  // retry logic handles); without a listener that event would crash the process.
  pool.on('connect', (client) => client.on('error', () => undefined));
  try {
    const channel = await withRetries('connect', compiled.maxRetries, async () => {
      const client = await pool.connect();
      let failure: Error | undefined;
      try {
        await migratePostgresSchema(client, schema, migrations);
        const result = await client.query<{ channel: string }>(
          "SELECT 'durox_' || left(md5($1::text), 24) AS channel",
          [schema],
        );
        return result.rows[0]?.channel ?? '';
      } catch (err) {
        // The advisory lock is session-level: a connection that failed midway is not reused.
        failure = err instanceof Error ? err : new Error(String(err));
        throw err;
      } finally {
        client.release(failure);
      }
    });
    const ctx: QueryContext = Object.freeze({
      schema,
      quotedSchema: quoteIdentifier(schema),
      statementPrefix: statementPrefix(schema),
      origin: randomUUID().slice(0, 8),
      options: compiled,
    });
    return { pool, ctx, channel, listenConfig: { ...config, statement_timeout: false } };
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw toProviderError('connect', err);
  }
}

/** The error of an operation issued after close. */
export function closedError(operation: string): ProviderError {
  return new ProviderError(operation, 'the PostgreSQL provider is closed', false);
}

/**
 * Runs operations on pooled connections, retrying transient failures. A connection that saw a
 * connection-level failure is discarded instead of going back to the pool.
 */
export function runner(pool: pg.Pool, ctx: QueryContext, isClosed: () => boolean): Run {
  return <T>(operation: string, work: (db: Db) => Promise<T>): Promise<T> => {
    if (isClosed()) return Promise.reject(closedError(operation));
    return withRetries(operation, ctx.options.maxRetries, async () => {
      if (isClosed()) throw closedError(operation);
      const client = await pool.connect();
      let failure: Error | undefined;
      try {
        return await work(client);
      } catch (err) {
        if (mustDiscardConnection(err)) failure = err instanceof Error ? err : new Error(String(err));
        throw err;
      } finally {
        client.release(failure);
      }
    });
  };
}
