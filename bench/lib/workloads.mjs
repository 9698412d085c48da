/**
 * The benchmark workloads. Each one runs against a fresh store (see providers.mjs), warms up
 * briefly, measures, and returns the fields of its result line; run.mjs adds the common ones.
 *
 * A workload is `{ description, params: {full, quick}, run(params, store) }`; its goals are in
 * targets.mjs. `run` resolves to `{ params, throughput, p50_ms, p99_ms, total_ms, cost, extra,
 * fields? }`: `cost` comes from a cost meter (cost.mjs) around the measured window, `fields`
 * are extra top-level figures of the line (those a goal names).
 */
import { startCostMeter } from './cost.mjs';
import { replay } from './replay-workload.mjs';
import {
  WAIT_TIMEOUT_MS,
  describeRuntime,
  expectCompleted,
  latenciesOf,
  runBatch,
  runOne,
  stamps,
  startRuntime,
  stopRuntime,
} from './runtime-harness.mjs';
import { nowMs, percentile, round } from './stats.mjs';

/**
 * N instances × K sequential activities, all started at once. Throughput counts activities
 * over the wall time from the first start to the moment the client has seen the last one
 * complete; completion is observed by one client waiting on the instances in order.
 */
async function sequential(params, store) {
  const { instances, steps, warmupInstances } = params;
  const { runtime, client } = await startRuntime(store, params);
  try {
    // Warm-up: a small batch through the same path (JIT, statement caches, page cache).
    await runBatch(client, store.provider, 'warm', warmupInstances, steps);
    const meter = await startCostMeter(store);
    const batch = await runBatch(client, store.provider, 'seq', instances, steps);
    const activities = instances * steps;
    const cost = await meter.stop(activities);
    const latencies = await batch.latencies();
    const cache = await stopRuntime(runtime);
    return {
      params: { ...params, ...describeRuntime(runtime) },
      throughput: { value: round(activities / (batch.wallMs / 1000), 1), unit: 'activities/s' },
      p50_ms: round(percentile(latencies, 50)),
      p99_ms: round(percentile(latencies, 99)),
      total_ms: round(batch.wallMs),
      cost,
      extra: { cache, instances_per_s: round(instances / (batch.wallMs / 1000), 1) },
    };
  } finally {
    await runtime.shutdown(1000);
  }
}

/** One instance at a time: start → client sees Completed, for a K-step sequential orchestration. */
async function latency(params, store) {
  const { runs, steps, warmupRuns } = params;
  const { runtime, client } = await startRuntime(store, params);
  try {
    for (let i = 0; i < warmupRuns; i++) await runOne(client, `warm-${i}`, 'Sequential', steps, steps);
    const latencies = [];
    const meter = await startCostMeter(store);
    const t0 = nowMs();
    for (let i = 0; i < runs; i++) {
      latencies.push(await runOne(client, `lat-${i}`, 'Sequential', steps, steps));
    }
    const totalMs = nowMs() - t0;
    const cost = await meter.stop(runs * steps);
    const cache = await stopRuntime(runtime);
    return {
      params: { ...params, ...describeRuntime(runtime) },
      throughput: { value: round(runs / (totalMs / 1000), 1), unit: 'orchestrations/s' },
      p50_ms: round(percentile(latencies, 50)),
      p99_ms: round(percentile(latencies, 99)),
      total_ms: round(totalMs),
      cost,
      extra: { cache, min_ms: round(Math.min(...latencies)), max_ms: round(Math.max(...latencies)) },
    };
  } finally {
    await runtime.shutdown(1000);
  }
}

/** One orchestration awaiting `ctx.all` of W activities; start → client sees Completed. */
async function fanout(params, store) {
  const { width, repetitions, warmupWidth } = params;
  const { runtime, client } = await startRuntime(store, params);
  const expected = (width * (width + 1)) / 2;
  try {
    await runOne(client, 'warm', 'FanOut', warmupWidth, (warmupWidth * (warmupWidth + 1)) / 2);
    const times = [];
    const meter = await startCostMeter(store);
    for (let i = 0; i < repetitions; i++) {
      times.push(await runOne(client, `fan-${i}`, 'FanOut', width, expected));
    }
    const cost = await meter.stop(width * repetitions);
    const cache = await stopRuntime(runtime);
    const p50 = percentile(times, 50);
    return {
      params: { ...params, ...describeRuntime(runtime) },
      throughput: { value: round(width / (p50 / 1000), 1), unit: 'activities/s' },
      p50_ms: round(p50),
      p99_ms: round(percentile(times, 99)),
      total_ms: round(times.reduce((a, b) => a + b, 0)),
      cost,
      extra: { cache, runs_ms: times.map((t) => round(t)) },
    };
  } finally {
    await runtime.shutdown(1000);
  }
}

/**
 * One orchestration of N sequential steps (after a shorter warm-up instance). Each activity
 * records when it ran; the latency of step k is the time since step k − 1 ran (one full cycle:
 * worker ack, orchestration turn, worker fetch). The figure is the median of steps
 * `earlyFrom`..`earlyTo` against the median of the last `lateSpan` + 1 steps (5–15 and
 * 1,990–2,000 at the full size): a history that grows must not make steps slower.
 */
async function long(params, store) {
  const { steps, warmupSteps, earlyFrom, earlyTo, lateSpan } = params;
  if (steps - lateSpan <= earlyTo) throw new Error(`long: steps (${steps}) too few for the windows`);
  const { runtime, client } = await startRuntime(store, params);
  try {
    await runOne(client, 'long-warm', 'Stamped', warmupSteps, warmupSteps);
    stamps.length = 0;
    const meter = await startCostMeter(store);
    const totalMs = await runOne(client, 'long-1', 'Stamped', steps, steps);
    const cost = await meter.stop(steps);
    const cache = await stopRuntime(runtime);
    // stamps[k - 1] is when step k ran; interval k (k ≥ 2) is step k's latency.
    const interval = (k) => stamps[k - 1] - stamps[k - 2];
    const window = (from, to) => Array.from({ length: to - from + 1 }, (_, i) => interval(from + i));
    for (let k = 1; k <= steps; k++) {
      if (typeof stamps[k - 1] !== 'number') throw new Error(`long: step ${k} left no timestamp`);
    }
    const all = window(2, steps);
    const early = percentile(window(earlyFrom, earlyTo), 50);
    const late = percentile(window(steps - lateSpan, steps), 50);
    return {
      params: { ...params, ...describeRuntime(runtime) },
      throughput: { value: round(steps / (totalMs / 1000), 1), unit: 'activities/s' },
      p50_ms: round(percentile(all, 50), 3),
      p99_ms: round(percentile(all, 99), 3),
      total_ms: round(totalMs),
      cost,
      fields: { late_early_ratio: round(late / early, 2) },
      extra: {
        cache,
        early_step_ms: round(early, 3),
        late_step_ms: round(late, 3),
        early_steps: `${earlyFrom}-${earlyTo}`,
        late_steps: `${steps - lateSpan}-${steps}`,
        // Per-step medians over tenths of the run, to see where a slope starts.
        decile_step_ms: Array.from({ length: 10 }, (_, d) => {
          const from = Math.max(2, Math.floor((d * steps) / 10) + 1);
          return round(percentile(window(from, Math.floor(((d + 1) * steps) / 10)), 50), 3);
        }),
      },
    };
  } finally {
    await runtime.shutdown(1000);
  }
}

/**
 * N instances of a K-step sequential orchestration (10,000 × 2), all started at once (after a
 * small warm-up batch). Total time: the first start call → a poll of the store's status counts
 * (every `pollMs`) sees every instance completed. Every instance's output is checked after the
 * window. Per-instance latency is start → final commit, as in `sequential`.
 */
async function scale(params, store) {
  const { instances, steps, warmupInstances, pollMs } = params;
  const { runtime, client } = await startRuntime(store, params);
  try {
    await runBatch(client, store.provider, 'warm', warmupInstances, steps);
    const ids = Array.from({ length: instances }, (_, i) => `scale-${i}`);
    const startedAt = new Map();
    const meter = await startCostMeter(store);
    const t0 = nowMs();
    await Promise.all(
      ids.map((id) => {
        startedAt.set(id, Date.now());
        return client.startOrchestration(id, 'Sequential', steps);
      }),
    );
    const startMs = nowMs() - t0;
    const done = warmupInstances + instances;
    for (;;) {
      const m = await store.provider.getSystemMetrics();
      if (m.failedInstances > 0) throw new Error(`scale: ${m.failedInstances} instance(s) failed`);
      if (m.completedInstances >= done) break;
      if (nowMs() - t0 > WAIT_TIMEOUT_MS)
        throw new Error(`scale: ${m.completedInstances}/${done} done in time`);
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
    const totalMs = nowMs() - t0;
    const activities = instances * steps;
    const cost = await meter.stop(activities);
    const cache = await stopRuntime(runtime);
    for (const id of ids) expectCompleted(id, await client.getStatus(id), steps);
    const latencies = await latenciesOf(store.provider, ids, startedAt);
    return {
      params: { ...params, ...describeRuntime(runtime) },
      throughput: { value: round(activities / (totalMs / 1000), 1), unit: 'activities/s' },
      p50_ms: round(percentile(latencies, 50)),
      p99_ms: round(percentile(latencies, 99)),
      total_ms: round(totalMs),
      cost,
      extra: {
        cache,
        start_ms: round(startMs),
        instances_per_s: round(instances / (totalMs / 1000), 1),
        last_commit_ms: round(Math.max(...latencies)),
      },
    };
  } finally {
    await runtime.shutdown(1000);
  }
}

// ---------------------------------------------------------------------------------------------

export const WORKLOADS = {
  sequential: {
    description: 'N instances x K sequential activities, all started at once',
    params: {
      full: { instances: 500, steps: 5, warmupInstances: 50 },
      quick: { instances: 50, steps: 5, warmupInstances: 10 },
    },
    run: sequential,
  },
  latency: {
    description: 'one K-step sequential instance at a time, client-observed start -> completion',
    params: {
      full: { runs: 100, steps: 5, warmupRuns: 20 },
      quick: { runs: 20, steps: 5, warmupRuns: 5 },
    },
    run: latency,
  },
  fanout: {
    description: 'one orchestration awaiting ctx.all of W activities, start -> completion',
    params: {
      full: { width: 1000, repetitions: 5, warmupWidth: 200 },
      quick: { width: 100, repetitions: 3, warmupWidth: 50 },
    },
    run: fanout,
  },
  long: {
    description: 'one orchestration of N sequential steps, per-step latency near step 10 vs near step N',
    params: {
      full: { steps: 2000, warmupSteps: 100, earlyFrom: 5, earlyTo: 15, lateSpan: 10 },
      quick: { steps: 200, warmupSteps: 20, earlyFrom: 5, earlyTo: 15, lateSpan: 10 },
    },
    run: long,
  },
  scale: {
    description: 'N instances x K activities started at once, time until all complete',
    params: {
      full: { instances: 10_000, steps: 2, warmupInstances: 100, pollMs: 50 },
      quick: { instances: 1_000, steps: 2, warmupInstances: 20, pollMs: 50 },
    },
    run: scale,
  },
  replay: {
    description: 'full replay of a stored E-event history into a fresh execution',
    params: {
      full: { events: 10_000, repetitions: 20, warmupRepetitions: 5 },
      quick: { events: 1_000, repetitions: 10, warmupRepetitions: 3 },
    },
    run: replay,
  },
};

export const WORKLOAD_NAMES = Object.keys(WORKLOADS);
