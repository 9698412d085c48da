/**
 * A timing decorator around a Provider, for the worker's metrics: every store operation's
 * duration and errors, and activity executions (from the fetch of a work item to its ack or
 * abandon) by name, outcome and tag. The runtime sees an ordinary Provider.
 */
import { performance } from 'node:perf_hooks';
import type { OrchestratorWorkItem } from '../core/history.js';
import type { Provider, WorkItemLease } from '../core/provider.js';
import { Counter, Histogram } from './prometheus.js';

/** duroxide's buckets: activities 0.01…300 s, provider operations 0.001…5 s. */
const ACTIVITY_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];
const PROVIDER_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/** Waits, not operations: timing them would only measure idleness. */
const UNTIMED = new Set(['waitForWork', 'waitForInstanceChange', 'close', 'constructor']);

function snakeCase(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** Outcome label of an acked activity (duroxide's values, plus `abandoned`). */
function outcomeOf(completion: OrchestratorWorkItem | null): string {
  if (completion === null) return 'cancelled';
  if (completion.type !== 'ActivityFailed') return 'success';
  switch (completion.details.category) {
    case 'application':
      return 'app_error';
    case 'infrastructure':
      return 'infra_error';
    case 'configuration':
      return 'config_error';
    default:
      return 'poison';
  }
}

interface RunningActivity {
  name: string;
  tag: string;
  startedAt: number;
}

/** The metrics the decorator keeps. */
export class ProviderInstruments {
  readonly operationDuration = new Histogram(
    'duroxide_provider_operation_duration_seconds',
    'Duration of store operations',
    PROVIDER_BUCKETS,
  );
  readonly providerErrors = new Counter('duroxide_provider_errors_total', 'Store operations that failed');
  readonly activityExecutions = new Counter(
    'duroxide_activity_executions_total',
    'Activity executions by outcome (success, app_error, infra_error, config_error, poison, cancelled, abandoned)',
  );
  readonly activityDuration = new Histogram(
    'duroxide_activity_duration_seconds',
    'Activity execution time, from fetch to ack',
    ACTIVITY_BUCKETS,
  );
  /** Work items fetched and not yet acked or abandoned, by lock token. */
  readonly running = new Map<string, RunningActivity>();
  /** Work items given back (abandoned) since start. */
  abandoned = 0;

  /** Metrics in render order. */
  all(): (Counter | Histogram)[] {
    return [this.activityExecutions, this.activityDuration, this.operationDuration, this.providerErrors];
  }

  activityStarted(lease: WorkItemLease): void {
    this.running.set(lease.lockToken, {
      name: lease.item.name,
      tag: lease.item.tag ?? 'default',
      startedAt: performance.now(),
    });
  }

  activityEnded(lockToken: string, outcome: string): void {
    const run = this.running.get(lockToken);
    if (!run) return;
    this.running.delete(lockToken);
    if (outcome === 'abandoned') this.abandoned += 1;
    const labels = { activity_name: run.name, outcome, tag: run.tag };
    this.activityExecutions.inc(labels);
    this.activityDuration.observe(labels, (performance.now() - run.startedAt) / 1000);
  }
}

/**
 * A provider that times every operation of `store()` into `instruments`. The store is looked up
 * at each call, so the runtime can be built (and user modules loaded) before the store is opened.
 */
export function instrumentProvider(store: () => Provider, instruments: ProviderInstruments): Provider {
  const wrapped = new Map<PropertyKey, unknown>();
  return new Proxy({} as Provider, {
    get(_, prop) {
      const target = store();
      const value = Reflect.get(target, prop, target) as unknown;
      if (typeof value !== 'function' || typeof prop !== 'string') return value;
      if (UNTIMED.has(prop)) return (value as (...a: unknown[]) => unknown).bind(target);
      let fn = wrapped.get(prop);
      if (!fn) {
        const operation = snakeCase(prop);
        fn = async (...args: unknown[]): Promise<unknown> => {
          const started = performance.now();
          let status = 'success';
          try {
            const result = await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
            if (prop === 'fetchWorkItem' && result) instruments.activityStarted(result as WorkItemLease);
            if (prop === 'ackWorkItem') {
              instruments.activityEnded(args[0] as string, outcomeOf(args[1] as OrchestratorWorkItem | null));
            }
            if (prop === 'abandonWorkItem') instruments.activityEnded(args[0] as string, 'abandoned');
            return result;
          } catch (err) {
            status = 'error';
            instruments.providerErrors.inc({ operation });
            // A lost lease ends the activity too (its result is discarded).
            if (prop === 'ackWorkItem' || prop === 'abandonWorkItem') {
              instruments.activityEnded(args[0] as string, 'lock_lost');
            }
            throw err;
          } finally {
            instruments.operationDuration.observe(
              { operation, status },
              (performance.now() - started) / 1000,
            );
          }
        };
        wrapped.set(prop, fn);
      }
      return fn;
    },
  });
}
