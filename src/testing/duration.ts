/**
 * Durations and time points as tests write them; the parsing lives in `src/core/duration.ts`,
 * which schedules share.
 */
export { toEpochMs, toMilliseconds } from '../core/duration.js';
export type { Duration, TimePoint } from '../core/duration.js';
