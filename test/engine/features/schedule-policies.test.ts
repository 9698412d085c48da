/**
 * Schedules on virtual time, continued: two runtimes on one store, cancel-other, buffer-all,
 * triggers, intervals with an offset, jitter, remaining runs, start/end times, strict
 * determinism, and the Client's errors.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Runtime, defineOrchestration } from '../../../src/index.js';
import type { Provider } from '../../../src/index.js';
import { buildHistoryFile } from '../../../src/cli/history-file.js';
import { replayHistory } from '../../../src/testing/index.js';
import { createHarness, TEST_PROVIDER } from '../../helpers/runtime-harness.js';
import { environment, registerJob, runs, storeLocation, timeOf } from '../../helpers/schedules.js';

describe(`schedule policies (${TEST_PROVIDER})`, () => {
  it('two runtimes on one store never start a scheduled time twice', async () => {
    const store = storeLocation();
    const env = await environment('2030-01-01T00:00:00.250Z', store);
    const clock = env.runtime.options.clock;
    const other: Provider = await store({ clock });
    const second = new Runtime(other, {
      clock,
      dispatcherPollIntervalMs: 20,
      logLevel: 'error',
      orchestrationCacheSize: 0,
    });
    registerJob(second);
    await second.start();
    try {
      await env.client.createSchedule({
        id: 'two',
        cron: '* * * * *',
        orchestration: 'Job',
        input: { minutes: 0 },
      });
      await env.sleep('2h');
      const ids = await runs(env, 'two');
      expect(ids).toHaveLength(120);
      expect(new Set(ids).size).toBe(120);
      // Every start the schedule recorded, over all its executions still stored, names a distinct time.
      const chained: string[] = [];
      for (const execution of await env.client.listExecutions('schedule:two')) {
        for (const event of await env.client.readExecutionHistory('schedule:two', execution)) {
          if (event.kind === 'OrchestrationChained')
            chained.push((JSON.parse(event.data!) as { instance: string }).instance);
        }
      }
      expect(new Set(chained).size).toBe(chained.length);
      for (const id of ids.slice(-10)) expect(await env.client.listExecutions(id)).toEqual([1]);
    } finally {
      await second.shutdown(200);
      await other.close();
    }
  });

  it('cancel-other cancels the running run and starts the new one once it has ended', async () => {
    const env = await environment('2030-01-01T00:00:00Z');
    await env.client.createSchedule({
      id: 'co',
      interval: '30m',
      orchestration: 'Job',
      input: { minutes: 45 },
      overlap: 'cancel-other',
    });
    await env.advanceTo('2030-01-01T01:10:00Z');
    const ids = await runs(env, 'co');
    expect(ids.map(timeOf)).toEqual(['2030-01-01T00:30:00Z', '2030-01-01T01:00:00Z']);
    const first = await env.client.getStatus(ids[0]!);
    expect(first).toMatchObject({ status: 'Failed' });
    expect(first.error).toMatch(/cancel/);
  });

  it('buffer-all starts every run in turn', async () => {
    const env = await environment('2030-01-01T00:00:00Z');
    await env.client.createSchedule({
      id: 'ba',
      interval: '10m',
      orchestration: 'Job',
      input: { minutes: 25 },
      overlap: 'buffer-all',
      endAt: '2030-01-01T00:30:00Z',
    });
    await env.advanceTo('2030-01-01T02:00:00Z');
    const ids = await runs(env, 'ba');
    expect(ids.map(timeOf)).toEqual(['2030-01-01T00:10:00Z', '2030-01-01T00:20:00Z', '2030-01-01T00:30:00Z']);
    for (const id of ids) expect((await env.client.getStatus(id)).status).toBe('Completed');
    expect((await env.client.describeSchedule('ba')).nextTimes).toEqual([]);
  });

  it('an interval with an offset, jitter within bounds, a limit on remaining runs, startAt', async () => {
    const env = await environment('2030-01-01T00:00:00Z');
    await env.client.createSchedule({
      id: 'iv',
      interval: { every: '1h', offset: '15m' },
      jitter: '5m',
      remainingRuns: 3,
      startAt: '2030-01-01T02:00:00Z',
      orchestration: 'Job',
    });
    const described = await env.client.describeSchedule('iv');
    expect(described.nextTimes).toEqual([
      Date.parse('2030-01-01T02:15:00Z'),
      Date.parse('2030-01-01T03:15:00Z'),
      Date.parse('2030-01-01T04:15:00Z'),
    ]);
    await env.advanceTo('2030-01-02T00:00:00Z');
    const ids = await runs(env, 'iv');
    expect(ids.map(timeOf)).toEqual(['2030-01-01T02:15:00Z', '2030-01-01T03:15:00Z', '2030-01-01T04:15:00Z']);
    for (const id of ids) {
      const created = (await env.client.findInstance(id))!.createdAt;
      const nominal = Date.parse(timeOf(id));
      expect(created).toBeGreaterThanOrEqual(nominal);
      expect(created).toBeLessThan(nominal + 5 * 60_000 + 1000);
    }
    expect((await env.client.describeSchedule('iv')).state.remainingRuns).toBe(0);
  });

  it('a trigger starts a run now; two triggers start two runs', async () => {
    const env = await environment('2030-01-01T00:00:00Z');
    await env.client.createSchedule({
      id: 'tr',
      cron: '0 0 1 1 *',
      orchestration: 'Job',
      overlap: 'allow-all',
    });
    await env.sleep('1s');
    await env.client.triggerSchedule('tr');
    await env.client.triggerSchedule('tr');
    await env.sleep('1s');
    const ids = await runs(env, 'tr');
    expect(ids).toHaveLength(2);
    const described = await env.client.describeSchedule('tr');
    expect(described.recentRuns.map((r) => r.kind)).toEqual(['trigger', 'trigger']);
  });

  it('update changes the spec and takes times from now', async () => {
    const env = await environment('2030-01-01T00:00:30Z');
    await env.client.createSchedule({ id: 'up', cron: '0 * * * *', orchestration: 'Job' });
    await env.advanceTo('2030-01-01T01:00:30Z');
    await env.client.updateSchedule('up', { cron: '*/30 * * * *', input: { minutes: 1 } });
    await env.advanceTo('2030-01-01T02:00:30Z');
    expect((await runs(env, 'up')).map(timeOf)).toEqual([
      '2030-01-01T01:00:00Z',
      '2030-01-01T01:30:00Z',
      '2030-01-01T02:00:00Z',
    ]);
    // Two updates of different fields at once: both apply.
    await Promise.all([
      env.client.updateSchedule('up', { overlap: 'allow-all' }),
      env.client.updateSchedule('up', { jitter: '1m' }),
    ]);
    await env.sleep('1s');
    expect((await env.client.describeSchedule('up')).spec).toMatchObject({
      overlap: 'allow-all',
      jitterMs: 60_000,
    });
    expect((await env.client.describeSchedule('up')).spec).toMatchObject({
      cron: '*/30 * * * *',
      input: { minutes: 1 },
    });
  });

  it('runs under determinism strict', async () => {
    const env = await environment('2030-01-01T00:00:00.500Z', storeLocation(), registerJob, {
      determinism: 'strict',
    });
    await env.client.createSchedule({
      id: 'st',
      cron: '0 */6 * * *',
      timezone: 'America/New_York',
      orchestration: 'Job',
    });
    await env.sleep('1d');
    expect(await runs(env, 'st')).toHaveLength(4);
    expect((await env.client.describeSchedule('st')).state.status).toBe('Running');
  });

  it('rejects bad specs with one-line errors naming the field, and unknown orchestrations', async () => {
    const env = await environment('2030-01-01T00:00:00Z');
    const c = env.client;
    await expect(
      c.createSchedule({ id: 'x', cron: '61 * * * *', orchestration: 'Job' }),
    ).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: 'cron "61 * * * *": field 1 (minute) at column 1: invalid value "61"',
    });
    await expect(c.createSchedule({ id: 'x', cron: '0 25 * * *', orchestration: 'Job' })).rejects.toThrow(
      /field 2 \(hour\) at column 3/,
    );
    await expect(c.createSchedule({ id: 'x', cron: '* * *', orchestration: 'Job' })).rejects.toThrow(
      /^cron "\* \* \*": /,
    );
    await expect(
      c.createSchedule({ id: 'x', cron: '* * * * *', timezone: 'Mars/Olympus', orchestration: 'Job' }),
    ).rejects.toThrow(/^timezone "Mars\/Olympus": unknown time zone/);
    await expect(c.createSchedule({ id: 'x', cron: '* * * * *', orchestration: 'Nope' })).rejects.toThrow(
      /^orchestration: 'Nope' is not registered/,
    );
    await expect(c.createSchedule({ id: 'x', interval: 'soon', orchestration: 'Job' })).rejects.toThrow(
      /^interval: /,
    );
    await expect(
      c.createSchedule({ id: 'x', cron: '* * * * *', orchestration: 'Job', overlap: 'never' as 'skip' }),
    ).rejects.toThrow(/^createSchedule: overlap: /);
    await expect(
      c.createSchedule({ id: 'x', cron: '* * * * *', orchestration: 'Job', waitForFirstTurn: 'a bit' }),
    ).rejects.toThrow(/^waitForFirstTurn: duration "a bit"/);
    await expect(c.describeSchedule('missing')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(c.pauseSchedule('missing')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    // The opt-out, and a second create of the same id.
    await c.createSchedule({
      id: 'later',
      cron: '@hourly',
      orchestration: 'Nope',
      allowUnknownOrchestration: true,
    });
    await expect(
      c.createSchedule({ id: 'later', cron: '@daily', orchestration: 'Job' }),
    ).rejects.toMatchObject({
      code: 'INSTANCE_EXISTS',
    });
    expect((await c.listSchedules()).map((s) => [s.id, s.spec, s.orchestration])).toEqual([
      ['later', '@hourly', 'Nope'],
    ]);
  });

  it('createSchedule waits for the first turn as long as waitForFirstTurn says', async () => {
    // A runtime of this process registers schedules but is not started: nobody takes them up.
    const h = await createHarness();
    registerJob(h.runtime);
    const started = Date.now();
    const now = await h.client.createSchedule({
      id: 'now',
      interval: '1h',
      orchestration: 'Job',
      waitForFirstTurn: 0,
    });
    expect(now.state.status).toBe('Pending');
    const returnedAt = Date.now();
    const later = await h.client.createSchedule({
      id: 'later',
      interval: '1h',
      orchestration: 'Job',
      waitForFirstTurn: '300ms',
    });
    expect(later.state.status).toBe('Pending');
    expect(Date.now() - returnedAt).toBeGreaterThanOrEqual(300);
    // Not the default 10 s wait.
    expect(returnedAt - started).toBeLessThan(5000);
  });

  it("a schedule's stored history replays with the code that wrote it", async () => {
    const env = await environment('2030-01-01T00:00:00Z');
    await env.client.createSchedule({
      id: 'rp',
      cron: '*/10 * * * *',
      orchestration: 'Job',
      input: { minutes: 15 },
      overlap: 'buffer-one',
    });
    await env.client.pauseSchedule('rp', 'a note');
    await env.client.resumeSchedule('rp');
    await env.sleep('2h');
    const file = await buildHistoryFile(env.client, 'schedule:rp', { kind: 'all' });
    // Pruned every 50 executions: at least the last 3 are stored.
    expect(file.executions.length).toBeGreaterThanOrEqual(3);
    const result = await replayHistory(registerJob, file);
    expect(result.divergences).toEqual([]);
    expect(result.ok).toBe(true);
  });

  it('a typed definition: its input type is checked at compile time and its schema at once', async () => {
    const report = defineOrchestration(
      { name: 'Report', input: z.object({ region: z.string() }) },
      function* (_ctx, input) {
        return input.region;
      },
    );
    const env = await environment('2030-01-01T00:00:00Z', storeLocation(), (rt) => rt.register(report));
    await env.client.createSchedule({
      id: 'typed',
      interval: '1h',
      orchestration: report,
      input: { region: 'eu' },
    });
    await expect(
      // @ts-expect-error region must be a string
      env.client.createSchedule({ id: 'bad', interval: '1h', orchestration: report, input: { region: 1 } }),
    ).rejects.toMatchObject({ code: 'INVALID_INPUT', message: expect.stringMatching(/region/) });
    await env.sleep('1h');
    expect((await env.client.getStatus('typed@2030-01-01T01:00:00Z')).output).toBe('eu');
  });

  it('users cannot register the reserved schedule orchestration name', async () => {
    const env = await environment('2030-01-01T00:00:00Z');
    expect(() => env.runtime.registerOrchestration('__durox_syscall:schedule', function* () {})).toThrow(
      /reserved/,
    );
  });
});
