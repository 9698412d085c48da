/**
 * Typed definitions: an activity or orchestration as a value that carries its name, version,
 * optional zod schemas and its input/output types. `runtime.register(...defs)` registers them,
 * `ctx.run` / `ctx.runSubOrchestration` schedule them and `client.start` / `client.waitFor`
 * start and await them, all typed by the definition.
 *
 * Payloads are validated where they are consumed or produced: an input when the activity or
 * orchestration receives it, an output when it returns it (and `client.start` checks an input
 * before writing anything). Inputs are stored as the caller gave them and outputs as the
 * schema returned them, so each schema runs once per payload.
 */
import { InvalidInputError, PayloadValidationError } from '../core/errors.js';
import { firstZodIssue } from '../core/zod-issues.js';
import type { ZodIssueList } from '../core/zod-issues.js';
import type { ActivityHandler } from './registry.js';
import type { OrchestrationContext } from './replay/context.js';
import type { ActivityRef, OrchestrationRef } from './replay/definition-refs.js';
import type { OrchestrationHandler } from './replay/execution.js';
import { isGenerator } from './replay/nodes.js';
import type { Yieldable } from './replay/tasks.js';
import type { ActivityContext } from './runtime/activity-context.js';

/**
 * A schema for a payload: a zod schema (zod 3, or anything with zod's `safeParse` and its
 * `_input` / `_output` types). `Output` is what the schema returns, `Input` what it accepts.
 */
export interface PayloadSchema<Output = unknown, Input = Output> {
  /** The accepted type (type-level only, as zod declares it). */
  readonly _input: Input;
  /** The returned type (type-level only, as zod declares it). */
  readonly _output: Output;
  /** Validates `value`: the parsed value, or the issues (zod's `ZodError`). */
  safeParse(value: unknown): { success: true; data: Output } | { success: false; error: ZodIssueList };
}

/**
 * An activity definition (made by {@link defineActivity}): callers pass `I` and receive `O`;
 * the handler receives `HI` and returns `HO` (the same types unless a schema transforms them).
 */
export interface ActivityDefinition<
  I = unknown,
  O = unknown,
  N extends string = string,
  HI = I,
  HO = O,
> extends ActivityRef<I, O, N> {
  /** Validates the input before the handler runs. */
  readonly input?: PayloadSchema<HI, I>;
  /** Validates the handler's result before it is recorded. */
  readonly output?: PayloadSchema<O, HO>;
  /** The activity code. */
  handler(ctx: ActivityContext, input: HI): HO | PromiseLike<HO>;
}

/**
 * An orchestration definition (made by {@link defineOrchestration}): callers pass `I` and
 * receive `O`; the generator receives `HI` and returns `HO`.
 */
export interface OrchestrationDefinition<
  I = unknown,
  O = unknown,
  N extends string = string,
  HI = I,
  HO = O,
> extends OrchestrationRef<I, O, N> {
  /** Validates the input before the orchestration code runs. */
  readonly input?: PayloadSchema<HI, I>;
  /** Validates the code's return value before the orchestration completes. */
  readonly output?: PayloadSchema<O, HO>;
  /** The orchestration code (a generator function). */
  handler(ctx: OrchestrationContext, input: HI): Generator<Yieldable, HO, unknown>;
}

/** Any activity definition. */
export type AnyActivityDefinition = ActivityDefinition<unknown, unknown, string, unknown, unknown>;

/** Any orchestration definition. */
export type AnyOrchestrationDefinition = OrchestrationDefinition<unknown, unknown, string, unknown, unknown>;

/** Any definition (what `runtime.register` takes). */
export type AnyDefinition = AnyActivityDefinition | AnyOrchestrationDefinition;

/** The first argument of {@link defineActivity} in its long form. */
export interface ActivitySpec<N extends string = string, I = unknown, O = unknown, HI = I, HO = O> {
  /** The activity name (what `scheduleActivity(name, …)` calls). */
  name: N;
  /** A zod schema the input must satisfy. */
  input?: PayloadSchema<HI, I>;
  /** A zod schema the result must satisfy. */
  output?: PayloadSchema<O, HO>;
}

/** The first argument of {@link defineOrchestration} in its long form. */
export interface OrchestrationSpec<N extends string = string, I = unknown, O = unknown, HI = I, HO = O> {
  /** The orchestration name. */
  name: N;
  /** The version it registers as (default `1.0.0`); `client.start` and sub-orchestrations pin it. */
  version?: string;
  /** A zod schema the input must satisfy. */
  input?: PayloadSchema<HI, I>;
  /** A zod schema the output must satisfy. */
  output?: PayloadSchema<O, HO>;
}

function checkSpec(kind: 'activity' | 'orchestration', spec: unknown, handler: unknown): void {
  const name = (spec as { name?: unknown } | null)?.name;
  if (typeof name !== 'string' || name.length === 0) {
    throw new InvalidInputError(
      `define${kind === 'activity' ? 'Activity' : 'Orchestration'}: name must be a non-empty string`,
    );
  }
  if (typeof handler !== 'function')
    throw new InvalidInputError(`${kind} "${name}": the handler must be a function`);
  for (const key of ['input', 'output'] as const) {
    const schema = (spec as Record<string, unknown>)[key];
    if (schema !== undefined && typeof (schema as { safeParse?: unknown } | null)?.safeParse !== 'function') {
      throw new InvalidInputError(`${kind} "${name}": ${key} must be a zod schema`);
    }
  }
}

/**
 * Defines an activity: `defineActivity('Charge', async (ctx, order: Order) => receipt)`, or with
 * schemas `defineActivity({ name: 'Charge', input: OrderSchema, output: ReceiptSchema }, …)`.
 * The value carries the name and the input/output types; register it with
 * `runtime.register(...)` and call it with `ctx.run(def, input)`.
 */
export function defineActivity<N extends string, HI = unknown, HO = unknown>(
  name: N,
  handler: (ctx: ActivityContext, input: HI) => HO | PromiseLike<HO>,
): ActivityDefinition<HI, HO, N>;
export function defineActivity<N extends string, HI = unknown, HO = unknown, I = HI, O = HO>(
  spec: ActivitySpec<N, I, O, HI, HO>,
  handler: (ctx: ActivityContext, input: HI) => HO | PromiseLike<HO>,
): ActivityDefinition<I, O, N, HI, HO>;
export function defineActivity(
  nameOrSpec: string | ActivitySpec,
  handler: (ctx: ActivityContext, input: unknown) => unknown,
): AnyActivityDefinition {
  const spec = typeof nameOrSpec === 'string' ? { name: nameOrSpec } : nameOrSpec;
  checkSpec('activity', spec, handler);
  return Object.freeze({
    kind: 'activity' as const,
    name: spec.name,
    ...(spec.input === undefined ? {} : { input: spec.input }),
    ...(spec.output === undefined ? {} : { output: spec.output }),
    handler,
  });
}

/**
 * Defines an orchestration: `defineOrchestration('ProcessOrder', function* (ctx, order: Order) {
 * … return result; })`, or with a version and schemas `defineOrchestration({ name, version,
 * input, output }, function* …)`. Inside, `yield* task` gives each task's typed result. The
 * value carries the name, version and types; register it with `runtime.register(...)`, start
 * it with `client.start(def, id, input)`, run it as a child with `ctx.runSubOrchestration`.
 */
export function defineOrchestration<N extends string, HI = unknown, HO = unknown>(
  name: N,
  handler: (ctx: OrchestrationContext, input: HI) => Generator<Yieldable, HO, unknown>,
): OrchestrationDefinition<HI, HO, N>;
export function defineOrchestration<N extends string, HI = unknown, HO = unknown, I = HI, O = HO>(
  spec: OrchestrationSpec<N, I, O, HI, HO>,
  handler: (ctx: OrchestrationContext, input: HI) => Generator<Yieldable, HO, unknown>,
): OrchestrationDefinition<I, O, N, HI, HO>;
export function defineOrchestration(
  nameOrSpec: string | OrchestrationSpec,
  handler: (ctx: OrchestrationContext, input: unknown) => Generator<Yieldable, unknown, unknown>,
): AnyOrchestrationDefinition {
  const spec = typeof nameOrSpec === 'string' ? { name: nameOrSpec } : nameOrSpec;
  checkSpec('orchestration', spec, handler);
  const kind = (handler as { constructor?: { name?: string } }).constructor?.name;
  if (kind === 'AsyncFunction' || kind === 'AsyncGeneratorFunction') {
    throw new InvalidInputError(
      `orchestration "${spec.name}" is an async function: orchestrations must be generator functions (function*)`,
    );
  }
  if (spec.version !== undefined && (typeof spec.version !== 'string' || spec.version.length === 0)) {
    throw new InvalidInputError(`orchestration "${spec.name}": version must be a non-empty string`);
  }
  return Object.freeze({
    kind: 'orchestration' as const,
    name: spec.name,
    ...(spec.version === undefined ? {} : { version: spec.version }),
    ...(spec.input === undefined ? {} : { input: spec.input }),
    ...(spec.output === undefined ? {} : { output: spec.output }),
    handler,
  });
}

/** True for a value made by {@link defineActivity} or {@link defineOrchestration}. */
export function isDefinition(value: unknown): value is AnyDefinition {
  if (typeof value !== 'object' || value === null) return false;
  const { kind, name, handler } = value as { kind?: unknown; name?: unknown; handler?: unknown };
  return (
    (kind === 'activity' || kind === 'orchestration') &&
    typeof name === 'string' &&
    typeof handler === 'function'
  );
}

/**
 * Checks `value` against `schema` (when there is one) and returns the parsed value; a failure
 * throws a {@link PayloadValidationError} naming the definition and the field.
 */
export function parsePayload(def: AnyDefinition, payload: 'input' | 'output', value: unknown): unknown {
  const schema = def[payload];
  if (schema === undefined) return value;
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = firstZodIssue(result.error);
  const where = issue.path === '' ? '' : ` at ${issue.path}`;
  throw new PayloadValidationError(
    `${def.kind} "${def.name}": invalid ${payload}${where}: ${issue.message}`,
    {
      definitionKind: def.kind,
      definitionName: def.name,
      payload,
      field: issue.path,
    },
  );
}

/** The function the activity registry runs for `def`: validates its input and result. */
export function activityHandlerOf(def: AnyActivityDefinition): ActivityHandler {
  if (def.input === undefined && def.output === undefined) return def.handler;
  return async (ctx, input) => {
    const result = await def.handler(ctx, parsePayload(def, 'input', input));
    return parsePayload(def, 'output', result);
  };
}

/** Validates the generator's return value: the orchestration completes with the parsed output. */
function* checkedOutput(
  def: AnyOrchestrationDefinition,
  gen: Generator<Yieldable, unknown, unknown>,
): Generator<Yieldable, unknown, unknown> {
  return parsePayload(def, 'output', yield* gen);
}

/**
 * The function the orchestration registry runs for `def`: validates the input (a failure fails
 * the orchestration at its start) and, with an output schema, the value the code returns.
 */
export function orchestrationHandlerOf(def: AnyOrchestrationDefinition): OrchestrationHandler {
  if (def.input === undefined && def.output === undefined) return def.handler;
  return (ctx, input) => {
    const result: unknown = def.handler(ctx, parsePayload(def, 'input', input));
    if (def.output === undefined) return result as Generator<Yieldable, unknown, unknown>;
    if (isGenerator(result)) return checkedOutput(def, result);
    // A plain function's value is the output; a Promise goes to the engine, which refuses it.
    if (isThenable(result)) return result as unknown as Generator<Yieldable, unknown, unknown>;
    return parsePayload(def, 'output', result) as Generator<Yieldable, unknown, unknown>;
  };
}

function isThenable(value: unknown): boolean {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}
