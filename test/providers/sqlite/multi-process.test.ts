import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isDuroxError, type ProviderError } from '../../../src/core/errors.js';
import { externalItem, openProvider, rawConnection, startItem, tempDbPath } from './helpers.js';

const FIXTURE = fileURLToPath(new URL('../../fixtures/sqlite-hammer.mjs', import.meta.url));
const BUILT_PROVIDER = fileURLToPath(
  new URL('../../../dist/providers/sqlite/sqlite-provider.js', import.meta.url),
);

interface HammerReport {
  externals: string[];
  completions: string[];
  errors: string[];
}

function runHammer(path: string, index: number, messages: number, instances: number): Promise<HammerReport> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [
      FIXTURE,
      path,
      String(index),
      String(messages),
      String(instances),
    ]);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`hammer ${index} exited with ${code}: ${stderr}`));
      else resolve(JSON.parse(stdout) as HammerReport);
    });
  });
}

function expectEachOnce(values: string[], expected: Set<string>): void {
  expect(values.length).toBe(expected.size);
  expect(new Set(values)).toEqual(expected);
}

describe('several processes on one file', () => {
  it('migrate concurrently, and process every message exactly once without lock errors', async () => {
    if (!existsSync(BUILT_PROVIDER))
      throw new Error('dist/ is missing: run `npm run build` before this test');
    const path = tempDbPath();
    const PROCESSES = 3;
    const MESSAGES = 150;
    const INSTANCES = 6;
    const reports = await Promise.all(
      Array.from({ length: PROCESSES }, (_, index) => runHammer(path, index, MESSAGES, INSTANCES)),
    );

    expect(reports.flatMap((report) => report.errors)).toEqual([]);
    const sent = new Set<string>();
    for (let p = 0; p < PROCESSES; p++) {
      for (let m = 0; m < MESSAGES; m++) sent.add(JSON.stringify(`p${p}-m${m}`));
    }
    expectEachOnce(
      reports.flatMap((report) => report.externals),
      sent,
    );
    expectEachOnce(
      reports.flatMap((report) => report.completions),
      sent,
    );
    // Every process did some of the work.
    for (const report of reports)
      expect(report.externals.length + report.completions.length).toBeGreaterThan(0);

    // History agrees: each message recorded once as an event and once as a completion.
    const provider = await openProvider(path);
    const externals: string[] = [];
    const completions: string[] = [];
    for (let i = 0; i < INSTANCES; i++) {
      const history = await provider.readHistory(`inst-${i}`);
      history.forEach((event, index) => expect(event.event_id).toBe(index + 1));
      for (const event of history) {
        if (event.type === 'ExternalEvent') externals.push(event.data);
        if (event.type === 'ActivityCompleted') completions.push(event.result);
      }
    }
    expectEachOnce(externals, sent);
    expectEachOnce(completions, sent);
    const raw = rawConnection(path);
    for (const table of ['orchestrator_queue', 'worker_queue', 'instance_locks']) {
      expect(raw.prepare(`SELECT count(*) AS n FROM ${table}`).get()).toEqual({ n: 0 });
    }
  });
});

describe('lock contention in one process', () => {
  it('waits for another connection to release the write lock instead of failing', async () => {
    const path = tempDbPath();
    const provider = await openProvider(path);
    const blocker = rawConnection(path);
    blocker.exec('BEGIN IMMEDIATE');
    setTimeout(() => blocker.exec('COMMIT'), 300);
    const started = Date.now();
    await provider.enqueueOrchestratorWork(startItem('i1'));
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect((await provider.fetchOrchestrationItem(1000))?.instanceId).toBe('i1');
  });

  it('fails with a retryable ProviderError after busyTimeoutMs', async () => {
    const path = tempDbPath();
    const provider = await openProvider(path, { busyTimeoutMs: 150 });
    const blocker = rawConnection(path);
    blocker.exec('BEGIN IMMEDIATE');
    try {
      const error = await provider.enqueueOrchestratorWork(externalItem('i1')).catch((err: unknown) => err);
      expect(isDuroxError(error, 'PROVIDER')).toBe(true);
      expect((error as ProviderError).retryable).toBe(true);
      expect((error as ProviderError).operation).toBe('enqueueOrchestratorWork');
      expect((error as ProviderError).errorType).toBe('timeout');
    } finally {
      blocker.exec('ROLLBACK');
    }
    await provider.enqueueOrchestratorWork(externalItem('i1'));
  });
});
