/**
 * OpenTelemetry SDK set-up of `durox worker run`: when `--otlp-endpoint` or the standard
 * `OTEL_EXPORTER_OTLP_ENDPOINT` / `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` variables are set, spans
 * are exported over OTLP/HTTP (JSON) in batches. The library itself only uses the API; this is
 * the application's side (docs/observability.md).
 */
import { hostname } from 'node:os';
import { propagation, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import {
  ATTR_SERVICE_INSTANCE_ID,
  ATTR_SERVICE_NAME,
  ATTR_SERVICE_VERSION,
} from '@opentelemetry/semantic-conventions';
import { DUROX_VERSION } from '../core/history.js';
import { CliError } from './errors.js';

/** Default `service.name` of a worker (`OTEL_SERVICE_NAME` overrides it). */
export const DEFAULT_SERVICE_NAME = 'durox-worker';

/** An installed exporter: `shutdown` flushes the spans still buffered and unregisters it. */
export interface OtelExport {
  /** Where spans go (the traces URL, or the variable that names it). */
  readonly target: string;
  shutdown(): Promise<void>;
}

/** The traces URL of an OTLP/HTTP base endpoint (`http://host:4318` → `…/v1/traces`). */
export function tracesUrl(endpoint: string): string {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new CliError('USAGE', `--otlp-endpoint: not a URL: ${endpoint}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new CliError('USAGE', `--otlp-endpoint: expected an http(s) URL, got ${endpoint}`);
  const base = endpoint.replace(/\/+$/, '');
  return base.endsWith('/v1/traces') ? base : `${base}/v1/traces`;
}

/**
 * Registers a global tracer provider exporting to `endpoint` (or to the endpoint the standard
 * variables name) with the W3C trace-context propagator; `null` when neither is set, then
 * nothing is installed and tracing costs nothing.
 */
export function startOtelExport(
  endpoint: string | undefined,
  instanceId: string,
  env: NodeJS.ProcessEnv = process.env,
): OtelExport | null {
  const fromEnv = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? env.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (endpoint === undefined && (fromEnv === undefined || fromEnv.trim() === '')) return null;
  const url = endpoint === undefined ? undefined : tracesUrl(endpoint);
  // Without a URL the exporter reads the OTEL_EXPORTER_OTLP_* variables itself.
  const exporter = new OTLPTraceExporter(url === undefined ? {} : { url });
  const serviceName = env.OTEL_SERVICE_NAME?.trim() || DEFAULT_SERVICE_NAME;
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({
      [ATTR_SERVICE_NAME]: serviceName,
      [ATTR_SERVICE_VERSION]: DUROX_VERSION,
      [ATTR_SERVICE_INSTANCE_ID]: instanceId,
      'host.name': hostname(),
      'process.pid': process.pid,
    }),
    spanProcessors: [new BatchSpanProcessor(exporter, { scheduledDelayMillis: 1000 })],
  });
  trace.setGlobalTracerProvider(provider);
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  return {
    target:
      url ??
      (env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT === undefined
        ? 'OTEL_EXPORTER_OTLP_ENDPOINT'
        : 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'),
    async shutdown(): Promise<void> {
      try {
        await provider.forceFlush();
      } finally {
        await provider.shutdown();
        trace.disable();
        propagation.disable();
      }
    },
  };
}
