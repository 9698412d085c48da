/**
 * What the Client's schedule methods do: create the schedule's instance, send it control
 * messages, and read its published state. Everything goes through the provider; the
 * schedule's own orchestration (schedule-orchestration.ts) does the scheduling.
 */
import { toEpochMs } from '../../core/duration.js';
import {
  AlreadyExistsError,
  IllegalStateError,
  InvalidInputError,
  NotFoundError,
} from '../../core/errors.js';
import { encodePayload } from '../../core/history.js';
import type { InstanceInfo, Provider } from '../../core/provider.js';
import { checkInstanceId } from '../instance-id.js';
import { registeredLocally } from './known-orchestrations.js';
import { nextTime, scheduleInstanceId, SCHEDULE_INSTANCE_PREFIX, timesBetween } from './next-times.js';
import {
  SCHEDULE_CONTROL_QUEUE,
  SCHEDULE_ORCHESTRATION,
  SCHEDULE_ORCHESTRATION_VERSION,
} from './schedule-orchestration.js';
import { applySchedulePatch, compileScheduleOptions } from './spec.js';
import { initialState, MAX_BACKFILL_TIMES } from './state.js';
import type { ControlMessage, ScheduleState } from './state.js';
import type {
  BackfillOptions,
  ScheduleDescription,
  ScheduleOptions,
  SchedulePatch,
  ScheduleRun,
  ScheduleSpec,
  ScheduleSummary,
} from './types.js';

/** How many next times `describeSchedule` lists. */
const NEXT_TIMES = 5;
/**
 * Refuses an orchestration that neither a runtime of this process (on this provider) nor a live
 * worker of the store registers. Stores without a worker registry are not checked.
 */
async function checkOrchestrationKnown(
  provider: Provider,
  name: string,
  version: string | undefined,
): Promise<void> {
  if (registeredLocally(provider, name, version)) return;
  if (provider.listWorkers === undefined) return;
  const workers = await provider.listWorkers();
  const known = workers.some((w) => {
    const versions = w.orchestrations[name];
    return versions !== undefined && (version === undefined || versions.includes(version));
  });
  if (known) return;
  const what = version === undefined ? `'${name}'` : `'${name}' version ${version}`;
  throw new InvalidInputError(
    `orchestration: ${what} is not registered by a runtime of this process or by any live worker (pass allowUnknownOrchestration: true to create the schedule anyway)`,
  );
}

/** Creates a schedule; see `Client.createSchedule`. */
export async function createSchedule(
  provider: Provider,
  options: ScheduleOptions,
): Promise<ScheduleDescription> {
  const compiled = compileScheduleOptions(options);
  if (!compiled.allowUnknownOrchestration) {
    await checkOrchestrationKnown(provider, compiled.spec.orchestration, compiled.spec.version);
  }
  const state = initialState(compiled.id, compiled.spec, compiled.paused, compiled.remainingRuns);
  const instance = scheduleInstanceId(compiled.id);
  const created = await provider.createInstance({
    type: 'StartOrchestration',
    instance,
    orchestration: SCHEDULE_ORCHESTRATION,
    version: SCHEDULE_ORCHESTRATION_VERSION,
    input: encodePayload(state),
    execution_id: 1,
  });
  if (!created) {
    throw new AlreadyExistsError(`schedule '${compiled.id}' already exists (delete it first)`, {
      instanceId: instance,
    });
  }
  if (compiled.firstTurnWaitMs > 0 && (await workerRuns(provider))) {
    await firstTurn(provider, instance, compiled.firstTurnWaitMs);
  }
  const info = await scheduleInfo(provider, compiled.id);
  return describe(compiled.id, info, (await stateOf(provider, info)) ?? state, provider);
}

/** Whether a runtime of this process or a live worker runs schedules. */
async function workerRuns(provider: Provider): Promise<boolean> {
  if (registeredLocally(provider, SCHEDULE_ORCHESTRATION, SCHEDULE_ORCHESTRATION_VERSION)) return true;
  const workers = (await provider.listWorkers?.()) ?? [];
  return workers.some((w) => w.orchestrations[SCHEDULE_ORCHESTRATION] !== undefined);
}

/**
 * Waits (up to `timeoutMs`, wall time) until a worker ran the schedule's first turn, which
 * publishes its state: until then `describeSchedule` has nothing to read.
 */
async function firstTurn(provider: Provider, instance: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const info = await provider.getInstanceInfo(instance);
    if (info === null || info.customStatus !== null) return;
    const remaining = deadline - Date.now();
    if (remaining <= 0) return;
    await provider.waitForInstanceChange(instance, Math.min(50, remaining));
  }
}

/** The schedule's instance, or `NotFoundError`. */
async function scheduleInfo(provider: Provider, id: string): Promise<InstanceInfo> {
  const scheduleId = checkInstanceId(id, 'schedule id');
  const info = await provider.getInstanceInfo(scheduleInstanceId(scheduleId));
  if (info === null || info.orchestrationName !== SCHEDULE_ORCHESTRATION) {
    throw new NotFoundError(`schedule '${scheduleId}' not found`, {
      instanceId: scheduleInstanceId(scheduleId),
    });
  }
  return info;
}

/** The state the schedule published last; for a schedule no worker has run yet, its input. */
async function stateOf(provider: Provider, info: InstanceInfo): Promise<ScheduleState | null> {
  if (info.customStatus !== null) return JSON.parse(info.customStatus) as ScheduleState;
  const history = await provider.readHistory(info.instanceId, info.currentExecutionId);
  const started = history[0];
  if (started?.type !== 'OrchestrationStarted') return null;
  return JSON.parse(started.input) as ScheduleState;
}

/** A schedule no worker has run yet keeps its spec in its queued start, which nothing reads. */
function notStarted(id: string): IllegalStateError {
  return new IllegalStateError(
    `schedule '${id}' has not been run by a worker yet, so its state cannot be read; start a runtime`,
  );
}

/** Up to `count` next scheduled times from the state. */
function upcoming(state: ScheduleState, count: number): number[] {
  if (state.paused || state.remainingRuns === 0) return [];
  const limit = state.remainingRuns === null ? count : Math.min(count, state.remainingRuns);
  const first = state.next ?? (state.cursor === null ? null : nextTime(state.spec, state.cursor));
  if (first === null) return [];
  return [first, ...timesBetween(state.spec, first, Number.MAX_SAFE_INTEGER, limit - 1)];
}

function statusOf(info: InstanceInfo): ScheduleDescription['state']['status'] {
  return info.status === 'Completed' || info.status === 'Failed' || info.status === 'Pending'
    ? info.status
    : 'Running';
}

/** A started run with its instance's status as stored now. */
async function withStatus(provider: Provider, run: ScheduleRun): Promise<ScheduleRun> {
  if (run.action !== 'started') return run;
  const info = await provider.getInstanceInfo(run.instanceId);
  return { ...run, status: info === null ? 'NotFound' : statusOf(info) };
}

async function describe(
  id: string,
  info: InstanceInfo,
  state: ScheduleState | null,
  provider: Provider,
): Promise<ScheduleDescription> {
  const status = statusOf(info);
  if (state === null) throw notStarted(id);
  const recentRuns: ScheduleRun[] = [];
  for (const run of state.recent) recentRuns.push(await withStatus(provider, run));
  return {
    id,
    instanceId: info.instanceId,
    spec: state.spec,
    state: {
      paused: state.paused,
      ...(state.note === undefined ? {} : { note: state.note }),
      ...(state.remainingRuns === null ? {} : { remainingRuns: state.remainingRuns }),
      ...(state.cursor === null ? {} : { lastScheduledAt: state.cursor }),
      ...(state.wakeAt === null ? {} : { wakeAt: state.wakeAt }),
      buffered: state.buffer.length,
      ...(state.running === null ? {} : { runningInstanceId: state.running }),
      status,
      updatedAt: info.updatedAt,
    },
    nextTimes: upcoming(state, NEXT_TIMES),
    recentRuns,
  };
}

/** See `Client.describeSchedule`. */
export async function describeSchedule(provider: Provider, id: string): Promise<ScheduleDescription> {
  const info = await scheduleInfo(provider, id);
  return describe(String(id), info, await stateOf(provider, info), provider);
}

function specText(spec: ScheduleSpec): string {
  if (spec.cron !== undefined) return spec.timezone === 'UTC' ? spec.cron : `${spec.cron} (${spec.timezone})`;
  const interval = spec.interval!;
  return interval.offsetMs === 0
    ? `every ${interval.everyMs} ms`
    : `every ${interval.everyMs} ms + ${interval.offsetMs} ms`;
}

/** See `Client.listSchedules`. */
export async function listSchedules(provider: Provider): Promise<ScheduleSummary[]> {
  const instances = await provider.listInstances({
    orchestrationName: SCHEDULE_ORCHESTRATION,
    orderBy: 'instanceId',
    descending: false,
  });
  const out: ScheduleSummary[] = [];
  for (const info of instances) {
    const state = await stateOf(provider, info);
    const id = info.instanceId.slice(SCHEDULE_INSTANCE_PREFIX.length);
    if (state === null) {
      out.push({
        id,
        instanceId: info.instanceId,
        paused: false,
        spec: '(not run by a worker yet)',
        orchestration: '',
        status: statusOf(info),
      });
      continue;
    }
    const [nextTimeAt] = upcoming(state, 1);
    const lastRun = state.recent[0] === undefined ? undefined : await withStatus(provider, state.recent[0]);
    out.push({
      id,
      instanceId: info.instanceId,
      paused: state.paused,
      ...(state.note === undefined ? {} : { note: state.note }),
      spec: specText(state.spec),
      orchestration: state.spec.orchestration,
      ...(nextTimeAt === undefined ? {} : { nextTime: nextTimeAt }),
      ...(lastRun === undefined ? {} : { lastRun }),
      status: statusOf(info),
    });
  }
  return out;
}

/** Sends a control message to an existing schedule. */
async function send(provider: Provider, id: string, message: ControlMessage): Promise<void> {
  const info = await scheduleInfo(provider, id);
  if (info.status === 'Completed' || info.status === 'Failed') {
    throw new NotFoundError(`schedule '${id}' has ended (${info.status}); delete and create it again`, {
      instanceId: info.instanceId,
    });
  }
  await provider.enqueueOrchestratorWork({
    type: 'QueueMessage',
    instance: info.instanceId,
    name: SCHEDULE_CONTROL_QUEUE,
    data: encodePayload(message),
  });
}

/** See `Client.updateSchedule`. */
export async function updateSchedule(provider: Provider, id: string, patch: SchedulePatch): Promise<void> {
  const info = await scheduleInfo(provider, id);
  const state = await stateOf(provider, info);
  if (state === null) throw notStarted(id);
  // Checked here against the current spec; the schedule applies the patch itself, to the spec it
  // has then, so concurrent updates of different fields all apply.
  const compiled = applySchedulePatch(state.spec, patch);
  if (compiled.orchestrationChanged && !compiled.allowUnknownOrchestration) {
    await checkOrchestrationKnown(provider, compiled.spec.orchestration, compiled.spec.version);
  }
  const { allowUnknownOrchestration: _checked, orchestration, ...rest } = patch;
  const sent: SchedulePatch = { ...rest };
  if (orchestration !== undefined) {
    sent.orchestration = typeof orchestration === 'string' ? orchestration : orchestration.name;
    if (
      typeof orchestration !== 'string' &&
      patch.version === undefined &&
      orchestration.version !== undefined
    ) {
      sent.version = orchestration.version;
    }
  }
  await send(provider, id, { op: 'update', patch: sent });
}

/** See `Client.pauseSchedule`. */
export function pauseSchedule(provider: Provider, id: string, note?: string): Promise<void> {
  return send(provider, id, { op: 'pause', ...(note === undefined ? {} : { note: String(note) }) });
}

/** See `Client.resumeSchedule`. */
export function resumeSchedule(provider: Provider, id: string): Promise<void> {
  return send(provider, id, { op: 'resume' });
}

/** See `Client.triggerSchedule`. */
export function triggerSchedule(provider: Provider, id: string): Promise<void> {
  return send(provider, id, { op: 'trigger' });
}

/** See `Client.backfillSchedule`. */
export async function backfillSchedule(
  provider: Provider,
  id: string,
  options: BackfillOptions,
): Promise<number> {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidInputError('backfillSchedule: options { from, to } are required');
  }
  const from = fieldTime('from', options.from);
  const to = fieldTime('to', options.to);
  if (to < from) throw new InvalidInputError('to: must not be before from');
  const overlap = options.overlap ?? 'allow-all';
  if (!['skip', 'buffer-one', 'buffer-all', 'cancel-other', 'allow-all'].includes(overlap)) {
    throw new InvalidInputError(`overlap: unknown policy ${JSON.stringify(overlap)}`);
  }
  const info = await scheduleInfo(provider, id);
  const state = await stateOf(provider, info);
  if (state === null) throw notStarted(id);
  const times = timesBetween(state.spec, from - 1, to, MAX_BACKFILL_TIMES + 1);
  if (times.length > MAX_BACKFILL_TIMES) {
    throw new InvalidInputError(
      `backfillSchedule: the range holds more than ${MAX_BACKFILL_TIMES} times; backfill it in parts`,
    );
  }
  await send(provider, id, { op: 'backfill', from, to, overlap });
  return times.length;
}

function fieldTime(name: string, value: unknown): number {
  try {
    return toEpochMs(value as Parameters<typeof toEpochMs>[0]);
  } catch (err) {
    throw new InvalidInputError(`${name}: ${(err as Error).message}`);
  }
}

/** See `Client.deleteSchedule`. */
export async function deleteSchedule(provider: Provider, id: string): Promise<void> {
  const info = await scheduleInfo(provider, id);
  await provider.deleteInstances([info.instanceId], true);
}
