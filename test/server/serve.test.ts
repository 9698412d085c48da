/**
 * `durox serve` over real HTTP on 127.0.0.1 with a real SQLite store: every orchestration route's
 * success and error paths, auth and scopes, revocation, limits, the error format, request logs and
 * the OpenAPI document.
 */
import SwaggerParser from '@apidevtools/swagger-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../helpers/eventually.js';
import { body, secretOf, startServer } from './helpers.js';
import { answerMismatches } from './openapi-conformance.js';
import type { OpenApiDocument } from './openapi-conformance.js';
import type { ServerHarness } from './helpers.js';
import { createToken, verifyToken } from '../../src/server/tokens/token-store.js';

let h: ServerHarness;

beforeAll(async () => {
  h = await startServer({ withRuntime: true });
});
afterAll(async () => {
  await h.close();
});

const post = (path: string, data: unknown, scope: 'read' | 'write' | 'admin' | null = 'write') =>
  h.call(path, { method: 'POST', body: JSON.stringify(data), scope });

describe('orchestrations', () => {
  it('starts, waits for and reads an instance', async () => {
    const res = await post('/orchestrations', { name: 'Echo', id: 'echo-1', input: { a: 1 } });
    expect(res.status).toBe(201);
    expect(await body(res)).toEqual({
      instanceId: 'echo-1',
      orchestrationName: 'Echo',
      orchestrationVersion: null,
      status: 'Pending',
      input: { a: 1 },
    });
    const waited = await body(await h.call('/orchestrations/echo-1/wait?timeoutMs=10000', { scope: 'read' }));
    expect(waited).toMatchObject({
      instanceId: 'echo-1',
      status: 'Completed',
      output: { a: 1 },
      timedOut: false,
    });
    const got = await h.call('/orchestrations/echo-1', { scope: 'read' });
    expect(got.status).toBe(200);
    expect(await body(got)).toMatchObject({ status: 'Completed', output: { a: 1 } });
  });

  it('generates an id, refuses an existing one (409) and a bad body (400)', async () => {
    const res = await post('/orchestrations', { name: 'Echo' });
    expect(res.status).toBe(201);
    expect((await body(res)).instanceId).toMatch(/^Echo-[0-9a-f]{8}$/);
    await post('/orchestrations', { name: 'Echo', id: 'dup' });
    const dup = await post('/orchestrations', { name: 'Echo', id: 'dup' });
    expect(dup.status).toBe(409);
    expect((await body(dup)).error).toMatchObject({ code: 'INSTANCE_EXISTS' });
    for (const bad of [{}, { name: '' }, { name: 'Echo', id: 'a\u0001b' }, { name: 'Echo', extra: 1 }]) {
      const r = await post('/orchestrations', bad);
      expect(r.status).toBe(400);
      expect((await body(r)).error).toMatchObject({ code: 'INVALID_INPUT' });
    }
    const sys = await post('/orchestrations', { name: '__durox_syscall:schedule' });
    expect(sys.status).toBe(400);
  });

  it('raises an event, refuses one for an ended instance (409) or an unknown one (404)', async () => {
    await post('/orchestrations', { name: 'WaitEvent', id: 'we-1' });
    const raised = await post('/orchestrations/we-1/events', { name: 'go', data: 42 });
    expect(raised.status).toBe(202);
    const waited = await body(await h.call('/orchestrations/we-1/wait?timeoutMs=10000'));
    expect(waited).toMatchObject({ status: 'Completed', output: 42 });
    const ended = await post('/orchestrations/we-1/events', { name: 'go' });
    expect(ended.status).toBe(409);
    expect((await body(ended)).error).toMatchObject({ code: 'INSTANCE_ENDED' });
    const unknown = await post('/orchestrations/nope/events', { name: 'go' });
    expect(unknown.status).toBe(404);
    expect((await body(unknown)).error).toMatchObject({ code: 'NOT_FOUND' });
  });

  it('wait times out with the current status', async () => {
    await post('/orchestrations', { name: 'WaitEvent', id: 'we-2' });
    const res = await h.call('/orchestrations/we-2/wait?timeoutMs=200');
    expect(res.status).toBe(200);
    expect(await body(res)).toMatchObject({ instanceId: 'we-2', timedOut: true });
    expect((await h.call('/orchestrations/we-2/wait?timeoutMs=999999')).status).toBe(400);
  });

  it('enqueues, cancels and deletes', async () => {
    await post('/orchestrations', { name: 'WaitEvent', id: 'we-3' });
    expect((await post('/orchestrations/we-3/queue', { queue: 'q', data: 1 })).status).toBe(202);
    expect((await post('/orchestrations/we-3/cancel', { reason: 'test' })).status).toBe(202);
    const waited = await body(await h.call('/orchestrations/we-3/wait?timeoutMs=10000'));
    expect(waited).toMatchObject({ status: 'Failed' });
    expect((await post('/orchestrations/we-3/cancel', {})).status).toBe(409);
    const del = await h.call('/orchestrations/we-3', { method: 'DELETE', scope: 'write' });
    expect(del.status).toBe(200);
    expect(await body(del)).toMatchObject({ instancesDeleted: 1 });
    expect((await h.call('/orchestrations/we-3')).status).toBe(404);
    // A running instance needs force=true.
    await post('/orchestrations', { name: 'WaitEvent', id: 'we-4' });
    await h.call('/orchestrations/we-4/wait?timeoutMs=300');
    const running = await h.call('/orchestrations/we-4', { method: 'DELETE' });
    expect(running.status).toBe(409);
    expect((await body(running)).error).toMatchObject({ code: 'INSTANCE_STILL_RUNNING' });
    expect((await h.call('/orchestrations/we-4?force=true', { method: 'DELETE' })).status).toBe(200);
  });

  it('lists with filters and paging', async () => {
    for (let i = 0; i < 3; i++) await post('/orchestrations', { name: 'Echo', id: `page-${i}` });
    const res = await h.call('/orchestrations?idContains=page-&limit=2&offset=0&order=asc');
    expect(res.status).toBe(200);
    const page = await body<{ items: Array<{ instanceId: string }>; total: number; limit: number }>(res);
    expect(page.total).toBe(3);
    expect(page.items.map((i) => i.instanceId)).toEqual(['page-0', 'page-1']);
    const next = await body<{ items: Array<{ instanceId: string }> }>(
      await h.call('/orchestrations?idContains=page-&limit=2&offset=2&order=asc'),
    );
    expect(next.items.map((i) => i.instanceId)).toEqual(['page-2']);
    expect((await h.call('/orchestrations?status=Bogus')).status).toBe(400);
    expect((await h.call('/orchestrations?limit=0')).status).toBe(400);
  });

  it('gives the history in the dump format and the tree', async () => {
    const history = await h.call('/orchestrations/echo-1/history');
    expect(history.status).toBe(200);
    const file = await body<{ format: string; executions: Array<{ events: unknown[] }> }>(history);
    expect(file.format).toBe('durox-history');
    expect(file.executions[0]!.events.length).toBeGreaterThan(1);
    expect((await h.call('/orchestrations/nope/history')).status).toBe(404);
    const tree = await h.call('/orchestrations/echo-1/tree');
    expect(await body(tree)).toEqual({
      instanceId: 'echo-1',
      orchestrationName: 'Echo',
      orchestrationVersion: '1.0.0',
      status: 'Completed',
      children: [],
    });
  });
});

describe('auth', () => {
  it('401 without, with a malformed or unknown token; /health needs none', async () => {
    expect((await h.call('/health', { scope: null })).status).toBe(200);
    const none = await h.call('/orchestrations', { scope: null });
    expect(none.status).toBe(401);
    expect((await body(none)).error).toMatchObject({ code: 'UNAUTHORIZED' });
    for (const auth of ['Bearer nope', 'Basic abc', `Bearer ${h.token.read}x`, h.token.read]) {
      const r = await h.call('/orchestrations', { scope: null, headers: { authorization: auth } });
      expect(r.status).toBe(401);
    }
    // The right id with another secret.
    const forged = h.token.read.replace(/_[^_]+$/, `_${'A'.repeat(43)}`);
    expect(
      (await h.call('/orchestrations', { scope: null, headers: { authorization: `Bearer ${forged}` } }))
        .status,
    ).toBe(401);
  });

  it('a read token cannot start, cancel, delete or raise (403); nothing is written', async () => {
    const before = await h.client.countInstances();
    const start = await post('/orchestrations', { name: 'Echo', id: 'by-reader' }, 'read');
    expect(start.status).toBe(403);
    expect((await body(start)).error).toMatchObject({ code: 'FORBIDDEN' });
    expect((await post('/orchestrations/we-2/cancel', {}, 'read')).status).toBe(403);
    expect((await post('/orchestrations/we-2/events', { name: 'go' }, 'read')).status).toBe(403);
    expect((await h.call('/orchestrations/echo-1', { method: 'DELETE', scope: 'read' })).status).toBe(403);
    expect(await h.client.countInstances()).toBe(before);
    expect((await h.client.getStatus('we-2')).status).toBe('Running');
  });

  it('a revoked token is refused at once', async () => {
    const created = (await createToken(h.tokens, 'short-lived', 'write'))!;
    const headers = { authorization: `Bearer ${created.token}` };
    expect((await h.call('/orchestrations', { scope: null, headers })).status).toBe(200);
    expect(await h.tokens.revoke('short-lived', Date.now())).not.toBeNull();
    expect((await h.call('/orchestrations', { scope: null, headers })).status).toBe(401);
    expect(await verifyToken(h.tokens, created.token)).toBeNull();
  });

  it('stores no token text, only a salted hash', async () => {
    const rows = await h.tokens.list(true);
    for (const row of rows) {
      expect(row.hash.length).toBe(32);
      expect(row.salt.length).toBe(16);
    }
    const text = JSON.stringify(
      rows.map((r) => ({ ...r, salt: r.salt.toString('base64'), hash: r.hash.toString('hex') })),
    );
    for (const t of Object.values(h.token)) expect(text).not.toContain(secretOf(t));
  });
});

describe('limits and errors', () => {
  it('malformed JSON → 400 and oversized → 413, nothing written', async () => {
    const before = await h.client.countInstances();
    const bad = await h.call('/orchestrations', {
      method: 'POST',
      body: '{"name": "Echo", ',
      scope: 'write',
    });
    expect(bad.status).toBe(400);
    expect((await body(bad)).error).toMatchObject({ code: 'INVALID_INPUT' });
    const big = await h.call('/orchestrations', {
      method: 'POST',
      body: JSON.stringify({ name: 'Echo', id: 'big', input: 'x'.repeat(1024 * 1024 + 10) }),
      scope: 'write',
    });
    expect(big.status).toBe(413);
    expect((await body(big)).error).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    expect(await h.client.countInstances()).toBe(before);
    expect(await h.client.findInstance('big')).toBeNull();
  });

  it('unknown routes answer the error format', async () => {
    const res = await h.call('/nope');
    expect(res.status).toBe(404);
    expect(await body(res)).toEqual({ error: { code: 'ROUTE_NOT_FOUND', message: 'no route GET /nope' } });
  });

  it('logs one JSON line per request without secrets', async () => {
    await post('/orchestrations', { name: 'Echo', id: 'logged', input: { secret: 'hunter2-input' } });
    const line = h.logs.find((l) => l.method === 'POST' && l.status === 201);
    expect(line).toMatchObject({ msg: 'request', path: '/orchestrations', token: 't-write' });
    const all = JSON.stringify(h.logs);
    expect(all).not.toContain('hunter2-input');
    for (const t of Object.values(h.token)) expect(all).not.toContain(t);
    expect(all).not.toMatch(/authorization/i);
  });

  it('sends no CORS headers by default', async () => {
    const res = await h.call('/orchestrations', { headers: { origin: 'https://evil.example' } });
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('OpenAPI', () => {
  it('describes every answer exactly (no field missing or undocumented)', async () => {
    const doc = await body<OpenApiDocument>(await h.call('/openapi.json'));
    const problems: string[] = [];
    let checked = 0;
    const check = async (
      method: string,
      path: string,
      init: { data?: unknown; scope?: 'read' | 'write' | 'admin' | null } = {},
    ): Promise<{ status: number; json: Record<string, unknown> }> => {
      const res = await h.call(path, {
        method,
        scope: init.scope === undefined ? 'admin' : init.scope,
        ...(init.data === undefined ? {} : { body: JSON.stringify(init.data) }),
      });
      const json = (await res.json()) as Record<string, unknown>;
      problems.push(...answerMismatches(doc, method, path, res.status, json));
      checked++;
      return { status: res.status, json };
    };
    expect(
      (await check('POST', '/orchestrations', { data: { name: 'Greeting', id: 'doc-1', input: 'x' } }))
        .status,
    ).toBe(201);
    await eventually(
      async () => (await check('GET', '/orchestrations/doc-1')).json.customStatus === 'waiting for approval',
      'doc-1 to wait for approval',
    );
    const running = await check('GET', '/orchestrations/doc-1/wait?timeoutMs=50');
    expect(running.json).toMatchObject({ timedOut: true, waitingOn: { events: ['approval'], queues: [] } });
    expect(
      (await check('POST', '/orchestrations/doc-1/events', { data: { name: 'approval', data: 1 } })).status,
    ).toBe(202);
    expect(
      (await check('POST', '/orchestrations/doc-1/queue', { data: { queue: 'notes', data: [1] } })).status,
    ).toBe(202);
    expect((await check('GET', '/orchestrations/doc-1/wait?timeoutMs=10000')).json.status).toBe('Completed');
    await check('GET', '/orchestrations/doc-1/history?execution=all');
    await check('GET', '/orchestrations/doc-1/tree');
    await check('GET', '/orchestrations?limit=5');

    await check('POST', '/orchestrations', { data: { name: 'WaitEvent', id: 'doc-2' } });
    await eventually(
      async () => (await check('GET', '/orchestrations/doc-2')).json.status === 'Running',
      'doc-2 to run',
    );
    expect((await check('POST', '/orchestrations/doc-2/cancel', { data: { reason: 'doc' } })).status).toBe(
      202,
    );
    const failed = await check('GET', '/orchestrations/doc-2/wait?timeoutMs=10000');
    expect(failed.json).toMatchObject({ status: 'Failed', failureDetails: { category: 'application' } });
    const history = await check('GET', '/orchestrations/doc-2/history');
    expect(JSON.stringify(history.json)).toContain('OrchestrationFailed');
    expect((await check('DELETE', '/orchestrations/doc-2')).status).toBe(200);

    // Error answers, and the toygres routes on an empty metadata store.
    expect((await check('GET', '/orchestrations/nope')).status).toBe(404);
    expect((await check('POST', '/orchestrations', { data: {} })).status).toBe(400);
    expect((await check('POST', '/orchestrations/doc-1/events', { data: { name: 'late' } })).status).toBe(
      409,
    );
    expect((await check('GET', '/orchestrations', { scope: null })).status).toBe(401);
    expect((await check('POST', '/orchestrations', { data: { name: 'Echo' }, scope: 'read' })).status).toBe(
      403,
    );
    expect((await check('GET', '/instances')).json).toEqual({ items: [] });
    expect((await check('GET', '/instances/ghost')).status).toBe(404);
    expect((await check('GET', '/operations/create-ghost')).status).toBe(404);
    expect((await check('GET', '/health', { scope: null })).status).toBe(200);
    expect((await check('GET', '/openapi.json', { scope: 'read' })).json.paths).toHaveProperty(
      '/openapi.json',
    );
    expect(checked).toBeGreaterThan(20);
    expect(problems).toEqual([]);
  });

  it('lists 403 exactly on the routes a read token is refused', async () => {
    const doc = await body<OpenApiDocument>(await h.call('/openapi.json'));
    let refused = 0;
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const [method, route] of Object.entries(methods)) {
        const listed = '403' in route.responses;
        // Every token reads; writes need write, and a password needs admin.
        expect(listed, `${method} ${path}`).toBe(method !== 'get' || path.endsWith('/connection'));
        if (method === 'get') continue;
        const concrete = path.replace(/\{id\}/g, 'x').replace(/\{name\}/g, 'x');
        const res = await h.call(concrete, {
          scope: 'read',
          method: method.toUpperCase(),
          headers: { 'content-type': 'application/json' },
          ...(method === 'delete' ? {} : { body: '{}' }),
        });
        expect(res.status, `${method} ${path}`).toBe(403);
        refused++;
      }
    }
    expect(refused).toBeGreaterThanOrEqual(6);
  });

  it('is a valid OpenAPI 3 document', async () => {
    const doc = await body(await h.call('/openapi.json', { scope: 'read' }));
    expect(doc.openapi).toMatch(/^3\./);
    await SwaggerParser.validate(structuredClone(doc) as never);
  });

  it('no route but GET /health answers 2xx without a token', async () => {
    const doc = await body<{ paths: Record<string, Record<string, unknown>> }>(await h.call('/openapi.json'));
    const paths = Object.keys(doc.paths);
    expect(paths).toEqual(
      expect.arrayContaining([
        '/orchestrations',
        '/instances',
        '/operations/{id}',
        '/health',
        '/openapi.json',
      ]),
    );
    // This server has no metrics: the route is neither served nor described.
    expect(paths).not.toContain('/metrics');
    const metrics = await h.call('/metrics', { scope: 'read' });
    expect(metrics.status).toBe(404);
    expect((await body(metrics)).error).toMatchObject({ code: 'ROUTE_NOT_FOUND' });
    let checked = 0;
    for (const [path, methods] of Object.entries(doc.paths)) {
      const concrete = path.replace(/\{id\}/g, 'create-x').replace(/\{name\}/g, 'x');
      for (const method of Object.keys(methods)) {
        const res = await fetch(`${h.url}${concrete}`, {
          method: method.toUpperCase(),
          headers: { 'content-type': 'application/json' },
          ...(method === 'get' || method === 'delete' ? {} : { body: '{}' }),
        });
        checked++;
        if (path === '/health') expect(res.status).toBe(200);
        else expect(res.status, `${method} ${path}`).toBe(401);
      }
    }
    expect(checked).toBeGreaterThanOrEqual(18);
    for (const extra of ['/openapi.json', '/metrics'])
      expect((await fetch(`${h.url}${extra}`)).status).toBe(401);
  });
});
