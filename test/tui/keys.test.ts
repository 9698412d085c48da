/**
 * The key map: which action a key means in each context, the footer hints and the help screen
 * generated from it, and the pure helpers the screens use (text fitting, sparkline,
 * throughput, the history timeline's links, the raise-event form).
 */
import type { Key } from 'ink';
import { describe, expect, it } from 'vitest';
import type { HistoryEventView } from '../../src/engine/management.js';
import { hintLine } from '../../src/tui/components/Footer.js';
import { fit, formatAge, formatOffset, sparkline, truncate } from '../../src/tui/format.js';
import { BINDINGS, helpColumns, resolveKey, typedText } from '../../src/tui/keys.js';
import type { KeyContext } from '../../src/tui/keys.js';
import { parsePauseNote, parseRaiseForm } from '../../src/tui/requests.js';
import { durationText, specText, summarySpecText } from '../../src/tui/schedules.js';
import { colourFromEnv } from '../../src/tui/theme.js';
import { addSample, recentRates, throughputBuckets } from '../../src/tui/throughput.js';
import { buildTimeline, linkLabel, toneOf } from '../../src/tui/timeline.js';

const NO_KEY: Key = {
  upArrow: false,
  downArrow: false,
  leftArrow: false,
  rightArrow: false,
  pageDown: false,
  pageUp: false,
  home: false,
  end: false,
  return: false,
  escape: false,
  ctrl: false,
  shift: false,
  tab: false,
  backspace: false,
  delete: false,
  meta: false,
  super: false,
  hyper: false,
  capsLock: false,
  numLock: false,
};
const key = (k: Partial<Key> = {}): Key => ({ ...NO_KEY, ...k });

describe('resolveKey', () => {
  it('maps keys to actions per context', () => {
    const cases: [KeyContext, string, Partial<Key>, string | undefined][] = [
      ['instances', 'q', {}, 'quit'],
      ['instances', 'c', { ctrl: true }, 'quit'],
      ['prompt', 'c', { ctrl: true }, 'quit'],
      ['prompt', 'q', {}, undefined],
      ['search', 'q', {}, undefined],
      ['instances', 'j', {}, 'down'],
      ['instances', '', { downArrow: true }, 'down'],
      ['detail', 'k', {}, 'up'],
      ['instances', '', { rightArrow: true }, 'pageDown'],
      ['instances', '', { pageUp: true }, 'pageUp'],
      ['detail', '', { rightArrow: true }, 'nextExecution'],
      ['detail', '[', {}, 'prevExecution'],
      ['instances', '\r', { return: true }, 'open'],
      ['detail', '\r', { return: true }, 'open'],
      ['instances', 'f', {}, 'filterStatus'],
      ['instances', '/', {}, 'search'],
      ['instances', 's', {}, 'sort'],
      ['instances', 'S', { shift: true }, 'reverseSort'],
      ['instances', '', { escape: true }, 'clearFilters'],
      ['detail', '', { escape: true }, 'back'],
      ['detail', '', { delete: true }, 'back'],
      ['detail', '\t', { tab: true }, 'nextPanel'],
      ['detail', '', { tab: true, shift: true }, 'prevPanel'],
      ['detail', 'c', {}, 'cancelInstance'],
      ['detail', 'e', {}, 'raiseEvent'],
      ['instances', 'd', {}, 'deleteInstance'],
      ['instances', 'p', {}, 'pruneExecutions'],
      ['overview', 'c', {}, undefined],
      ['overview', '2', {}, 'instances'],
      ['toygres', '1', {}, 'overview'],
      ['detail', '?', {}, 'help'],
      ['help', '', { escape: true }, 'back'],
      ['confirm', 'y', {}, 'confirm'],
      ['confirm', '\r', { return: true }, 'confirm'],
      ['confirm', 'n', {}, 'dismiss'],
      ['confirm', '', { escape: true }, 'dismiss'],
      ['prompt', '\t', { tab: true }, 'nextField'],
      ['prompt', '\r', { return: true }, 'submit'],
      ['prompt', '', { backspace: true }, 'deleteChar'],
      ['search', '\r', { return: true }, 'submit'],
      ['instances', '4', {}, 'schedules'],
      ['schedule', '2', {}, 'instances'],
      ['schedules', 'j', {}, 'down'],
      ['schedules', '\r', { return: true }, 'open'],
      ['schedules', 'p', {}, 'pauseSchedule'],
      ['schedules', 'u', {}, 'resumeSchedule'],
      ['schedules', 't', {}, 'triggerSchedule'],
      ['schedules', 'c', {}, undefined],
      ['schedules', '', { escape: true }, undefined],
      ['schedule', 'p', {}, 'pauseSchedule'],
      ['schedule', '', { escape: true }, 'back'],
      ['schedule', '', { backspace: true }, 'back'],
      ['schedule', '\r', { return: true }, 'open'],
      ['instances', 'p', {}, 'pruneExecutions'],
      ['instances', 't', {}, undefined],
      ['note', 'q', {}, undefined],
      ['note', 'c', { ctrl: true }, 'quit'],
      ['note', '\r', { return: true }, 'submit'],
      ['note', '', { escape: true }, 'dismiss'],
      ['note', '', { backspace: true }, 'deleteChar'],
      ['note', '\t', { tab: true }, undefined],
    ];
    for (const [context, input, k, expected] of cases) {
      expect(
        resolveKey(context, input, key(k)),
        `${context} ${JSON.stringify(input)} ${JSON.stringify(k)}`,
      ).toBe(expected);
    }
  });

  it('typed text is printable only', () => {
    expect(typedText('abc', key())).toBe('abc');
    expect(typedText('{"a":\n1}', key())).toBe('{"a": 1}');
    expect(typedText('', key({ upArrow: true }))).toBeUndefined();
    expect(typedText('c', key({ ctrl: true }))).toBeUndefined();
    expect(typedText('\r', key({ return: true }))).toBeUndefined();
  });

  it('every binding has keys and words; the footer always ends with help and quit', () => {
    for (const b of BINDINGS) {
      expect(b.keys.length).toBeGreaterThan(0);
      expect(b.description.length).toBeLessThanOrEqual(16);
    }
    expect(hintLine('instances', 80)).toMatch(/ {2}q quit {2}\? help$/);
    expect(hintLine('instances', 80).length).toBeLessThanOrEqual(80);
    expect(hintLine('detail', 100)).toBe(
      'Tab next panel  Esc/⌫ back  c cancel  e raise  d delete  p prune  q quit  ? help',
    );
    expect(hintLine('schedules', 100)).toBe('⏎ open  p pause  u resume  t trigger  q quit  ? help');
    expect(hintLine('schedule', 100)).toBe(
      '⏎ open  Esc/⌫ back  p pause  u resume  t trigger  q quit  ? help',
    );
    expect(hintLine('note', 100)).toBe('⏎ done  Esc cancel');
  });

  it('the help screen lists every binding once and fits 80×24', () => {
    const columns = helpColumns();
    const listed = columns.flat().flatMap((s) => s.hints.map((h) => `${h.keys} ${h.description}`));
    for (const b of BINDINGS) expect(listed).toContain(`${b.keys} ${b.description}`);
    expect(new Set(listed).size).toBe(listed.length);
    for (const column of columns) {
      const lines = column.reduce((n, s) => n + 2 + s.hints.length, 0);
      expect(lines).toBeLessThanOrEqual(24 - 4 - 1);
    }
  });
});

describe('text helpers', () => {
  it('fits, truncates and formats', () => {
    expect(truncate('abcdef', 4)).toBe('abc…');
    expect(truncate('abc', 4)).toBe('abc');
    expect(fit('ab', 4)).toBe('ab  ');
    expect(fit('ab', 4, 'right')).toBe('  ab');
    expect(fit('abcdef', 4)).toBe('abc…');
    expect(formatAge(1000, 1500)).toBe('now');
    expect(formatAge(0, 125_000)).toBe('2m ago');
    expect(formatOffset(1234)).toBe('+1.234s');
    expect(formatOffset(125_000)).toBe('+2m05s');
    expect(sparkline([0, 1, 2, 4, 8])).toBe('▁▂▃▅█');
    expect(sparkline([0, 0])).toBe('▁▁');
  });

  it('NO_COLOR turns colours off when set to anything', () => {
    expect(colourFromEnv({})).toBe(true);
    expect(colourFromEnv({ NO_COLOR: '' })).toBe(true);
    expect(colourFromEnv({ NO_COLOR: '1' })).toBe(false);
  });
});

describe('throughput from successive metrics', () => {
  const sample = (at: number, finished: number, total = finished) => ({ at, finished, total });

  it('counts increases per bucket, never decreases', () => {
    let samples = [sample(0, 0)];
    samples = addSample(samples, sample(1_000, 5), 60_000);
    samples = addSample(samples, sample(12_000, 8), 60_000);
    samples = addSample(samples, sample(13_000, 6), 60_000);
    samples = addSample(samples, sample(19_000, 10, 20), 60_000);
    expect(throughputBuckets(samples, 20_000, 10_000, 3)).toEqual([0, 5, 7]);
    // Over the last 10 s (from the 12 s sample): 8 → 6 (a delete) → 10 finished, 8 → 6 → 20 in total.
    expect(recentRates(samples, 10_000)).toEqual({ finishedPerSec: 4 / 7, startedPerSec: 14 / 7 });
  });

  it('drops samples older than the window, keeping one as a base', () => {
    let samples = [sample(0, 0)];
    for (let t = 1; t <= 10; t++) samples = addSample(samples, sample(t * 1000, t), 3_000);
    expect(samples.map((s) => s.at)).toEqual([7000, 8000, 9000, 10000]);
    expect(recentRates([sample(0, 0)], 10_000)).toBeNull();
  });
});

describe('history timeline', () => {
  const event = (
    eventId: number,
    kind: string,
    timestampMs: number,
    extra: Partial<HistoryEventView> = {},
  ) => ({
    eventId,
    kind,
    timestampMs,
    ...extra,
  });

  it('links schedules to their completions and summarizes each event', () => {
    const rows = buildTimeline([
      event(1, 'OrchestrationStarted', 1000, {
        data: '{"name":"Order","version":"1.0.0","input":{"a":1}}',
      }),
      event(2, 'ActivityScheduled', 1000, { data: '{"name":"Charge","input":42}' }),
      event(3, 'TimerCreated', 1000, { data: '{"fireAtMs":61000}' }),
      event(4, 'ActivityFailed', 1250, {
        sourceEventId: 2,
        data: '{"category":"application","kind":"ActivityFailed","message":"card\\ndeclined"}',
      }),
      event(5, 'SubOrchestrationScheduled', 1300, {
        data: '{"name":"Ship","instance":"o-1-ship","input":null}',
      }),
      event(6, 'SubOrchestrationCompleted', 1400, { sourceEventId: 5, data: '"ok"' }),
      event(7, 'ActivityScheduled', 1400, { data: '{"name":"__durox_syscall:new_guid","input":null}' }),
    ]);
    expect(rows.map((r) => [r.eventId, r.tone, r.offsetMs, linkLabel(r), r.summary])).toEqual([
      [1, 'lifecycle', 0, '', 'Order 1.0.0 input={"a":1}'],
      [2, 'schedule', 0, '→#4 250ms', 'Charge(42)'],
      [3, 'timer', 0, '…', 'fires after 1m'],
      [4, 'failure', 250, '←#2 250ms', 'Charge ✗ card declined'],
      [5, 'schedule', 300, '→#6 100ms', 'Ship as o-1-ship input=null'],
      [6, 'completion', 400, '←#5 100ms', 'Ship → "ok"'],
      [7, 'schedule', 400, '…', 'newGuid()'],
    ]);
    expect(rows[1]!.answeredBy).toEqual([{ eventId: 4, kind: 'ActivityFailed', afterMs: 250 }]);
    expect(rows[4]!.childInstanceId).toBe('o-1-ship');
  });

  it('links an external event to the oldest open subscription to its name', () => {
    const name = (n: string) => ({ data: JSON.stringify({ name: n, data: 1 }) });
    const rows = buildTimeline([
      event(1, 'ExternalSubscribed', 0, name('a')),
      event(2, 'ExternalSubscribed', 0, name('a')),
      event(3, 'ExternalSubscribed', 0, name('b')),
      event(4, 'ExternalSubscribedCancelled', 5, { sourceEventId: 1, data: '{"reason":"race lost"}' }),
      event(5, 'ExternalEvent', 10, name('a')),
      event(6, 'ExternalEvent', 20, name('c')),
    ]);
    expect(rows.map(linkLabel)).toEqual(['→#4 5ms', '→#5 10ms', '…', '←#1 5ms', '←#2 10ms', '']);
    expect(rows[3]!.summary).toBe('"a" reason: race lost');
  });

  it('colours by kind', () => {
    expect(toneOf('OrchestrationFailed')).toBe('failure');
    expect(toneOf('OrchestrationCompleted')).toBe('lifecycle');
    expect(toneOf('ActivityCompleted')).toBe('completion');
    expect(toneOf('ExternalEvent')).toBe('event');
    expect(toneOf('ExternalSubscribed')).toBe('schedule');
    expect(toneOf('TimerFired')).toBe('timer');
    expect(toneOf('KeyValueSet')).toBe('state');
  });
});

describe('raise-event form', () => {
  it('validates the name and the JSON payload', () => {
    expect(parseRaiseForm(' approve ', ' {"by":"alice"} ')).toEqual({
      ok: true,
      name: 'approve',
      data: { by: 'alice' },
    });
    expect(parseRaiseForm('go', '')).toEqual({ ok: true, name: 'go', data: undefined });
    expect(parseRaiseForm('go', 'null')).toEqual({ ok: true, name: 'go', data: null });
    expect(parseRaiseForm('  ', '1')).toEqual({ ok: false, error: 'event name must not be empty' });
    expect(parseRaiseForm('x'.repeat(257), '1')).toEqual({
      ok: false,
      error: 'event name must be at most 256 characters',
    });
    const bad = parseRaiseForm('go', "{'a':1}");
    expect(bad.ok).toBe(false);
    expect((bad as { error: string }).error).toMatch(/^payload is not valid JSON \(/);
  });
});

describe('schedule texts', () => {
  it('shows specs and durations in units', () => {
    expect(durationText(900_000)).toBe('15m');
    expect(durationText(5_400_000)).toBe('1h30m');
    expect(durationText(1500)).toBe('1s500ms');
    expect(durationText(0)).toBe('0s');
    expect(summarySpecText('every 900000 ms + 60000 ms')).toBe('every 15m + 1m');
    expect(summarySpecText('*/5 * * * * (Europe/Berlin)')).toBe('*/5 * * * * (Europe/Berlin)');
    const base = {
      timezone: 'UTC',
      jitterMs: 0,
      orchestration: 'R',
      input: null,
      overlap: 'skip',
      catchupWindowMs: 1,
    } as const;
    expect(specText({ ...base, cron: '0 * * * *' })).toBe('0 * * * *');
    expect(specText({ ...base, cron: '0 * * * *', timezone: 'Asia/Tokyo' })).toBe('0 * * * * (Asia/Tokyo)');
    expect(specText({ ...base, interval: { everyMs: 3_600_000, offsetMs: 900_000 } })).toBe('every 1h + 15m');
  });

  it('the pause note is optional, trimmed and bounded', () => {
    expect(parsePauseNote('   ')).toEqual({ ok: true });
    expect(parsePauseNote(' freeze ')).toEqual({ ok: true, note: 'freeze' });
    expect(parsePauseNote('x'.repeat(501))).toEqual({
      ok: false,
      error: 'note must be at most 500 characters',
    });
  });
});
