/**
 * The benchmark workloads. Each one runs against a fresh store (see providers.mjs), warms up
 * briefly, measures, and returns the fields of its result line; run.mjs adds the common ones.
 *
 * A workload is `{ description, params: {full, quick}, target, run(params, store) }`.
 * `target` names the result field the issue sets a goal for; `meets_target` is only judged at
 * the full sizes, since the goals are stated for those.
 */
import { Client, ExecutionState, Runtime, createStepGuard } from './durox.mjs';
import { cpuSince, nowMs, percentile, round } from './stats.mjs';

const WAIT_TIMEOUT_MS = 300_000;

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

/** The orchestrations and activity every runtime workload registers. */
function register(runtime) {
  runtime.registerActivity('Step', async (_ctx, input) => input + 1);
  runtime.registerOrchestration('Sequential', function* (ctx, steps) {
    let x = 0;
    for (let i = 0; i < steps; i++) x = yield ctx.scheduleActivity('Step', x);
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

/** Starts a runtime on `provider` with the workload's options; returns it with a client. */
async function startRuntime(store, params) {
  // A provider may recommend its own defaults (more concurrency hides PostgreSQL round trips).
  const runtime = new Runtime(store.provider, { ...store.runtimeDefaults, ...runtimeOptions(params) });
  register(runtime);
  await runtime.start();
  return { runtime, client: new Client(store.provider) };
}

/** Effective runtime options, for the record. */
function describeRuntime(runtime) {
  const o = runtime.options;
  return {
    orchestrationConcurrency: o.orchestrationConcurrency,
    workerConcurrency: o.workerConcurrency,
    orchestrationCacheSize: o.orchestrationCacheSize,
    determinism: o.determinism ?? 'none (build without the guard)',
  };
}

function expectCompleted(id, status, expected) {
  if (status.status !== 'Completed') {
    throw new Error(`${id} ended ${status.status}: ${status.error ?? ''}`);
  }
  if (status.output !== expected) {
    throw new Error(`${id} returned ${JSON.stringify(status.output)}, expected ${expected}`);
  }
}

/** One instance start→completion as the client sees it (waitForOrchestration). */
async function runOne(client, id, name, input, expected) {
  const t0 = nowMs();
  await client.startOrchestration(id, name, input);
  const status = await client.waitForOrchestration(id, WAIT_TIMEOUT_MS);
  const elapsed = nowMs() - t0;
  expectCompleted(id, status, expected);
  return elapsed;
}

/** Stops the runtime; returns its instance-cache statistics first. */
async function stopRuntime(runtime) {
  const cache = runtime.cacheStats();
  await runtime.shutdown(5000);
  return { hits: cache.hits, misses: cache.misses };
}

// ---------------------------------------------------------------------------------------------

/**
 * N instances × K sequential activities, all started at once. Throughput counts activities
 * over the wall time from the first start to the moment the client has seen the last one
 * complete. Per-instance latency is start call → the commit of the instance's final turn
 * (the instance row's `updatedAt`, written by the completing ack), so measuring it adds no
 * polling load; completion is observed by one client waiting on the instances in order.
 */
async function sequential(params, store) {
  const { instances, steps, warmupInstances } = params;
  const { runtime, client } = await startRuntime(store, params);
  try {
    // Warm-up: a small batch through the same path (JIT, statement caches, page cache).
    await runBatch(client, store.provider, 'warm', warmupInstances, steps);
    const batch = await runBatch(client, store.provider, 'seq', instances, steps);
    const cache = await stopRuntime(runtime);
    const activities = instances * steps;
    return {
      params: { ...params, ...describeRuntime(runtime) },
      throughput: { value: round(activities / (batch.wallMs / 1000), 1), unit: 'activities/s' },
      p50_ms: round(percentile(batch.latencies, 50)),
      p99_ms: round(percentile(batch.latencies, 99)),
      total_ms: round(batch.wallMs),
      extra: {
        cache,
        instances_per_s: round(instances / (batch.wallMs / 1000), 1),
        cpu_ms: round(batch.cpuMs),
        cpu_us_per_activity: round((1000 * batch.cpuMs) / activities, 1),
      },
    };
  } finally {
    await runtime.shutdown(1000);
  }
}

async function runBatch(client, provider, prefix, instances, steps) {
  const ids = Array.from({ length: instances }, (_, i) => `${prefix}-${i}`);
  const startedAt = new Map();
  const cpu0 = process.cpuUsage();
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
  const cpuMs = cpuSince(cpu0);
  const latencies = [];
  for (const id of ids) {
    const info = await provider.getInstanceInfo(id);
    latencies.push(info.updatedAt - startedAt.get(id));
  }
  return { wallMs, cpuMs, latencies };
}

/** One instance at a time: start → client sees Completed, for a K-step sequential orchestration. */
async function latency(params, store) {
  const { runs, steps, warmupRuns } = params;
  const { runtime, client } = await startRuntime(store, params);
  try {
    for (let i = 0; i < warmupRuns; i++) await runOne(client, `warm-${i}`, 'Sequential', steps, steps);
    const latencies = [];
    const cpu0 = process.cpuUsage();
    const t0 = nowMs();
    for (let i = 0; i < runs; i++) {
      latencies.push(await runOne(client, `lat-${i}`, 'Sequential', steps, steps));
    }
    const totalMs = nowMs() - t0;
    const cpuMs = cpuSince(cpu0);
    const cache = await stopRuntime(runtime);
    return {
      params: { ...params, ...describeRuntime(runtime) },
      throughput: { value: round(runs / (totalMs / 1000), 1), unit: 'orchestrations/s' },
      p50_ms: round(percentile(latencies, 50)),
      p99_ms: round(percentile(latencies, 99)),
      total_ms: round(totalMs),
      extra: {
        cache,
        min_ms: round(Math.min(...latencies)),
        max_ms: round(Math.max(...latencies)),
        cpu_ms_per_orchestration: round(cpuMs / runs, 3),
      },
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
    const cpu0 = process.cpuUsage();
    for (let i = 0; i < repetitions; i++) {
      times.push(await runOne(client, `fan-${i}`, 'FanOut', width, expected));
    }
    const cpuMs = cpuSince(cpu0);
    const cache = await stopRuntime(runtime);
    const p50 = percentile(times, 50);
    return {
      params: { ...params, ...describeRuntime(runtime) },
      throughput: { value: round(width / (p50 / 1000), 1), unit: 'activities/s' },
      p50_ms: round(p50),
      p99_ms: round(percentile(times, 99)),
      total_ms: round(times.reduce((a, b) => a + b, 0)),
      extra: {
        cache,
        runs_ms: times.map((t) => round(t)),
        cpu_us_per_activity: round((1000 * cpuMs) / (width * repetitions), 1),
      },
    };
  } finally {
    await runtime.shutdown(1000);
  }
}

// ---------------------------------------------------------------------------------------------

function* chain(ctx, steps) {
  let x = 0;
  for (let i = 0; i < steps; i++) x = yield ctx.scheduleActivity('Step', x);
  return x;
}

/**
 * Records a real history by driving the replay core's live turns: a sequential orchestration
 * whose activity completions are fed back one per turn, exactly as the runtime would.
 */
function buildHistory(instanceId, steps) {
  let clock = 1_700_000_000_000;
  let guid = 0;
  const turn = (exec, messages, start) =>
    exec.runTurn({ now: ++clock, newGuid: () => `guid-${++guid}`, messages, ...(start ? { start } : {}) });
  const exec = new ExecutionState({ instanceId, executionId: 1, handler: chain });
  const history = [];
  let result = turn(exec, [], { name: 'Chain', version: '1.0.0', input: JSON.stringify(steps) });
  for (;;) {
    history.push(...result.delta);
    if (result.outcome.status !== 'Running') break;
    const scheduled = result.delta.filter((e) => e.type === 'ActivityScheduled');
    if (scheduled.length !== 1) throw new Error(`expected one scheduled activity, got ${scheduled.length}`);
    const [event] = scheduled;
    const value = JSON.parse(event.input) + 1;
    result = turn(exec, [
      {
        type: 'ActivityCompleted',
        instance: instanceId,
        execution_id: 1,
        id: event.event_id,
        result: JSON.stringify(value),
      },
    ]);
  }
  if (result.outcome.status !== 'Completed') throw new Error(`history build ended ${result.outcome.status}`);
  return { history, output: result.outcome.output };
}

/**
 * Full replay of a stored E-event history: the history is recorded once through the replay
 * core, committed to the store in one ack, read back with `readHistory`, and then replayed
 * from scratch into a new ExecutionState several times. p50 of the replay is the figure.
 * Each step runs under the determinism guard in the `determinism` mode (default `guard`, as
 * the runtime; `--param determinism=off` measures without it).
 */
async function replay(params, store) {
  const { events, repetitions, warmupRepetitions } = params;
  const guard = createStepGuard?.(params.determinism ?? 'guard');
  // Started + (scheduled, completed) per activity + completed = events.
  const steps = Math.floor((events - 2) / 2);
  const instanceId = 'replay-1';
  const tBuild = nowMs();
  const built = buildHistory(instanceId, steps);
  const buildMs = nowMs() - tBuild;

  // Commit it through the provider contract, as one turn of a runtime would.
  const client = new Client(store.provider);
  await client.startOrchestration(instanceId, 'Chain', steps);
  const item = await store.provider.fetchOrchestrationItem(60_000);
  if (item === null || item.instanceId !== instanceId) throw new Error('could not lock the replay instance');
  await store.provider.ackOrchestrationItem(item.lockToken, {
    executionId: 1,
    historyDelta: built.history,
    workerItems: [],
    orchestratorItems: [],
    cancelledActivities: [],
    metadata: {
      orchestrationName: 'Chain',
      orchestrationVersion: '1.0.0',
      status: 'Completed',
      output: built.output,
    },
    kvMutations: [],
  });

  const readTimes = [];
  let history = [];
  for (let i = 0; i < warmupRepetitions + repetitions; i++) {
    const t0 = nowMs();
    history = await store.provider.readHistory(instanceId);
    if (i >= warmupRepetitions) readTimes.push(nowMs() - t0);
  }
  if (history.length !== built.history.length) {
    throw new Error(`read ${history.length} events, wrote ${built.history.length}`);
  }

  const times = [];
  for (let i = 0; i < warmupRepetitions + repetitions; i++) {
    const exec = new ExecutionState({
      instanceId,
      executionId: 1,
      handler: chain,
      ...(guard ? { guard } : {}),
    });
    const t0 = nowMs();
    exec.replay(history);
    const elapsed = nowMs() - t0;
    if (!exec.isFinished || exec.historyLength !== history.length) {
      throw new Error(`replay did not reach the end (finished=${exec.isFinished}, at ${exec.historyLength})`);
    }
    if (i >= warmupRepetitions) times.push(elapsed);
  }
  const p50 = percentile(times, 50);
  return {
    params: {
      ...params,
      history_events: history.length,
      activities: steps,
      determinism: createStepGuard ? (params.determinism ?? 'guard') : 'none (build without the guard)',
    },
    throughput: { value: round(history.length / (p50 / 1000), 0), unit: 'events/s' },
    p50_ms: round(p50),
    p99_ms: round(percentile(times, 99)),
    total_ms: round(times.reduce((a, b) => a + b, 0)),
    extra: {
      build_ms: round(buildMs),
      read_history_p50_ms: round(percentile(readTimes, 50)),
      read_history_p99_ms: round(percentile(readTimes, 99)),
    },
  };
}

// ---------------------------------------------------------------------------------------------

export const WORKLOADS = {
  sequential: {
    description: 'N instances x K sequential activities, all started at once',
    params: {
      full: { instances: 500, steps: 5, warmupInstances: 50 },
      quick: { instances: 50, steps: 5, warmupInstances: 10 },
    },
    target: { metric: 'throughput', op: '>=', value: 3000, unit: 'activities/s' },
    // PostgreSQL targets are set to beat DBOS Transact on the same kind of machine.
    targets: { postgres: { metric: 'throughput', op: '>=', value: 1500, unit: 'activities/s' } },
    run: sequential,
  },
  latency: {
    description: 'one K-step sequential instance at a time, client-observed start -> completion',
    params: {
      full: { runs: 100, steps: 5, warmupRuns: 20 },
      quick: { runs: 20, steps: 5, warmupRuns: 5 },
    },
    target: { metric: 'p50_ms', op: '<=', value: 10, unit: 'ms' },
    targets: { postgres: { metric: 'p50_ms', op: '<=', value: 20, unit: 'ms' } },
    run: latency,
  },
  fanout: {
    description: 'one orchestration awaiting ctx.all of W activities, start -> completion',
    params: {
      full: { width: 1000, repetitions: 5, warmupWidth: 200 },
      quick: { width: 100, repetitions: 3, warmupWidth: 50 },
    },
    target: { metric: 'p50_ms', op: '<=', value: 500, unit: 'ms' },
    targets: { postgres: { metric: 'p50_ms', op: '<=', value: 800, unit: 'ms' } },
    run: fanout,
  },
  replay: {
    description: 'full replay of a stored E-event history into a fresh execution',
    params: {
      full: { events: 10_000, repetitions: 20, warmupRepetitions: 5 },
      quick: { events: 1_000, repetitions: 10, warmupRepetitions: 3 },
    },
    target: { metric: 'p50_ms', op: '<=', value: 100, unit: 'ms' },
    run: replay,
  },
};

export const WORKLOAD_NAMES = Object.keys(WORKLOADS);

/** The goal a workload is judged against on `provider` (SQLite's unless stated otherwise). */
export function targetFor(workload, provider) {
  return workload.targets?.[provider] ?? workload.target;
}
