/**
 * Runtime options: duroxide-node's names, plus the core knobs it did not expose. Compiled once
 * (validated, defaulted, frozen) when the runtime is created.
 */
import { z } from 'zod';
import { isClock, systemClock } from '../../core/clock.js';
import type { Clock } from '../../core/clock.js';
import { InvalidInputError } from '../../core/errors.js';
import type { RecommendedRuntimeOptions, TagFilter } from '../../core/provider.js';
import { firstZodIssue } from '../../core/zod-issues.js';
import type { DeterminismMode } from '../determinism/guard.js';
import { MAX_TAG_NAME_BYTES, MAX_WORKER_TAGS } from '../replay/limits.js';
import { OBSERVER_NAMES } from './observers.js';
import type { RuntimeObservers } from './observers.js';

/** Which activity tags this runtime runs (duroxide-node's shapes). */
export type TagFilterInput = 'defaultOnly' | 'any' | 'none' | { tags: string[] } | { defaultAnd: string[] };

export interface RuntimeOptions {
  /**
   * Orchestration turns processed concurrently (0 = no orchestrations: a worker-only runtime).
   * Default: the provider's recommendation (PostgreSQL 16), else 4.
   */
  orchestrationConcurrency?: number;
  /**
   * Activities run concurrently (0 = no activities: an orchestrator-only runtime). Default: the
   * provider's recommendation (PostgreSQL 32), else 8.
   */
  workerConcurrency?: number;
  /** Longest idle wait between polls of the store when no wake-up arrives. Default 100 ms. */
  dispatcherPollIntervalMs?: number;
  /** Activity lease; renewed while the activity runs. Default 30 s. */
  workerLockTimeoutMs?: number;
  /** Orchestration turn lease. Default 5 s. */
  orchestratorLockTimeoutMs?: number;
  /** Deliveries of one message before it is poisoned. Default 10. */
  maxAttempts?: number;
  /** How long a cancelled activity may keep running before its slot is freed. Default 10 s. */
  activityCancellationGracePeriodMs?: number;
  /** Live orchestrations kept in memory between turns (0 disables the cache). Default 1000. */
  orchestrationCacheSize?: number;
  /**
   * Held turns (docs/performance.md): after a turn whose one new activity runs in this runtime,
   * keep the instance's lease this long, so the activity's result commits together with the
   * next turn (one store commit per step instead of three). A message for the instance (an
   * event, a timer) waits at most this long while its activity runs. 0 turns it off. Only
   * providers with `ackHeldTurn` (SQLite, PostgreSQL) use it. Default 100 ms.
   */
  instanceHoldMs?: number;
  /** Backoff for messages whose orchestration or activity is not registered (rolling deploys). */
  unregisteredBackoff?: { baseDelayMs?: number; maxDelayMs?: number };
  logLevel?: 'error' | 'warn' | 'info' | 'debug' | 'off';
  logFormat?: 'json' | 'pretty' | 'compact' | string;
  serviceName?: string;
  serviceVersion?: string;
  /** Distinct sessions this runtime serves at once. Default 10. */
  maxSessionsPerRuntime?: number;
  /** Sessions without activity for this long are released. Default 300 s. */
  sessionIdleTimeoutMs?: number;
  /** Session lease. Default 30 s. */
  sessionLockTimeoutMs?: number;
  /** Stable worker identity: sessions survive restarts and any slot can serve them. */
  workerNodeId?: string;
  workerTagFilter?: TagFilterInput;
  /** Internal: flattened form used by duroxide-node ('tags' | 'defaultAnd'). */
  workerTagFilterTags?: string[];
  /**
   * The time turns record (event timestamps, timer deadlines, `ctx.utcNow()`). Default: the
   * system clock; give the store's provider the same clock (`durox/testing` does).
   */
  clock?: Clock;
  /**
   * What `Date.now()`, `new Date()`, `Math.random()`, `crypto.randomUUID()`, timers and `fetch`
   * do inside orchestration code (docs/determinism.md). `guard` (default): the clock and
   * randomness calls give replay-stable values and each call site is warned about once;
   * `strict`: any of these calls fails the turn with a `NondeterminismError` naming it; `off`:
   * the globals are left alone.
   */
  determinism?: DeterminismMode;
  /**
   * Observation hooks (activity and turn ends, terminal executions, store operation timings):
   * one object of optional callbacks, or several (each is called). See docs/observability.md.
   * `runtime.observe()` adds more before `start()`. Default: none, and nothing is measured.
   */
  observers?: RuntimeObservers | readonly RuntimeObservers[];
}

export interface CompiledRuntimeOptions {
  readonly orchestrationConcurrency: number;
  readonly workerConcurrency: number;
  readonly dispatcherPollIntervalMs: number;
  readonly workerLockTimeoutMs: number;
  readonly orchestratorLockTimeoutMs: number;
  readonly maxAttempts: number;
  readonly activityCancellationGracePeriodMs: number;
  readonly orchestrationCacheSize: number;
  readonly instanceHoldMs: number;
  readonly unregisteredBackoff: { readonly baseDelayMs: number; readonly maxDelayMs: number };
  readonly logLevel: 'error' | 'warn' | 'info' | 'debug' | 'off';
  readonly logFormat: 'json' | 'pretty' | 'compact';
  readonly serviceName: string;
  readonly serviceVersion: string | undefined;
  readonly maxSessionsPerRuntime: number;
  readonly sessionIdleTimeoutMs: number;
  readonly sessionLockTimeoutMs: number;
  readonly workerNodeId: string | undefined;
  readonly tagFilter: TagFilter;
  readonly clock: Clock;
  readonly determinism: DeterminismMode;
  readonly observers: readonly RuntimeObservers[];
  /** Option names that were given but mean nothing to durox (reported as warnings). */
  readonly unknownOptions: readonly string[];
}

const count = z.number().int().min(0);
const ms = z.number().int().min(1);

const schema = z
  .object({
    orchestrationConcurrency: count.default(4),
    workerConcurrency: count.default(8),
    dispatcherPollIntervalMs: ms.default(100),
    workerLockTimeoutMs: ms.default(30_000),
    orchestratorLockTimeoutMs: ms.default(5_000),
    maxAttempts: z.number().int().min(1).default(10),
    activityCancellationGracePeriodMs: z.number().int().min(0).default(10_000),
    orchestrationCacheSize: count.default(1000),
    instanceHoldMs: count.default(100),
    unregisteredBackoff: z
      .object({ baseDelayMs: ms.default(1000), maxDelayMs: ms.default(60_000) })
      .default({}),
    logLevel: z.enum(['error', 'warn', 'info', 'debug', 'off']).default('warn'),
    logFormat: z.string().default('compact'),
    serviceName: z.string().default('durox'),
    serviceVersion: z.string().optional(),
    maxSessionsPerRuntime: z.number().int().min(1).default(10),
    sessionIdleTimeoutMs: ms.default(300_000),
    sessionLockTimeoutMs: ms.default(30_000),
    workerNodeId: z.string().min(1).optional(),
    workerTagFilter: z
      .union([
        z.string(),
        z.object({ tags: z.array(z.string()) }),
        z.object({ defaultAnd: z.array(z.string()) }),
      ])
      .default('defaultOnly'),
    workerTagFilterTags: z.array(z.string()).optional(),
    clock: z.custom<Clock>(isClock, 'expected a clock: an object with now()').default(systemClock),
    determinism: z.enum(['guard', 'strict', 'off']).default('guard'),
    observers: z
      .custom<RuntimeObservers | readonly RuntimeObservers[]>(
        (value) => (Array.isArray(value) ? value.every(isObservers) : isObservers(value)),
        `expected an object (or an array of objects) whose keys are observer callbacks: ${OBSERVER_NAMES.join(', ')}`,
      )
      .optional(),
  })
  .passthrough();

/** An object whose known keys hold functions (unknown keys are refused: likely a typo). */
function isObservers(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  return Object.entries(value).every(
    ([key, callback]) =>
      (OBSERVER_NAMES as readonly string[]).includes(key) &&
      (callback === undefined || typeof callback === 'function'),
  );
}

function checkTags(tags: string[], field: string): string[] {
  if (tags.length === 0 || tags.length > MAX_WORKER_TAGS) {
    throw new InvalidInputError(`${field} must list 1 to ${MAX_WORKER_TAGS} tags, got ${tags.length}`);
  }
  for (const tag of tags) {
    if (new TextEncoder().encode(tag).length > MAX_TAG_NAME_BYTES) {
      throw new InvalidInputError(`${field}: tag "${tag.slice(0, 20)}…" exceeds ${MAX_TAG_NAME_BYTES} bytes`);
    }
  }
  return [...tags];
}

function compileTagFilter(input: z.infer<typeof schema>): TagFilter {
  const filter = input.workerTagFilter;
  if (typeof filter === 'object') {
    if ('tags' in filter) return { mode: 'tags', tags: checkTags(filter.tags, 'workerTagFilter.tags') };
    return { mode: 'defaultAnd', tags: checkTags(filter.defaultAnd, 'workerTagFilter.defaultAnd') };
  }
  switch (filter) {
    case 'any':
      return { mode: 'any' };
    case 'none':
      return { mode: 'none' };
    case 'tags':
      return { mode: 'tags', tags: checkTags(input.workerTagFilterTags ?? [], 'workerTagFilterTags') };
    case 'defaultAnd':
      return { mode: 'defaultAnd', tags: checkTags(input.workerTagFilterTags ?? [], 'workerTagFilterTags') };
    default:
      // duroxide-node treats unknown names as the default.
      return { mode: 'defaultOnly' };
  }
}

/** The options a provider may recommend (`Provider.recommendedRuntimeOptions`). */
const RECOMMENDABLE = ['orchestrationConcurrency', 'workerConcurrency'] as const;

/**
 * `options` with the provider's recommendations filled in where the user gave no value
 * (`undefined` counts as not given). Unknown keys of `recommended` are ignored.
 */
export function withRecommendedOptions(
  options: RuntimeOptions | undefined,
  recommended: RecommendedRuntimeOptions | undefined,
): RuntimeOptions {
  const merged: RuntimeOptions = { ...(options ?? {}) };
  if (!recommended) return merged;
  for (const key of RECOMMENDABLE) {
    if (merged[key] === undefined && recommended[key] !== undefined) merged[key] = recommended[key];
  }
  return merged;
}

/**
 * Validates options (messages name the field) and fills defaults: first the provider's
 * `recommended` values, then durox's own.
 */
export function compileRuntimeOptions(
  options: RuntimeOptions = {},
  recommended?: RecommendedRuntimeOptions,
): CompiledRuntimeOptions {
  const given = options ?? {};
  const parsed = schema.safeParse(withRecommendedOptions(given, recommended));
  if (!parsed.success) {
    const issue = firstZodIssue(parsed.error);
    const field = issue.path || '(root)';
    const fromProvider =
      (RECOMMENDABLE as readonly string[]).includes(field) &&
      (given as Record<string, unknown>)[field] === undefined;
    throw new InvalidInputError(
      `${fromProvider ? "provider's recommended runtime option" : 'runtime option'} ${field}: ${issue.message}`,
    );
  }
  const o = parsed.data;
  const format = o.logFormat === 'json' || o.logFormat === 'pretty' ? o.logFormat : 'compact';
  return Object.freeze({
    orchestrationConcurrency: o.orchestrationConcurrency,
    workerConcurrency: o.workerConcurrency,
    dispatcherPollIntervalMs: o.dispatcherPollIntervalMs,
    workerLockTimeoutMs: o.workerLockTimeoutMs,
    orchestratorLockTimeoutMs: o.orchestratorLockTimeoutMs,
    maxAttempts: o.maxAttempts,
    activityCancellationGracePeriodMs: o.activityCancellationGracePeriodMs,
    orchestrationCacheSize: o.orchestrationCacheSize,
    instanceHoldMs: o.instanceHoldMs,
    unregisteredBackoff: Object.freeze({ ...o.unregisteredBackoff }),
    logLevel: o.logLevel,
    logFormat: format,
    serviceName: o.serviceName,
    serviceVersion: o.serviceVersion,
    maxSessionsPerRuntime: o.maxSessionsPerRuntime,
    sessionIdleTimeoutMs: o.sessionIdleTimeoutMs,
    sessionLockTimeoutMs: o.sessionLockTimeoutMs,
    workerNodeId: o.workerNodeId,
    tagFilter: Object.freeze(compileTagFilter(o)),
    clock: o.clock,
    determinism: o.determinism,
    observers: Object.freeze(
      o.observers === undefined ? [] : Array.isArray(o.observers) ? [...o.observers] : [o.observers],
    ),
    unknownOptions: Object.freeze(Object.keys(given).filter((key) => !(key in schema.shape))),
  });
}

/** Lease renewal interval: `lease − buffer` for long leases, half the lease for short ones. */
export function renewalIntervalMs(leaseMs: number, bufferMs: number): number {
  if (leaseMs >= 15_000) return Math.max(1000, leaseMs - bufferMs);
  return Math.max(1, Math.ceil(leaseMs / 2));
}

/** Delay before retrying a message whose code is not registered: base·2^min(attempt−1, 6), capped. */
export function unregisteredDelayMs(options: CompiledRuntimeOptions, attempt: number): number {
  const { baseDelayMs, maxDelayMs } = options.unregisteredBackoff;
  return Math.min(baseDelayMs * 2 ** Math.min(Math.max(attempt - 1, 0), 6), maxDelayMs);
}
