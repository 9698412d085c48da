/**
 * Durations and time points as users write them: `'3d'`, `'1h30m'`, `'90s'`, `'250ms'`, or a number of
 * milliseconds.
 */
import { InvalidInputError } from './errors.js';

/** A number of milliseconds, or a string of number-unit pairs (`ms`, `s`, `m`, `h`, `d`, `w`). */
export type Duration = number | string;

const UNIT_MS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

const WHOLE = /^(?:\s*\d+(?:\.\d+)?\s*(?:ms|s|m|h|d|w))+\s*$/;
const PART = /(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)/g;

/** The duration in whole milliseconds; throws `InvalidInputError` for anything else. */
export function toMilliseconds(duration: Duration): number {
  if (typeof duration === 'number') {
    if (!Number.isFinite(duration) || duration < 0) {
      throw new InvalidInputError(`duration must be a non-negative number of ms, got ${duration}`);
    }
    return Math.round(duration);
  }
  if (typeof duration !== 'string' || !WHOLE.test(duration)) {
    throw new InvalidInputError(
      `duration ${JSON.stringify(duration)}: use a number of ms or units like '250ms', '90s', '5m', '1h30m', '3d', '2w'`,
    );
  }
  let total = 0;
  for (const [, amount, unit] of duration.matchAll(PART)) total += Number(amount) * UNIT_MS[unit!]!;
  return Math.round(total);
}

/** A point in time as tests give it: a `Date`, epoch ms, or an ISO 8601 string. */
export type TimePoint = Date | number | string;

/** The time point in epoch ms; throws `InvalidInputError` for an invalid one. */
export function toEpochMs(time: TimePoint): number {
  const ms = time instanceof Date ? time.getTime() : typeof time === 'number' ? time : Date.parse(time);
  if (!Number.isFinite(ms)) throw new InvalidInputError(`not a valid time: ${String(time)}`);
  return Math.floor(ms);
}
