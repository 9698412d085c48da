/**
 * `durox metrics` reports the live workers of the store and the orchestrations of waiting
 * instances that no running worker knows (a typo'd name here).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { durox, startWorker, tempDir } from './helpers.js';
import type { WorkerProcess } from './helpers.js';

const dir = tempDir();
const store = `sqlite:${join(dir, 'workers.db')}`;
const run = (...args: string[]) => durox([...args, '--store', store]);
const MODULE = join(dir, 'hello.mjs');
let worker: WorkerProcess;

beforeAll(async () => {
  writeFileSync(
    MODULE,
    [
      'export const orchestrations = {',
      "  Hello: function* (ctx, name) { return yield ctx.scheduleActivity('Greet', name); },",
      '};',
      'export const activities = { Greet: async (_ctx, name) => `hello ${name}` };',
      '',
    ].join('\n'),
  );
  worker = await startWorker(['--module', MODULE, '--store', store]);
  const typo = await run('orchestration', 'start', 'Helo', '--id', 'typo-1', '--input', '"ann"', '--json');
  expect(typo.code).toBe(0);
});
afterAll(async () => {
  await worker?.stop();
});

describe('metrics: workers', () => {
  it('--json lists the live worker with what it runs and reports the unknown orchestration', async () => {
    const r = await run('metrics', '--json');
    expect(r.code).toBe(0);
    const { workers } = r.json();
    expect(workers).toEqual({
      live: 1,
      registrations: [
        {
          workerId: expect.any(String),
          // `worker run` also hosts the toygres orchestrations and activities.
          orchestrations: expect.objectContaining({ Hello: [expect.any(String)] }),
          activities: expect.arrayContaining(['Greet']),
          registeredAt: expect.any(Number),
          heartbeatAt: expect.any(Number),
          expiresAt: expect.any(Number),
        },
      ],
      unknownOrchestrations: [{ name: 'Helo', version: null, instances: 1 }],
      complete: true,
    });
    expect(workers.registrations[0].expiresAt).toBeGreaterThan(Date.now());
  });

  it('prints a workers section and names what no running worker knows', async () => {
    const r = await run('metrics');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^workers:\s+1 live$/m);
    expect(r.stdout).toMatch(/^ {2}\S+:\s+expires in \d+s$/m);
    expect(r.stdout).toMatch(/^ {4}orchestrations:\s+(\S+, )*Hello@1\.0\.0(, |$)/m);
    expect(r.stdout).toMatch(/^ {4}activities:\s+(\S+, )*Greet(, |$)/m);
    expect(r.stdout).toMatch(/^no running worker knows:\s+Helo \(1 instance\)$/m);
  });

  it('a known orchestration is not reported', async () => {
    const done = await run('orchestration', 'start', 'Hello', '--input', '"bo"', '--wait', '--json');
    expect(done.json()).toMatchObject({ status: 'Completed', output: 'hello bo' });
    const lines = await run('metrics', '--watch', '--interval', '100ms', '--count', '1');
    expect(lines.stdout).toMatch(/ workers=1 unknown_orchestrations=Helo:1$/m);
    const r = await run('metrics', '--json');
    expect(r.json().workers.unknownOrchestrations).toEqual([{ name: 'Helo', version: null, instances: 1 }]);
  });
});
