/**
 * Durations and time points as tests write them; the parsing lives in `src/core/duration.ts`
 * (the CLI's duration flags and schedules read durations with the same unit parser).
 */
export { toEpochMs, toMilliseconds } from '../core/duration.js';
export type { Duration, TimePoint } from '../core/duration.js';
