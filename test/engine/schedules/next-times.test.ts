/**
 * Next times of schedule specs (croner in a time zone, intervals with offset, start/end), the
 * jitter and run ids, and the compiled options' errors.
 */
import { describe, expect, it } from 'vitest';
import {
  checkCron,
  isoTime,
  jitterOf,
  nextTime,
  runInstanceId,
  timesBetween,
} from '../../../src/engine/schedules/next-times.js';
import { applySchedulePatch, compileScheduleOptions } from '../../../src/engine/schedules/spec.js';
import type { ScheduleOptions } from '../../../src/index.js';

const spec = (options: Partial<ScheduleOptions>) =>
  compileScheduleOptions({ id: 's', orchestration: 'Job', ...options } as ScheduleOptions).spec;
const iso = (times: number[]) => times.map(isoTime);
const T0 = Date.parse('2030-01-01T00:00:00Z');

describe('schedule next times', () => {
  it('6 fields (seconds first), macros, named months and days', () => {
    expect(iso(timesBetween(spec({ cron: '*/20 * * * * *' }), T0, T0 + 60_000, 10))).toEqual([
      '2030-01-01T00:00:20Z',
      '2030-01-01T00:00:40Z',
      '2030-01-01T00:01:00Z',
    ]);
    expect(isoTime(nextTime(spec({ cron: '@hourly' }), T0)!)).toBe('2030-01-01T01:00:00Z');
    expect(isoTime(nextTime(spec({ cron: '@daily' }), T0)!)).toBe('2030-01-02T00:00:00Z');
    // 2030-01-01 is a Tuesday.
    expect(isoTime(nextTime(spec({ cron: '0 9 * JAN-MAR MON' }), T0)!)).toBe('2030-01-07T09:00:00Z');
    expect(isoTime(nextTime(spec({ cron: '0 9 * * FRI', timezone: 'Asia/Tokyo' }), T0)!)).toBe(
      '2030-01-04T00:00:00Z',
    );
  });

  it('intervals with an offset, from startAt until endAt', () => {
    const s = spec({
      interval: { every: '1h', offset: '15m' },
      startAt: T0 + 2 * 3_600_000,
      endAt: T0 + 4 * 3_600_000,
    });
    expect(iso(timesBetween(s, T0, T0 + 86_400_000, 10))).toEqual([
      '2030-01-01T02:15:00Z',
      '2030-01-01T03:15:00Z',
    ]);
    expect(nextTime(spec({ interval: 90_000 }), T0)).toBe(T0 + 90_000);
    expect(nextTime(spec({ cron: '0 0 * * *', startAt: T0 }), T0 - 1)).toBe(T0);
  });

  it('jitter is stable and within bounds; run ids use ISO UTC', () => {
    const j = jitterOf('nightly', T0, 300_000);
    expect(j).toBe(jitterOf('nightly', T0, 300_000));
    expect(j).toBeGreaterThanOrEqual(0);
    expect(j).toBeLessThan(300_000);
    expect(jitterOf('nightly', T0, 0)).toBe(0);
    expect(runInstanceId('nightly', T0)).toBe('nightly@2030-01-01T00:00:00Z');
    expect(runInstanceId('nightly', T0 + 5)).toBe('nightly@2030-01-01T00:00:00.005Z');
  });

  it('bad cron expressions name the position where croner names the field', () => {
    expect(() => checkCron('0 0 32 * *')).toThrow(
      'cron "0 0 32 * *": field 3 (day-of-month) at column 5: invalid value "32"',
    );
    expect(() => checkCron('0  0 * FOO *')).toThrow(/field 4 \(month\) at column 8: configuration entry/);
    expect(() => checkCron('0 0 0 * * * *')).toThrow(/^cron "0 0 0 \* \* \* \*": /);
    expect(() => checkCron('@reboot')).toThrow(/@reboot is not supported/);
    expect(() => checkCron('0 0 30 2 *')).toThrow('cron "0 0 30 2 *": matches no time');
  });

  it('options are checked field by field; a patch replaces cron by interval', () => {
    expect(() => compileScheduleOptions({ id: '', cron: '* * * * *', orchestration: 'J' })).toThrow(/^id /);
    expect(() =>
      compileScheduleOptions({ id: 'a', cron: '* * * * *', interval: '1h', orchestration: 'J' } as never),
    ).toThrow('schedule: give exactly one of cron or interval');
    expect(() =>
      compileScheduleOptions({ id: 'a', cron: '* * * * *', orchestration: 'J', endAt: 1, startAt: 2 }),
    ).toThrow('endAt: must not be before startAt');
    expect(() => compileScheduleOptions({ id: 'a', interval: 0, orchestration: 'J' })).toThrow(
      'interval: must be more than 0 ms',
    );
    expect(() =>
      compileScheduleOptions({ id: 'a', cron: '* * * * *', orchestration: 'J', bogus: 1 } as never),
    ).toThrow(/^createSchedule: options: Unrecognized key/);
    const base = spec({ cron: '0 * * * *', timezone: 'Europe/Berlin' });
    const patched = applySchedulePatch(base, { interval: '30m' }).spec;
    expect(patched.cron).toBeUndefined();
    expect(patched.interval).toEqual({ everyMs: 1_800_000, offsetMs: 0 });
    expect(() => applySchedulePatch(base, { timezone: 'Nowhere/Land' })).toThrow(/^timezone "Nowhere\/Land"/);
  });
});
