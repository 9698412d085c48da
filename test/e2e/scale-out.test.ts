import { afterEach, describe, expect, it } from 'vitest';
import { Client } from '../../src/index.js';
import type { PostgresProvider } from '../../src/index.js';
import { createTestSchema, openPostgresProvider, pgUrl } from '../helpers/postgres.js';
import { eventually } from '../helpers/eventually.js';
import { startWorker, stopWorker } from '../helpers/processes.js';

let provider: PostgresProvider | undefined;
afterEach(() => {
  provider = undefined;
});

describe('scale-out: worker processes sharing one PostgreSQL schema', () => {
  it('completes 300 orchestrations across 3 workers while one is killed with SIGKILL', async () => {
    const schema = createTestSchema();
    provider = await openPostgresProvider(schema);
    const client = new Client(provider);
    const env = { DUROX_SCHEMA: schema, STEP_SLEEP_MS: '5', WORKER_LOCK_MS: '1500' };
    const workers = await Promise.all([1, 2, 3].map(() => startWorker(pgUrl(), env)));

    const ids = Array.from({ length: 300 }, (_, i) => `scale-${i}`);
    await Promise.all(ids.map((id) => client.startOrchestration(id, 'ThreeSteps')));
    // Kill one worker hard once work is flowing.
    await eventually(async () => (await client.getSystemMetrics()).completedInstances >= 30, {
      what: '30 completed orchestrations',
      timeoutMs: 60_000,
    });
    await stopWorker(workers[0]!, 'SIGKILL');

    const pids = new Set<number>();
    for (const id of ids) {
      const status = await client.waitForOrchestration(id, 90_000);
      expect(status.status).toBe('Completed');
      for (const step of status.output as { pid: number }[]) pids.add(step.pid);
      const history = await provider.readHistory(id);
      expect(history.map((e) => e.event_id)).toEqual(history.map((_, i) => i + 1));
      const scheduled = history.filter((e) => e.type === 'ActivityScheduled');
      const completed = history.filter((e) => e.type === 'ActivityCompleted').map((e) => e.source_event_id);
      expect(scheduled).toHaveLength(3);
      expect(completed).toHaveLength(3);
      expect(new Set(completed).size).toBe(3);
      expect(history.filter((e) => e.type === 'OrchestrationCompleted')).toHaveLength(1);
    }
    expect(pids.size).toBeGreaterThan(1);
    await Promise.all(workers.slice(1).map((w) => stopWorker(w)));
  }, 180_000);
});
