/**
 * Two worker processes on one SQLite file run one schedule (every second, real time): each
 * scheduled time is started exactly once, with no gaps.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Client, SqliteProvider } from '../../src/index.js';
import { startWorker, stopWorker } from '../helpers/processes.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('a schedule on two worker processes', () => {
  it('starts every second once, never twice', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'durox-schedule-2w-'));
    dirs.push(dir);
    const dbPath = join(dir, 'durox.db');
    const provider = await SqliteProvider.open(dbPath);
    const client = new Client(provider);
    const workers = await Promise.all([1, 2].map(() => startWorker(dbPath)));
    try {
      await client.createSchedule({
        id: 'tick',
        cron: '* * * * * *',
        orchestration: 'ThreeSteps',
        overlap: 'allow-all',
      });
      await new Promise((r) => setTimeout(r, 6000));
      await client.pauseSchedule('tick');
      await new Promise((r) => setTimeout(r, 500));

      const chained: string[] = [];
      for (const execution of await client.listExecutions('schedule:tick')) {
        for (const event of await client.readExecutionHistory('schedule:tick', execution)) {
          if (event.kind === 'OrchestrationChained')
            chained.push((JSON.parse(event.data!) as { instance: string }).instance);
        }
      }
      expect(new Set(chained).size).toBe(chained.length);

      const ids = (
        await client.listInstances({
          orchestrationName: 'ThreeSteps',
          orderBy: 'instanceId',
          descending: false,
        })
      ).map((i) => i.instanceId);
      expect(ids.length).toBeGreaterThanOrEqual(4);
      const times = ids.map((id) => Date.parse(id.slice('tick@'.length)));
      // Consecutive seconds: none skipped, none doubled.
      times.forEach((t, i) => i === 0 || expect(t - times[i - 1]!).toBe(1000));
      for (const id of ids) {
        const status = await client.waitForOrchestration(id, 20_000);
        expect(status.status).toBe('Completed');
        const history = await provider.readHistory(id);
        expect(history.filter((e) => e.type === 'OrchestrationStarted')).toHaveLength(1);
      }
      await client.deleteSchedule('tick');
    } finally {
      await Promise.all(workers.map((w) => stopWorker(w)));
      await provider.close();
    }
  }, 60_000);
});
