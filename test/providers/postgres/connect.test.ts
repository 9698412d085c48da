import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isDuroxError, type ProviderError } from '../../../src/core/errors.js';
import { PostgresProvider } from '../../../src/providers/postgres/postgres-provider.js';
import { eventually } from '../../helpers/eventually.js';
import {
  createTestSchema,
  dropAfterFile,
  openPostgresProvider as openProvider,
  pgUrl,
  quoteIdent,
  rawClient,
  track,
} from '../../helpers/postgres.js';
import {
  activityItem,
  completionItem,
  errorOf,
  externalItem,
  fetchOrchestration,
  fetchWork,
  startAck,
  startItem,
  startedEvent,
} from './helpers.js';

/** One full turn plus an activity round trip on `provider`. */
async function exercise(provider: PostgresProvider, instance: string): Promise<void> {
  await provider.enqueueOrchestratorWork(startItem(instance));
  const item = await fetchOrchestration(provider);
  await provider.ackOrchestrationItem(
    item.lockToken,
    startAck(instance, { workerItems: [activityItem(instance, 2)] }),
  );
  const lease = await fetchWork(provider);
  await provider.ackWorkItem(lease.lockToken, completionItem(instance, 2));
  const next = await fetchOrchestration(provider);
  expect(next.history).toEqual([startedEvent(instance)]);
  await provider.ackOrchestrationItem(
    next.lockToken,
    startAck(instance, {
      historyDelta: [],
      kvMutations: [{ op: 'set', key: 'k', value: 'v', lastUpdatedAtMs: 1 }],
    }),
  );
  expect(await provider.getKvValue(instance, 'k')).toBe('v');
  expect(await provider.listInstances()).toHaveLength(1);
}

describe('connect', () => {
  it("uses the database's public schema", async () => {
    // A database of its own, so that the public schema is fresh.
    const admin = await rawClient();
    const database = `durox_public_${randomBytes(4).toString('hex')}`;
    await admin.query(`CREATE DATABASE ${database}`);
    try {
      const url = new URL(pgUrl());
      url.pathname = `/${database}`;
      const provider = await PostgresProvider.connect(url.toString());
      try {
        expect(provider.name).toBe('postgres');
        expect(provider.schema).toBe('public');
        await exercise(provider, 'p1');
        const other = new (await import('pg')).default.Client({ connectionString: url.toString() });
        await other.connect();
        const tables = await other.query(
          "SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = 'public' AND table_name = 'instances'",
        );
        await other.end();
        expect(tables.rows[0].n).toBe(1);
      } finally {
        await provider.close();
      }
    } finally {
      await admin.query(`DROP DATABASE ${database} WITH (FORCE)`);
    }
  });

  it('keeps hostile schema names quoted: no injection, everything works', async () => {
    const admin = await rawClient();
    const canary = dropAfterFile(createTestSchema('durox-canary_'));
    await admin.query(`CREATE SCHEMA ${quoteIdent(canary)}`);
    await admin.query(`CREATE TABLE ${quoteIdent(canary)}.t (x int)`);
    const hostile = [
      `x"; DROP TABLE ${quoteIdent(canary)}.t; --`,
      `y$$; DROP TABLE ${quoteIdent(canary)}.t; --$$`,
      `z'); DROP TABLE ${quoteIdent(canary)}.t; --`,
    ];
    for (const name of hostile) {
      // The test schema name would be too long with a random suffix; register it directly.
      const schema = dropAfterFile(name.slice(0, 63));
      const provider = await openProvider(schema);
      expect(provider.schema).toBe(schema);
      await exercise(provider, 'i1');
      const found = await admin.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
      expect(found.rowCount).toBe(1);
      // Its LISTEN channel works too: another provider is woken through it.
      const other = await openProvider(schema);
      const wait = other.waitForWork('worker', 5000);
      const started = Date.now();
      await provider.enqueueWorkerWork(activityItem('i1', 9));
      await wait;
      expect(Date.now() - started).toBeLessThan(3000);
    }
    const canaryTable = await admin.query(`SELECT count(*)::int AS n FROM ${quoteIdent(canary)}.t`);
    expect(canaryTable.rows[0].n).toBe(0);
  });

  it('keeps two schemas of one database apart', async () => {
    const a = await openProvider();
    const b = await openProvider();
    await a.enqueueOrchestratorWork(startItem('same-id'));
    await a.enqueueWorkerWork(activityItem('same-id', 1));
    expect(await b.fetchOrchestrationItem(1000)).toBeNull();
    expect(await b.fetchWorkItem(1000, { tagFilter: { mode: 'any' } })).toBeNull();
    await exercise(b, 'same-id');
    expect(await a.getInstanceInfo('same-id')).toBeNull();
    expect((await a.fetchOrchestrationItem(1000))?.messages).toEqual([startItem('same-id')]);
    expect(await a.getQueueDepths()).toMatchObject({ workerQueue: 1 });
  });

  it('rejects bad schema names and options with InvalidInputError naming the field', async () => {
    const invalid: [string, unknown, unknown][] = [
      ['', undefined, /schema/],
      ['x'.repeat(64), undefined, /at most 63 bytes/],
      ['ü'.repeat(32), undefined, /at most 63 bytes/],
      ['nul\0', undefined, /NUL/],
      ['ok', { poolSize: 0 }, /poolSize/],
      ['ok', { connectionTimeoutMs: -1 }, /connectionTimeoutMs/],
      ['ok', { statementTimeoutMs: 1.5 }, /statementTimeoutMs/],
      ['ok', { bogus: true }, /bogus|unrecognized/i],
    ];
    for (const [schema, options, message] of invalid) {
      const err = await errorOf(PostgresProvider.connectWithSchema(pgUrl(), schema, options as never));
      expect(isDuroxError(err, 'INVALID_INPUT')).toBe(true);
      expect((err as Error).message).toMatch(message as RegExp);
    }
    expect(isDuroxError(await errorOf(PostgresProvider.connect('')), 'INVALID_INPUT')).toBe(true);
  });

  it('fails with a retryable ProviderError when the server cannot be reached', async () => {
    const url = new URL(pgUrl());
    url.port = '1';
    const err = await errorOf(
      PostgresProvider.connectWithSchema(url.toString(), createTestSchema(), {
        maxRetries: 0,
        connectionTimeoutMs: 2000,
      }),
    );
    expect(isDuroxError(err, 'PROVIDER')).toBe(true);
    expect((err as ProviderError).retryable).toBe(true);
    expect((err as ProviderError).errorType).toBe('connection');
  });

  it('fails with a permanent ProviderError for wrong credentials', async () => {
    const url = new URL(pgUrl());
    url.password = 'wrong';
    const err = await errorOf(
      PostgresProvider.connectWithSchema(url.toString(), createTestSchema(), { maxRetries: 0 }),
    );
    expect(isDuroxError(err, 'PROVIDER')).toBe(true);
    expect((err as ProviderError).retryable).toBe(false);
  });
});

describe('pool and close', () => {
  async function backends(applicationName: string): Promise<number> {
    const admin = await rawClient();
    const result = await admin.query(
      'SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1',
      [applicationName],
    );
    return result.rows[0].n as number;
  }

  it('opens at most poolSize connections plus the LISTEN connection', async () => {
    const applicationName = `durox-pool-${randomBytes(3).toString('hex')}`;
    const provider = await openProvider(undefined, { poolSize: 3, applicationName });
    for (let n = 0; n < 40; n++) await provider.enqueueWorkerWork(activityItem('i', n + 1));
    await Promise.all(
      Array.from({ length: 40 }, () => provider.fetchWorkItem(30_000, { tagFilter: { mode: 'any' } })),
    );
    expect(await backends(applicationName)).toBeLessThanOrEqual(4);
    expect(await backends(applicationName)).toBeGreaterThanOrEqual(2);
  });

  it('close() ends the pool and the LISTEN connection, is idempotent, and later calls fail', async () => {
    const applicationName = `durox-close-${randomBytes(3).toString('hex')}`;
    const provider = await PostgresProvider.connectWithSchema(pgUrl(), createTestSchema(), {
      applicationName,
    });
    await provider.enqueueOrchestratorWork(startItem('i1'));
    const waiting = provider.waitForInstanceChange('nobody', 60_000);
    expect(await backends(applicationName)).toBeGreaterThanOrEqual(2);
    await provider.close();
    await provider.close();
    await waiting; // released by close
    await eventually(
      async () => (await backends(applicationName)) === 0,
      "the closed pool's backends to end",
    );
    const err = await errorOf(provider.fetchOrchestrationItem(1000));
    expect(isDuroxError(err, 'PROVIDER')).toBe(true);
    expect((err as ProviderError).retryable).toBe(false);
    expect(isDuroxError(await errorOf(provider.waitForWork('worker', 10)), 'PROVIDER')).toBe(true);
  });

  it('works without LISTEN (listen: false), in-process signals only', async () => {
    const provider = await openProvider(undefined, { listen: false });
    const wait = provider.waitForWork('orchestrator', 5000);
    await provider.enqueueOrchestratorWork(externalItem('i1'));
    await wait;
    expect((await fetchOrchestration(provider)).instanceId).toBe('i1');
    track(provider);
  });
});
