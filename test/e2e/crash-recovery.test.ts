import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Client, SqliteProvider } from '../../src/index.js';
import { eventually } from '../helpers/eventually.js';
import { startWorker, stopWorker } from '../helpers/processes.js';

let provider: SqliteProvider | undefined;
afterEach(async () => {
  await provider?.close();
  provider = undefined;
});

describe('worker processes on one SQLite file', () => {
  it('completes an orchestration after its worker is killed with SIGKILL mid-activity, recording the activity once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'durox-crash-'));
    const dbPath = join(dir, 'durox.db');
    const markers = join(dir, 'markers');
    provider = await SqliteProvider.open(dbPath);
    const client = new Client(provider);

    const first = await startWorker(dbPath, {
      STEP_SLEEP_MS: '60000',
      MARKER_DIR: markers,
      WORKER_LOCK_MS: '1500',
    });
    await client.startOrchestration('crash-1', 'ThreeSteps');
    // Wait until the first activity is running inside the first worker, then kill it hard.
    await eventually(() => readdirSync(markers).some((f) => f.startsWith('crash-1-1-')), 15_000);
    await stopWorker(first, 'SIGKILL');

    await startWorker(dbPath, { STEP_SLEEP_MS: '0', MARKER_DIR: markers, WORKER_LOCK_MS: '1500' });
    const status = await client.waitForOrchestration('crash-1', 30_000);
    expect(status.status).toBe('Completed');

    const history = await provider.readHistory('crash-1');
    const step1 = history.filter((e) => e.type === 'ActivityScheduled' && e.input === '1');
    expect(step1).toHaveLength(1);
    const completions = history.filter(
      (e) => e.type === 'ActivityCompleted' && e.source_event_id === step1[0]!.event_id,
    );
    expect(completions).toHaveLength(1);
    expect(history.filter((e) => e.type === 'ActivityScheduled')).toHaveLength(3);
    expect(history.filter((e) => e.type === 'ActivityCompleted')).toHaveLength(3);
    // The activity body itself ran twice (at-least-once): once in the killed worker, once after.
    expect(readdirSync(markers).filter((f) => f.startsWith('crash-1-1-'))).toHaveLength(2);
  });

  it('shares 200 orchestrations between two worker processes with no duplicate in any history', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'durox-multi-'));
    const dbPath = join(dir, 'durox.db');
    provider = await SqliteProvider.open(dbPath);
    const client = new Client(provider);
    const workers = await Promise.all([
      startWorker(dbPath, { STEP_SLEEP_MS: '2' }),
      startWorker(dbPath, { STEP_SLEEP_MS: '2' }),
    ]);
    const ids = Array.from({ length: 200 }, (_, i) => `multi-${i}`);
    await Promise.all(ids.map((id) => client.startOrchestration(id, 'ThreeSteps')));

    const pids = new Set<number>();
    for (const id of ids) {
      const status = await client.waitForOrchestration(id, 60_000);
      expect(status.status).toBe('Completed');
      for (const r of status.output as { pid: number }[]) pids.add(r.pid);
      const history = await provider.readHistory(id);
      expect(history.map((e) => e.event_id)).toEqual(history.map((_, i) => i + 1));
      expect(history.filter((e) => e.type === 'ActivityScheduled')).toHaveLength(3);
      const sources = history.filter((e) => e.type === 'ActivityCompleted').map((e) => e.source_event_id);
      expect(new Set(sources).size).toBe(3);
      expect(sources).toHaveLength(3);
      expect(history.filter((e) => e.type === 'OrchestrationCompleted')).toHaveLength(1);
    }
    expect(pids.size).toBe(2);
    await Promise.all(workers.map((w) => stopWorker(w)));
  });
});
