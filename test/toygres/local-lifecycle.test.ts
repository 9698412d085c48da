/**
 * The full lifecycle on the local platform with real PostgreSQL servers, through a Runtime with
 * toygres registered on a temporary SQLite store: create → connect and query → health checks
 * recorded → the postmaster killed with SIGKILL → the actor reports unhealthy → delete → server
 * gone, data removed, record deleted, actor finished. And a failed create (injected failure)
 * that leaves a visible failed record and nothing else.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  connectionInfo,
  createInstance,
  deleteInstance,
  instanceHealth,
  instanceLogs,
  waitForCreate,
  waitForDelete,
} from '../../src/toygres/control-plane.js';
import { LocalPlatform } from '../../src/toygres/platforms/local/local-platform.js';
import type { ActorStatus } from '../../src/toygres/types.js';
import { allHistoryText, startBench } from './helpers/harness.js';
import { eventually } from '../helpers/eventually.js';
import type { Bench } from './helpers/harness.js';
import {
  isAlive,
  postmasterPid,
  processesUsing,
  stopAllServers,
  traversableTempDir,
} from './helpers/servers.js';

const base = traversableTempDir();
const root = join(base, 'instances');
const PASSWORD = "it's a p@ss:word/with%chars";

let bench: Bench | null = null;
afterEach(async () => {
  delete process.env.DUROX_TOYGRES_INJECT_TEST_CONNECTION_FAILURE;
  await bench?.close();
  bench = null;
});
afterAll(async () => {
  await stopAllServers(base);
});

async function open(): Promise<Bench> {
  bench = await startBench({ local: new LocalPlatform({ root, initdbNoSync: true }) });
  return bench;
}

describe('local platform lifecycle (real PostgreSQL)', () => {
  it('create → query → health → kill -9 → unhealthy → delete', async () => {
    const b = await open();
    const created = await createInstance(b.cp, { name: 'life', password: PASSWORD, healthIntervalMs: 500 });
    const outcome = await waitForCreate(b.cp, created, { timeoutMs: 90_000 });
    expect(outcome.error).toBeUndefined();
    expect(outcome.status).toBe('Completed');
    expect(outcome.instance).toMatchObject({ state: 'running', connection: { host: '127.0.0.1' } });
    expect(outcome.instance!.serverVersion).toMatch(/^PostgreSQL 17/);

    // A real server, running as the postgres OS user when we are root, on 127.0.0.1 only.
    const pid = postmasterPid(root, 'life');
    expect(pid).not.toBeNull();
    expect(isAlive(pid!)).toBe(true);
    if (process.getuid?.() === 0) {
      const uid = /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1];
      expect(Number(uid)).not.toBe(0);
    }

    // Connect with the connection string and run queries.
    const { connectionString } = await connectionInfo(b.cp, 'life', { showPassword: true });
    const client = new pg.Client({ connectionString });
    await client.connect();
    try {
      await client.query('CREATE TABLE pets (name text)');
      await client.query("INSERT INTO pets VALUES ('rex'), ('tom')");
      const rows = await client.query<{ n: string }>('SELECT count(*) AS n FROM pets');
      expect(rows.rows[0]!.n).toBe('2');
    } finally {
      await client.end();
    }
    // Wrong password is refused (password auth, not trust).
    const intruder = new pg.Client({
      connectionString: connectionString.replace(/:[^:@]+@/, ':wrong-password@'),
    });
    intruder.on('error', () => undefined);
    await expect(intruder.connect()).rejects.toThrow(/password authentication failed/);

    // Health checks are recorded with latency.
    await eventually(async () => (await instanceHealth(b.cp, 'life')).checks.length >= 2, {
      what: 'two checks',
      timeoutMs: 30_000,
    });
    const health = await instanceHealth(b.cp, 'life');
    expect(health.health).toBe('healthy');
    expect(health.checks[0]).toMatchObject({
      status: 'healthy',
      serverVersion: expect.stringMatching(/^PostgreSQL 17/),
    });
    expect(health.checks[0]!.latencyMs).toBeGreaterThan(0);
    expect((await instanceLogs(b.cp, 'life', { tail: 50 })).lines.join('\n')).toMatch(
      /ready to accept connections/,
    );

    // kill -9 the postmaster: the actor notices.
    process.kill(pid!, 'SIGKILL');
    await eventually(
      async () => {
        const status = await b.client.getStatus('actor-life');
        return status.customStatus && (JSON.parse(status.customStatus) as ActorStatus).health === 'unhealthy';
      },
      { what: 'unhealthy actor', timeoutMs: 30_000 },
    );
    expect((await b.metadata.findByName('life'))?.health).toBe('unhealthy');
    expect((await instanceHealth(b.cp, 'life')).checks[0]).toMatchObject({ status: 'unhealthy' });

    const deleted = await waitForDelete(b.cp, await deleteInstance(b.cp, 'life'), { timeoutMs: 60_000 });
    expect(deleted.status).toBe('Completed');
    expect(deleted.instance?.state).toBe('deleted');
    expect(existsSync(join(root, 'life'))).toBe(false);
    expect(isAlive(pid!)).toBe(false);
    await eventually(() => processesUsing(join(root, 'life')).length === 0, {
      what: 'no server processes',
      timeoutMs: 10_000,
    });
    expect((await b.client.waitForOrchestration('actor-life', 10_000)).status).toBe('Completed');
    expect(await allHistoryText(b.client)).not.toContain(PASSWORD);
  });

  it('a failed create leaves a failed record and no server or data', async () => {
    const b = await open();
    process.env.DUROX_TOYGRES_INJECT_TEST_CONNECTION_FAILURE = '1';
    const created = await createInstance(b.cp, { name: 'doomed', password: PASSWORD });
    const outcome = await waitForCreate(b.cp, created, { timeoutMs: 90_000 });
    expect(outcome.status).toBe('Failed');
    expect(outcome.instance).toMatchObject({
      state: 'failed',
      stateMessage: expect.stringMatching(/INJECTED/),
    });
    expect(existsSync(join(root, 'doomed'))).toBe(false);
    expect(processesUsing(join(root, 'doomed'))).toEqual([]);
  });
});
