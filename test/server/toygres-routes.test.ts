/**
 * The toygres routes over HTTP on a real SQLite store, without starting PostgreSQL: the
 * control plane's validation, NOT_FOUND paths, operation ids and scope rules (write to create
 * or delete, admin to see a password).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { body, startServer } from './helpers.js';
import type { ServerHarness } from './helpers.js';

let h: ServerHarness;

beforeAll(async () => {
  h = await startServer();
});
afterAll(async () => {
  await h.close();
});

describe('toygres routes', () => {
  it('validates create bodies like the CLI (400), nothing written', async () => {
    for (const bad of [
      {},
      { name: 'Bad_Name' },
      { name: 'ok-name', password: 'short' },
      { name: 'ok-name', storageGb: 0 },
      { name: 'ok-name', platform: 'moon' },
      { name: 'ok-name', unknown: true },
    ]) {
      const res = await h.call('/instances', { method: 'POST', body: JSON.stringify(bad), scope: 'write' });
      expect(res.status, JSON.stringify(bad)).toBe(400);
      expect((await body(res)).error).toMatchObject({ code: 'INVALID_INPUT' });
    }
    expect(await body(await h.call('/instances', { scope: 'read' }))).toEqual({ items: [] });
    expect(await h.client.countInstances()).toBe(0);
  });

  it('a read token cannot create or delete (403)', async () => {
    const create = await h.call('/instances', {
      method: 'POST',
      body: JSON.stringify({ name: 'by-reader' }),
      scope: 'read',
    });
    expect(create.status).toBe(403);
    expect((await h.call('/instances/by-reader', { method: 'DELETE', scope: 'read' })).status).toBe(403);
    expect(await h.client.countInstances()).toBe(0);
  });

  it('unknown instances and operations are 404; malformed ids 400', async () => {
    for (const path of ['/instances/nope', '/instances/nope/health', '/instances/nope/connection']) {
      const res = await h.call(path, { scope: 'read' });
      expect(res.status, path).toBe(404);
      expect((await body(res)).error).toMatchObject({ code: 'NOT_FOUND' });
    }
    expect((await h.call('/instances/nope', { method: 'DELETE', scope: 'write' })).status).toBe(404);
    expect((await h.call('/operations/create-nope', { scope: 'read' })).status).toBe(404);
    expect((await h.call('/operations/other-thing', { scope: 'read' })).status).toBe(400);
    expect((await h.call('/instances/Bad_Name', { scope: 'read' })).status).toBe(400);
    expect((await h.call('/instances?state=sleeping', { scope: 'read' })).status).toBe(400);
  });

  it('showPassword=true needs the admin scope', async () => {
    const write = await h.call('/instances/nope/connection?showPassword=true', { scope: 'write' });
    expect(write.status).toBe(403);
    expect((await body(write)).error).toMatchObject({ code: 'FORBIDDEN' });
    // admin gets past the scope check (then: unknown instance).
    expect((await h.call('/instances/nope/connection?showPassword=true', { scope: 'admin' })).status).toBe(
      404,
    );
  });
});
