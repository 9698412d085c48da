/**
 * Building task descriptors: the shared constructors behind the context's scheduling methods
 * (plain, `…Typed`, session, retry and definition variants all build the same descriptors).
 */
import { InvalidInputError } from '../../core/errors.js';
import { encodePayload } from '../../core/history.js';
import { checkInstanceId } from '../instance-id.js';
import type { RetryPolicyInput } from './retry-policy.js';
import { makeTask } from './tasks.js';
import type {
  ActivityTask,
  ActivityWithRetryTask,
  SubOrchestrationTask,
  TaskFields,
  Yieldable,
} from './tasks.js';

/** Activity scheduling options. */
export interface ActivityOptions {
  /** Routes the activity to the worker that owns this session. */
  sessionId?: string;
  /** Routes the activity to workers whose tag filter accepts this tag. */
  tag?: string;
}

export function activityTask<T>(
  name: string,
  input: unknown,
  options: ActivityOptions = {},
  typed = false,
): ActivityTask<T> {
  const task: ActivityTask<T> = makeTask<ActivityTask<T>>({
    type: 'activity',
    name: String(name),
    input: encodePayload(input),
    withTag(tag: string): ActivityTask<T> {
      task.tag = tag;
      return task;
    },
  });
  if (options.sessionId !== undefined && options.sessionId !== null)
    task.sessionId = String(options.sessionId);
  if (options.tag !== undefined && options.tag !== null) task.tag = String(options.tag);
  if (typed) task._typed = true;
  return task;
}

export function retryTask<T>(
  name: string,
  input: unknown,
  retry: RetryPolicyInput,
  sessionId: string | undefined,
  typed: boolean,
): ActivityWithRetryTask<T> {
  const task: ActivityWithRetryTask<T> = makeTask<ActivityWithRetryTask<T>>({
    type: 'activityWithRetry',
    name: String(name),
    input: encodePayload(input),
    retry,
    withTag(tag: string): ActivityWithRetryTask<T> {
      task.tag = tag;
      return task;
    },
  });
  if (sessionId !== undefined && sessionId !== null) task.sessionId = String(sessionId);
  if (typed) task._typed = true;
  return task;
}

export function subOrchestrationTask<T>(
  name: string,
  input: unknown,
  fields: { instanceId?: string; version?: string | null },
  typed = false,
): SubOrchestrationTask<T> {
  const task: { -readonly [K in keyof TaskFields<SubOrchestrationTask<T>>]: SubOrchestrationTask<T>[K] } = {
    type: 'subOrchestration',
    name: String(name),
    input: encodePayload(input),
  };
  // A bad explicit id fails here, in the orchestration's own code, the same way on every replay.
  if (fields.instanceId !== undefined) {
    task.instanceId = checkInstanceId(fields.instanceId, 'sub-orchestration instance id');
  }
  if (fields.version !== undefined && fields.version !== null) task.version = String(fields.version);
  if (typed) task._typed = true;
  return makeTask<SubOrchestrationTask<T>>(task);
}

export function tasksOf(args: unknown[]): Yieldable[] {
  // race(a, b, c) and race([a, b, c]) are both accepted.
  return (args.length === 1 && Array.isArray(args[0]) ? args[0] : args) as Yieldable[];
}

/** Fails in the orchestration's own code (the same way on every replay) for a wrong definition. */
export function checkRef(
  def: { kind?: unknown; name?: unknown } | null | undefined,
  kind: string,
  method: string,
): void {
  if (def?.kind !== kind || typeof def.name !== 'string') {
    throw new InvalidInputError(
      `ctx.${method}() takes an ${kind} definition (made by define${kind === 'activity' ? 'Activity' : 'Orchestration'}), got ${def?.kind === undefined ? String(def) : `an ${String(def.kind)} definition`}`,
    );
  }
}
