/**
 * Options of the SQLite provider, validated once and compiled to a frozen object that the rest
 * of the provider reads.
 */
import { z } from 'zod';
import { isClock, systemClock } from '../../core/clock.js';
import type { Clock } from '../../core/clock.js';
import { InvalidInputError } from '../../core/errors.js';
import { firstZodIssue } from '../../core/zod-issues.js';

const optionsSchema = z
  .object({
    /**
     * `normal` (default): WAL with synchronous=NORMAL — a committed transaction survives a crash
     * or `kill -9` of the process; the last transactions may be lost on power loss.
     * `full`: synchronous=FULL — also survives power loss, at the cost of an fsync per commit.
     */
    durability: z.enum(['normal', 'full']).default('normal'),
    /**
     * How long an operation keeps retrying while other connections hold the write lock before it
     * fails with a retryable `ProviderError`.
     */
    busyTimeoutMs: z.number().int().positive().default(60_000),
    /**
     * How many decoded history events to keep in memory across instances, so that a fetch reads
     * only the events appended since the previous turn. 0 disables the cache.
     */
    historyCacheEvents: z.number().int().nonnegative().default(100_000),
    /**
     * The time the store runs on: message visibility, timers, leases and sessions (default: the
     * system clock; `durox/testing` passes a virtual one).
     */
    clock: z.custom<Clock>(isClock, 'expected a clock: an object with now()').default(systemClock),
  })
  .strict();

/** Options accepted by `SqliteProvider.open`. */
export type SqliteProviderOptions = z.input<typeof optionsSchema>;

/** Validated options with defaults filled in. */
export interface CompiledSqliteOptions {
  readonly durability: 'normal' | 'full';
  readonly busyTimeoutMs: number;
  readonly historyCacheEvents: number;
  readonly clock: Clock;
}

/** Validates `options` and fills defaults; throws `InvalidInputError` naming the bad field. */
export function compileSqliteOptions(options: SqliteProviderOptions = {}): CompiledSqliteOptions {
  const parsed = optionsSchema.safeParse(options);
  if (!parsed.success) {
    const issue = firstZodIssue(parsed.error);
    throw new InvalidInputError(
      `invalid SQLite provider option ${issue.path || 'options'}: ${issue.message}`,
    );
  }
  return Object.freeze({ ...parsed.data });
}
