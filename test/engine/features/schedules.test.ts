/**
 * Schedules on virtual time: cron and interval runs, DST days in Europe/Berlin, overlap policies,
 * catch-up after an outage, backfill, pause/resume/delete across restarts.
 */
import { describe, expect, it } from 'vitest';
import { environment, runs, storeLocation, timeOf } from '../../helpers/schedules.js';
import { TEST_PROVIDER } from '../../helpers/runtime-harness.js';

describe(`schedules (${TEST_PROVIDER})`, () => {
  it('a day of */15 * * * * yields exactly 96 runs', async () => {
    const env = await environment('2030-01-01T00:00:00.500Z');
    await env.client.createSchedule({ id: 'q', cron: '*/15 * * * *', orchestration: 'Job' });
    await env.sleep('1d');
    const ids = await runs(env, 'q');
    expect(ids).toHaveLength(96);
    expect(ids[0]).toBe('q@2030-01-01T00:15:00Z');
    expect(ids.at(-1)).toBe('q@2030-01-02T00:00:00Z');
    // One execution per stimulus, pruned every 50: the stored history stays small.
    const executions = await env.client.listExecutions('schedule:q');
    expect(executions.length).toBeLessThan(60);
    expect(executions.at(-1)).toBeGreaterThan(96);
    const described = await env.client.describeSchedule('q');
    expect(described.nextTimes.slice(0, 2)).toEqual([
      Date.parse('2030-01-02T00:15:00Z'),
      Date.parse('2030-01-02T00:30:00Z'),
    ]);
    expect((await env.client.listSchedules())[0]).toMatchObject({
      id: 'q',
      spec: '*/15 * * * *',
      orchestration: 'Job',
      paused: false,
      nextTime: Date.parse('2030-01-02T00:15:00Z'),
      lastRun: { instanceId: 'q@2030-01-02T00:00:00Z', status: 'Completed' },
      status: 'Running',
    });
    expect(described.recentRuns[0]).toMatchObject({
      instanceId: 'q@2030-01-02T00:00:00Z',
      action: 'started',
      kind: 'scheduled',
      status: 'Completed',
    });
  });

  it('30 2 * * * in Europe/Berlin: once at 03:00 on the spring-forward day, once at the first 02:30 on the fall-back day', async () => {
    const env = await environment('2030-03-29T12:00:00Z');
    await env.client.createSchedule({
      id: 'dst',
      cron: '30 2 * * *',
      timezone: 'Europe/Berlin',
      orchestration: 'Job',
    });
    await env.advanceTo('2030-04-01T12:00:00Z');
    expect((await runs(env, 'dst')).map(timeOf)).toEqual([
      '2030-03-30T01:30:00Z', // 02:30 CET
      '2030-03-31T01:00:00Z', // 02:30 does not exist: 03:00 CEST, the first valid time after the gap
      '2030-04-01T00:30:00Z', // 02:30 CEST
    ]);
    await env.client.updateSchedule('dst', { startAt: '2030-10-26T00:00:00Z' });
    await env.advanceTo('2030-10-28T12:00:00Z');
    expect((await runs(env, 'dst')).map(timeOf).slice(3)).toEqual([
      '2030-10-26T00:30:00Z', // 02:30 CEST
      '2030-10-27T00:30:00Z', // 02:30 happens twice: only the first (CEST) pass runs
      '2030-10-28T01:30:00Z', // 02:30 CET
    ]);
  });

  it('*/15 in Europe/Berlin runs 92 times on the spring-forward day and 100 on the fall-back day', async () => {
    const env = await environment('2030-03-30T22:59:00Z');
    await env.client.createSchedule({
      id: 'spring',
      cron: '*/15 * * * *',
      timezone: 'Europe/Berlin',
      orchestration: 'Job',
    });
    await env.advanceTo('2030-03-31T21:59:00Z'); // local midnight to midnight: 23 hours
    expect(await runs(env, 'spring')).toHaveLength(92);
    await env.client.deleteSchedule('spring');
    await env.advanceTo('2030-10-26T21:59:00Z');
    await env.client.createSchedule({
      id: 'fall',
      cron: '*/15 * * * *',
      timezone: 'Europe/Berlin',
      orchestration: 'Job',
    });
    await env.advanceTo('2030-10-27T22:59:00Z'); // 25 hours
    const fall = await runs(env, 'fall');
    expect(fall).toHaveLength(100);
    // The repeated hour runs on both passes, under distinct UTC ids.
    expect(fall.map(timeOf)).toContain('2030-10-27T00:30:00Z');
    expect(fall.map(timeOf)).toContain('2030-10-27T01:30:00Z');
    expect(new Set(fall).size).toBe(100);
  });

  it('skip drops a run while the previous one still runs; buffer-one queues exactly one', async () => {
    const env = await environment('2030-01-01T00:00:00Z');
    // Runs every 10 minutes, each taking 24 minutes: no run ends at the instant of a tick, so
    // the outcome does not hang on which of two simultaneous events is handled first.
    const base = { cron: '*/10 * * * *', orchestration: 'Job', input: { minutes: 24 } } as const;
    await env.client.createSchedule({ id: 'skip', ...base });
    await env.client.createSchedule({ id: 'buf', ...base, overlap: 'buffer-one' });
    await env.advanceTo('2030-01-01T01:05:00Z');
    // skip: 00:10 runs until 00:34, so 00:20 and 00:30 are skipped; 00:40 runs until 01:04; 00:50 and 01:00 skipped.
    expect((await runs(env, 'skip')).map(timeOf)).toEqual(['2030-01-01T00:10:00Z', '2030-01-01T00:40:00Z']);
    const skip = await env.client.describeSchedule('skip');
    expect(skip.recentRuns.filter((r) => r.action === 'skipped').map((r) => timeOf(r.instanceId))).toEqual([
      '2030-01-01T01:00:00Z',
      '2030-01-01T00:50:00Z',
      '2030-01-01T00:30:00Z',
      '2030-01-01T00:20:00Z',
    ]);
    // buffer-one: 00:10 runs; 00:20 waits (00:30 is skipped: one waits already) and starts when 00:10 ends
    // (00:34, until 00:58); 00:40 waits (00:50 skipped), starts at 00:58; 01:00 waits.
    const buffered = await runs(env, 'buf');
    expect(buffered.map(timeOf)).toEqual([
      '2030-01-01T00:10:00Z',
      '2030-01-01T00:20:00Z',
      '2030-01-01T00:40:00Z',
    ]);
    const started20 = await env.client.findInstance(buffered[1]!);
    expect(started20!.createdAt).toBeGreaterThanOrEqual(Date.parse('2030-01-01T00:34:00Z'));
    expect(started20!.createdAt).toBeLessThan(Date.parse('2030-01-01T00:37:00Z'));
    const buf = await env.client.describeSchedule('buf');
    expect(buf.recentRuns.find((r) => r.instanceId === 'buf@2030-01-01T00:30:00Z')).toMatchObject({
      action: 'skipped',
    });
    expect(buf.state.buffered).toBe(1);
  });

  it('after a 3-hour worker outage a 1-hour catch-up window starts only the runs inside it', async () => {
    const store = storeLocation();
    const first = await environment('2030-01-01T00:00:30Z', store);
    await first.client.createSchedule({
      id: 'hourly-ish',
      cron: '*/20 * * * *',
      orchestration: 'Job',
      overlap: 'allow-all',
      catchupWindow: '1h',
    });
    await first.advanceTo('2030-01-01T01:00:30Z');
    expect(await runs(first, 'hourly-ish')).toHaveLength(3);
    await first.close();
    // No worker from 01:00:30 to 04:00:30; the next environment starts there.
    const second = await environment('2030-01-01T04:00:30Z', store);
    await second.sleep('1s');
    const ids = (await runs(second, 'hourly-ish')).map(timeOf);
    expect(ids).toEqual([
      '2030-01-01T00:20:00Z',
      '2030-01-01T00:40:00Z',
      '2030-01-01T01:00:00Z',
      // 01:20 … 03:00 are older than an hour: skipped. 03:20, 03:40, 04:00 are caught up.
      '2030-01-01T03:20:00Z',
      '2030-01-01T03:40:00Z',
      '2030-01-01T04:00:00Z',
    ]);
    const described = await second.client.describeSchedule('hourly-ish');
    expect(described.recentRuns.slice(0, 4).map((r) => [r.kind, r.action])).toEqual([
      ['scheduled', 'started'], // 04:00, handled 30 s late: on time
      ['catchup', 'started'],
      ['catchup', 'started'],
      ['catchup', 'skipped'],
    ]);
    expect(described.recentRuns[3]!.reason).toMatch(/6 time\(s\) older than the catch-up window/);
  });

  it('backfill of a range starts each time once, also times the schedule already ran', async () => {
    const env = await environment('2030-01-01T00:00:30Z');
    await env.client.createSchedule({ id: 'bf', cron: '0 * * * *', orchestration: 'Job' });
    await env.advanceTo('2030-01-01T02:00:30Z');
    expect(await runs(env, 'bf')).toHaveLength(2);
    const count = await env.client.backfillSchedule('bf', {
      from: '2029-12-31T20:00:00Z',
      to: '2030-01-01T02:00:00Z',
    });
    expect(count).toBe(7);
    await env.sleep('1s');
    const ids = (await runs(env, 'bf')).map(timeOf);
    expect(ids).toEqual([
      '2029-12-31T20:00:00Z',
      '2029-12-31T21:00:00Z',
      '2029-12-31T22:00:00Z',
      '2029-12-31T23:00:00Z',
      '2030-01-01T00:00:00Z',
      '2030-01-01T01:00:00Z',
      '2030-01-01T02:00:00Z',
    ]);
    for (const id of await runs(env, 'bf')) expect(await env.client.listExecutions(id)).toEqual([1]);
  });

  it('pause, resume and delete take effect and survive a restart', async () => {
    const store = storeLocation();
    const first = await environment('2030-01-01T00:00:30Z', store);
    await first.client.createSchedule({ id: 'p', interval: '10m', orchestration: 'Job' });
    await first.advanceTo('2030-01-01T00:30:30Z');
    expect(await runs(first, 'p')).toHaveLength(3);
    await first.client.pauseSchedule('p', 'maintenance');
    await first.sleep('1s');
    expect((await first.client.describeSchedule('p')).state).toMatchObject({
      paused: true,
      note: 'maintenance',
    });
    await first.close();

    const second = await environment('2030-01-01T01:00:00Z', store);
    await second.advanceTo('2030-01-01T02:00:00Z');
    expect(await runs(second, 'p')).toHaveLength(3);
    const paused = await second.client.describeSchedule('p');
    expect(paused.state).toMatchObject({ paused: true, note: 'maintenance' });
    expect(paused.nextTimes).toEqual([]);
    await second.client.resumeSchedule('p');
    await second.advanceTo('2030-01-01T02:25:00Z');
    // Resumed at 02:00: 02:10 and 02:20 run; nothing of the paused hours is caught up.
    expect((await runs(second, 'p')).slice(3).map(timeOf)).toEqual([
      '2030-01-01T02:10:00Z',
      '2030-01-01T02:20:00Z',
    ]);
    await second.close();

    const third = await environment('2030-01-01T02:25:00Z', store);
    await third.advanceTo('2030-01-01T02:45:00Z');
    expect(await runs(third, 'p')).toHaveLength(7);
    await third.client.deleteSchedule('p');
    await expect(third.client.describeSchedule('p')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await third.close();

    const fourth = await environment('2030-01-01T03:00:00Z', store);
    await fourth.advanceTo('2030-01-01T05:00:00Z');
    expect(await runs(fourth, 'p')).toHaveLength(7);
    expect(await fourth.client.listSchedules()).toEqual([]);
  });
});
