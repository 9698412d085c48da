/**
 * `durox worker run --metrics-port <n>`: serves Prometheus metrics on 127.0.0.1 at `/metrics`.
 *
 * Counters of orchestrations come from `runtime.metricsSnapshot()`; activity executions and
 * durations and store operation durations from the instrumented provider; queue depths and the
 * number of running instances are read from the store at each scrape.
 */
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { MetricsSnapshot } from '../engine/metrics.js';
import type { Provider } from '../core/provider.js';
import type { ProviderInstruments } from './instrumented-provider.js';
import { Counter, Gauge, renderMetrics } from './prometheus.js';
import type { Metric } from './prometheus.js';

/** Everything a scrape reads. */
export interface MetricsSources {
  snapshot: () => MetricsSnapshot;
  instruments: ProviderInstruments;
  /** The store, not instrumented (scrapes should not show up as worker operations). */
  provider: Provider;
}

/** The whole exposition, as text. */
export async function collectMetrics(sources: MetricsSources): Promise<string> {
  const s = sources.snapshot();
  const counter = (name: string, help: string, series: [Record<string, string>, number][]): Counter => {
    const c = new Counter(name, help);
    for (const [labels, value] of series) c.set(labels, value);
    return c;
  };
  const gauge = (name: string, help: string, value: number): Gauge => {
    const g = new Gauge(name, help);
    g.set({}, value);
    return g;
  };
  const metrics: Metric[] = [
    counter('duroxide_orchestration_starts_total', 'Orchestration executions started', [[{}, s.orchStarts]]),
    counter('duroxide_orchestration_completions_total', 'Orchestrations completed successfully', [
      [{}, s.orchCompletions],
    ]),
    counter('duroxide_orchestration_failures_total', 'Orchestrations that ended Failed, by error type', [
      [{ error_type: 'app_error' }, s.orchApplicationErrors],
      [{ error_type: 'infrastructure_error' }, s.orchInfrastructureErrors],
      [{ error_type: 'config_error' }, s.orchConfigurationErrors],
    ]),
    counter('duroxide_orchestration_poison_total', 'Orchestration messages given up as poison', [
      [{}, s.orchPoison],
    ]),
    counter('duroxide_activity_poison_total', 'Activity messages given up as poison', [
      [{}, s.activityPoison],
    ]),
    counter('duroxide_orchestration_continue_as_new_total', 'Continue-as-new transitions', [
      [{}, s.orchContinueAsNew],
    ]),
    counter('duroxide_suborchestration_calls_total', 'Sub-orchestrations scheduled', [
      [{}, s.suborchestrationCalls],
    ]),
    counter('durox_dispatcher_items_fetched_total', 'Work items fetched by the dispatchers', [
      [{ dispatcher: 'orchestration' }, s.orchDispatcherItemsFetched],
      [{ dispatcher: 'worker' }, s.workerDispatcherItemsFetched],
    ]),
    ...sources.instruments.all(),
    gauge(
      'durox_activities_in_flight',
      'Activities this worker is running now',
      sources.instruments.running.size,
    ),
  ];
  try {
    const [depths, system] = await Promise.all([
      sources.provider.getQueueDepths(),
      sources.provider.getSystemMetrics(),
    ]);
    metrics.push(
      gauge(
        'duroxide_orchestrator_queue_depth',
        'Visible orchestrator messages, unlocked',
        depths.orchestratorQueue,
      ),
      gauge('duroxide_worker_queue_depth', 'Visible activity work items, unlocked', depths.workerQueue),
      gauge(
        'durox_timer_queue_depth',
        'Orchestrator messages not visible yet (timers, delays)',
        depths.timerQueue,
      ),
      gauge(
        'duroxide_active_orchestrations',
        'Instances whose current execution is running',
        system.runningInstances,
      ),
    );
  } catch {
    metrics.push(gauge('durox_store_up', 'Whether the store answered the last scrape', 0));
    return renderMetrics(metrics);
  }
  metrics.push(gauge('durox_store_up', 'Whether the store answered the last scrape', 1));
  return renderMetrics(metrics);
}

/** Starts the HTTP server; resolves with the bound port (useful with port 0). */
export async function startMetricsServer(
  port: number,
  sources: MetricsSources,
): Promise<{ port: number; close: () => Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' || (path !== '/metrics' && path !== '/')) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found; metrics are at /metrics\n');
      return;
    }
    if (path === '/') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('durox worker: metrics at /metrics\n');
      return;
    }
    collectMetrics(sources).then(
      (text) => res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }).end(text),
      (err: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`${String(err)}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
