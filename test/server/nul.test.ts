/**
 * NUL characters (U+0000) in a request — JSON strings and keys of every body, the path, the query —
 * answer 400 INVALID_INPUT naming where, before anything is written, on SQLite and on PostgreSQL
 * (whose text and jsonb columns cannot hold them: without the check, a 500 from the store).
 * Other control characters and non-ASCII text in payloads still go through.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../helpers/eventually.js';
import { body, startServer } from './helpers.js';
import type { ServerHarness, StoreKind } from './helpers.js';
import { findNul } from '../../src/server/nul-guard.js';

describe.each<StoreKind>(['sqlite', 'postgres'])('NUL characters on %s', (store) => {
  let h: ServerHarness;
  beforeAll(async () => {
    h = await startServer({ store, withRuntime: true });
    await h.call('/orchestrations', {
      method: 'POST',
      body: JSON.stringify({ name: 'WaitEvent', id: 'target' }),
    });
    // Its first turn is committed: from here on, only the requests below could write.
    await eventually(async () => (await h.client.getStatus('target')).status === 'Running', 'target to run');
  });
  afterAll(async () => {
    await h.close();
  });

  const send = (method: string, path: string, data?: unknown) =>
    h.call(path, { method, scope: 'admin', ...(data === undefined ? {} : { body: JSON.stringify(data) }) });

  it('refuses them in bodies, paths and queries (400, nothing written)', async () => {
    const before = await h.rowCounts();
    const cases: Array<[string, string, string, unknown, RegExp]> = [
      ['instance id', 'POST', '/orchestrations', { name: 'Echo', id: 'a\u0000b' }, /\(at id\)$/],
      ['orchestration name', 'POST', '/orchestrations', { name: 'Ec\u0000ho' }, /\(at name\)$/],
      [
        'version',
        'POST',
        '/orchestrations',
        { name: 'Echo', id: 'v', version: '1\u0000' },
        /\(at version\)$/,
      ],
      [
        'input string',
        'POST',
        '/orchestrations',
        { name: 'Echo', id: 'i1', input: '\u0000' },
        /\(at input\)$/,
      ],
      [
        'nested input',
        'POST',
        '/orchestrations',
        { name: 'Echo', id: 'i2', input: { items: [{ sku: 'ok' }, { sku: 'x\u0000y' }] } },
        /\(at input\.items\.1\.sku\)$/,
      ],
      [
        'input key',
        'POST',
        '/orchestrations',
        { name: 'Echo', id: 'i3', input: { 'k\u0000': 1 } },
        /\(at input\.k\\u0000\)$/,
      ],
      ['event name', 'POST', '/orchestrations/target/events', { name: 'g\u0000o' }, /\(at name\)$/],
      [
        'event data',
        'POST',
        '/orchestrations/target/events',
        { name: 'go', data: ['\u0000'] },
        /\(at data\.0\)$/,
      ],
      ['queue name', 'POST', '/orchestrations/target/queue', { queue: 'q\u0000', data: 1 }, /\(at queue\)$/],
      ['queue data', 'POST', '/orchestrations/target/queue', { queue: 'q', data: 'a\u0000' }, /\(at data\)$/],
      ['cancel reason', 'POST', '/orchestrations/target/cancel', { reason: 'why\u0000' }, /\(at reason\)$/],
      [
        'instance password',
        'POST',
        '/instances',
        { name: 'db', password: 'secret\u0000pw' },
        /\(at password\)$/,
      ],
      ['path', 'GET', '/orchestrations/a%00b', undefined, /^path: /],
      ['path (delete)', 'DELETE', '/orchestrations/a%00b', undefined, /^path: /],
      ['query value', 'GET', '/orchestrations?idContains=%00', undefined, /\(at idContains\)$/],
      ['query name', 'GET', '/orchestrations?a%00=1', undefined, /\(at a\\u0000\)$/],
    ];
    for (const [what, method, path, data, where] of cases) {
      const res = await send(method, path, data);
      expect(res.status, what).toBe(400);
      const { error } = await body<{ error: { code: string; message: string } }>(res);
      expect(error.code, what).toBe('INVALID_INPUT');
      expect(error.message, what).toContain('must not contain NUL characters (\\u0000)');
      expect(error.message, what).toMatch(where);
    }
    expect(await h.rowCounts()).toEqual(before);
    expect((await h.client.getStatus('target')).status).toBe('Running');
    expect(h.logs.filter((l) => l.status >= 500)).toEqual([]);
  });

  it('takes other control characters and non-ASCII text', async () => {
    const input = { text: 'tab\there \u0001 é 😀', 'clé\u0007': ['\u001f'] };
    const started = await send('POST', '/orchestrations', { name: 'Echo', id: 'unicode-1', input });
    expect(started.status).toBe(201);
    const waited = await send('GET', '/orchestrations/unicode-1/wait?timeoutMs=20000');
    expect(await body(waited)).toMatchObject({ status: 'Completed', output: input });
    const raised = await send('POST', '/orchestrations/target/events', { name: 'go', data: 'a\u0001b' });
    expect(raised.status).toBe(202);
    const done = await send('GET', '/orchestrations/target/wait?timeoutMs=20000');
    expect(await body(done)).toMatchObject({ status: 'Completed', output: 'a\u0001b' });
  });
});

describe('findNul', () => {
  it('names the first string or key holding a NUL, or gives null', () => {
    expect(findNul('\u0000')).toBe('');
    expect(findNul({ a: [1, 'x', { b: 'y\u0000' }] })).toBe('a.2.b');
    expect(findNul({ a: 'ok', 'b\u0000c': 1 })).toBe('b\\u0000c');
    expect(findNul([null, true, 1.5, { a: ['\u0001'] }])).toBeNull();
    expect(findNul(undefined)).toBeNull();
  });

  it('walks a deeply nested value without overflowing the stack', () => {
    let deep: unknown = 'end\u0000';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(findNul(deep)).toBe(Array.from({ length: 100_000 }, () => '0').join('.'));
  });
});
