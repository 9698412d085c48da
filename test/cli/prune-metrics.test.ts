/**
 * `durox prune` (dry run and real, executions and instances) and `durox metrics` (once and
 * watched), plus multi-execution dumps and their replay.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { durox, startWorker, tempDir, TEST_MODULE } from './helpers.js';
import type { WorkerProcess } from './helpers.js';

const dir = tempDir();
const store = `sqlite:${join(dir, 'prune.db')}`;
const run = (...args: string[]) => durox([...args, '--store', store]);
let worker: WorkerProcess;

beforeAll(async () => {
  worker = await startWorker(['-m', TEST_MODULE, '--store', store]);
  const [counter, hello] = await Promise.all([
    run('orch', 'start', 'Counter', '--id', 'counter-1', '--input', '{"n":1,"until":3}', '--wait', '--json'),
    run('orch', 'start', 'Fails', '--id', 'failed-1', '--input', '"old"', '--wait', '--json'),
  ]);
  expect(counter.json()).toMatchObject({ status: 'Completed', output: 3 });
  expect(hello.code).toBe(1);
});
afterAll(async () => {
  await worker?.stop();
});

describe('multi-execution histories', () => {
  it('dumps --all and --execution, and the dump replays', async () => {
    const file = join(dir, 'counter.json');
    const [all, second, written] = await Promise.all([
      run('history', 'dump', 'counter-1', '--all'),
      run('history', 'dump', 'counter-1', '--execution', '2', '--json'),
      run('history', 'dump', 'counter-1', '--all', '--out', file),
    ]);
    expect(
      all.json().executions.map((x: { executionId: number; status: string }) => [x.executionId, x.status]),
    ).toEqual([
      [1, 'ContinuedAsNew'],
      [2, 'ContinuedAsNew'],
      [3, 'Completed'],
    ]);
    expect(second.json().executions).toHaveLength(1);
    expect(second.json().executions[0].events[0]).toMatchObject({
      type: 'OrchestrationStarted',
      execution_id: 2,
    });
    expect(written.stdout).toContain('wrote 3 execution(s)');
    const replay = await durox(['history', 'replay', file, '--module', TEST_MODULE, '--json']);
    expect(replay.code, replay.stderr).toBe(0);
    expect(replay.json().files[0].executions.map((x: { result: string }) => x.result)).toEqual([
      'ok',
      'ok',
      'ok',
    ]);
    const show = await run('history', 'show', 'counter-1', '--all');
    expect(show.stdout).toMatch(/execution 1 · Counter 1\.0\.0 · ContinuedAsNew/);
    expect(show.stdout).toMatch(/execution 3 · Counter 1\.0\.0 · Completed/);
  });
});

describe('prune', () => {
  it('--dry-run counts executions and writes nothing; the real run deletes the same', async () => {
    const dry = await run('prune', '--keep-last', '1', '--dry-run', '--json');
    expect(dry.code, dry.stderr).toBe(0);
    const report = dry.json();
    expect(report).toMatchObject({
      dryRun: true,
      keepLast: 1,
      instanceId: null,
      instances: null,
      executions: { instancesProcessed: 1, executionsDeleted: 2 },
    });
    expect(report.executions.eventsDeleted).toBeGreaterThan(4);
    expect((await run('history', 'dump', 'counter-1', '--all')).json().executions).toHaveLength(3);

    const real = await run(
      'prune',
      '--instance',
      'counter-1',
      '--keep-last',
      '1',
      '--completed-before',
      '0s',
      '--json',
    );
    expect(real.code).toBe(0);
    expect(real.json()).toMatchObject({
      dryRun: false,
      instanceId: 'counter-1',
      executions: {
        instancesProcessed: 1,
        executionsDeleted: 2,
        eventsDeleted: report.executions.eventsDeleted,
      },
    });
    expect(
      (await run('history', 'dump', 'counter-1', '--all'))
        .json()
        .executions.map((x: { executionId: number }) => x.executionId),
    ).toEqual([3]);
  });

  it('--delete-terminal-older-than deletes finished instances (dry run first)', async () => {
    const dry = await run('prune', '--delete-terminal-older-than', '0s', '--dry-run');
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('dry run: nothing was deleted');
    expect(dry.stdout).toMatch(/instances:\s+would delete 2 instance\(s\)/);
    const kept = await run('prune', '--delete-terminal-older-than', '1d', '--json');
    expect(kept.json().instances).toMatchObject({ instancesDeleted: 0 });
    const real = await run('prune', '--delete-terminal-older-than', '0s', '--json');
    expect(real.json().instances).toMatchObject({ instancesDeleted: 2, executionsDeleted: 2 });
    expect((await run('orch', 'list', '--json')).json().total).toBe(0);
  });

  it('rejects prunes with nothing to do, bad durations and unknown instances', async () => {
    const [nothing, badDuration, unknown] = await Promise.all([
      run('prune'),
      run('prune', '--completed-before', '3 weeks'),
      run('prune', '--instance', 'ghost', '--keep-last', '1'),
    ]);
    expect(nothing.code).toBe(2);
    expect(nothing.stderr).toMatch(/^error: nothing to prune\nhint: pass --keep-last/);
    expect(badDuration.code).toBe(2);
    expect(unknown.code).toBe(3);
  });
});

describe('metrics', () => {
  it('prints system metrics and queue depths, once or watched (one JSON line per tick)', async () => {
    const [once, human, watched] = await Promise.all([
      run('metrics', '--json'),
      run('metrics'),
      run('metrics', '--watch', '--json', '--interval', '100ms', '--count', '2'),
    ]);
    expect(once.code).toBe(0);
    expect(once.json()).toEqual({
      at: expect.any(String),
      system: {
        totalInstances: expect.any(Number),
        totalExecutions: expect.any(Number),
        runningInstances: expect.any(Number),
        completedInstances: expect.any(Number),
        failedInstances: expect.any(Number),
        totalEvents: expect.any(Number),
      },
      queues: {
        orchestratorQueue: expect.any(Number),
        workerQueue: expect.any(Number),
        timerQueue: expect.any(Number),
      },
      schedules: { total: 0, running: 0 },
      workers: expect.objectContaining({ live: 1, complete: true }),
    });
    expect(human.stdout).toMatch(/^instances:\s+\d+ total/m);
    expect(human.stdout).toMatch(/^worker queue:\s+\d+/m);
    const lines = watched.stdout.trim().split('\n');
    expect(watched.code).toBe(0);
    expect(lines).toHaveLength(2);
    for (const line of lines) expect(JSON.parse(line)).toHaveProperty('queues');
  });
});
