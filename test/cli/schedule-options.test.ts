/**
 * The schedule commands' flag parsing, in-process: intervals with offsets, time flags, the
 * create options and update patches built from flags, and library messages said with flag names.
 */
import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../src/core/errors.js';
import { CliError } from '../../src/cli/errors.js';
import { flagWords, scheduleError } from '../../src/cli/schedule-errors.js';
import {
  createOptionsFrom,
  parseInterval,
  parseTimeFlag,
  patchFrom,
} from '../../src/cli/schedule-options.js';
import { exactDuration } from '../../src/cli/schedule-output.js';

const NOW = Date.parse('2030-01-02T03:04:05Z');

/** The usage error `fn` throws (fails when it throws nothing or something else). */
function usage(fn: () => unknown): CliError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(CliError);
    expect((err as CliError).code).toBe('USAGE');
    return err as CliError;
  }
  throw new Error('expected a usage error');
}

describe('parseInterval', () => {
  it('takes a duration, with an offset after + or from --offset', () => {
    expect(parseInterval('1h', undefined)).toBe(3_600_000);
    expect(parseInterval('90', undefined)).toBe(90_000); // bare numbers are seconds
    expect(parseInterval('1h+15m', undefined)).toEqual({ every: 3_600_000, offset: 900_000 });
    expect(parseInterval('1h', 900_000)).toEqual({ every: 3_600_000, offset: 900_000 });
    expect(parseInterval('1h', 0)).toBe(3_600_000);
  });

  it('refuses a bad or zero interval and two offsets', () => {
    expect(usage(() => parseInterval('soon', undefined)).message).toBe('--interval "soon" is not a duration');
    expect(usage(() => parseInterval('1h+', undefined)).message).toBe('--interval "1h+" is not an interval');
    expect(usage(() => parseInterval('0s', undefined)).message).toBe('--interval "0s" must be longer than 0');
    expect(usage(() => parseInterval('1h+5m', 60_000)).message).toContain('cannot be used with --offset');
  });
});

describe('parseTimeFlag', () => {
  it('reads ISO 8601 (UTC without an offset), epoch ms and now±duration', () => {
    expect(parseTimeFlag('2030-01-01', '--from', NOW)).toBe(Date.parse('2030-01-01T00:00:00Z'));
    expect(parseTimeFlag('2030-01-01T02:00', '--from', NOW)).toBe(Date.parse('2030-01-01T02:00:00Z'));
    expect(parseTimeFlag('2030-01-01T02:00:00+01:00', '--from', NOW)).toBe(
      Date.parse('2030-01-01T01:00:00Z'),
    );
    expect(parseTimeFlag('1700000000000', '--from', NOW)).toBe(1_700_000_000_000);
    expect(parseTimeFlag('now', '--from', NOW)).toBe(NOW);
    expect(parseTimeFlag('now-1h', '--from', NOW)).toBe(NOW - 3_600_000);
    expect(parseTimeFlag('now + 30m', '--from', NOW)).toBe(NOW + 1_800_000);
  });

  it('refuses anything else, naming the flag', () => {
    expect(usage(() => parseTimeFlag('yesterday', '--start-at', NOW)).message).toBe(
      '--start-at "yesterday" is not a time',
    );
    expect(usage(() => parseTimeFlag('2030-13-45', '--to', NOW)).message).toBe(
      '--to "2030-13-45" is not a time',
    );
  });
});

describe('createOptionsFrom / patchFrom', () => {
  it('builds createSchedule options from the flags', () => {
    expect(
      createOptionsFrom(
        'nightly',
        {
          cron: '30 2 * * *',
          timezone: 'Europe/Berlin',
          orchestration: 'Report',
          input: '{"region":"eu"}',
          jitter: 30_000,
          'start-at': 'now',
          'remaining-runs': 3,
          overlap: 'buffer-one',
          'catchup-window': 3_600_000,
          paused: true,
        },
        NOW,
      ),
    ).toEqual({
      id: 'nightly',
      cron: '30 2 * * *',
      timezone: 'Europe/Berlin',
      orchestration: 'Report',
      input: { region: 'eu' },
      jitter: 30_000,
      startAt: NOW,
      remainingRuns: 3,
      overlap: 'buffer-one',
      catchupWindow: 3_600_000,
      paused: true,
    });
    expect(createOptionsFrom('s', { interval: '15m', orchestration: 'R' }, NOW)).toEqual({
      id: 's',
      interval: 900_000,
      orchestration: 'R',
    });
    expect(usage(() => createOptionsFrom('s', { orchestration: 'R' }, NOW)).message).toBe(
      'give --cron or --interval',
    );
  });

  it('builds an update patch; --clear sets null; nothing to change is refused', () => {
    expect(
      patchFrom({ interval: '2h', input: 'null' }, ['end-at', 'remaining-runs', 'version'], NOW),
    ).toEqual({
      interval: 7_200_000,
      input: null,
      endAt: null,
      remainingRuns: null,
      version: null,
    });
    expect(usage(() => patchFrom({}, [], NOW)).message).toBe('nothing to update');
    expect(usage(() => patchFrom({ 'allow-unknown-orchestration': true }, [], NOW)).message).toBe(
      'nothing to update',
    );
    expect(usage(() => patchFrom({ jitter: 1000 }, ['jitter'], NOW)).message).toBe(
      '--jitter cannot be used with --clear jitter',
    );
  });
});

describe('library messages in flag words', () => {
  it('names flags instead of option fields', () => {
    expect(flagWords('endAt: must not be before startAt')).toBe('--end-at: must not be before --start-at');
    expect(flagWords('cron "61 * * * *": field 1 (minute) at column 1: invalid value "61"')).toBe(
      '--cron "61 * * * *": field 1 (minute) at column 1: invalid value "61"',
    );
    expect(flagWords('interval.offset: bad')).toBe('--offset: bad');
    expect(flagWords('schedule: give exactly one of cron or interval')).toBe(
      'schedule: give exactly one of cron or interval',
    );
  });

  it('keeps the code of a reworded library error, adding a hint', () => {
    const err = scheduleError(new InvalidInputError('timezone "X": unknown time zone'), 's') as CliError;
    expect(err).toBeInstanceOf(CliError);
    expect(err.code).toBe('INVALID_INPUT');
    expect(err.message).toBe('--timezone "X": unknown time zone');
    const plain = new Error('boom');
    expect(scheduleError(plain, 's')).toBe(plain);
  });

  it('prints exact durations', () => {
    expect(exactDuration(3_600_000 + 900_000)).toBe('1h15m');
    expect(exactDuration(2000)).toBe('2s');
    expect(exactDuration(90_500)).toBe('1m30s500ms');
  });
});
