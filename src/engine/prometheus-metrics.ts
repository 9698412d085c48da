/**
 * Prometheus metrics of a runtime (or of a store, through a client) in a prom-client `Registry`:
 * duroxide's metric names and labels where duroxide has them, `durox_…` for the rest, fed by the
 * runtime's observers; queue depths, running instances and live workers read from the store at
 * each scrape; and prom-client's default process metrics (event-loop lag, heap, CPU) on the same
 * registry. `durox worker run --metrics-port` serves exactly this; docs/observability.md lists it.
 */
import { createRequire } from 'node:module';
import type * as PromClient from 'prom-client';
import type { Registry } from 'prom-client';
import type { Client } from './client.js';
import type { Runtime } from './runtime/runtime.js';
import type {
  ActivityEndEvent,
  ActivityStartEvent,
  ExecutionInitiator,
  FailureCategory,
  OrchestrationTerminalEvent,
  ProviderOperationEvent,
  RuntimeObservers,
  TerminalStatus,
  TurnEndEvent,
} from './runtime/observers.js';
import { assertNever } from '../core/exhaustive.js';
import { ProviderError } from '../core/errors.js';
import type { QueueDepths, SystemMetrics } from '../core/provider.js';

/** Activity durations, 10 ms … 5 min (duroxide's range). */
export const ACTIVITY_DURATION_BUCKETS: readonly number[] = [
  0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300,
];
/** Orchestration turn durations, 1 ms … 10 s (a turn is replay plus one commit). */
export const TURN_DURATION_BUCKETS: readonly number[] = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];
/** Store operation durations, 1 ms … 5 s (duroxide's range). */
export const PROVIDER_DURATION_BUCKETS: readonly number[] = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
];
/** History sizes at the end of an execution, 10 … 10,000 events (duroxide's range). */
export const HISTORY_SIZE_BUCKETS: readonly number[] = [10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];

/** Options of {@link createPrometheusMetrics}. */
export interface PrometheusMetricsOptions {
  /**
   * The registry to register the metrics in (default: a new one, never prom-client's global
   * registry). Metric names must not be registered there already.
   */
  registry?: Registry;
  /**
   * prom-client's default process metrics (`process_cpu_seconds_total`, `nodejs_heap_size_used_bytes`,
   * `nodejs_eventloop_lag_seconds`, …) on the same registry: `true` (default), `false`, or
   * `{ prefix }` to prefix their names.
   */
  defaultMetrics?: boolean | { prefix?: string };
  /**
   * Read queue depths, running instances and live workers from the store at each scrape
   * (default `true`). Reads of one scrape are shared, and scrapes within a second share one read.
   */
  storeGauges?: boolean;
}

/** What {@link createPrometheusMetrics} returns. */
export interface PrometheusMetrics {
  /** The registry holding every metric. */
  readonly registry: Registry;
  /** The exposition's content type, for the HTTP response. */
  readonly contentType: string;
  /** The exposition text (reads the store when `storeGauges` is on). */
  metrics(): Promise<string>;
  /**
   * The observers that feed the metrics. Already attached when the source was a runtime; with a
   * client, pass them to the runtimes you create (`new Runtime(provider, { observers })`).
   */
  readonly observers: RuntimeObservers;
}

/** A store reading shared by the gauges of one scrape. */
interface StoreReading {
  depths: QueueDepths;
  system: SystemMetrics;
  workers: number | null;
}

const STORE_READ_REUSE_MS = 1000;

/** prom-client, loaded on first use: `import 'durox'` does not load it. */
function promClient(): typeof PromClient {
  return createRequire(import.meta.url)('prom-client') as typeof PromClient;
}

function isRuntime(source: Runtime | Client): source is Runtime {
  return typeof (source as Partial<Runtime>).observe === 'function';
}

/** duroxide's `initiated_by` values. */
function initiatedByLabel(initiator: ExecutionInitiator): string {
  switch (initiator) {
    case 'client':
      return 'client';
    case 'suborchestration':
      return 'suborchestration';
    case 'continue_as_new':
      return 'continueAsNew';
    default:
      return assertNever(initiator);
  }
}

/** duroxide's completion `status` values. */
function completionStatus(status: TerminalStatus): string {
  switch (status) {
    case 'completed':
      return 'success';
    case 'failed':
      return 'failed';
    case 'continued_as_new':
      return 'continuedAsNew';
    default:
      return assertNever(status);
  }
}

/** duroxide's failure `error_type` values, plus `poison`. */
function failureType(category: FailureCategory | undefined): string {
  switch (category) {
    case undefined:
    case 'application':
      return 'app_error';
    case 'infrastructure':
      return 'infrastructure_error';
    case 'configuration':
      return 'config_error';
    case 'poison':
      return 'poison';
    default:
      return assertNever(category);
  }
}

/**
 * Registers durox's Prometheus metrics in a prom-client registry.
 *
 * Given a {@link Runtime} (before `start()`), it attaches its observers to it and also exposes
 * the runtime's dispatcher counters. Given a {@link Client}, only the store gauges are read until
 * you pass `observers` to runtimes of your own. Mount `metrics()` in any HTTP server.
 *
 * @throws IllegalStateError when given a runtime that was already started.
 * @example
 * const metrics = createPrometheusMetrics(runtime);
 * await runtime.start();
 * http.createServer(async (_req, res) => {
 *   res.setHeader('content-type', metrics.contentType);
 *   res.end(await metrics.metrics());
 * }).listen(9464);
 */
export function createPrometheusMetrics(
  source: Runtime | Client,
  options: PrometheusMetricsOptions = {},
): PrometheusMetrics {
  const { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } = promClient();
  const registry = options.registry ?? new Registry();
  const registers = [registry];
  const runtime = isRuntime(source) ? source : null;
  const client = runtime === null ? (source as Client) : runtime.client();

  const orchestration = ['orchestration_name', 'version'] as const;
  const starts = new Counter({
    name: 'duroxide_orchestration_starts_total',
    help: 'Executions started, by orchestration, version and initiator (client, suborchestration, continueAsNew)',
    labelNames: [...orchestration, 'initiated_by'],
    registers,
  });
  const completions = new Counter({
    name: 'duroxide_orchestration_completions_total',
    help: 'Executions ended, by orchestration, version and status (success, failed, continuedAsNew)',
    labelNames: [...orchestration, 'status'],
    registers,
  });
  const failures = new Counter({
    name: 'duroxide_orchestration_failures_total',
    help: 'Executions that failed, by error type (app_error, infrastructure_error, config_error, poison)',
    labelNames: [...orchestration, 'error_type'],
    registers,
  });
  const continued = new Counter({
    name: 'duroxide_orchestration_continue_as_new_total',
    help: 'Continue-as-new transitions, by orchestration and version',
    labelNames: [...orchestration],
    registers,
  });
  const orchestrationPoison = new Counter({
    name: 'duroxide_orchestration_poison_total',
    help: 'Orchestration messages given up as poison (delivered more than maxAttempts times)',
    registers,
  });
  const turnDuration = new Histogram({
    name: 'durox_orchestration_turn_duration_seconds',
    help: 'Orchestration turn time, from the fetch of the batch to its commit, by outcome (running, completed, failed, continued_as_new, abandoned)',
    labelNames: [...orchestration, 'outcome'],
    buckets: [...TURN_DURATION_BUCKETS],
    registers,
  });
  const historySize = new Histogram({
    name: 'duroxide_orchestration_history_size',
    help: 'Events in the history of executions when they end',
    labelNames: ['orchestration_name'],
    buckets: [...HISTORY_SIZE_BUCKETS],
    registers,
  });
  const activityLabels = ['activity_name', 'outcome', 'tag'] as const;
  const activityExecutions = new Counter({
    name: 'duroxide_activity_executions_total',
    help: 'Activity executions by outcome (success, app_error, infra_error, config_error, poison, cancelled, abandoned) and tag (default when untagged)',
    labelNames: [...activityLabels],
    registers,
  });
  const activityDuration = new Histogram({
    name: 'duroxide_activity_duration_seconds',
    help: 'Activity execution time (activities whose code ran: not poison nor config_error)',
    labelNames: [...activityLabels],
    buckets: [...ACTIVITY_DURATION_BUCKETS],
    registers,
  });
  const activityPoison = new Counter({
    name: 'duroxide_activity_poison_total',
    help: 'Activity work items given up as poison (delivered more than maxAttempts times)',
    registers,
  });
  const running = new Set<string>();
  new Gauge({
    name: 'durox_activities_in_flight',
    help: 'Activities running now in this process',
    registers,
    collect() {
      this.set(running.size);
    },
  });
  const operationDuration = new Histogram({
    name: 'duroxide_provider_operation_duration_seconds',
    help: 'Duration of the runtime’s store operations, by operation and status (success, error)',
    labelNames: ['operation', 'status'],
    buckets: [...PROVIDER_DURATION_BUCKETS],
    registers,
  });
  const providerErrors = new Counter({
    name: 'duroxide_provider_errors_total',
    help: 'Store operations of the runtime that failed, by operation and kind of failure',
    labelNames: ['operation', 'error_type'],
    registers,
  });

  if (runtime !== null) {
    new Counter({
      name: 'duroxide_suborchestration_calls_total',
      help: 'Sub-orchestrations scheduled by this runtime',
      registers,
      collect() {
        this.reset();
        this.inc(runtime.metricsSnapshot().suborchestrationCalls);
      },
    });
    new Counter({
      name: 'durox_dispatcher_items_fetched_total',
      help: 'Work items fetched by the dispatchers (orchestration, worker)',
      labelNames: ['dispatcher'],
      registers,
      collect() {
        const snapshot = runtime.metricsSnapshot();
        this.reset();
        this.inc({ dispatcher: 'orchestration' }, snapshot.orchDispatcherItemsFetched);
        this.inc({ dispatcher: 'worker' }, snapshot.workerDispatcherItemsFetched);
      },
    });
  }

  if (options.storeGauges ?? true) registerStoreGauges(Gauge, client, registers);

  const defaults = options.defaultMetrics ?? true;
  if (defaults !== false) {
    collectDefaultMetrics({
      register: registry,
      ...(typeof defaults === 'object' && defaults.prefix !== undefined ? { prefix: defaults.prefix } : {}),
    });
  }

  const key = (e: ActivityStartEvent): string => `${e.instanceId}\u0000${e.executionId}\u0000${e.activityId}`;
  const observers: RuntimeObservers = {
    activityStart(event: ActivityStartEvent) {
      running.add(key(event));
    },
    activityEnd(event: ActivityEndEvent) {
      running.delete(key(event));
      const labels = { activity_name: event.name, outcome: event.outcome, tag: event.tag ?? 'default' };
      activityExecutions.inc(labels);
      if (event.outcome === 'poison') activityPoison.inc();
      if (event.outcome !== 'poison' && event.outcome !== 'config_error') {
        activityDuration.observe(labels, event.durationMs / 1000);
      }
    },
    turnEnd(event: TurnEndEvent) {
      const labels = { orchestration_name: event.name, version: event.version ?? 'unknown' };
      turnDuration.observe({ ...labels, outcome: event.outcome }, event.durationMs / 1000);
      if (event.initiatedBy !== undefined) {
        starts.inc({ ...labels, initiated_by: initiatedByLabel(event.initiatedBy) });
      }
      if (event.outcome !== 'running' && event.outcome !== 'abandoned') {
        historySize.observe({ orchestration_name: event.name }, event.historyEvents);
      }
    },
    orchestrationTerminal(event: OrchestrationTerminalEvent) {
      const labels = { orchestration_name: event.name, version: event.version ?? 'unknown' };
      completions.inc({ ...labels, status: completionStatus(event.status) });
      if (event.status === 'continued_as_new') continued.inc(labels);
      if (event.status === 'failed') {
        failures.inc({ ...labels, error_type: failureType(event.errorCategory) });
        if (event.errorCategory === 'poison') orchestrationPoison.inc();
      }
    },
    providerOperation(event: ProviderOperationEvent) {
      operationDuration.observe(
        { operation: event.operation, status: event.ok ? 'success' : 'error' },
        event.durationMs / 1000,
      );
      if (!event.ok) {
        const errorType = event.error instanceof ProviderError ? event.error.errorType : 'other';
        providerErrors.inc({ operation: event.operation, error_type: errorType });
      }
    },
  };
  runtime?.observe(observers);

  return {
    registry,
    contentType: registry.contentType,
    metrics: () => registry.metrics(),
    observers,
  };
}

/** Gauges read from the store at scrape time; `durox_store_up` says whether the read worked. */
function registerStoreGauges(Gauge: typeof PromClient.Gauge, client: Client, registers: Registry[]): void {
  let last: { at: number; reading: Promise<StoreReading | null> } | null = null;
  const read = (): Promise<StoreReading | null> => {
    const now = Date.now();
    if (last !== null && now - last.at < STORE_READ_REUSE_MS) return last.reading;
    const reading = Promise.all([
      client.getQueueDepths(),
      client.getSystemMetrics(),
      client.listWorkers(),
    ]).then(
      ([depths, system, workers]) => ({ depths, system, workers: workers === null ? null : workers.length }),
      () => null,
    );
    last = { at: now, reading };
    return reading;
  };
  const gauge = (name: string, help: string, value: (r: StoreReading) => number | null): void => {
    new Gauge({
      name,
      help,
      registers,
      async collect() {
        const reading = await read();
        const v = reading === null ? null : value(reading);
        if (v !== null) this.set(v);
      },
    });
  };
  gauge(
    'duroxide_orchestrator_queue_depth',
    'Visible, unlocked orchestrator messages in the store',
    (r) => r.depths.orchestratorQueue,
  );
  gauge(
    'duroxide_worker_queue_depth',
    'Visible, unlocked activity work items in the store',
    (r) => r.depths.workerQueue,
  );
  gauge(
    'durox_timer_queue_depth',
    'Orchestrator messages not visible yet (timers, delays) in the store',
    (r) => r.depths.timerQueue,
  );
  gauge(
    'duroxide_active_orchestrations',
    'Instances of the store whose current execution is running',
    (r) => r.system.runningInstances,
  );
  gauge(
    'durox_workers',
    'Live workers in the store’s worker registry (0 when the store keeps none)',
    (r) => r.workers ?? 0,
  );
  new Gauge({
    name: 'durox_store_up',
    help: 'Whether the store answered this scrape (1) or not (0)',
    registers,
    async collect() {
      this.set((await read()) === null ? 0 : 1);
    },
  });
}
