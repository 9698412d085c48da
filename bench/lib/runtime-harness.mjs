/**
 * What the runtime workloads share: the registered orchestrations and activities, starting and
 * stopping a runtime on a benchmark store, and running instances to completion with their
 * outputs checked.
 */
import { Client, Runtime } from './durox.mjs';
import { nowMs } from './stats.mjs';

export const WAIT_TIMEOUT_MS = 300_000;

/** Runtime options a workload may override with --param. */
const RUNTIME_PARAMS = [
  'orchestrationConcurrency',
  'workerConcurrency',
  'orchestrationCacheSize',
  'determinism',
];

function runtimeOptions(params) {
  const options = { logLevel: 'error' };
  for (const key of RUNTIME_PARAMS) if (params[key] !== undefined) options[key] = params[key];
  return options;
}

/**
 * When each `Stamp` activity ran (performance.now() in ms), by its input: step k of a
 * `Stamped` orchestration (1-based) gets input k − 1. The `long` workload reads it; only one
 * `Stamped` instance runs at a time.
 */
export const stamps = [];

/** The orchestrations and activities every runtime workload registers. */
function register(runtime) {
  runtime.registerActivity('Step', async (_ctx, input) => input + 1);
  runtime.registerActivity('Stamp', async (_ctx, input) => {
    stamps[input] = nowMs();
    return input + 1;
  });
  runtime.registerOrchestration('Sequential', function* (ctx, steps) {
    let x = 0;
    for (let i = 0; i < steps; i++) x = yield ctx.scheduleActivity('Step', x);
    return x;
  });
  runtime.registerOrchestration('Stamped', function* (ctx, steps) {
    let x = 0;
    for (let i = 0; i < steps; i++) x = yield ctx.scheduleActivity('Stamp', x);
    return x;
  });
  runtime.registerOrchestration('FanOut', function* (ctx, width) {
    const tasks = [];
    for (let i = 0; i < width; i++) tasks.push(ctx.scheduleActivity('Step', i));
    const results = yield ctx.all(tasks);
    let sum = 0;
    for (const r of results) {
      if (r.err !== undefined) throw new Error(`activity failed: ${r.err}`);
      sum += r.ok;
    }
    return sum;
  });
}

/** Starts a runtime on `store` with the workload's options; returns it with a client. */
export async function startRuntime(store, params) {
  // A provider may recommend its own defaults (more concurrency hides PostgreSQL round trips).
  const runtime = new Runtime(store.provider, { ...store.runtimeDefaults, ...runtimeOptions(params) });
  register(runtime);
  await runtime.start();
  return { runtime, client: new Client(store.provider) };
}

/** Effective runtime options, for the record. */
export function describeRuntime(runtime) {
  const o = runtime.options;
  return {
    orchestrationConcurrency: o.orchestrationConcurrency,
    workerConcurrency: o.workerConcurrency,
    orchestrationCacheSize: o.orchestrationCacheSize,
    determinism: o.determinism ?? 'none (build without the guard)',
  };
}

export function expectCompleted(id, status, expected) {
  if (status.status !== 'Completed') {
    throw new Error(`${id} ended ${status.status}: ${status.error ?? ''}`);
  }
  if (status.output !== expected) {
    throw new Error(`${id} returned ${JSON.stringify(status.output)}, expected ${expected}`);
  }
}

/** One instance start→completion as the client sees it (waitForOrchestration). */
export async function runOne(client, id, name, input, expected) {
  const t0 = nowMs();
  await client.startOrchestration(id, name, input);
  const status = await client.waitForOrchestration(id, WAIT_TIMEOUT_MS);
  const elapsed = nowMs() - t0;
  expectCompleted(id, status, expected);
  return elapsed;
}

/** Stops the runtime; returns its instance-cache statistics first. */
export async function stopRuntime(runtime) {
  const cache = runtime.cacheStats();
  await runtime.shutdown(5000);
  return { hits: cache.hits, misses: cache.misses };
}

/**
 * Starts `instances` K-step Sequential instances at once and waits, in order, until the client
 * has seen each complete. Per-instance latency is the start call → the commit of the instance's
 * final turn (the instance row's `updatedAt`), read after the window.
 */
export async function runBatch(client, provider, prefix, instances, steps) {
  const ids = Array.from({ length: instances }, (_, i) => `${prefix}-${i}`);
  const startedAt = new Map();
  const t0 = nowMs();
  await Promise.all(
    ids.map((id) => {
      startedAt.set(id, Date.now());
      return client.startOrchestration(id, 'Sequential', steps);
    }),
  );
  for (const id of ids) {
    const status = await client.waitForOrchestration(id, WAIT_TIMEOUT_MS);
    expectCompleted(id, status, steps);
  }
  const wallMs = nowMs() - t0;
  return { wallMs, latencies: () => latenciesOf(provider, ids, startedAt) };
}

/** Start call → final commit of each instance, in ms (one store read per instance). */
export async function latenciesOf(provider, ids, startedAt) {
  const latencies = [];
  for (const id of ids) {
    const info = await provider.getInstanceInfo(id);
    latencies.push(info.updatedAt - startedAt.get(id));
  }
  return latencies;
}
