/**
 * The server's own routes: liveness (`GET /health`, the one route without a token), Prometheus
 * metrics (`GET /metrics`, only when the app has metrics) and the OpenAPI document
 * (`GET /openapi.json`), each described in that document like every other route.
 */
import { createRoute, z } from '@hono/zod-openapi';
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { PrometheusMetrics } from '../../engine/prometheus-metrics.js';
import type { AppEnv } from '../auth.js';
import { errorResponses, jsonResponse, untypedJson } from '../schemas.js';

/**
 * The media type documented for `/metrics`: the Prometheus text exposition format that
 * `createPrometheusMetrics`' default registry serves (the answer adds `charset=utf-8`).
 */
const PROMETHEUS_TEXT = 'text/plain; version=0.0.4';

/** The document's top level; what lies below paths and components is left open. */
const OpenApiDocumentSchema = z
  .object({
    openapi: z.string().openapi({ example: '3.0.3' }),
    info: z.object({ title: z.string(), version: z.string(), description: z.string().optional() }),
    security: z.array(z.record(z.string(), z.array(z.string()))).optional(),
    paths: z
      .record(z.string(), z.record(z.string(), z.unknown()))
      .openapi({ description: 'Each path template with its operations' }),
    components: z.record(z.string(), z.record(z.string(), z.unknown())).optional(),
  })
  .openapi('OpenApiDocument', { description: 'This OpenAPI 3 document' });

const routes = {
  health: createRoute({
    method: 'get',
    path: '/health',
    tags: ['server'],
    summary: 'Liveness (no token needed)',
    security: [],
    responses: {
      200: jsonResponse(z.object({ status: z.literal('ok') }).openapi('Health'), 'The server runs'),
    },
  }),
  metrics: createRoute({
    method: 'get',
    path: '/metrics',
    tags: ['server'],
    summary: 'Prometheus metrics (scope read; served only when the server runs with metrics)',
    responses: {
      200: {
        description: 'The Prometheus text exposition: process metrics, store gauges, runtime counters',
        content: { [PROMETHEUS_TEXT]: { schema: z.string() } },
      },
      ...errorResponses('read'),
    },
  }),
  document: createRoute({
    method: 'get',
    path: '/openapi.json',
    tags: ['server'],
    summary: 'This OpenAPI document (scope read)',
    responses: {
      200: jsonResponse(OpenApiDocumentSchema, 'The OpenAPI 3 document of this server'),
      ...errorResponses('read'),
    },
  }),
};

/** The OpenAPI document's `info` and security. */
function documentConfig(version: string): Parameters<OpenAPIHono['getOpenAPIDocument']>[0] {
  return {
    openapi: '3.0.3',
    info: {
      title: 'durox',
      version,
      description:
        'Orchestrations and toygres PostgreSQL instances over HTTP. Every route but GET /health needs `Authorization: Bearer <token>` (`durox token create`).',
    },
    security: [{ bearerAuth: [] }],
  };
}

/** What {@link registerServerRoutes} serves. */
export interface ServerRoutesOptions {
  /** Metrics for `GET /metrics`, or the function giving them at each scrape; none: no route. */
  metrics?: PrometheusMetrics | (() => PrometheusMetrics);
  /** The version reported in the OpenAPI document. */
  version: string;
}

/**
 * Registers `/health`, `/metrics` (when `options.metrics` is set) and `/openapi.json` on `app`.
 * The document is built at each request, from every route registered by then.
 */
export function registerServerRoutes(app: OpenAPIHono<AppEnv>, options: ServerRoutesOptions): void {
  app.openapi(routes.health, (c) => c.json({ status: 'ok' as const }, 200));

  const source = options.metrics;
  if (source !== undefined) {
    app.openapi(routes.metrics, async (c) => {
      const metrics = typeof source === 'function' ? source() : source;
      // The registry's own content type (version, charset) replaces text()'s default.
      return c.text(await metrics.metrics(), 200, { 'content-type': metrics.contentType });
    });
  }

  app.openapi(routes.document, (c) =>
    untypedJson(c, app.getOpenAPIDocument(documentConfig(options.version)), 200),
  );
}
