/**
 * A started instance exists at once (the built binary, no worker running): status, list,
 * raise, cancel and delete see it as Pending, a duplicate start exits 2, `wait` waits for it,
 * and bad instance ids exit 2 naming the argument or flag.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { durox, EXAMPLE_JS, startWorker, tempDir, TEST_MODULE } from './helpers.js';

const dir = tempDir();

/** A store of its own per test, so that "no worker has run it" holds. */
function storeRunner(name: string): (...args: string[]) => ReturnType<typeof durox> {
  const store = `sqlite:${join(dir, `${name}.db`)}`;
  return (...args: string[]) => durox([...args, '--store', store]);
}

describe('a started instance before any worker runs it', () => {
  it('is Pending in status and list, and a second start of its id exits 2', async () => {
    const run = storeRunner('visible');
    const started = await run('orch', 'start', 'Hello', '--id', 'order-1', '--input', '"Ada"');
    expect(started.code).toBe(0);
    expect(started.stdout).toBe('started order-1 (Hello)\n');

    const status = await run('orch', 'status', 'order-1', '--json');
    expect(status.code).toBe(0);
    expect(status.json()).toMatchObject({
      instanceId: 'order-1',
      orchestrationName: 'Hello',
      orchestrationVersion: null,
      status: 'Pending',
    });
    const human = await run('orch', 'status', 'order-1');
    expect(human.stdout).toMatch(/^status: +Pending$/m);

    const list = await run('orch', 'list', '--status', 'pending', '--json');
    expect(list.code).toBe(0);
    expect(list.json()).toMatchObject({
      total: 1,
      instances: [{ instanceId: 'order-1', status: 'Pending' }],
    });
    expect((await run('orch', 'list')).stdout).toMatch(/^order-1 +Hello +- +Pending +1 /m);

    const again = await run('orch', 'start', 'Hello', '--id', 'order-1', '--input', '"Bob"');
    expect(again.code).toBe(2);
    expect(again.stdout).toBe('');
    expect(again.stderr.split('\n')[0]).toBe("error: instance 'order-1' already exists (Pending)");
    const againJson = await run('orch', 'start', 'Other', '--id', 'order-1', '--json');
    expect(againJson.code).toBe(2);
    expect(againJson.json().error).toMatchObject({ code: 'INSTANCE_EXISTS' });

    // The refused starts changed nothing: a worker runs the first one.
    const worker = await startWorker([
      '--module',
      EXAMPLE_JS,
      '--module',
      TEST_MODULE,
      '--store',
      `sqlite:${join(dir, 'visible.db')}`,
    ]);
    try {
      const waited = await run('orch', 'wait', 'order-1', '--timeout', '20s', '--json');
      expect(waited.code).toBe(0);
      expect(waited.json()).toMatchObject({ status: 'Completed', output: 'Hello, Ada!' });
    } finally {
      await worker.stop();
    }
  });

  it('takes events and a cancellation, and is deleted without --force', async () => {
    const run = storeRunner('manage');
    expect((await run('orch', 'start', 'Hello', '--id', 'order-2')).code).toBe(0);
    const raised = await run('orch', 'raise', 'order-2', 'approval', '--data', '{"by":"alice"}');
    expect(raised.code).toBe(0);
    const enqueued = await run('orch', 'enqueue', 'order-2', 'inbox', '--data', '1');
    expect(enqueued.code).toBe(0);
    const cancelled = await run('orch', 'cancel', 'order-2', '--json');
    expect(cancelled.code).toBe(0);
    expect(cancelled.json()).toMatchObject({ instanceId: 'order-2', cancelRequested: true });

    const deleted = await run('orch', 'delete', 'order-2', '--json');
    expect(deleted.code).toBe(0);
    expect(deleted.json()).toEqual({
      instanceId: 'order-2',
      instancesDeleted: 1,
      executionsDeleted: 0,
      eventsDeleted: 0,
      queueMessagesDeleted: 4,
    });
    expect((await run('orch', 'status', 'order-2')).code).toBe(3);
    expect((await run('orch', 'start', 'Hello', '--id', 'order-2')).code).toBe(0);
  });

  it('has no history to dump yet (exit 3, saying why)', async () => {
    const run = storeRunner('history');
    await run('orch', 'start', 'Hello', '--id', 'order-3');
    const dump = await run('history', 'dump', 'order-3');
    expect(dump.code).toBe(3);
    expect(dump.stderr.split('\n')[0]).toBe("error: instance 'order-3' has no history yet: it is Pending");
  });

  it('is waited for by `orch wait` until a worker runs it', async () => {
    const run = storeRunner('wait');
    await run('orch', 'start', 'Hello', '--id', 'order-4', '--input', '"Cy"');
    const waiting = run('orch', 'wait', 'order-4', '--timeout', '30s', '--json');
    const worker = await startWorker([
      '--module',
      EXAMPLE_JS,
      '--module',
      TEST_MODULE,
      '--store',
      `sqlite:${join(dir, 'wait.db')}`,
    ]);
    try {
      const waited = await waiting;
      expect(waited.code).toBe(0);
      expect(waited.json()).toMatchObject({
        instanceId: 'order-4',
        status: 'Completed',
        output: 'Hello, Cy!',
      });
    } finally {
      await worker.stop();
    }
  });
});

describe('bad instance ids', () => {
  it('exit 2 with one line naming the argument or flag, and write nothing', async () => {
    const run = storeRunner('bad-ids');
    const cases: [string[], RegExp][] = [
      [['orch', 'start', 'Hello', '--id', '   '], /^error: --id: must not be only whitespace$/],
      [['orch', 'start', 'Hello', '--id', ''], /^error: --id: must not be empty$/],
      [['orch', 'start', 'Hello', '--id', 'a\tb'], /^error: --id: must not contain control characters$/],
      [['orch', 'status', ' '], /^error: instance id: must not be only whitespace$/],
      [['orch', 'raise', '', 'go'], /^error: instance id: must not be empty$/],
      [['orch', 'enqueue', '\t', 'inbox'], /^error: instance id: must not be only whitespace$/],
      [['orch', 'cancel', 'x\u0007'], /^error: instance id: must not contain control characters$/],
      [['orch', 'delete', '  '], /^error: instance id: must not be only whitespace$/],
      [['orch', 'wait', ''], /^error: instance id: must not be empty$/],
    ];
    // One after the other: many binaries at once on a busy machine run into the spawn timeout.
    for (const [args, message] of cases) {
      const r = await run(...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.split('\n')[0]).toMatch(message);
    }
    const list = await run('orch', 'list', '--json');
    expect(list.json()).toMatchObject({ total: 0 });
  });
});
