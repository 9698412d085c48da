/**
 * An orchestration no running worker knows is reported at once: `start --wait` warns and its
 * timeout names the cause, `status` shows why nothing runs the instance.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { durox, startWorker, tempDir, TEST_MODULE } from './helpers.js';
import type { WorkerProcess } from './helpers.js';
import { eventually } from '../helpers/eventually.js';

const dir = tempDir();
const store = `sqlite:${join(dir, 'unknown.db')}`;
const run = (...args: string[]) => durox([...args, '--store', store]);
let worker: WorkerProcess;

beforeAll(async () => {
  worker = await startWorker(['--module', TEST_MODULE, '--store', store]);
});
afterAll(async () => {
  await worker?.stop();
});

describe('an orchestration no running worker knows', () => {
  it('start --wait warns early and its timeout names the unknown orchestration', async () => {
    const started = Date.now();
    const r = await run('orchestration', 'start', 'Waitr', '--id', 'typo-1', '--wait', '--timeout', '3s');
    expect(r.code).toBe(4);
    expect(r.stderr).toContain("warning: no running worker knows orchestration 'Waitr' (they run: ");
    expect(r.stderr).toMatch(/they run: [^)]*Waiter/);
    expect(r.stderr).toContain("hint: no running worker knows orchestration 'Waitr'");
    expect(r.stderr).not.toContain('check that a worker runs');
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it('names the version when the workers run the orchestration at other versions', async () => {
    const r = await run(
      'orchestration',
      'start',
      'Waiter',
      '--version',
      '9.9.9',
      '--wait',
      '--timeout',
      '2s',
      '--json',
    );
    expect(r.code).toBe(4);
    expect(r.stderr).toContain(
      "no running worker knows version 9.9.9 of orchestration 'Waiter' (they run 1.0.0)",
    );
  });

  it('a known orchestration gets no warning', async () => {
    const r = await run('orchestration', 'start', 'Fails', '--input', '1', '--wait', '--timeout', '20s');
    expect(r.code).toBe(1);
    expect(r.stderr).not.toContain('warning:');
  });

  it('status of a running instance says so once no worker runs', async () => {
    const r = await run('orchestration', 'start', 'Forever', '--id', 'left-behind', '--json');
    expect(r.code).toBe(0);
    const running = await eventually(
      async () => {
        const s = await run('orchestration', 'status', 'left-behind', '--json');
        return s.code === 0 && s;
      },
      { what: 'the status of left-behind', timeoutMs: 30_000 },
    );
    expect(running.json().warning).toBeUndefined();
    await worker.stop();
    const s = await run('orchestration', 'status', 'left-behind');
    expect(s.code).toBe(0);
    expect(s.stdout).toMatch(/warning:\s+no worker is running on this store/);
    const json = await run('orchestration', 'status', 'left-behind', '--json');
    expect(json.json()).toMatchObject({ status: 'Running', warning: 'no worker is running on this store' });
  });
});
