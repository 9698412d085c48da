/**
 * Activity retries, written as an ordinary orchestration generator: attempts are activities,
 * backoff delays and timeouts are durable timers, so a retry loop replays like any other code.
 */
import { isNonRetryableFailure } from '../../core/failure.js';
import type { OrchestrationContext } from './context.js';
import { compileRetryPolicy, delayForAttempt } from './retry-policy.js';
import type { CompiledRetryPolicy } from './retry-policy.js';
import { makeTask } from './tasks.js';
import type { ActivityTask, ActivityWithRetryTask, RaceResult, Task } from './tasks.js';

type Attempt = { ok: true; value: unknown } | { ok: false; error: unknown };

export const ATTEMPT_TIMEOUT_MESSAGE = 'timeout: activity timed out';
export const TOTAL_TIMEOUT_MESSAGE = 'timeout: retry deadline exceeded';

function attemptTask(source: ActivityWithRetryTask): ActivityTask {
  const task: ActivityTask = makeTask<ActivityTask>({
    type: 'activity',
    name: source.name,
    input: source.input,
    withTag(tag: string): ActivityTask {
      task.tag = tag;
      return task;
    },
  });
  if (source.sessionId !== undefined) task.sessionId = source.sessionId;
  if (source.tag !== undefined) task.tag = source.tag;
  if (source._typed) task._typed = true;
  return task;
}

/** Runs one attempt, turning a failure into a value so a race does not flatten it. */
function* settle(task: Task): Generator<Task, Attempt, unknown> {
  try {
    return { ok: true, value: yield task };
  } catch (error) {
    return { ok: false, error };
  }
}

function* attempts(ctx: OrchestrationContext, source: ActivityWithRetryTask, policy: CompiledRetryPolicy) {
  let last: Attempt = { ok: false, error: new Error('no attempt made') };
  for (let attempt = 1; attempt <= policy.maxAttempts; attempt++) {
    if (policy.timeoutMs === undefined) {
      last = yield* settle(attemptTask(source));
    } else {
      const raced = (yield ctx.race(
        settle(attemptTask(source)),
        ctx.scheduleTimer(policy.timeoutMs),
      )) as RaceResult<Attempt>;
      if (raced.index === 1) return { ok: false, error: new Error(ATTEMPT_TIMEOUT_MESSAGE) } as Attempt;
      last = raced.value;
    }
    // A failure marked non-retryable in history (a payload that failed its schema) would fail
    // again: stop. Histories recorded before the mark existed never carry it, so they replay
    // as before.
    if (last.ok || attempt === policy.maxAttempts || isNonRetryableFailure(last.error)) return last;
    const delay = delayForAttempt(policy.backoff, attempt);
    const message = last.error instanceof Error ? last.error.message : String(last.error);
    ctx.traceWarn(
      `activity ${source.name} attempt ${attempt}/${policy.maxAttempts} failed: ${message}; retrying in ${delay} ms`,
    );
    if (delay > 0) yield ctx.scheduleTimer(delay);
  }
  return last;
}

/** The generator behind `scheduleActivityWithRetry`. */
export function* retryActivity(
  ctx: OrchestrationContext,
  source: ActivityWithRetryTask,
): Generator<Task, unknown, any> {
  const policy = compileRetryPolicy(source.retry);
  let outcome: Attempt;
  if (policy.totalTimeoutMs === undefined) {
    outcome = yield* attempts(ctx, source, policy);
  } else {
    const raced = (yield ctx.race(
      attempts(ctx, source, policy),
      ctx.scheduleTimer(policy.totalTimeoutMs),
    )) as RaceResult<Attempt>;
    outcome = raced.index === 1 ? { ok: false, error: new Error(TOTAL_TIMEOUT_MESSAGE) } : raced.value;
  }
  if (outcome.ok) return outcome.value;
  throw outcome.error;
}
