/**
 * `durox orchestration …` end to end: one worker process on a temporary SQLite file, commands
 * spawned as the built binary; JSON shapes, exit codes and human output.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { durox, EXAMPLE_JS, startWorker, tempDir, TEST_MODULE } from './helpers.js';
import type { WorkerProcess } from './helpers.js';
import { eventually } from '../helpers/eventually.js';

const dir = tempDir();
const store = `sqlite:${join(dir, 'orch.db')}`;
const run = (...args: string[]) => durox([...args, '--store', store]);
let worker: WorkerProcess;

beforeAll(async () => {
  worker = await startWorker(['--module', EXAMPLE_JS, '--module', TEST_MODULE, '--store', store]);
});
afterAll(async () => {
  await worker?.stop();
});

describe('orchestration start / wait / status', () => {
  it('starts without waiting: Pending document with the generated id and the input', async () => {
    const r = await run('orchestration', 'start', 'Hello', '--input', '"Ada"', '--json');
    expect(r.code).toBe(0);
    const doc = r.json();
    expect(doc).toMatchObject({
      orchestrationName: 'Hello',
      orchestrationVersion: null,
      status: 'Pending',
      input: 'Ada',
    });
    expect(doc.instanceId).toMatch(/^Hello-[0-9a-f]{8}$/);

    const waited = await run('orch', 'wait', doc.instanceId, '--timeout', '10s', '--json');
    expect(waited.code).toBe(0);
    expect(waited.json()).toMatchObject({
      instanceId: doc.instanceId,
      status: 'Completed',
      output: 'Hello, Ada!',
    });
  });

  it('--wait reports Completed (exit 0) and Failed (exit 1, error on the document)', async () => {
    const [ok, failed] = await Promise.all([
      run('orch', 'start', 'Hello', '--id', 'hello-wait', '--input', '"Bob"', '--wait', '--json'),
      run(
        'orch',
        'start',
        'Fails',
        '--id',
        'fails-1',
        '--input',
        '"x"',
        '--wait',
        '--timeout',
        '10s',
        '--json',
      ),
    ]);
    expect(ok.code).toBe(0);
    expect(ok.json()).toMatchObject({
      instanceId: 'hello-wait',
      orchestrationName: 'Hello',
      orchestrationVersion: '1.0.0',
      status: 'Completed',
      output: 'Hello, Bob!',
    });
    expect(typeof ok.json().waitedMs).toBe('number');
    expect(failed.code).toBe(1);
    expect(failed.json()).toMatchObject({ instanceId: 'fails-1', status: 'Failed', error: 'boom: x' });
    expect(failed.json().failureDetails).toMatchObject({
      category: 'application',
      kind: 'OrchestrationFailed',
    });

    const human = await run('orchestration', 'wait', 'fails-1');
    expect(human.code).toBe(1);
    expect(human.stdout).toMatch(/status:\s+Failed/);
    expect(human.stdout).toContain('boom: x');
  });

  it('--input-file and --version pin a version; status shows it', async () => {
    const r = await durox(
      [
        'orch',
        'start',
        'Hello',
        '--id',
        'pinned',
        '--input-file',
        '-',
        '--version',
        '1.0.0',
        '--wait',
        '--timeout',
        '1h30m',
        '--store',
        store,
      ],
      { input: '"Cy"' },
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/status:\s+Completed/);
    // Durations are printed the way they are written (docs/cli.md); no progress line off a terminal.
    expect(r.stderr).toBe('started pinned; waiting up to 1h30m\n');
    const status = await run('orch', 'status', 'pinned', '--json');
    expect(status.code).toBe(0);
    expect(status.json()).toMatchObject({
      instanceId: 'pinned',
      orchestrationName: 'Hello',
      orchestrationVersion: '1.0.0',
      status: 'Completed',
      currentExecutionId: 1,
      output: 'Hello, Cy!',
    });
  });

  it('times out with exit 4 (and a JSON error document)', async () => {
    const r = await run(
      'orch',
      'start',
      'Forever',
      '--id',
      'forever-1',
      '--wait',
      '--timeout',
      '300ms',
      '--json',
    );
    expect(r.code).toBe(4);
    expect(r.json()).toEqual({ error: expect.objectContaining({ code: 'TIMEOUT', exitCode: 4 }) });
    expect(r.stderr).toMatch(/^error: timed out/m);
    const again = await run('orch', 'wait', 'forever-1', '--timeout', '200ms');
    expect(again.code).toBe(4);
  });

  it('rejects bad input before writing anything', async () => {
    const [badJson, bothInputs, exists, badTimeout, emptyName] = await Promise.all([
      run('orch', 'start', 'Hello', '--id', 'never-1', '--input', '{oops'),
      run('orch', 'start', 'Hello', '--input', '1', '--input-file', 'x.json'),
      run('orch', 'start', 'Hello', '--id', 'hello-wait'),
      run('orch', 'start', 'Hello', '--wait', '--timeout', 'soon'),
      run('orch', 'start', ''),
    ]);
    expect(badJson.code).toBe(2);
    expect(badJson.stdout).toBe('');
    expect(badJson.stderr.split('\n')[0]).toMatch(/^error: --input: not valid JSON/);
    expect(bothInputs.code).toBe(2);
    expect(exists.code).toBe(2);
    expect(exists.stderr).toContain("instance 'hello-wait' already exists (Completed)");
    expect(badTimeout.code).toBe(2);
    expect(badTimeout.stderr).toContain('--timeout "soon" is not a duration');
    expect(emptyName.code).toBe(2);
    const status = await run('orch', 'status', 'never-1', '--json');
    expect(status.code).toBe(3);
    expect(status.json().error).toMatchObject({ code: 'NOT_FOUND', message: "instance 'never-1' not found" });
  });

  it('unknown instances exit 3 everywhere, with one line and a hint on stderr', async () => {
    const results = await Promise.all([
      run('orch', 'status', 'ghost'),
      run('orch', 'wait', 'ghost'),
      run('orch', 'cancel', 'ghost'),
      run('orch', 'raise', 'ghost', 'go'),
      run('orch', 'enqueue', 'ghost', 'inbox'),
      run('orch', 'delete', 'ghost'),
      run('orch', 'tree', 'ghost'),
      run('orch', 'watch', 'ghost'),
    ]);
    for (const r of results) {
      expect(r.code).toBe(3);
      expect(r.stdout).toBe('');
      const lines = r.stderr.trim().split('\n');
      expect(lines[0]).toMatch(/^error: .*ghost.*not found/);
      expect(lines[1]).toMatch(/^hint: /);
      expect(lines).toHaveLength(2);
    }
  });
});

describe('orchestration raise / enqueue / cancel / delete / tree / list', () => {
  it('raise and enqueue deliver data to a waiting instance', async () => {
    await run('orch', 'start', 'Waiter', '--id', 'waiter-1');
    // The event must find a recorded subscription: wait for the custom status first.
    await eventually(
      async () => {
        const s = await run('orch', 'status', 'waiter-1', '--json');
        return s.code === 0 && s.json().customStatus === 'waiting';
      },
      { what: "waiter-1's custom status 'waiting'", timeoutMs: 30_000 },
    );
    const raised = await run('orch', 'raise', 'waiter-1', 'go', '--data', '{"n":1}', '--json');
    expect(raised.code).toBe(0);
    expect(raised.json()).toEqual({ instanceId: 'waiter-1', event: 'go', data: { n: 1 }, raised: true });
    const enqueued = await run('orch', 'enqueue', 'waiter-1', 'inbox', '--data', '"hi"', '--json');
    expect(enqueued.code).toBe(0);
    expect(enqueued.json()).toEqual({ instanceId: 'waiter-1', queue: 'inbox', data: 'hi', enqueued: true });
    const done = await run('orch', 'wait', 'waiter-1', '--json');
    expect(done.json()).toMatchObject({ status: 'Completed', output: { event: { n: 1 }, message: 'hi' } });

    const late = await run('orch', 'raise', 'waiter-1', 'go');
    expect(late.code).toBe(1);
    expect(late.stderr).toContain('already ended Completed');
    const badData = await run('orch', 'enqueue', 'waiter-1', 'inbox', '--data', 'nope');
    expect(badData.code).toBe(2);
  });

  it('cancel ends a running instance Failed; a second cancel exits 1', async () => {
    await run('orch', 'start', 'Forever', '--id', 'cancel-me');
    const s = await run('orch', 'wait', 'cancel-me', '--timeout', '100ms');
    expect(s.code).toBe(4);
    const cancelled = await run('orch', 'cancel', 'cancel-me', '--reason', 'test over', '--json');
    expect(cancelled.code).toBe(0);
    expect(cancelled.json()).toEqual({ instanceId: 'cancel-me', cancelRequested: true, reason: 'test over' });
    const ended = await run('orch', 'wait', 'cancel-me', '--json');
    expect(ended.code).toBe(1);
    expect(ended.json()).toMatchObject({ status: 'Failed', error: 'canceled: test over' });
    const again = await run('orch', 'cancel', 'cancel-me');
    expect(again.code).toBe(1);
  });

  it('tree shows sub-orchestrations; delete refuses children and running roots without --force', async () => {
    const parent = await run('orch', 'start', 'Parent', '--id', 'parent-1', '--wait', '--json');
    expect(parent.json()).toMatchObject({ status: 'Completed', output: { child: 'child done' } });
    const tree = await run('orch', 'tree', 'parent-1', '--json');
    expect(tree.code).toBe(0);
    expect(tree.json()).toEqual({
      rootId: 'parent-1',
      allIds: ['parent-1', 'parent-1::sub::2'],
      size: 2,
      tree: {
        instanceId: 'parent-1',
        orchestrationName: 'Parent',
        orchestrationVersion: '1.0.0',
        status: 'Completed',
        children: [
          {
            instanceId: 'parent-1::sub::2',
            orchestrationName: 'Child',
            orchestrationVersion: '1.0.0',
            status: 'Completed',
            children: [],
          },
        ],
      },
    });
    const human = await run('orch', 'tree', 'parent-1');
    expect(human.stdout).toContain('└─ parent-1::sub::2 Child 1.0.0 Completed');

    const child = await run('orch', 'delete', 'parent-1::sub::2');
    expect(child.code).toBe(2);
    expect(child.stderr).toContain('delete the root');
    const deleted = await run('orch', 'delete', 'parent-1', '--json');
    expect(deleted.code).toBe(0);
    expect(deleted.json()).toMatchObject({
      instanceId: 'parent-1',
      instancesDeleted: 2,
      executionsDeleted: 2,
    });
    expect(deleted.json().eventsDeleted).toBeGreaterThan(4);

    await run('orch', 'start', 'Forever', '--id', 'running-1');
    await run('orch', 'wait', 'running-1', '--timeout', '100ms');
    const refused = await run('orch', 'delete', 'running-1');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/hint: pass --force/);
    const forced = await run('orch', 'delete', 'running-1', '--force');
    expect(forced.code).toBe(0);
    expect(forced.stdout).toContain('deleted running-1: 1 instance(s)');
  });

  it('list filters by status and name, limits, and counts the total', async () => {
    const [all, failed, hello, limited] = await Promise.all([
      run('orch', 'list', '--json'),
      run('orchestration', 'list', '--status', 'Failed', '--json'),
      run('orch', 'list', '--name', 'Hello', '--json'),
      run('orch', 'list', '--limit', '1', '--json'),
    ]);
    expect(all.code).toBe(0);
    expect(all.json().total).toBe(all.json().instances.length);
    expect(failed.json().instances.map((i: { status: string }) => i.status)).toEqual(
      failed.json().instances.map(() => 'Failed'),
    );
    expect(failed.json().instances.map((i: { instanceId: string }) => i.instanceId)).toContain('fails-1');
    expect(
      hello.json().instances.every((i: { orchestrationName: string }) => i.orchestrationName === 'Hello'),
    ).toBe(true);
    expect(limited.json().instances).toHaveLength(1);
    expect(limited.json().total).toBe(all.json().total);
    expect(Object.keys(limited.json().instances[0]).sort()).toEqual(
      [
        'createdAt',
        'currentExecutionId',
        'customStatus',
        'instanceId',
        'orchestrationName',
        'orchestrationVersion',
        'parentInstanceId',
        'status',
        'updatedAt',
      ].sort(),
    );
    const human = await run('orch', 'list', '--limit', '1');
    expect(human.stdout.split('\n')[0]).toMatch(/^INSTANCE\s+ORCHESTRATION\s+VERSION\s+STATUS/);
    expect(human.stdout).toMatch(/1 of \d+ shown/);
    const bad = await run('orch', 'list', '--status', 'sleeping');
    expect(bad.code).toBe(2);
  });
});

describe('orchestration status: waiting on; orchestration watch', () => {
  it('status shows what a running instance waits on (block and --json); none once it ended', async () => {
    await run('orch', 'start', 'Waiter', '--id', 'waiting-1');
    const waiting = await eventually(
      async () => {
        const s = await run('orch', 'status', 'waiting-1', '--json');
        return s.code === 0 && s.json().waitingOn?.events?.length === 1 && s.json();
      },
      { what: 'waiting-1 to wait on its event', timeoutMs: 30_000 },
    );
    expect(waiting.waitingOn).toEqual({
      activities: [],
      timers: [],
      events: ['go'],
      queues: [],
      children: [],
    });
    const human = await run('orch', 'status', 'waiting-1');
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^waiting on:\n {2}event {5}go$/m);

    await run('orch', 'raise', 'waiting-1', 'go');
    await eventually(
      async () =>
        (await run('orch', 'status', 'waiting-1', '--json')).json().waitingOn?.queues?.[0] === 'inbox',
      { what: 'waiting-1 to wait on its queue', timeoutMs: 30_000 },
    );
    expect((await run('orch', 'status', 'waiting-1')).stdout).toMatch(/^waiting on:\n {2}queue {5}inbox$/m);
    await run('orch', 'enqueue', 'waiting-1', 'inbox', '--data', '1');
    await run('orch', 'wait', 'waiting-1');
    const ended = await run('orch', 'status', 'waiting-1', '--json');
    expect(ended.json().waitingOn).toBeUndefined();
    expect((await run('orch', 'status', 'waiting-1')).stdout).not.toContain('waiting on');
  });

  it('watch --json streams NDJSON lines as the instance runs and exits 0 when it completes', async () => {
    await run('orch', 'start', 'Waiter', '--id', 'watched-1');
    const watching = run('orch', 'watch', 'watched-1', '--json');
    await eventually(
      async () => (await run('orch', 'status', 'watched-1', '--json')).json().waitingOn?.events?.[0] === 'go',
      { what: 'watched-1 to wait on its event', timeoutMs: 30_000 },
    );
    await run('orch', 'raise', 'watched-1', 'go', '--data', '{"n":1}');
    await eventually(
      async () =>
        (await run('orch', 'status', 'watched-1', '--json')).json().waitingOn?.queues?.[0] === 'inbox',
      { what: 'watched-1 to wait on its queue', timeoutMs: 30_000 },
    );
    await run('orch', 'enqueue', 'watched-1', 'inbox', '--data', '"hi"');
    const r = await watching;
    expect(r.code).toBe(0);
    const lines = r.stdout
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines.map((l) => l.eventId)).toEqual(lines.map((_, i) => i + 1));
    expect(lines.every((l) => l.executionId === 1 && typeof l.timestampMs === 'number')).toBe(true);
    expect(lines[0]).toMatchObject({ kind: 'OrchestrationStarted' });
    expect(lines.find((l) => l.kind === 'ExternalEvent')).toMatchObject({
      data: '{"name":"go","data":{"n":1}}',
    });
    expect(lines.at(-1)).toMatchObject({
      executionId: 1,
      kind: 'OrchestrationCompleted',
      data: '{"event":{"n":1},"message":"hi"}',
    });

    const from = await run('orch', 'watch', 'watched-1', '--from-event', String(lines.length), '--json');
    expect(from.code).toBe(0);
    expect(
      from.stdout
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line).kind),
    ).toEqual(['OrchestrationCompleted']);
  });

  it('watch prints one line per event and exits 1 for a failed instance', async () => {
    await run('orch', 'start', 'Fails', '--id', 'watch-fails', '--input', '"w"', '--wait');
    const r = await run('orch', 'watch', 'watch-fails');
    expect(r.code).toBe(1);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(
      /^exec 1 #1 +\d\d:\d\d:\d\d\.\d{3} OrchestrationStarted {2}Fails 1\.0\.0 input="w"$/,
    );
    expect(lines.at(-1)).toMatch(/ OrchestrationFailed {2}✗ boom: w$/);
    const json = await run('orch', 'watch', 'watch-fails', '--json');
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout.trimEnd().split('\n').at(-1)!)).toMatchObject({
      kind: 'OrchestrationFailed',
    });
  });
});
