/**
 * `durox token …` and `durox serve` end to end with the built binary: tokens shown once and
 * listed without secrets, the server with an in-process worker (`--worker`), and a graceful
 * SIGTERM: an open long-poll answers 503 SHUTTING_DOWN at once, a request in flight finishes,
 * no new connection is taken, and the process exits in seconds, not at the long-poll's timeout.
 */
import { spawn } from 'node:child_process';
import { request } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { durox, ROOT, TEST_MODULE, tempDir } from './helpers.js';
import { eventually } from '../helpers/eventually.js';
import { secretOf } from '../server/helpers.js';

const dir = tempDir();
const store = `sqlite:${join(dir, 'serve.db')}`;

describe('durox token', () => {
  it('creates (shown once), lists without secrets, refuses a duplicate name and revokes', async () => {
    const created = await durox([
      'token',
      'create',
      '--name',
      'ci',
      '--scope',
      'write',
      '--store',
      store,
      '--json',
    ]);
    expect(created.code).toBe(0);
    const token = created.json() as { token: string; scope: string; id: string };
    expect(token.token).toMatch(/^durox_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    expect(token.scope).toBe('write');

    const listed = await durox(['token', 'list', '--store', store, '--json']);
    expect(listed.code).toBe(0);
    expect(listed.json()).toEqual([expect.objectContaining({ id: token.id, name: 'ci', scope: 'write' })]);
    expect(listed.stdout).not.toContain(secretOf(token.token));
    expect(listed.stdout).not.toMatch(/hash|salt/);

    const dup = await durox(['token', 'create', '--name', 'ci', '--store', store]);
    expect(dup.code).toBe(2);
    expect(dup.stderr).toContain("a live token named 'ci' exists");
    const bad = await durox(['token', 'create', '--name', 'x', '--scope', 'root', '--store', store]);
    expect(bad.code).toBe(2);

    const revoked = await durox(['token', 'revoke', 'ci', '--store', store]);
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toContain(`revoked ci (${token.id})`);
    expect((await durox(['token', 'revoke', 'ci', '--store', store])).code).toBe(3);
    expect((await durox(['token', 'list', '--store', store, '--json'])).json()).toEqual([]);
    expect((await durox(['token', 'list', '--all', '--store', store, '--json'])).json()).toHaveLength(1);
  });
});

/** A request the server has begun: its headers are sent with `Expect: 100-continue`. */
interface HeldRequest {
  /** Resolves when the server answered 100 Continue: it has read the headers and runs the route. */
  continued: Promise<void>;
  /** Sends the held body (if any) and ends the request. */
  send(): void;
  response: Promise<{ status: number; headers: IncomingHttpHeaders; body: string }>;
}

/** Starts `method path` with the token; a `body` is held back until `send()`. */
function heldRequest(base: string, method: string, path: string, token: string, body?: string): HeldRequest {
  const req = request(`${base}${path}`, {
    method,
    agent: false,
    headers: {
      authorization: `Bearer ${token}`,
      expect: '100-continue',
      ...(body === undefined
        ? {}
        : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }),
    },
  });
  const continued = new Promise<void>((resolve) => req.once('continue', () => resolve()));
  const response = new Promise<{ status: number; headers: IncomingHttpHeaders; body: string }>(
    (resolve, reject) => {
      req.once('error', reject);
      req.once('response', (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.once('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      });
    },
  );
  if (body === undefined) req.end();
  else req.flushHeaders();
  return { continued, send: () => req.end(body), response };
}

describe('durox serve', () => {
  it('serves with an in-process worker and stops gracefully on SIGTERM', async () => {
    const token = (
      (
        await durox(['token', 'create', '--name', 'svc', '--scope', 'write', '--store', store, '--json'])
      ).json() as {
        token: string;
      }
    ).token;
    const child = spawn(
      process.execPath,
      [
        join(ROOT, 'bin', 'run.js'),
        'serve',
        '--port',
        '0',
        '--store',
        store,
        '--worker',
        '-m',
        TEST_MODULE,
        '--metrics',
        '--json',
      ],
      {
        cwd: ROOT,
        env: { ...process.env, NO_COLOR: '1', DUROX_STORE: '' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        child.stderr.on('data', (d: Buffer) => {
          stderr += d.toString();
          const m = /"msg":"listening","url":"([^"]+)"/.exec(stderr);
          if (m) resolve(m[1]!);
        });
        child.once('exit', (code) => reject(new Error(`serve exited with ${code}:\n${stderr}`)));
      });
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(await (await fetch(`${url}/health`)).json()).toEqual({ status: 'ok' });
      const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
      const start = await fetch(`${url}/orchestrations`, {
        method: 'POST',
        headers: auth,
        body: JSON.stringify({ name: 'Waiter', id: 'w-1' }),
      });
      expect(start.status).toBe(201);
      // The in-process worker runs it: it reaches its wait.
      await expect
        .poll(
          async () =>
            (
              (await (await fetch(`${url}/orchestrations/w-1`, { headers: auth })).json()) as {
                customStatus?: string;
              }
            ).customStatus,
          {
            timeout: 15_000,
          },
        )
        .toBe('waiting');
      // --metrics with --worker: the in-process runtime's counters.
      const scrape = await (await fetch(`${url}/metrics`, { headers: auth })).text();
      expect(scrape).toMatch(
        /duroxide_orchestration_starts_total\{[^}]*orchestration_name="Waiter"[^}]*\} 1/,
      );
      // Two requests in flight when SIGTERM arrives (the server has read their headers: it sent
      // 100 Continue): a long-poll good for 60 s, and a start whose body is still to come.
      const poll = heldRequest(url, 'GET', '/orchestrations/w-1/wait?timeoutMs=60000', token);
      const start2 = heldRequest(url, 'POST', '/orchestrations', token, '{"name":"Waiter","id":"w-2"}');
      await Promise.all([poll.continued, start2.continued]);
      const signalled = Date.now();
      child.kill('SIGTERM');
      // The long-poll answers at once, in the error format, with a hint to come back.
      const cut = await poll.response;
      expect(Date.now() - signalled).toBeLessThan(5_000);
      expect(cut.status).toBe(503);
      expect(JSON.parse(cut.body)).toMatchObject({ error: { code: 'SHUTTING_DOWN' } });
      expect(cut.headers['retry-after']).toBe('1');
      expect(cut.headers.connection).toBe('close');
      await eventually(() => stderr.includes('"msg":"stopping"'), 'the server to stop listening');
      // No new connection is taken…
      await expect(fetch(`${url}/health`)).rejects.toThrow();
      // …but the start in flight finishes once its body arrives.
      start2.send();
      const created = await start2.response;
      expect(created.status).toBe(201);
      expect(JSON.parse(created.body)).toMatchObject({ instanceId: 'w-2', status: 'Pending' });
      expect(created.headers.connection).toBe('close');
      expect(await exited).toBe(0);
      expect(Date.now() - signalled).toBeLessThan(15_000);
      expect(JSON.parse(stdout)).toMatchObject({
        url,
        stoppedBy: 'SIGTERM',
        worker: { stoppedBy: 'SIGTERM' },
      });
      const status = await durox(['orchestration', 'status', 'w-2', '--store', store, '--json']);
      expect(status.code).toBe(0);
      // Request log lines: JSON, no token.
      expect(stderr).toContain('"msg":"request"');
      expect(stderr).not.toContain(token);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 60_000);

  it('refuses --module without --worker (exit 2)', async () => {
    const run = await durox(['serve', '--port', '0', '--store', store, '-m', TEST_MODULE]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('add --worker');
  });
});
