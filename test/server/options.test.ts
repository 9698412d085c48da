/** Server options: `/metrics` (scope read) and CORS for one origin when asked. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startServer } from './helpers.js';
import type { ServerHarness } from './helpers.js';

let h: ServerHarness;
beforeAll(async () => {
  h = await startServer({ metrics: true, app: { corsOrigin: 'https://console.example.com' } });
});
afterAll(async () => {
  await h.close();
});

it('serves Prometheus metrics to a read token only', async () => {
  const res = await h.call('/metrics', { scope: 'read' });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/plain');
  const text = await res.text();
  expect(text).toContain('process_cpu_seconds_total');
  expect(text).toContain('duroxide_');
  expect((await h.call('/metrics', { scope: null })).status).toBe(401);
});

it('answers CORS for the configured origin only', async () => {
  const ok = await h.call('/orchestrations', {
    scope: 'read',
    headers: { origin: 'https://console.example.com' },
  });
  expect(ok.headers.get('access-control-allow-origin')).toBe('https://console.example.com');
  const preflight = await fetch(`${h.url}/orchestrations`, {
    method: 'OPTIONS',
    headers: {
      origin: 'https://console.example.com',
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'authorization,content-type',
    },
  });
  expect(preflight.status).toBe(204);
  expect(preflight.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('authorization');
  const other = await h.call('/orchestrations', {
    scope: 'read',
    headers: { origin: 'https://evil.example' },
  });
  expect(other.headers.get('access-control-allow-origin')).toBeNull();
  // A preflight is no way around the token.
  expect(
    (await fetch(`${h.url}/orchestrations`, { headers: { origin: 'https://console.example.com' } })).status,
  ).toBe(401);
});
