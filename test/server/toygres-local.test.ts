/**
 * Toygres over HTTP on the local platform with a real PostgreSQL server (slow): create → follow
 * GET /operations/{id} → details with the password masked → the password only for admin with
 * showPassword=true → delete → follow → deleted. Nothing but that one answer carries the password,
 * and every answer matches the OpenAPI document.
 */
import { afterAll, expect, it } from 'vitest';
import { createApp } from '../../src/server/app.js';
import type { RequestLogLine } from '../../src/server/app.js';
import { listen } from '../../src/server/serve.js';
import { openTokenStore } from '../../src/server/tokens/open.js';
import { createToken } from '../../src/server/tokens/token-store.js';
import { LocalPlatform } from '../../src/toygres/platforms/local/local-platform.js';
import { eventually } from '../helpers/eventually.js';
import { startBench } from '../toygres/helpers/harness.js';
import { stopAllServers, traversableTempDir } from '../toygres/helpers/servers.js';
import { join } from 'node:path';
import { answerMismatches } from './openapi-conformance.js';
import type { OpenApiDocument } from './openapi-conformance.js';

const base = traversableTempDir();
const PASSWORD = 'http-Secret-pw-42';

afterAll(async () => {
  await stopAllServers(base);
});

it('create → operation → masked details → admin password → delete over HTTP', async () => {
  const bench = await startBench({
    local: new LocalPlatform({ root: join(base, 'instances'), initdbNoSync: true }),
  });
  const tokens = await openTokenStore(bench.url);
  const write = (await createToken(tokens, 'w', 'write'))!.token;
  const admin = (await createToken(tokens, 'a', 'admin'))!.token;
  const logs: RequestLogLine[] = [];
  const server = await listen(
    createApp({
      client: bench.client,
      tokens,
      controlPlane: async () => ({ ...bench.cp, pruner: false }),
      log: (l) => logs.push(l),
    }),
    '127.0.0.1',
    0,
  );
  const doc = (await (
    await fetch(`${server.url}/openapi.json`, { headers: { authorization: `Bearer ${admin}` } })
  ).json()) as OpenApiDocument;
  // Every answer is checked against the OpenAPI document (closed objects: no undocumented field).
  const problems: string[] = [];
  const seen: string[] = [];
  const call = async (
    path: string,
    token: string,
    init: RequestInit = {},
  ): Promise<{ status: number; json: Record<string, any> }> => {
    const res = await fetch(`${server.url}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    });
    const text = await res.text();
    seen.push(text);
    const json = JSON.parse(text);
    problems.push(...answerMismatches(doc, init.method ?? 'GET', path, res.status, json));
    return { status: res.status, json };
  };
  try {
    const created = await call('/instances', write, {
      method: 'POST',
      body: JSON.stringify({ name: 'web', password: PASSWORD, healthIntervalMs: 1000 }),
    });
    expect(created.status).toBe(202);
    expect(created.json).toMatchObject({
      name: 'web',
      operation: '/operations/create-web',
      passwordGenerated: false,
    });
    const op = await eventually(
      async () => {
        const res = await call('/operations/create-web', write);
        return res.json.done ? res.json : null;
      },
      { what: 'the create to end', timeoutMs: 120_000, intervalMs: 500 },
    );
    expect(op).toMatchObject({ kind: 'create', name: 'web', status: 'Completed', error: null });
    const again = await call('/instances', write, { method: 'POST', body: JSON.stringify({ name: 'web' }) });
    expect(again.status).toBe(409);
    expect(again.json.error.code).toBe('CONFLICT');

    const details = await call('/instances/web', write);
    expect(details.json).toMatchObject({ name: 'web', state: 'running' });
    expect(details.json.connectionString).toMatch(/^postgres(ql)?:\/\//);
    const masked = await call('/instances/web/connection', write);
    expect(masked.json.passwordShown).toBe(false);
    expect((await call('/instances/web/connection?showPassword=true', write)).status).toBe(403);
    const everythingSoFar = seen.join('\n');
    expect(everythingSoFar).not.toContain(PASSWORD);

    const shown = await call('/instances/web/connection?showPassword=true', admin);
    expect(shown.status).toBe(200);
    expect(shown.json.password).toBe(PASSWORD);

    const deleting = await call('/instances/web', write, { method: 'DELETE' });
    expect(deleting.status).toBe(202);
    expect(deleting.json.operation).toBe('/operations/delete-web');
    const deleted = await eventually(
      async () => {
        const res = await call('/operations/delete-web', write);
        return res.json.done ? res.json : null;
      },
      { what: 'the delete to end', timeoutMs: 60_000, intervalMs: 500 },
    );
    expect(deleted).toMatchObject({ kind: 'delete', status: 'Completed' });
    expect((await call('/instances/web', write)).json.state).toBe('deleted');
    expect(JSON.stringify(logs)).not.toContain(PASSWORD);
    await call('/instances/web/health?limit=5', write);
    await call('/instances?state=deleted', write);
    expect(problems).toEqual([]);
  } finally {
    await server.close();
    await tokens.close();
    await bench.close();
  }
}, 240_000);
