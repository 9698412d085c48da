/**
 * The HTTP API of `durox serve`, built on Hono with @hono/zod-openapi: the zod schemas that
 * validate each request also make the OpenAPI 3 document at `/openapi.json`.
 *
 * Order of the middlewares: request log (method, path, status, duration, token name — never the
 * Authorization header or a body) → `Connection: close` once stopping → bearer authentication and
 * scope (all but `GET /health`) → body size limit (413) → NUL characters refused (400, see
 * `nul-guard.ts`) → the route's validation (400) → the handler. Every error answers
 * `{ "error": { "code", "message" } }` (see `errors.ts`).
 */
import { OpenAPIHono } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import { HTTPException } from 'hono/http-exception';
import type { Context } from 'hono';
import { firstZodIssue } from '../core/zod-issues.js';
import type { Client } from '../engine/client.js';
import type { PrometheusMetrics } from '../engine/prometheus-metrics.js';
import type { ControlPlane } from '../toygres/control-plane.js';
import { authenticate } from './auth.js';
import type { AppEnv } from './auth.js';
import { registerEngineComponents } from './engine-schemas.js';
import { ApiError, toApiError } from './errors.js';
import type { ApiErrorCode } from './errors.js';
import { refuseNul } from './nul-guard.js';
import { registerOrchestrationRoutes } from './routes/orchestrations.js';
import { registerServerRoutes } from './routes/server.js';
import { registerToygresRoutes } from './routes/toygres.js';
import type { TokenStore } from './tokens/token-store.js';

/** The default request body limit: 1 MiB. */
export const DEFAULT_BODY_LIMIT = 1024 * 1024;

/** One request log line (JSON): never headers, query values or bodies. */
export interface RequestLogLine {
  time: string;
  level: 'info' | 'error';
  msg: 'request';
  method: string;
  path: string;
  status: number;
  durationMs: number;
  /** The authenticated token's name, when there was one. */
  token?: string;
  /** The error code of an error answer. */
  code?: string;
  /** The message of an internal error (500), which the caller does not see. */
  error?: string;
}

/** What {@link createApp} needs. */
export interface AppOptions {
  client: Client;
  tokens: TokenStore;
  /** The toygres control plane, opened on first use (toygres routes answer 503 when it fails). */
  controlPlane: () => Promise<ControlPlane>;
  /** Allow this origin (CORS); default: no CORS headers. */
  corsOrigin?: string;
  /** Largest request body in bytes (default {@link DEFAULT_BODY_LIMIT}). */
  bodyLimitBytes?: number;
  /**
   * Serve `GET /metrics` (scope read) from these metrics, or from the ones the function returns
   * at each scrape (e.g. a worker's, once its runtime exists).
   */
  metrics?: PrometheusMetrics | (() => PrometheusMetrics);
  /** Where request log lines go (default: none). */
  log?: (line: RequestLogLine) => void;
  /** The version reported in the OpenAPI document. */
  version?: string;
  /**
   * Aborted when the server starts shutting down: long-polls (`/wait`) answer 503
   * `SHUTTING_DOWN` at once instead of holding the shutdown up, and every answer from then on
   * closes its connection.
   */
  stopping?: AbortSignal;
}

/** An error answer for `err`, logged with its code. */
function errorAnswer(c: Context<AppEnv>, err: unknown): Response {
  let mapped = toApiError(err);
  if (err instanceof HTTPException) {
    const code: ApiErrorCode =
      err.status === 413 ? 'PAYLOAD_TOO_LARGE' : err.status === 400 ? 'INVALID_INPUT' : 'INTERNAL';
    mapped = toApiError(new ApiError(code, err.message || 'bad request'));
  }
  c.set('errorCode', mapped.body.error.code);
  if (mapped.internal) c.set('internalError', err instanceof Error ? err.message : String(err));
  // The rest of a refused body may still be on the way: do not reuse the connection.
  if (mapped.status === 413) c.header('Connection', 'close');
  if (mapped.body.error.code === 'SHUTTING_DOWN') c.header('Retry-After', '1');
  return c.json(mapped.body, mapped.status);
}

/** Builds the app: routes, auth, limits, logs and the OpenAPI document. */
export function createApp(options: AppOptions): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) {
        const issue = firstZodIssue(result.error);
        const where = issue.path ? ` (at ${issue.path})` : '';
        throw new ApiError('INVALID_INPUT', `${result.target}: ${issue.message}${where}`);
      }
    },
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', { type: 'http', scheme: 'bearer' });
  registerEngineComponents(app);

  app.use('*', async (c, next) => {
    const started = performance.now();
    await next();
    if (!options.log) return;
    const { token, errorCode: code, internalError: internal } = c.var as Partial<AppEnv['Variables']>;
    options.log({
      time: new Date().toISOString(),
      level: c.res.status >= 500 ? 'error' : 'info',
      msg: 'request',
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      durationMs: Math.round((performance.now() - started) * 10) / 10,
      ...(token === undefined ? {} : { token: token.name }),
      ...(code === undefined ? {} : { code }),
      ...(internal === undefined ? {} : { error: internal }),
    });
  });
  if (options.stopping !== undefined) {
    const stopping = options.stopping;
    app.use('*', async (c, next) => {
      await next();
      // A stopping server takes no further request on this connection.
      if (stopping.aborted) c.header('Connection', 'close');
    });
  }
  if (options.corsOrigin !== undefined) {
    app.use('*', cors({ origin: options.corsOrigin, allowHeaders: ['Authorization', 'Content-Type'] }));
  }
  const auth = authenticate(options.tokens);
  app.use('*', async (c, next) => {
    if (c.req.path === '/health' && c.req.method === 'GET') return next();
    if (c.req.method === 'OPTIONS' && options.corsOrigin !== undefined) return next();
    return auth(c, next);
  });
  app.use(
    '*',
    bodyLimit({
      maxSize: options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT,
      onError: () => {
        throw new ApiError(
          'PAYLOAD_TOO_LARGE',
          `request body larger than ${options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT} bytes`,
        );
      },
    }),
  );
  app.use('*', refuseNul());

  registerServerRoutes(app, {
    ...(options.metrics === undefined ? {} : { metrics: options.metrics }),
    version: options.version ?? '0.0.0',
  });
  registerOrchestrationRoutes(app, options.client, options.stopping);
  registerToygresRoutes(app, options.controlPlane);

  app.notFound((c) =>
    errorAnswer(c, new ApiError('ROUTE_NOT_FOUND', `no route ${c.req.method} ${c.req.path}`)),
  );
  app.onError((err, c) => errorAnswer(c, err));
  return app;
}
