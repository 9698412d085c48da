/**
 * The metadata store, SQLite and PostgreSQL: reservations (one live record per name, replays
 * return the same record, failed records are superseded), validated transitions with events,
 * bounded health history that updates health only while running, secrets and pruning.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { PostgresMetadataStore } from '../../src/toygres/metadata/postgres/postgres-metadata.js';
import { SqliteMetadataStore } from '../../src/toygres/metadata/sqlite/sqlite-metadata.js';
import { IllegalTransitionError } from '../../src/toygres/metadata/store.js';
import type { MetadataStore, NewInstance } from '../../src/toygres/metadata/store.js';
import { SqliteProvider } from '../../src/providers/sqlite/sqlite-provider.js';
import { toygresDataSource } from '../../src/tui/toygres-source.js';
import { createTestSchema, pgUrl } from '../helpers/postgres.js';

const dir = mkdtempSync(join(tmpdir(), 'toygres-meta-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const stores: MetadataStore[] = [];
afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close()));
});

let n = 0;
const factories: [string, () => Promise<MetadataStore>][] = [
  ['sqlite', async () => SqliteMetadataStore.open(`sqlite:${join(dir, `m${n++}.db`)}`)],
  [
    'postgres',
    async () => PostgresMetadataStore.open(pgUrl(), { schema: createTestSchema('toygres-Meta_') }),
  ],
];

function instance(id: string, name = 'db1'): NewInstance {
  return {
    id,
    name,
    platform: 'local',
    namespace: 'toygres',
    postgresVersion: '17',
    storageGb: 10,
    loadBalancer: false,
    dnsLabel: null,
    createOrchestrationId: `create-${name}`,
  };
}

describe.each(factories)('metadata store on %s', (_kind, open) => {
  const fresh = async (): Promise<MetadataStore> => {
    const store = await open();
    stores.push(store);
    return store;
  };

  it('reserves a name once; replays get the same record; others are refused', async () => {
    const store = await fresh();
    const first = await store.reserve(instance('r1'));
    expect(first.reserved).toBe(true);
    const again = await store.reserve(instance('r1'));
    expect(again).toMatchObject({ reserved: true, record: { id: 'r1', state: 'creating' } });
    const other = await store.reserve(instance('r2'));
    expect(other).toMatchObject({
      reserved: false,
      reason: "instance 'db1' already exists (state creating)",
    });
    expect((await store.reserve(instance('r3', 'db2'))).reserved).toBe(true);
    expect((await store.list()).map((r) => r.name)).toEqual(['db2', 'db1']);
  });

  it('validates transitions and records state-change events', async () => {
    const store = await fresh();
    await store.reserve(instance('a'));
    await expect(store.transition('a', 'deleted')).rejects.toBeInstanceOf(IllegalTransitionError);
    const running = await store.transition('a', 'running', {
      message: 'ready in 1 s',
      connection: {
        host: '127.0.0.1',
        port: 5999,
        user: 'postgres',
        database: 'postgres',
        externalIp: null,
        dnsName: null,
      },
      actorOrchestrationId: 'actor-db1',
    });
    expect(running).toMatchObject({ changed: true, from: 'creating' });
    expect(running.record.connection).toMatchObject({ host: '127.0.0.1', port: 5999 });
    expect((await store.transition('a', 'running')).changed).toBe(false);
    await expect(store.transition('a', 'failed')).rejects.toThrow(/cannot go from running to failed/);
    await store.transition('a', 'deleting', { deleteOrchestrationId: 'delete-db1' });
    const deleted = await store.transition('a', 'deleted', { message: 'gone' });
    expect(deleted.record).toMatchObject({
      state: 'deleted',
      deleteOrchestrationId: 'delete-db1',
      stateMessage: 'gone',
    });
    expect(deleted.record.deletedAt).not.toBeNull();
    const events = await store.events('a');
    expect(events.map((e) => [e.oldState, e.newState])).toEqual([
      [null, 'creating'],
      ['creating', 'running'],
      ['running', 'deleting'],
      ['deleting', 'deleted'],
    ]);
    // The name is free again; findByName prefers the live record.
    await store.reserve(instance('b'));
    expect((await store.findByName('db1'))?.id).toBe('b');
  });

  it('a failed record stays visible until a new create of the name supersedes it', async () => {
    const store = await fresh();
    await store.reserve(instance('f1'));
    await store.transition('f1', 'failed', { message: 'boom' });
    expect(await store.findByName('db1')).toMatchObject({ id: 'f1', state: 'failed', stateMessage: 'boom' });
    expect((await store.list()).map((r) => r.state)).toEqual(['failed']);
    expect((await store.reserve(instance('f2'))).reserved).toBe(true);
    expect(await store.get('f1')).toMatchObject({ state: 'deleted' });
    expect((await store.findByName('db1'))?.id).toBe('f2');
  });

  it('keeps the newest health checks and sets health only while running', async () => {
    const store = await fresh();
    await store.reserve(instance('h'));
    const check = (i: number) => ({
      status: 'healthy' as const,
      latencyMs: i,
      serverVersion: 'PostgreSQL 17',
      error: null,
      checkedAt: 1000 + i,
    });
    expect(await store.recordHealthCheck('h', check(0), 3)).toBe(true);
    expect((await store.get('h'))?.health).toBe('unknown'); // still creating
    await store.transition('h', 'running');
    for (let i = 1; i <= 5; i++) await store.recordHealthCheck('h', check(i), 3);
    const checks = await store.healthChecks('h');
    expect(checks.map((c) => c.latencyMs)).toEqual([5, 4, 3]);
    expect(await store.get('h')).toMatchObject({ health: 'healthy', latencyMs: 5, lastHealthCheckAt: 1005 });
    expect(await store.recordHealthCheck('missing', check(9))).toBe(false);
  });

  it('stores, replaces and deletes secrets; prunes orphans', async () => {
    const store = await fresh();
    await store.putSecret('s1', 'first-pass');
    await store.putSecret('s1', 'second-pass');
    expect(await store.getSecret('s1')).toBe('second-pass');
    await store.putSecret('orphan', 'x-password');
    await store.reserve(instance('s1'));
    const pruned = await store.prune(Date.now() + 1000);
    expect(pruned.secrets).toBe(1);
    expect(await store.getSecret('orphan')).toBeNull();
    expect(await store.getSecret('s1')).toBe('second-pass');
    expect(await store.deleteSecret('s1')).toBe(true);
    expect(await store.getSecret('s1')).toBeNull();
  });

  it('migrates once when opened again', async () => {
    const first = await fresh();
    await first.reserve(instance('m'));
    expect(first.kind).toBe(_kind);
  });
});

describe('metadata store on the engine SQLite file', () => {
  it('shares the file with a provider', async () => {
    const path = join(dir, 'shared.db');
    const provider = await SqliteProvider.open(`sqlite:${path}`);
    try {
      const store = await SqliteMetadataStore.open(`sqlite:${path}`);
      stores.push(store);
      await store.reserve(instance('x'));
      const again = await SqliteMetadataStore.open(path);
      stores.push(again);
      expect((await again.get('x'))?.name).toBe('db1');
    } finally {
      await provider.close();
    }
  });
});

describe('TUI data source', () => {
  it('shows live instances with health, latency and actor', async () => {
    const store = await SqliteMetadataStore.open(`sqlite:${join(dir, 'tui.db')}`);
    stores.push(store);
    await store.reserve(instance('t1', 'pg-a'));
    await store.transition('t1', 'running', { actorOrchestrationId: 'actor-pg-a' });
    await store.recordHealthCheck('t1', {
      status: 'healthy',
      latencyMs: 3,
      serverVersion: null,
      error: null,
      checkedAt: 5,
    });
    await store.reserve(instance('t2', 'pg-b'));
    const snapshot = await toygresDataSource(store).snapshot();
    expect(snapshot).toEqual({
      installed: true,
      instances: [
        { name: 'pg-b', state: 'Creating', health: 'unknown', latencyMs: null },
        {
          name: 'pg-a',
          state: 'Running',
          health: 'healthy',
          latencyMs: 3,
          checkedAt: 5,
          actorInstanceId: 'actor-pg-a',
        },
      ],
    });
  });
});
