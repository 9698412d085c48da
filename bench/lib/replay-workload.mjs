/**
 * The `replay` workload: a full replay of a stored history into a fresh ExecutionState. It runs
 * no runtime; its cost window is the replay loop (no store access: commits should be 0).
 */
import { startCostMeter } from './cost.mjs';
import { Client, ExecutionState, createStepGuard } from './durox.mjs';
import { nowMs, percentile, round } from './stats.mjs';

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
export async function replay(params, store) {
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
  let meter;
  for (let i = 0; i < warmupRepetitions + repetitions; i++) {
    if (i === warmupRepetitions) meter = await startCostMeter(store);
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
  const cost = await meter.stop(repetitions * steps);
  const p50 = percentile(times, 50);
  return {
    cost,
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
