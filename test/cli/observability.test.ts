/**
 * Observability of a real `durox worker run`: `/metrics` (prom-client exposition) parses and
 * holds the duroxide-named series with their labels and counts after a few orchestrations and
 * activities, one failing; `--log-format json` writes one JSON object per stderr line with the
 * documented fields, for orchestration and activity logs and the worker's own lines.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { durox, startWorker, tempDir } from './helpers.js';
import { parseExposition } from '../helpers/prometheus.js';

const dir = tempDir();
const MODULE = fileURLToPath(new URL('./fixtures/observed-workflows.mjs', import.meta.url));

interface LogLine {
  time: string;
  level: string;
  target: string;
  message: string;
  name?: string;
  version?: string;
  instanceId?: string;
  executionId?: number;
  activityId?: number;
  workerId?: string;
  traceId?: string;
}

describe('worker run observability', () => {
  it('serves parseable metrics with duroxide names and labels, and logs JSON lines with --log-format json', async () => {
    const store = `sqlite:${join(dir, 'observed.db')}`;
    const worker = await startWorker([
      '-m',
      MODULE,
      '--store',
      store,
      '--metrics-port',
      '0',
      '--log-format',
      'json',
      '--log-level',
      'info',
    ]);
    const starts = await Promise.all(
      [
        ['t-1', '{"who":"ada"}'],
        ['t-2', '{"who":"bob"}'],
        ['t-3', '{"who":"cy","fail":true}'],
      ].map(([id, input]) =>
        durox([
          'orch',
          'start',
          'Traced',
          '--id',
          id!,
          '--input',
          input!,
          '--wait',
          '--store',
          store,
          '--json',
        ]),
      ),
    );
    for (const run of starts) {
      expect(run.code, run.stderr).toBe(0);
      expect(run.json().status).toBe('Completed');
    }

    const port = /127\.0\.0\.1:(\d+)\/metrics/.exec(worker.stderr())![1];
    const response = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const m = parseExposition(await response.text());
    expect(m.samples('duroxide_activity_executions_total')).toEqual(
      expect.arrayContaining([
        { value: '3', labels: { activity_name: 'Echo', outcome: 'success', tag: 'default' } },
        { value: '1', labels: { activity_name: 'Flaky', outcome: 'app_error', tag: 'default' } },
      ]),
    );
    expect(
      m.histogramCount('duroxide_activity_duration_seconds', {
        activity_name: 'Flaky',
        outcome: 'app_error',
        tag: 'default',
      }),
    ).toBe(1);
    expect(m.samples('duroxide_orchestration_starts_total')).toEqual([
      { value: '3', labels: { orchestration_name: 'Traced', version: '1.0.0', initiated_by: 'client' } },
    ]);
    expect(m.samples('duroxide_orchestration_completions_total')).toEqual([
      { value: '3', labels: { orchestration_name: 'Traced', version: '1.0.0', status: 'success' } },
    ]);
    // Three turns for t-1 and t-2 (start, after Echo… completed), four for t-3.
    expect(
      m.histogramCount('durox_orchestration_turn_duration_seconds', {
        orchestration_name: 'Traced',
        version: '1.0.0',
        outcome: 'completed',
      }),
    ).toBe(3);
    // A turn commits plainly, eagerly (with its activities) or held (with an activity result).
    const turnCommits = ['ack_orchestration_item', 'ack_orchestration_item_eager', 'ack_held_turn'].map(
      (operation) =>
        m.histogramCount('duroxide_provider_operation_duration_seconds', { operation, status: 'success' }) ??
        0,
    );
    expect(turnCommits.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(7);
    expect(m.samples('duroxide_orchestrator_queue_depth')).toEqual([{ value: '0' }]);
    expect(m.samples('duroxide_worker_queue_depth')).toEqual([{ value: '0' }]);
    expect(m.samples('durox_workers')).toEqual([{ value: '1' }]);
    expect(m.samples('durox_store_up')).toEqual([{ value: '1' }]);
    expect(m.family('nodejs_eventloop_lag_seconds').type).toBe('GAUGE');
    expect(m.family('process_resident_memory_bytes').type).toBe('GAUGE');

    expect(await worker.stop('SIGTERM')).toBe(0);
    const lines = worker
      .stderr()
      .split('\n')
      .filter((line) => line !== '');
    const records = lines.map((line) => JSON.parse(line) as LogLine);
    for (const record of records) {
      expect(Object.keys(record).slice(0, 4)).toEqual(['time', 'level', 'target', 'message']);
      expect(Number.isNaN(Date.parse(record.time))).toBe(false);
    }
    const orchestrationLog = records.find((r) => r.message === 'orchestration says hi to ada');
    expect(orchestrationLog).toEqual({
      time: expect.any(String),
      level: 'info',
      target: 'orchestration',
      message: 'orchestration says hi to ada',
      name: 'Traced',
      version: '1.0.0',
      instanceId: 't-1',
      executionId: 1,
    });
    const activityLog = records.find((r) => r.message === 'activity says hi to bob');
    expect(activityLog).toEqual({
      time: expect.any(String),
      level: 'info',
      target: 'activity',
      message: 'activity says hi to bob',
      name: 'Echo',
      instanceId: 't-2',
      executionId: 1,
      activityId: expect.any(Number),
      workerId: expect.stringMatching(/^work-\d+-/),
    });
    expect(records.find((r) => r.message === 'activity failed')).toMatchObject({
      level: 'warn',
      target: 'runtime',
      name: 'Flaky',
      instanceId: 't-3',
    });
    expect(records.find((r) => r.message.startsWith('durox worker started'))).toMatchObject({
      level: 'info',
      target: 'worker',
    });
    expect(records.some((r) => r.message.startsWith('durox worker stopped'))).toBe(true);
    // No OpenTelemetry span is active in this worker: no traceId.
    expect(records.some((r) => r.traceId !== undefined)).toBe(false);
  });
});
