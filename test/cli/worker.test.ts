/**
 * `durox worker run`: graceful SIGTERM mid-activity (the activity is given back and completed by
 * another worker, recorded exactly once), Prometheus metrics, and flags/modules rejected before
 * the store is touched.
 */
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Client, SqliteProvider } from '../../src/index.js';
import { durox, startWorker, tempDir, TEST_MODULE } from './helpers.js';
import { eventually } from '../helpers/eventually.js';

const dir = tempDir();

/** Orchestration names in the store's worker registry (the live workers). */
async function registeredOrchestrations(store: string): Promise<string[]> {
  const provider = await SqliteProvider.open(store);
  try {
    const workers = (await provider.listWorkers?.()) ?? [];
    return [...new Set(workers.flatMap((w) => Object.keys(w.orchestrations)))].sort();
  } finally {
    await provider.close();
  }
}

describe('worker run', () => {
  it('without concurrency flags runs with what the store recommends; flags override it', async () => {
    const store = `sqlite:${join(dir, 'recommended.db')}`;
    const tuned = await startWorker(['-m', TEST_MODULE, '--store', store, '--log-level', 'info'], {
      storeConcurrency: true,
    });
    expect(tuned.stderr()).toMatch(
      /started on provider sqlite orchestration_concurrency=4 worker_concurrency=8/,
    );
    expect(await tuned.stop()).toBe(0);
    const explicit = await startWorker(
      ['-m', TEST_MODULE, '--store', store, '--log-level', 'info', '--worker-concurrency', '3'],
      { storeConcurrency: true },
    );
    expect(explicit.stderr()).toMatch(/orchestration_concurrency=4 worker_concurrency=3/);
    expect(await explicit.stop()).toBe(0);
  });

  it('runs toygres only when asked (--toygres) or when the store already holds toygres instances', async () => {
    const store = `sqlite:${join(dir, 'toygres-opt-in.db')}`;
    // A user's worker on a fresh store: no toygres, no warning.
    const own = await startWorker(['-m', TEST_MODULE, '--store', store]);
    const names = await registeredOrchestrations(store);
    expect(names.length).toBeGreaterThan(0);
    expect(names.filter((n) => n.startsWith('toygres::'))).toEqual([]);
    expect(own.stderr()).not.toMatch(/toygres::|warning:/);
    expect(await own.stop()).toBe(0);
    // --toygres: registered, in the start line and in the worker registry.
    const asked = await startWorker(['-m', TEST_MODULE, '--toygres', '--store', store]);
    expect(asked.stderr()).toMatch(/durox worker started .*\[.*toygres::create-instance@1\.0\.0/);
    expect(asked.stderr()).not.toContain('warning:');
    expect(await registeredOrchestrations(store)).toContain('toygres::create-instance');
    expect(await asked.stop()).toBe(0);
    // Without --module nor --toygres on a store without toygres instances: a usage error.
    const bareFresh = await durox(['worker', 'run', '--store', store]);
    expect(bareFresh.code).toBe(2);
    expect(bareFresh.stderr.split('\n')[0]).toBe(
      'error: --module is required: this store holds no toygres instances (pass --toygres to run only toygres)',
    );
    // Once the store holds a toygres instance (a queued start is enough), workers run toygres.
    const provider = await SqliteProvider.open(store);
    try {
      await new Client(provider).startOrchestration('toygres-system-pruner', 'toygres::system-pruner', {});
    } finally {
      await provider.close();
    }
    const [bare, withModule, declined] = await Promise.all([
      startWorker(['--store', store, '--json']),
      startWorker(['-m', TEST_MODULE, '--store', store]),
      startWorker(['-m', TEST_MODULE, '--no-toygres', '--store', store]),
    ]);
    expect(await bare.stop()).toBe(0);
    expect(await withModule.stop()).toBe(0);
    expect(await declined.stop()).toBe(0);
    const warnings = (w: { stderr: () => string }): string[] =>
      w
        .stderr()
        .split('\n')
        .filter((line) => line.startsWith('warning:'));
    expect(warnings(bare)).toEqual([
      'warning: no --module: this worker hosts no user code, only toygres (`durox instance …`); pass --module <file> to run your orchestrations and activities',
    ]);
    expect(bare.stderr()).toMatch(/durox worker started .*: \d+ orchestration\(s\) \[toygres::/);
    expect(warnings(withModule)).toEqual([
      'warning: this store holds toygres instances: this worker runs toygres too (--no-toygres to leave it out)',
    ]);
    expect(withModule.stderr()).toMatch(/durox worker started .*toygres::create-instance/);
    // --no-toygres: no toygres in what it runs and no warning. (It may still log a deferred
    // toygres turn: work it fetched while the other workers were not registered yet.)
    const declinedStart = declined
      .stderr()
      .split('\n')
      .find((line) => line.startsWith('durox worker started'));
    expect(declinedStart).toBeDefined();
    expect(declinedStart).not.toMatch(/toygres::/);
    expect(warnings(declined)).toEqual([]);
  });

  it('survives SIGTERM mid-activity: the activity is given back and completed once by another worker', async () => {
    const store = `sqlite:${join(dir, 'sigterm.db')}`;
    const markers = join(dir, 'markers');
    const env = { DUROX_TEST_MARKER_DIR: markers };
    const first = await startWorker(
      ['-m', TEST_MODULE, '--store', store, '--drain-timeout', '200ms', '--json'],
      {
        env,
      },
    );
    const started = await durox([
      'orch',
      'start',
      'Slow',
      '--id',
      'slow-1',
      '--input',
      '{"ms":3000}',
      '--store',
      store,
    ]);
    expect(started.code).toBe(0);
    const firstPid = String(first.child.pid);
    await eventually(() => existsSync(markers) && readdirSync(markers).includes(`slow-1-${firstPid}`));

    const code = await first.stop('SIGTERM');
    expect(code).toBe(0);
    expect(first.stderr()).toMatch(/SIGTERM: stopping; draining 1 activity in flight/);
    expect(first.stderr()).toMatch(/1 activity given back for another worker/);
    const summary = JSON.parse(first.stdout());
    expect(summary).toMatchObject({ stoppedBy: 'SIGTERM', activitiesReleased: 1, metricsPort: null });
    expect(summary.orchestrations).toContain('Slow@1.0.0');

    const second = await startWorker(['-m', TEST_MODULE, '--store', store, '--metrics-port', '0'], { env });
    const done = await durox(['orch', 'wait', 'slow-1', '--timeout', '20s', '--json', '--store', store]);
    expect(done.code, done.stderr).toBe(0);
    expect(done.json().output.first).toEqual({ pid: second.child.pid });
    expect(readdirSync(markers).sort()).toEqual([`slow-1-${firstPid}`, `slow-1-${second.child.pid}`].sort());

    const history = (await durox(['history', 'dump', 'slow-1', '--store', store])).json();
    const events = history.executions[0].events as {
      type: string;
      name?: string;
      event_id: number;
      source_event_id?: number;
    }[];
    const scheduled = events.filter((e) => e.type === 'ActivityScheduled' && e.name === 'SlowStep');
    expect(scheduled).toHaveLength(1);
    expect(
      events.filter((e) => e.type === 'ActivityCompleted' && e.source_event_id === scheduled[0]!.event_id),
    ).toHaveLength(1);

    // Metrics of the second worker.
    const port = /127\.0\.0\.1:(\d+)\/metrics/.exec(second.stderr())![1];
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(text).toMatch(/^# TYPE duroxide_orchestration_starts_total counter$/m);
    expect(text).toMatch(
      /^duroxide_orchestration_completions_total\{orchestration_name="Slow",version="1\.0\.0",status="success"\} 1$/m,
    );
    expect(text).toMatch(
      /^duroxide_activity_executions_total\{activity_name="SlowStep",outcome="success",tag="default"\} 1$/m,
    );
    expect(text).toMatch(
      /^duroxide_activity_duration_seconds_bucket\{le="\+Inf",activity_name="SlowStep",outcome="success",tag="default"\} 1$/m,
    );
    expect(text).toMatch(
      // Plain, eager or held: which ack commits a turn depends on the worker's idle slots.
      /^duroxide_provider_operation_duration_seconds_count\{operation="ack_(orchestration_item|orchestration_item_eager|held_turn)",status="success"\} \d+$/m,
    );
    expect(text).toMatch(/^duroxide_orchestrator_queue_depth 0$/m);
    expect(text).toMatch(/^duroxide_worker_queue_depth 0$/m);
    expect((await fetch(`http://127.0.0.1:${port}/nope`)).status).toBe(404);
    expect(await second.stop('SIGINT')).toBe(0);
  });

  it('rejects bad flags and modules before touching the store', async () => {
    const db = join(dir, 'never.db');
    const throws = join(dir, 'throws.mjs');
    const asyncOrchestration = join(dir, 'async.mjs');
    const empty = join(dir, 'empty.mjs');
    writeFileSync(throws, "throw new Error('kaboom');\n");
    writeFileSync(asyncOrchestration, 'export const orchestrations = { Bad: async () => 1 };\n');
    writeFileSync(empty, 'export const something = 1;\n');
    const store = `sqlite:${db}`;
    const results = await Promise.all([
      durox(['worker', 'run', '-m', throws, '--store', store]),
      durox(['worker', 'run', '-m', asyncOrchestration, '--store', store]),
      durox(['worker', 'run', '-m', empty, '--store', store]),
      durox(['worker', 'run', '-m', join(dir, 'missing.js'), '--store', store]),
      durox(['worker', 'run', '-m', TEST_MODULE, '--tag-mode', 'only', '--store', store]),
      durox(['worker', 'run', '-m', TEST_MODULE, '--tags', 'gpu,gpu', '--store', store]),
      durox(['worker', 'run', '-m', TEST_MODULE, '--tags', 'gpu', '--tag-mode', 'any', '--store', store]),
      durox(['worker', 'run', '-m', TEST_MODULE, '--drain-timeout', 'later', '--store', store]),
      durox(['worker', 'run', '--no-toygres', '--store', store]),
    ]);
    const firstLines = results.map((r) => r.stderr.split('\n')[0]);
    for (const r of results) {
      expect(r.code, r.stderr).toBe(2);
      expect(r.stdout).toBe('');
    }
    expect(firstLines[0]).toBe(`error: module ${throws}: failed to load: kaboom`);
    expect(firstLines[1]).toContain('orchestration "Bad" is an async function');
    expect(firstLines[2]).toContain('exports neither register(runtime) nor { orchestrations, activities }');
    expect(firstLines[3]).toContain('missing.js not found');
    expect(firstLines[4]).toBe('error: --tag-mode only needs --tags');
    expect(firstLines[5]).toContain('tags must be distinct');
    expect(firstLines[6]).toBe('error: --tag-mode any takes no --tags');
    expect(firstLines[7]).toContain('--drain-timeout "later" is not a duration');
    expect(firstLines[8]).toContain('--module is required with --no-toygres');
    expect(existsSync(db)).toBe(false);
  });
});
