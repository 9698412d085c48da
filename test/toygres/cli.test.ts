/**
 * `durox instance …` through the built binary with real PostgreSQL servers: create --wait on a
 * temporary store (embedded worker), connect and query, list/get/health/logs, exit codes, delete;
 * a failed create (injected failure); the default store (no --store) on a fresh home; and a
 * worker killed with SIGKILL during a create, which finishes after a restart with exactly one
 * server running.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { durox, startWorker } from '../cli/helpers.js';
import { eventually } from '../helpers/eventually.js';
import { postmasterPid, processesUsing, stopAllServers, traversableTempDir } from './helpers/servers.js';

const base = traversableTempDir('toygres-cli-');
const home = join(base, 'durox-home'); // DUROX_HOME
const instances = join(home, 'instances');
const store = `sqlite:${join(base, 'store.db')}`;
const env = { DUROX_HOME: home, DUROX_TOYGRES_INITDB_NOSYNC: '1' };

afterAll(async () => {
  await stopAllServers(base);
}, 120_000);

async function query(connectionString: string, sql: string): Promise<unknown[]> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

describe('durox instance (CLI, local platform)', () => {
  it('create --wait, connect, inspect and delete --wait', async () => {
    const created = await durox(
      ['instance', 'create', 'demo', '--wait', '--json', '--health-interval', '500ms', '--store', store],
      { env, timeoutMs: 120_000 },
    );
    expect(created.code, created.stderr).toBe(0);
    const result = created.json();
    expect(result).toMatchObject({
      name: 'demo',
      status: 'Completed',
      passwordGenerated: true,
      instance: { state: 'running', platform: 'local', connection: { host: '127.0.0.1', user: 'postgres' } },
    });
    expect(result.instance.connectionString).toMatch(
      /^postgresql:\/\/postgres:\*+@127\.0\.0\.1:\d+\/postgres$/,
    );
    expect(existsSync(join(instances, 'demo', 'data', 'PG_VERSION'))).toBe(true);

    const shown = await durox(['instance', 'connect', 'demo', '--show-password', '--store', store], { env });
    expect(shown.code, shown.stderr).toBe(0);
    const url = shown.stdout.trim();
    expect(url).not.toContain('*');
    expect(await query(url, 'SELECT 40 + 2 AS answer')).toEqual([{ answer: 42 }]);
    const password = decodeURIComponent(/:([^:@]+)@/.exec(url)![1]!);
    const masked = await durox(['instance', 'connect', 'demo', '--store', store], { env });
    expect(masked.stdout).not.toContain(password);

    // A worker keeps the health monitor going.
    const worker = await startWorker(['--store', store], { env });
    try {
      await eventually(async () => {
        const health = await durox(['instance', 'health', 'demo', '--json', '--store', store], { env });
        return health.code === 0 && health.json().checks.length >= 2;
      }, 30_000);
    } finally {
      await worker.stop();
    }
    const health = (await durox(['instance', 'health', 'demo', '--json', '--store', store], { env })).json();
    expect(health).toMatchObject({ name: 'demo', health: 'healthy', actor: { instanceId: 'actor-demo' } });
    expect(health.checks[0].latencyMs).toBeGreaterThan(0);

    const list = await durox(['instance', 'list', '--store', store], { env });
    expect(list.stdout).toMatch(/^demo +running +healthy +[\d.]+ ms +local +17 +127\.0\.0\.1:\d+/m);
    const get = await durox(['instance', 'get', 'demo', '--json', '--store', store], { env });
    expect(get.json()).toMatchObject({ state: 'running', status: { create: { status: 'Completed' } } });
    expect(get.json().events.map((e: { newState: string | null }) => e.newState)).toContain('running');
    const logs = await durox(['instance', 'logs', 'demo', '--tail', '20', '--store', store], { env });
    expect(logs.stdout).toMatch(/ready to accept connections/);

    // Nothing the CLI or the history shows carries the password.
    const dump = await durox(['history', 'dump', 'create-demo', '--store', store], { env });
    expect(dump.code, dump.stderr).toBe(0);
    for (const out of [created.stdout, created.stderr, get.stdout, list.stdout, logs.stdout, dump.stdout]) {
      expect(out).not.toContain(password);
    }

    // Exit codes.
    expect((await durox(['instance', 'get', 'nope', '--store', store], { env })).code).toBe(3);
    expect((await durox(['instance', 'create', 'Bad_Name', '--store', store], { env })).code).toBe(2);
    expect(
      (await durox(['instance', 'create', 'x1', '--password', 'short', '--store', store], { env })).code,
    ).toBe(2);
    const dup = await durox(['instance', 'create', 'demo', '--json', '--store', store], { env });
    expect(dup.code).toBe(2);
    expect(dup.json().error.message).toBe("instance 'demo' already exists (running)");

    const pid = postmasterPid(instances, 'demo');
    const deleted = await durox(['instance', 'delete', 'demo', '--wait', '--json', '--store', store], {
      env,
      timeoutMs: 120_000,
    });
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(deleted.json()).toMatchObject({ status: 'Completed', instance: { state: 'deleted' } });
    expect(existsSync(join(instances, 'demo'))).toBe(false);
    expect(processesUsing(join(instances, 'demo'))).toEqual([]);
    expect(pid).not.toBeNull();
    expect((await durox(['instance', 'delete', 'demo', '--store', store], { env })).code).toBe(3);
  }, 240_000);

  it('a failed create exits 1 and leaves a visible failed record and no resources', async () => {
    const failed = await durox(
      ['instance', 'create', 'broken', '--wait', '--password-stdin', '--store', store],
      {
        env: { ...env, DUROX_TOYGRES_INJECT_TEST_CONNECTION_FAILURE: '1' },
        input: 'a-good-password\n',
        timeoutMs: 120_000,
      },
    );
    expect(failed.code, failed.stderr).toBe(1);
    expect(failed.stdout).toMatch(/failed broken: .*INJECTED FAILURE/);
    const list = await durox(['instance', 'list', '--json', '--store', store], { env });
    expect(list.json().instances).toEqual([expect.objectContaining({ name: 'broken', state: 'failed' })]);
    expect(existsSync(join(instances, 'broken'))).toBe(false);
    expect(processesUsing(join(instances, 'broken'))).toEqual([]);
  });

  it('works with the default store on a fresh home', async () => {
    const fresh = traversableTempDir('toygres-home-');
    const freshEnv = { HOME: fresh, DUROX_HOME: undefined, DUROX_TOYGRES_INITDB_NOSYNC: '1' };
    try {
      const created = await durox(['instance', 'create', 'first', '--wait'], {
        env: freshEnv,
        timeoutMs: 120_000,
      });
      expect(created.code, created.stderr).toBe(0);
      expect(created.stdout).toMatch(/^running first/m);
      expect(existsSync(join(fresh, '.durox', 'durox.db'))).toBe(true);
      expect(existsSync(join(fresh, '.durox', 'instances', 'first', 'data'))).toBe(true);
      const deleted = await durox(['instance', 'delete', 'first', '--wait'], {
        env: freshEnv,
        timeoutMs: 120_000,
      });
      expect(deleted.code, deleted.stderr).toBe(0);
      expect(existsSync(join(fresh, '.durox', 'instances', 'first'))).toBe(false);
    } finally {
      await stopAllServers(fresh);
    }
  });

  it('a worker killed with SIGKILL during a create: the create finishes after a restart, one server runs', async () => {
    const crashStore = `sqlite:${join(base, 'crash.db')}`;
    const args = ['--store', crashStore, '--worker-lock-timeout', '2s'];
    const first = await startWorker(['--toygres', ...args], { env }); // a fresh store: toygres on request
    const started = await durox(
      ['instance', 'create', 'crash', '--no-embedded-worker', ...args.slice(0, 2)],
      { env },
    );
    expect(started.code, started.stderr).toBe(0);
    // Right after deploy started the server: kill the worker.
    await eventually(() => postmasterPid(instances, 'crash') !== null, 60_000);
    first.child.kill('SIGKILL');
    await first.stop('SIGKILL');
    const get = async () =>
      (await durox(['instance', 'get', 'crash', '--json', ...args.slice(0, 2)], { env })).json();
    expect((await get()).state).toBe('creating');

    const second = await startWorker(args, { env }); // the store now holds toygres instances
    try {
      await eventually(async () => (await get()).state === 'running', 60_000);
      const details = await get();
      expect(details.status.create.status).toBe('Completed');
      const postmasters = processesUsing(join(instances, 'crash', 'data'));
      expect(postmasters).toHaveLength(1);
      expect(postmasters[0]).toBe(postmasterPid(instances, 'crash'));
    } finally {
      await second.stop();
    }
  }, 240_000);
});
