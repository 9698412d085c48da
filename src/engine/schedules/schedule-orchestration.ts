/**
 * The built-in orchestration behind every schedule, and the built-in activity it uses to watch
 * its runs. Every runtime registers both under reserved names.
 *
 * One instance per schedule (`schedule:<id>`), whose input is the whole {@link ScheduleState}.
 * Each execution waits for one stimulus — its wake-up timer or a control message on the
 * `control` queue — then, if the overlap policy watches a run, asks the built-in activity for
 * that run's status (and cancels runs for `cancel-other`), computes the new state with
 * {@link ScheduleStep}, starts the due runs (detached, id `<schedule id>@<ISO time>`),
 * publishes the state as its custom status and continues as new with it.
 *
 * Why one stimulus per execution: the cron computation (croner and the time-zone data of the
 * Node it runs on) happens only in an execution's last turn, which is never replayed. A newer
 * croner or tz database can therefore never make a recorded execution diverge on replay; the
 * computed times travel as the next execution's input. Old executions are pruned as it goes.
 */
import { encodePayload } from '../../core/history.js';
import type { InstanceQuery, Provider } from '../../core/provider.js';
import { outsideSteps } from '../determinism/globals.js';
import type { ActivityHandler } from '../registry.js';
import type { OrchestrationContext } from '../replay/context.js';
import { SYSCALL_PREFIX } from '../replay/tasks.js';
import type { Task } from '../replay/tasks.js';
import { ScheduleStep } from './state.js';
import type { ControlMessage, RunStatuses, ScheduleState, Stimulus } from './state.js';

/** The reserved name of the schedule orchestration (users cannot register it). */
export const SCHEDULE_ORCHESTRATION = `${SYSCALL_PREFIX}schedule`;
/** Its version. */
export const SCHEDULE_ORCHESTRATION_VERSION = '1.0.0';
/** The schedules' own instances, which run as long as their schedule exists (paused or not). */
export const RUNNING_SCHEDULES = Object.freeze({
  orchestrationName: SCHEDULE_ORCHESTRATION,
  status: 'Running',
} satisfies InstanceQuery);
/** The reserved name of the built-in activity that reads (and cancels) runs. */
export const SCHEDULE_OBSERVE_ACTIVITY = `${SYSCALL_PREFIX}schedule_observe`;
/** The queue control messages arrive on. */
export const SCHEDULE_CONTROL_QUEUE = 'control';
/** Every this many executions, the schedule prunes its older executions. */
const PRUNE_EVERY = 50;
/** Executions kept by that pruning. */
const PRUNE_KEEP = 3;

/** Input of {@link SCHEDULE_OBSERVE_ACTIVITY}. */
interface ObserveInput {
  check: string[];
  cancel: string[];
  prune: boolean;
}

const CONTROL_OPS = new Set(['pause', 'resume', 'trigger', 'backfill', 'update']);

function isControl(value: unknown): value is ControlMessage {
  return (
    typeof value === 'object' && value !== null && CONTROL_OPS.has(String((value as { op?: unknown }).op))
  );
}

/** Waits for the next stimulus: the wake-up timer or a control message. */
function* nextStimulus(ctx: OrchestrationContext, state: ScheduleState): Generator<Task, Stimulus, unknown> {
  if (state.cursor === null) return { kind: 'init' };
  for (;;) {
    const control = ctx.dequeueEvent<unknown>(SCHEDULE_CONTROL_QUEUE);
    let message: unknown;
    if (state.wakeAt === null) {
      message = yield* control;
    } else {
      const now = yield* ctx.utcNow();
      const won = yield* ctx.race(control, ctx.scheduleTimer(Math.max(0, state.wakeAt - now)));
      if (won.index === 1) return { kind: 'wake' };
      message = won.value;
    }
    if (isControl(message)) return { kind: 'control', message };
    ctx.traceWarn(`schedule ${state.id}: ignored a control message it does not understand`);
  }
}

/** The schedule orchestration (see the module comment). */
export function* scheduleOrchestration(
  ctx: OrchestrationContext,
  state: ScheduleState,
): Generator<Task, unknown, unknown> {
  const stimulus = yield* nextStimulus(ctx, state);
  const check = state.running === null ? [] : [state.running];
  const prune = ctx.executionId % PRUNE_EVERY === 0;
  let statuses: RunStatuses = {};
  if (check.length > 0 || state.toCancel.length > 0 || prune) {
    const input: ObserveInput = { check, cancel: state.toCancel, prune };
    statuses = yield* ctx.scheduleActivity<RunStatuses>(SCHEDULE_OBSERVE_ACTIVITY, input);
  }
  const now = yield* ctx.utcNow();
  // croner builds Dates from explicit times only; the guard need not watch it.
  const step = outsideSteps(() => new ScheduleStep(state, now, statuses).apply(stimulus));
  if (step.rejected !== undefined)
    ctx.traceWarn(`schedule ${state.id}: update not applied: ${step.rejected}`);
  for (const run of step.starts) {
    yield* ctx.startOrchestrationVersioned(run.orchestration, run.version ?? null, run.instanceId, run.input);
  }
  ctx.setCustomStatus(encodePayload(step.state));
  return yield* ctx.continueAsNew(step.state);
}

/** The built-in activity: cancels `cancel`, reads the status of `check`, prunes old executions. */
export function scheduleObserveActivity(provider: Provider): ActivityHandler {
  return async (ctx: { instanceId: string }, input: ObserveInput): Promise<Record<string, string>> => {
    for (const instance of input.cancel) {
      await provider.enqueueOrchestratorWork({
        type: 'CancelInstance',
        instance,
        reason: `cancelled by ${ctx.instanceId} (overlap policy cancel-other)`,
      });
    }
    const statuses: Record<string, string> = {};
    for (const id of input.check) {
      const info = await provider.getInstanceInfo(id);
      statuses[id] = info === null ? 'NotFound' : info.status;
    }
    if (input.prune) await provider.pruneExecutions(ctx.instanceId, { keepLast: PRUNE_KEEP });
    return statuses;
  };
}
