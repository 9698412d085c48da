/**
 * Options of the PostgreSQL provider, validated once and compiled to a frozen object that the
 * rest of the provider reads.
 */
import { z } from 'zod';
import { isClock, systemClock } from '../../core/clock.js';
import type { Clock } from '../../core/clock.js';
import { InvalidInputError } from '../../core/errors.js';
import { firstZodIssue } from '../../core/zod-issues.js';

const optionsSchema = z
  .object({
    /** Most connections the provider's pool opens (the LISTEN connection comes on top). */
    poolSize: z.number().int().min(1).max(1000).default(10),
    /** How long opening a connection (or waiting for a free pooled one) may take. */
    connectionTimeoutMs: z.number().int().positive().default(10_000),
    /** Server-side `statement_timeout` of every pooled connection; none by default. */
    statementTimeoutMs: z.number().int().positive().optional(),
    /** Idle pooled connections are closed after this long (0 = never). */
    idleTimeoutMs: z.number().int().nonnegative().default(30_000),
    /**
     * How often an operation that failed transiently (serialization failure, deadlock, dropped
     * connection…) is retried inside the provider before it rejects with a retryable
     * `ProviderError`.
     */
    maxRetries: z.number().int().min(0).max(20).default(3),
    /**
     * Keep one connection LISTENing for work announced by other processes (default), so idle
     * dispatchers and status waits react in milliseconds. Without it they rely on polling.
     */
    listen: z.boolean().default(true),
    /**
     * How many decoded history events to keep in memory across instances, so that a fetch of a
     * long-running instance reads only the events appended since its previous turn. 0
     * disables the cache.
     */
    historyCacheEvents: z.number().int().nonnegative().default(100_000),
    /** `application_name` of the connections (shows in pg_stat_activity). */
    applicationName: z.string().min(1).max(63).default('durox'),
    /**
     * The time the store runs on: message visibility, timers, leases and sessions (default: the
     * system clock; `durox/testing` passes a virtual one).
     */
    clock: z.custom<Clock>(isClock, 'expected a clock: an object with now()').default(systemClock),
  })
  .strict();

/** Options accepted by `PostgresProvider.connect` and `PostgresProvider.connectWithSchema`. */
export type PostgresProviderOptions = z.input<typeof optionsSchema>;

/** Validated options with defaults filled in. */
export interface CompiledPostgresOptions {
  readonly poolSize: number;
  readonly connectionTimeoutMs: number;
  readonly statementTimeoutMs: number | undefined;
  readonly idleTimeoutMs: number;
  readonly maxRetries: number;
  readonly listen: boolean;
  readonly historyCacheEvents: number;
  readonly applicationName: string;
  readonly clock: Clock;
}

/** Validates `options` and fills defaults; throws `InvalidInputError` naming the bad field. */
export function compilePostgresOptions(options: PostgresProviderOptions = {}): CompiledPostgresOptions {
  const parsed = optionsSchema.safeParse(options);
  if (!parsed.success) {
    const issue = firstZodIssue(parsed.error);
    throw new InvalidInputError(
      `invalid PostgreSQL provider option ${issue.path || 'options'}: ${issue.message}`,
    );
  }
  const data = parsed.data;
  return Object.freeze({
    poolSize: data.poolSize,
    connectionTimeoutMs: data.connectionTimeoutMs,
    statementTimeoutMs: data.statementTimeoutMs,
    idleTimeoutMs: data.idleTimeoutMs,
    maxRetries: data.maxRetries,
    listen: data.listen,
    historyCacheEvents: data.historyCacheEvents,
    applicationName: data.applicationName,
    clock: data.clock,
  });
}
