/**
 * `durox serve` end to end on PostgreSQL: the real server over HTTP on 127.0.0.1, a fresh schema
 * whose name needs quoting, and a runtime in the test process as the worker. A long-poll in
 * flight is answered when the instance ends (not at its timeout); status, list, history, events,
 * queue messages and cancellation go through the store; a token revoked through another
 * connection is refused by the next request; a malformed body writes no row.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../helpers/eventually.js';
import { body, startServer } from './helpers.js';
import type { ServerHarness } from './helpers.js';
import { openTokenStore } from '../../src/server/tokens/open.js';
import { createToken } from '../../src/server/tokens/token-store.js';

let h: ServerHarness;

beforeAll(async () => {
  h = await startServer({ store: 'postgres', withRuntime: true });
});
afterAll(async () => {
  await h.close();
});

const post = (path: string, data: unknown, scope: 'read' | 'write' | 'admin' | null = 'write') =>
  h.call(path, { method: 'POST', body: JSON.stringify(data), scope });

interface Instance {
  instanceId: string;
  orchestrationName: string;
  status: string;
  output?: unknown;
  failureDetails?: { message?: string };
  customStatus?: string;
  waitingOn?: unknown;
  timedOut?: boolean;
}

/** The instance's status, once `done` holds for it. */
function statusWhen(id: string, done: (i: Instance) => boolean, what: string): Promise<Instance> {
  return eventually(
    async () => {
      const i = await body<Instance>(await h.call(`/orchestrations/${id}`, { scope: 'read' }));
      return done(i) ? i : null;
    },
    { what, timeoutMs: 20_000, intervalMs: 50 },
  );
}

describe('orchestrations on PostgreSQL', () => {
  it('start → long-poll in flight → event and message → the wait answers with the output', async () => {
    const started = await post('/orchestrations', { name: 'Greeting', id: 'greet-1', input: 'ada' });
    expect(started.status).toBe(201);
    expect(await body(started)).toEqual({
      instanceId: 'greet-1',
      orchestrationName: 'Greeting',
      orchestrationVersion: null,
      status: 'Pending',
      input: 'ada',
    });
    // The long-poll starts while the instance still runs (it needs an event and a message).
    const waitStarted = Date.now();
    const wait = h.call('/orchestrations/greet-1/wait?timeoutMs=60000', { scope: 'read' });
    const waiting = await statusWhen(
      'greet-1',
      (i) => i.customStatus === 'waiting for approval',
      'the activity to run and the instance to wait for approval',
    );
    expect(waiting).toMatchObject({ status: 'Running' });
    expect(waiting.waitingOn).toBeDefined();

    expect(
      (await post('/orchestrations/greet-1/events', { name: 'approval', data: { by: 'bob' } })).status,
    ).toBe(202);
    expect((await post('/orchestrations/greet-1/queue', { queue: 'notes', data: 'ship it' })).status).toBe(
      202,
    );
    const answer = await wait;
    expect(answer.status).toBe(200);
    expect(await body(answer)).toMatchObject({
      instanceId: 'greet-1',
      status: 'Completed',
      output: { greeting: 'hello ada', approval: { by: 'bob' }, note: 'ship it' },
      timedOut: false,
    });
    // Answered when the instance ended, far from its 60 s timeout.
    expect(Date.now() - waitStarted).toBeLessThan(30_000);

    const status = await h.call('/orchestrations/greet-1', { scope: 'read' });
    expect(status.status).toBe(200);
    const info = await body<Instance>(status);
    expect(info).toMatchObject({
      status: 'Completed',
      orchestrationName: 'Greeting',
      output: { greeting: 'hello ada', approval: { by: 'bob' }, note: 'ship it' },
    });
    expect(info.waitingOn).toBeUndefined();
  });

  it('wait times out with the current status', async () => {
    await post('/orchestrations', { name: 'WaitEvent', id: 'idle-1' });
    const res = await h.call('/orchestrations/idle-1/wait?timeoutMs=300', { scope: 'read' });
    expect(res.status).toBe(200);
    expect(await body(res)).toMatchObject({ instanceId: 'idle-1', timedOut: true });
    const unknown = await h.call('/orchestrations/nope/wait?timeoutMs=100', { scope: 'read' });
    expect(unknown.status).toBe(404);
    expect((await body(unknown)).error).toMatchObject({ code: 'NOT_FOUND' });
  });

  it('lists with filters and paging', async () => {
    for (let i = 0; i < 3; i++) {
      expect((await post('/orchestrations', { name: 'Echo', id: `pg-page-${i}`, input: i })).status).toBe(
        201,
      );
    }
    for (let i = 0; i < 3; i++) {
      const waited = await h.call(`/orchestrations/pg-page-${i}/wait?timeoutMs=20000`, { scope: 'read' });
      expect(await body(waited)).toMatchObject({ status: 'Completed', output: i });
    }
    type Page = { items: Instance[]; total: number; limit: number; offset: number };
    const first = await body<Page>(
      await h.call('/orchestrations?idContains=pg-page-&limit=2&offset=0&order=asc&orderBy=instanceId', {
        scope: 'read',
      }),
    );
    expect(first).toMatchObject({ total: 3, limit: 2, offset: 0 });
    expect(first.items.map((i) => i.instanceId)).toEqual(['pg-page-0', 'pg-page-1']);
    expect(first.items[0]).toMatchObject({ status: 'Completed', output: 0 });
    const rest = await body<Page>(
      await h.call('/orchestrations?idContains=pg-page-&limit=2&offset=2&order=asc&orderBy=instanceId', {
        scope: 'read',
      }),
    );
    expect(rest.items.map((i) => i.instanceId)).toEqual(['pg-page-2']);
    const byName = await body<Page>(await h.call('/orchestrations?name=Greeting&status=Completed'));
    expect(byName.items.map((i) => i.instanceId)).toEqual(['greet-1']);
    const running = await body<Page>(await h.call('/orchestrations?status=Running&name=Echo'));
    expect(running.total).toBe(0);
  });

  it('gives the history in the dump format, with the activity, event and message', async () => {
    const res = await h.call('/orchestrations/greet-1/history?execution=all', { scope: 'read' });
    expect(res.status).toBe(200);
    const file = await body<{
      format: string;
      formatVersion: number;
      instance: { instanceId: string; status: string };
      executions: Array<{ executionId: number; status: string; events: Array<{ type: string }> }>;
    }>(res);
    expect(file).toMatchObject({
      format: 'durox-history',
      formatVersion: 1,
      instance: { instanceId: 'greet-1', status: 'Completed' },
    });
    expect(file.executions).toHaveLength(1);
    const types = file.executions[0]!.events.map((e) => e.type);
    expect(types[0]).toBe('OrchestrationStarted');
    expect(types).toEqual(
      expect.arrayContaining([
        'ActivityScheduled',
        'ActivityCompleted',
        'ExternalEvent',
        'QueueEventDelivered',
        'OrchestrationCompleted',
      ]),
    );
    expect(types.at(-1)).toBe('OrchestrationCompleted');
    expect((await h.call('/orchestrations/nope/history')).status).toBe(404);
    expect(await body(await h.call('/orchestrations/greet-1/tree'))).toEqual({
      instanceId: 'greet-1',
      orchestrationName: 'Greeting',
      orchestrationVersion: '1.0.0',
      status: 'Completed',
      children: [],
    });
  });

  it('cancels a running instance; a second cancel and an event for it are refused (409)', async () => {
    await post('/orchestrations', { name: 'WaitEvent', id: 'cancel-1' });
    await statusWhen('cancel-1', (i) => i.status === 'Running', 'the instance to run');
    const cancelled = await post('/orchestrations/cancel-1/cancel', { reason: 'customer left' });
    expect(cancelled.status).toBe(202);
    expect(await body(cancelled)).toEqual({ instanceId: 'cancel-1', accepted: true });
    const waited = await body<Instance>(
      await h.call('/orchestrations/cancel-1/wait?timeoutMs=20000', { scope: 'read' }),
    );
    expect(waited).toMatchObject({ status: 'Failed', timedOut: false });
    expect(JSON.stringify(waited.failureDetails)).toContain('customer left');
    const again = await post('/orchestrations/cancel-1/cancel', {});
    expect(again.status).toBe(409);
    expect((await body(again)).error).toMatchObject({ code: 'INSTANCE_ENDED' });
    const late = await post('/orchestrations/cancel-1/events', { name: 'go' });
    expect(late.status).toBe(409);
    const deleted = await h.call('/orchestrations/cancel-1', { method: 'DELETE' });
    expect(deleted.status).toBe(200);
    expect(await body(deleted)).toMatchObject({ instancesDeleted: 1 });
    expect((await h.call('/orchestrations/cancel-1')).status).toBe(404);
  });
});

describe('tokens on PostgreSQL', () => {
  it('a token revoked through another connection is refused by the next request', async () => {
    const created = (await createToken(h.tokens, 'pg-short-lived', 'write'))!;
    const headers = { authorization: `Bearer ${created.token}` };
    expect((await h.call('/orchestrations?limit=1', { scope: null, headers })).status).toBe(200);
    // What `durox token revoke` does: its own connection to the same schema.
    const other = await openTokenStore(h.dbUrl, h.schema);
    try {
      expect(await other.revoke('pg-short-lived', Date.now())).toMatchObject({ id: created.id });
    } finally {
      await other.close();
    }
    const refused = await h.call('/orchestrations?limit=1', { scope: null, headers });
    expect(refused.status).toBe(401);
    expect((await body(refused)).error).toMatchObject({ code: 'UNAUTHORIZED' });
    const start = await h.call('/orchestrations', {
      method: 'POST',
      scope: null,
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Echo', id: 'by-revoked' }),
    });
    expect(start.status).toBe(401);
    expect(await h.client.findInstance('by-revoked')).toBeNull();
  });
});

describe('bad requests on PostgreSQL', () => {
  it('a malformed or invalid body answers 400 and writes no row', async () => {
    await post('/orchestrations', { name: 'WaitEvent', id: 'target-1' });
    await statusWhen('target-1', (i) => i.status === 'Running', 'the instance to run');
    const before = await h.rowCounts();
    expect(before.instances).toBeGreaterThan(0);
    const raw = (path: string, text: string) => h.call(path, { method: 'POST', body: text, scope: 'write' });
    const bad: Array<[string, Promise<Response>]> = [
      ['truncated JSON', raw('/orchestrations', '{"name": "Echo", "id": "half"')],
      ['not JSON', raw('/orchestrations', 'name=Echo')],
      ['unknown field', post('/orchestrations', { name: 'Echo', id: 'extra', extra: true })],
      ['name missing', post('/orchestrations', { id: 'no-name' })],
      ['event: truncated JSON', raw('/orchestrations/target-1/events', '{"name":')],
      ['event: empty name', post('/orchestrations/target-1/events', { name: '' })],
      ['queue: no queue', post('/orchestrations/target-1/queue', { data: 1 })],
      ['cancel: unknown field', post('/orchestrations/target-1/cancel', { why: 'x' })],
    ];
    for (const [what, pending] of bad) {
      const res = await pending;
      expect(res.status, what).toBe(400);
      expect((await body(res)).error, what).toMatchObject({ code: 'INVALID_INPUT' });
    }
    expect(await h.rowCounts()).toEqual(before);
    expect((await h.client.getStatus('target-1')).status).toBe('Running');
  });
});
