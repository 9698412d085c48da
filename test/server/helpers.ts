/**
 * A real `durox serve` app over HTTP on 127.0.0.1 with a real store — a SQLite file in a
 * temporary directory, or a fresh PostgreSQL schema (dropped after the test file) — a runtime
 * for the test orchestrations, and tokens of each scope.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { Client, PostgresProvider, Runtime, SqliteProvider } from '../../src/index.js';
import type { OrchestrationContext, Provider } from '../../src/index.js';
import { createPrometheusMetrics } from '../../src/engine/prometheus-metrics.js';
import { createApp } from '../../src/server/app.js';
import type { AppOptions, RequestLogLine } from '../../src/server/app.js';
import { listen } from '../../src/server/serve.js';
import type { RunningServer } from '../../src/server/serve.js';
import { openTokenStore } from '../../src/server/tokens/open.js';
import { createToken } from '../../src/server/tokens/token-store.js';
import type { TokenScope, TokenStore } from '../../src/server/tokens/token-store.js';
import { openMetadataStore } from '../../src/toygres/metadata/open.js';
import type { MetadataStore } from '../../src/toygres/metadata/store.js';
import { createTestSchema, pgUrl, quoteIdent } from '../helpers/postgres.js';

/** The stores a server can run on. */
export type StoreKind = 'sqlite' | 'postgres';

export interface ServerHarness {
  url: string;
  store: StoreKind;
  dir: string;
  /** The store URL (`sqlite:<file>` or the PostgreSQL server's). */
  dbUrl: string;
  /** The PostgreSQL schema (postgres only). */
  schema: string | undefined;
  provider: Provider;
  client: Client;
  runtime: Runtime | null;
  tokens: TokenStore;
  token: Record<TokenScope, string>;
  logs: RequestLogLine[];
  /** Aborted by `close()` before the server closes (the app's `stopping` signal). */
  stopping: AbortController;
  /** fetch relative to the server, with the token of `scope` (null: none). */
  call(path: string, init?: RequestInit & { scope?: TokenScope | null }): Promise<Response>;
  /** Rows in each table of the store (engine, tokens, toygres metadata), read on another connection. */
  rowCounts(): Promise<Record<string, number>>;
  /** Stops the server and the runtime, closes the store and removes the directory (once). */
  close(): Promise<void>;
}

/** Options of {@link startServer}. */
export interface ServerOptions {
  /** Default sqlite. */
  store?: StoreKind;
  /** Run a runtime with the test orchestrations (Echo, WaitEvent, Greeting). */
  withRuntime?: boolean;
  metrics?: boolean;
  app?: Partial<AppOptions>;
  /** The client the app uses (default a plain `Client` on the store). */
  client?: (provider: Provider) => Client;
}

/** Registers the test orchestrations: Echo, WaitEvent and Greeting (activity, event, queue). */
function registerTestOrchestrations(runtime: Runtime): void {
  runtime.registerOrchestration('Echo', function* (_ctx: OrchestrationContext, input: unknown) {
    return input;
  });
  runtime.registerOrchestration('WaitEvent', function* (ctx: OrchestrationContext) {
    return yield ctx.waitForEvent('go');
  });
  runtime.registerActivity('Greet', async (_ctx, input: unknown) => `hello ${String(input)}`);
  // An activity, then an event and a queued message; reports where it is in its custom status.
  runtime.registerOrchestration('Greeting', function* (ctx: OrchestrationContext, input: unknown) {
    const greeting = (yield ctx.scheduleActivity('Greet', input)) as string;
    ctx.setCustomStatus('waiting for approval');
    const approval = yield ctx.waitForEvent('approval');
    const note = yield ctx.dequeueEvent('notes');
    return { greeting, approval, note };
  });
}

/** Rows per table of a SQLite file. */
function sqliteRowCounts(file: string): Record<string, number> {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const tables = db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
      .all() as Array<{ name: string }>;
    const counts: Record<string, number> = {};
    for (const { name } of tables) {
      counts[name] = (
        db.prepare(`SELECT count(*) AS n FROM "${name.replace(/"/g, '""')}"`).get() as { n: number }
      ).n;
    }
    return counts;
  } finally {
    db.close();
  }
}

/** Rows per table of a PostgreSQL schema. */
async function postgresRowCounts(url: string, schema: string): Promise<Record<string, number>> {
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  try {
    const tables = await db.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = $1 AND table_type = 'BASE TABLE'",
      [schema],
    );
    const counts: Record<string, number> = {};
    for (const { table_name: name } of tables.rows) {
      const res = await db.query<{ n: string }>(
        `SELECT count(*) AS n FROM ${quoteIdent(schema)}.${quoteIdent(name)}`,
      );
      counts[name] = Number(res.rows[0]!.n);
    }
    return counts;
  } finally {
    await db.end();
  }
}

/** Starts the server on a fresh store. */
export async function startServer(options: ServerOptions = {}): Promise<ServerHarness> {
  const store = options.store ?? 'sqlite';
  const dir = mkdtempSync(join(tmpdir(), 'durox-serve-'));
  const file = join(dir, 'durox.db');
  const schema = store === 'postgres' ? createTestSchema('serve-Test_') : undefined;
  const dbUrl = schema === undefined ? `sqlite:${file}` : pgUrl();
  const provider: Provider =
    schema === undefined
      ? await SqliteProvider.open(file)
      : await PostgresProvider.connectWithSchema(dbUrl, schema);
  const client = options.client?.(provider) ?? new Client(provider);
  const tokens = await openTokenStore(dbUrl, schema);
  const token = {} as Record<TokenScope, string>;
  for (const scope of ['read', 'write', 'admin'] as const) {
    token[scope] = (await createToken(tokens, `t-${scope}`, scope))!.token;
  }
  let runtime: Runtime | null = null;
  if (options.withRuntime) {
    // Small, explicit concurrency: the machine is shared (PostgreSQL would recommend 16 / 32).
    runtime = new Runtime(provider, {
      dispatcherPollIntervalMs: 20,
      orchestrationConcurrency: 2,
      workerConcurrency: 2,
      logLevel: 'off',
    });
    registerTestOrchestrations(runtime);
    await runtime.start();
  }
  let metadata: Promise<MetadataStore> | null = null;
  const logs: RequestLogLine[] = [];
  const stopping = new AbortController();
  const app = createApp({
    client,
    tokens,
    controlPlane: async () => {
      metadata ??= openMetadataStore(dbUrl, schema === undefined ? {} : { schema });
      return { client, metadata: await metadata, pruner: false };
    },
    log: (line) => logs.push(line),
    stopping: stopping.signal,
    ...(options.metrics ? { metrics: createPrometheusMetrics(client, { storeGauges: true }) } : {}),
    ...options.app,
  });
  const server: RunningServer = await listen(app, '127.0.0.1', 0);
  let closed: Promise<void> | null = null;
  return {
    url: server.url,
    store,
    dir,
    dbUrl,
    schema,
    provider,
    client,
    runtime,
    tokens,
    token,
    logs,
    stopping,
    call: (path, init = {}) => {
      const { scope = 'admin', ...rest } = init;
      const headers = new Headers(rest.headers);
      if (scope !== null) headers.set('authorization', `Bearer ${token[scope]}`);
      if (rest.body !== undefined && !headers.has('content-type'))
        headers.set('content-type', 'application/json');
      return fetch(`${server.url}${path}`, { ...rest, headers });
    },
    rowCounts: async () => (schema === undefined ? sqliteRowCounts(file) : postgresRowCounts(dbUrl, schema)),
    close: () =>
      (closed ??= (async () => {
        stopping.abort();
        await server.close();
        await runtime?.shutdown(1000);
        await tokens.close();
        if (metadata) await (await metadata).close();
        await provider.close();
        rmSync(dir, { recursive: true, force: true });
      })()),
  };
}

/** The JSON body of a response. */
export async function body<T = Record<string, unknown>>(res: Response): Promise<T> {
  return (await res.json()) as T;
}

/**
 * The secret part of a token text (`durox_<12 hex>_<secret>`). Not `split('_')`: the base64url
 * secret may itself contain `_`.
 */
export function secretOf(token: string): string {
  return /^durox_[0-9a-f]{12}_(.+)$/.exec(token)![1]!;
}
