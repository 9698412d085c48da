/**
 * The app's `stopping` signal: once aborted, a long-poll in flight answers 503 SHUTTING_DOWN at
 * once (with Retry-After) instead of holding the server's close up for its timeout, and its
 * client wait stops polling the store; new waits
 * answer the same; other routes still answer, each closing its connection; the close then
 * finishes in well under the long-poll's minute.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Client } from '../../src/index.js';
import type { OrchestrationStatus, WaitOptions } from '../../src/index.js';
import { eventually } from '../helpers/eventually.js';
import { body, startServer } from './helpers.js';
import type { ServerHarness } from './helpers.js';

/** A client that tells which waits have begun, and how each ended (once it has). */
class ObservedClient extends Client {
  readonly waiting = new Set<string>();
  readonly ended = new Map<string, { error: unknown } | { status: OrchestrationStatus }>();

  override waitForOrchestration(
    instanceId: string,
    timeoutMs?: number,
    options?: WaitOptions,
  ): Promise<OrchestrationStatus> {
    this.waiting.add(instanceId);
    const wait = super.waitForOrchestration(instanceId, timeoutMs, options);
    wait.then(
      (status) => this.ended.set(instanceId, { status }),
      (error: unknown) => this.ended.set(instanceId, { error }),
    );
    return wait;
  }
}

let h: ServerHarness;
let observed: ObservedClient;

beforeAll(async () => {
  h = await startServer({
    withRuntime: true,
    client: (provider) => (observed = new ObservedClient(provider)),
  });
});
afterAll(async () => {
  await h.close();
});

it('answers an open long-poll at once when the server starts stopping', async () => {
  const started = await h.call('/orchestrations', {
    method: 'POST',
    body: JSON.stringify({ name: 'WaitEvent', id: 'held' }),
  });
  expect(started.status).toBe(201);
  const wait = h.call('/orchestrations/held/wait?timeoutMs=60000', { scope: 'read' });
  await eventually(() => observed.waiting.has('held'), 'the long-poll to begin waiting');
  const aborted = Date.now();
  h.stopping.abort();
  const res = await wait;
  expect(Date.now() - aborted).toBeLessThan(2_000);
  // The client's wait got the signal too: it stopped polling the store (an AbortError) rather
  // than going on in the background until its 60 s timeout.
  const ended = await eventually(() => observed.ended.get('held'), 'the client wait to end');
  expect(ended).toMatchObject({ error: { name: 'AbortError' } });
  expect(res.status).toBe(503);
  expect(res.headers.get('retry-after')).toBe('1');
  expect(res.headers.get('connection')).toBe('close');
  expect(await body(res)).toEqual({
    error: {
      code: 'SHUTTING_DOWN',
      message: 'the server is shutting down: repeat the wait (on another server)',
    },
  });

  // A new long-poll is cut short too; other routes still answer, closing their connections.
  const again = await h.call('/orchestrations/held/wait?timeoutMs=60000', { scope: 'read' });
  expect(again.status).toBe(503);
  expect((await body(again)).error).toMatchObject({ code: 'SHUTTING_DOWN' });
  const status = await h.call('/orchestrations/held', { scope: 'read' });
  expect(status.status).toBe(200);
  expect(status.headers.get('connection')).toBe('close');
  expect(await body(status)).toMatchObject({ instanceId: 'held', status: 'Running' });
  expect(h.logs.find((l) => l.status === 503)).toMatchObject({
    code: 'SHUTTING_DOWN',
    path: '/orchestrations/held/wait',
  });

  // Nothing holds the close up.
  const closing = Date.now();
  await h.close();
  expect(Date.now() - closing).toBeLessThan(5_000);
});
