/**
 * A representative subset of the CLI on PostgreSQL (`--store postgres://… --schema <name>`): a
 * worker and a client on a fresh schema whose name needs quoting, status, list, history dump and
 * replay, metrics, delete.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestSchema, pgUrl } from '../helpers/postgres.js';
import { durox, EXAMPLE_JS, startWorker, tempDir, TEST_MODULE } from './helpers.js';
import type { WorkerProcess } from './helpers.js';
import { eventually } from '../helpers/eventually.js';

const dir = tempDir();
const schema = createTestSchema('durox-Cli_');
let url: string;
const run = (...args: string[]) => durox([...args, '--store', url, '--schema', schema]);
let worker: WorkerProcess;

beforeAll(async () => {
  url = pgUrl();
  worker = await startWorker(['-m', EXAMPLE_JS, '-m', TEST_MODULE, '--store', url, '--schema', schema]);
});
afterAll(async () => {
  await worker?.stop();
});

describe('CLI on PostgreSQL', () => {
  it('runs, inspects, dumps, replays and deletes instances', async () => {
    const [hello, failed] = await Promise.all([
      run('orch', 'start', 'Hello', '--id', 'pg-hello', '--input', '"PG"', '--wait', '--json'),
      run('orch', 'start', 'Fails', '--id', 'pg-fails', '--input', '"pg"', '--wait', '--json'),
    ]);
    expect(hello.code, hello.stderr).toBe(0);
    expect(hello.json()).toMatchObject({ instanceId: 'pg-hello', status: 'Completed', output: 'Hello, PG!' });
    expect(failed.code).toBe(1);
    expect(failed.json()).toMatchObject({ status: 'Failed', error: 'boom: pg' });

    const file = join(dir, 'pg-hello.json');
    const [status, list, dumped, metrics] = await Promise.all([
      run('orch', 'status', 'pg-hello', '--json'),
      run('orch', 'list', '--status', 'failed', '--json'),
      run('history', 'dump', 'pg-hello', '--out', file, '--json'),
      run('metrics', '--json'),
    ]);
    expect(status.json()).toMatchObject({
      instanceId: 'pg-hello',
      orchestrationName: 'Hello',
      status: 'Completed',
    });
    expect(list.json()).toMatchObject({
      total: 1,
      instances: [{ instanceId: 'pg-fails', status: 'Failed' }],
    });
    expect(dumped.json()).toMatchObject({ instanceId: 'pg-hello', executions: 1 });
    expect(metrics.json().system).toMatchObject({
      totalInstances: 2,
      completedInstances: 1,
      failedInstances: 1,
    });

    const replay = await durox(['history', 'replay', file, '--module', EXAMPLE_JS, '--json']);
    expect(replay.code, replay.stderr).toBe(0);
    expect(replay.json().ok).toBe(true);

    const deleted = await run('orch', 'delete', 'pg-fails', '--json');
    expect(deleted.json()).toMatchObject({ instanceId: 'pg-fails', instancesDeleted: 1 });
    expect((await run('orch', 'status', 'pg-fails')).code).toBe(3);
  });

  it('a worker without concurrency flags runs with what PostgreSQL recommends (16 turns, 32 activities)', async () => {
    const tuned = await startWorker(
      ['-m', TEST_MODULE, '--store', url, '--schema', schema, '--log-level', 'info'],
      {
        storeConcurrency: true,
      },
    );
    try {
      expect(tuned.stderr()).toMatch(
        /started on provider postgres orchestration_concurrency=16 worker_concurrency=32/,
      );
    } finally {
      expect(await tuned.stop()).toBe(0);
    }
  });

  it('another schema is another store', async () => {
    const other = createTestSchema('durox-Cli_');
    const r = await durox(['orch', 'list', '--json', '--store', url, '--schema', other]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json()).toEqual({ instances: [], total: 0 });
  });

  it('status says what an instance waits on; watch streams it live (LISTEN/NOTIFY) until it completes', async () => {
    await run('orch', 'start', 'Waiter', '--id', 'pg-watched');
    const watching = run('orch', 'watch', 'pg-watched', '--json');
    const waitsOn = async (what: string): Promise<void> => {
      await eventually(
        async () =>
          JSON.stringify((await run('orch', 'status', 'pg-watched', '--json')).json().waitingOn) === what,
        { what: `pg-watched to wait on ${what}`, timeoutMs: 30_000 },
      );
    };
    await waitsOn('{"activities":[],"timers":[],"events":["go"],"queues":[],"children":[]}');
    await run('orch', 'raise', 'pg-watched', 'go');
    await waitsOn('{"activities":[],"timers":[],"events":[],"queues":["inbox"],"children":[]}');
    await run('orch', 'enqueue', 'pg-watched', 'inbox', '--data', '2');
    const r = await watching;
    expect(r.code, r.stderr).toBe(0);
    const kinds = r.stdout
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line).kind);
    expect(kinds[0]).toBe('OrchestrationStarted');
    expect(kinds).toContain('ExternalEvent');
    expect(kinds).toContain('QueueEventDelivered');
    expect(kinds.at(-1)).toBe('OrchestrationCompleted');
  });
});
