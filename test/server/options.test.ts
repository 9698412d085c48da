/** Server options: `/metrics` (scope read, in the OpenAPI document) and CORS for one origin when asked. */
import SwaggerParser from '@apidevtools/swagger-parser';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { body, startServer } from './helpers.js';
import type { ServerHarness } from './helpers.js';
import type { OpenApiDocument } from './openapi-conformance.js';

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

it('describes GET /metrics in the OpenAPI document: token needed, Prometheus text', async () => {
  const doc = await body<OpenApiDocument & { security?: unknown }>(
    await h.call('/openapi.json', { scope: 'read' }),
  );
  await SwaggerParser.validate(structuredClone(doc) as never);
  const get = doc.paths['/metrics']?.get as
    { security?: unknown; responses: Record<string, { content?: Record<string, unknown> }> } | undefined;
  expect(get, 'GET /metrics in the document').toBeDefined();
  // No route-level override: the document's bearer requirement applies, as the server enforces it.
  expect(get!.security).toBeUndefined();
  expect(doc.security).toEqual([{ bearerAuth: [] }]);
  expect(Object.keys(get!.responses)).toEqual(expect.arrayContaining(['200', '401']));
  expect((await fetch(`${h.url}/metrics`)).status).toBe(401);

  const served = (await h.call('/metrics', { scope: 'read' })).headers.get('content-type')!;
  const documented = Object.keys(get!.responses['200']!.content ?? {});
  expect(documented.length, 'a media type for 200').toBe(1);
  // The answer may add parameters (charset) to the documented media type, nothing else.
  expect(served.startsWith(documented[0]!), `${served} is ${documented[0]}`).toBe(true);
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
