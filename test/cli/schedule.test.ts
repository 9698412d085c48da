/**
 * `durox schedule …` end to end: the built binary against SQLite files, one with a worker
 * process running the test module (create → list → describe → pause → resume → trigger →
 * backfill → update → delete, with JSON shapes and human output), one with no worker (errors and
 * their exit codes: a bad cron expression with its position, an unknown time zone, an unknown
 * orchestration, an unknown schedule, a schedule no worker has run yet). CLI runs are slow on a
 * busy machine, so independent commands run together; the tests wait for the schedules'
 * published state through a Client on the same file, not through more CLI runs.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, SqliteProvider } from '../../src/index.js';
import type { ScheduleDescription } from '../../src/index.js';
import { durox, startWorker, tempDir, TEST_MODULE } from './helpers.js';
import type { WorkerProcess } from './helpers.js';
import { eventually } from '../helpers/eventually.js';

const dir = tempDir();
const store = `sqlite:${join(dir, 'schedules.db')}`;
const idle = `sqlite:${join(dir, 'no-worker.db')}`;
/** A store that no command may create: bad input is refused before the store is opened. */
const neverFile = join(dir, 'never.db');
const run = (...args: string[]) => durox([...args, '--store', store]);
const runIdle = (...args: string[]) => durox([...args, '--store', idle]);
let worker: WorkerProcess;
let provider: SqliteProvider;
let client: Client;

/** Waits until the schedule's published description satisfies `check`. */
function described(
  id: string,
  check: (d: ScheduleDescription) => boolean,
  what: string,
): Promise<ScheduleDescription> {
  return eventually(
    async () => {
      const d = await client.describeSchedule(id);
      return check(d) && d;
    },
    { what, timeoutMs: 20_000, intervalMs: 50 },
  );
}

beforeAll(async () => {
  worker = await startWorker(['--module', TEST_MODULE, '--store', store]);
  provider = await SqliteProvider.open(store);
  client = new Client(provider);
});
afterAll(async () => {
  await provider?.close();
  await worker?.stop();
});

describe('schedule errors (no worker)', () => {
  it('a bad cron expression (with its position, before the store is opened), an unknown time zone or orchestration, a reserved name exit 2', async () => {
    const [cron, zone, orchestration, reserved, wait] = await Promise.all([
      durox([
        'schedule',
        'create',
        'bad',
        '--cron',
        '0 25 * * *',
        '-o',
        'Child',
        '--json',
        '--store',
        `sqlite:${neverFile}`,
      ]),
      runIdle('schedule', 'create', 'tz', '--cron', '0 2 * * *', '--timezone', 'Mars/Olympus', '-o', 'Child'),
      runIdle('schedule', 'create', 'early', '--interval', '1h', '-o', 'Child', '--json'),
      // The built-in schedule orchestration is no orchestration to start by hand.
      runIdle('orchestration', 'start', '__durox_syscall:schedule', '--id', 'schedule:x'),
      durox([
        'schedule',
        'create',
        'w',
        '--interval',
        '1h',
        '-o',
        'Child',
        '--wait',
        'soon',
        '--store',
        `sqlite:${neverFile}`,
      ]),
    ]);
    expect(cron.code).toBe(2);
    expect(cron.json().error).toEqual({
      code: 'INVALID_INPUT',
      message: '--cron "0 25 * * *": field 2 (hour) at column 3: invalid value "25"',
      exitCode: 2,
    });
    expect(cron.stderr).toBe(`error: ${cron.json().error.message}\n`);
    expect(existsSync(neverFile)).toBe(false);
    expect(zone.code).toBe(2);
    expect(zone.stderr).toContain('error: --timezone "Mars/Olympus": unknown time zone');
    expect(orchestration.code).toBe(2);
    expect(orchestration.json().error).toMatchObject({
      code: 'INVALID_INPUT',
      message: "--orchestration: 'Child' is not registered by any live worker",
      exitCode: 2,
    });
    expect(orchestration.json().error.hint).toContain('--allow-unknown-orchestration');
    expect(reserved.code).toBe(2);
    expect(reserved.stderr).toContain('names starting with __durox_syscall: are durox');
    expect(reserved.stderr).toContain('hint: create schedules with `durox schedule create`');
    expect(wait.code).toBe(2);
    expect(wait.stderr).toContain('error: --wait "soon" is not a duration');
  });

  it('a schedule no worker has run: describe exits 1 suggesting a worker; control messages wait', async () => {
    const created = await runIdle(
      'schedule',
      'create',
      'early',
      '--interval',
      '1h',
      '-o',
      'Child',
      '--allow-unknown-orchestration',
      '--json',
    );
    expect(created.code, created.stderr).toBe(0);
    expect(created.json()).toMatchObject({ id: 'early', state: { status: 'Pending', paused: false } });

    const [describedEarly, exists, unknown, paused] = await Promise.all([
      runIdle('schedule', 'describe', 'early'),
      runIdle(
        'schedule',
        'create',
        'early',
        '--interval',
        '1h',
        '-o',
        'Child',
        '--allow-unknown-orchestration',
      ),
      runIdle('schedule', 'describe', 'nope', '--json'),
      runIdle('schedule', 'pause', 'early'),
    ]);
    expect(describedEarly.code).toBe(1);
    expect(describedEarly.stderr).toContain("error: schedule 'early' has not been run by a worker yet");
    expect(describedEarly.stderr).toContain('hint: start a worker on this store (`durox worker run');
    expect(exists.code).toBe(2);
    expect(exists.stderr).toContain("error: schedule 'early' already exists");
    expect(unknown.code).toBe(3);
    expect(unknown.json().error).toEqual({
      code: 'NOT_FOUND',
      message: "schedule 'nope' not found",
      exitCode: 3,
      hint: 'list schedules with `durox schedule list`',
    });
    expect(paused.code).toBe(0);
    expect(paused.stdout).toBe('pause of schedule early requested\n');
    expect(paused.stderr).toContain('warning: no worker is running on this store');
  });
});

describe('schedules with a worker', () => {
  it('create prints the description once the worker took the schedule up; list shows it', async () => {
    const [nightly, hourly] = await Promise.all([
      run(
        'schedule',
        'create',
        'nightly',
        '--cron',
        '30 2 * * *',
        '--timezone',
        'Europe/Berlin',
        '-o',
        'Child',
        '--input',
        '{"region":"eu"}',
      ),
      // Starting in 2099, it never runs by itself during the test.
      run(
        'schedule',
        'create',
        'hourly',
        '--interval',
        '1h+15m',
        '--start-at',
        '2099-01-01',
        '-o',
        'Child',
        '--json',
      ),
    ]);
    expect(nightly.code, nightly.stderr).toBe(0);
    expect(nightly.stdout).toMatch(/^schedule:\s+nightly \(instance schedule:nightly, Running\)$/m);
    expect(nightly.stdout).toMatch(/^spec:\s+cron 30 2 \* \* \* \(Europe\/Berlin\)$/m);
    expect(nightly.stdout).toMatch(/^input:\s+\{"region":"eu"\}$/m);
    // The next times, in UTC and in the schedule's zone.
    const next = /^ {2}\d{4}-\d\d-\d\dT0[01]:30:00Z {2}\d{4}-\d\d-\d\d 02:30:00 GMT\+[12]$/gm;
    expect(nightly.stdout.match(next)).toHaveLength(5);

    expect(hourly.code, hourly.stderr).toBe(0);
    const doc = hourly.json();
    expect(doc).toMatchObject({
      id: 'hourly',
      instanceId: 'schedule:hourly',
      spec: {
        interval: { everyMs: 3_600_000, offsetMs: 900_000 },
        startAt: Date.parse('2099-01-01T00:00:00Z'),
        orchestration: 'Child',
        overlap: 'skip',
      },
      state: { paused: false, status: 'Running', buffered: 0 },
      recentRuns: [],
    });
    expect(doc.nextTimes).toHaveLength(5);
    expect(doc.nextTimes[0]).toBe(Date.parse('2099-01-01T00:15:00Z'));
    expect(doc.nextTimes.every((t: number) => t % 3_600_000 === 900_000)).toBe(true);

    const [table, list] = await Promise.all([run('schedule', 'list'), run('schedule', 'list', '--json')]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^ID\s+SPEC\s+ORCHESTRATION\s+PAUSED\s+NEXT RUN\s+LAST RUN$/m);
    expect(table.stdout).toMatch(/^hourly\s+every 1h \+ 15m\s+Child\s+no\s+\S+:15:00Z\s+-$/m);
    expect(table.stdout).toMatch(/^nightly\s+cron 30 2 \* \* \* \(Europe\/Berlin\)\s+Child\s+no\s/m);
    expect(list.json().map((s: { id: string }) => s.id)).toEqual(['hourly', 'nightly']);
    expect(list.json()[0]).toMatchObject({ id: 'hourly', paused: false, orchestration: 'Child' });
  });

  it('pause (with a note), trigger and backfill apply at the next turn; describe shows them; resume', async () => {
    const [paused, triggered, backfilled] = await Promise.all([
      run('schedule', 'pause', 'hourly', '--note', 'db migration', '--json'),
      run('schedule', 'trigger', 'nightly', '--json'),
      // Europe/Berlin 02:30 is 01:30Z in winter: two times in the range.
      run('schedule', 'backfill', 'nightly', '--from', '2020-01-01', '--to', '2020-01-03T00:00', '--json'),
    ]);
    expect(paused.code, paused.stderr).toBe(0);
    expect(paused.json()).toEqual({ id: 'hourly', pauseRequested: true, note: 'db migration' });
    expect(triggered.code, triggered.stderr).toBe(0);
    expect(triggered.json()).toEqual({ id: 'nightly', triggerRequested: true });
    expect(backfilled.code, backfilled.stderr).toBe(0);
    expect(backfilled.json()).toEqual({
      id: 'nightly',
      from: '2020-01-01T00:00:00Z',
      to: '2020-01-03T00:00:00Z',
      overlap: 'allow-all',
      times: 2,
      backfillRequested: true,
    });

    await described('hourly', (d) => d.state.paused, 'the pause to apply');
    const runs = await described(
      'nightly',
      (d) => d.recentRuns.filter((r) => r.kind !== 'scheduled' && r.status === 'Completed').length === 3,
      'the triggered and backfilled runs to complete',
    );
    expect(runs.recentRuns.map((r) => [r.kind, r.instanceId])).toEqual(
      expect.arrayContaining([
        ['backfill', 'nightly@2020-01-01T01:30:00Z'],
        ['backfill', 'nightly@2020-01-02T01:30:00Z'],
        ['trigger', expect.stringMatching(/^nightly@\d{4}-\d\d-\d\dT[\d:.]+Z$/)],
      ]),
    );

    const [hourly, hourlyJson, nightly, status] = await Promise.all([
      run('schedule', 'describe', 'hourly'),
      run('schedule', 'describe', 'hourly', '--json'),
      run('schedule', 'describe', 'nightly'),
      run('orchestration', 'status', 'nightly@2020-01-02T01:30:00Z', '--json'),
    ]);
    expect(hourly.stdout).toMatch(/^state:\s+paused — "db migration"$/m);
    expect(hourly.stdout).toMatch(/^next times:\n {2}none while paused$/m);
    expect(hourlyJson.json()).toMatchObject({ state: { paused: true, note: 'db migration' }, nextTimes: [] });
    expect(nightly.stdout).toMatch(/^recent runs:\n {2}TIME\s+KIND\s+OUTCOME\s+INSTANCE$/m);
    expect(nightly.stdout).toMatch(
      /^ {2}2020-01-02T01:30:00Z\s+backfill\s+Completed\s+nightly@2020-01-02T01:30:00Z$/m,
    );
    expect(nightly.stdout).toMatch(/^ {2}\S+\s+trigger\s+Completed\s+nightly@\S+$/m);
    expect(status.json()).toMatchObject({
      orchestrationName: 'Child',
      status: 'Completed',
    });
    const resumed = await run('schedule', 'resume', 'hourly', '--json');
    expect(resumed.json()).toEqual({ id: 'hourly', resumeRequested: true });
    const after = await described('hourly', (d) => !d.state.paused, 'the resume to apply');
    expect(after.state.note).toBeUndefined();
    expect(after.nextTimes).toHaveLength(5);
  });

  it('update waits for the schedule to apply it; --clear resets a field; metrics leave schedules out of user work', async () => {
    const [updated, badCron] = await Promise.all([
      run(
        'schedule',
        'update',
        'hourly',
        '--interval',
        '2h',
        '--end-at',
        '2099-06-01',
        '--remaining-runs',
        '10',
        '--json',
      ),
      run('schedule', 'update', 'hourly', '--cron', '*/5 * * 13 *'),
    ]);
    expect(updated.code, updated.stderr).toBe(0);
    expect(updated.json()).toMatchObject({
      id: 'hourly',
      applied: true,
      spec: { interval: { everyMs: 7_200_000, offsetMs: 0 }, endAt: Date.parse('2099-06-01T00:00:00Z') },
      state: { remainingRuns: 10 },
    });
    expect(badCron.code).toBe(2);
    expect(badCron.stderr).toContain('error: --cron "*/5 * * 13 *": field 4 (month) at column 9');

    // Schedules stay Running between their turns (none is due now).
    const [metrics, metricsText] = await Promise.all([run('metrics', '--json'), run('metrics')]);
    const sample = metrics.json();
    expect(sample.schedules).toEqual({ total: 2, running: 2 });
    const names = Object.keys(sample.workers.registrations[0].orchestrations);
    expect(names).toContain('Child');
    expect(names.filter((n) => n.startsWith('__durox'))).toEqual([]);
    expect(metricsText.stdout).toMatch(/^ {2}running:\s+2 \(2 of them schedules\)$/m);
    expect(metricsText.stdout).toMatch(/^schedules:\s+2$/m);
    expect(metricsText.stdout).not.toContain('__durox_syscall');

    const cleared = await run(
      'schedule',
      'update',
      'hourly',
      '--clear',
      'end-at',
      '--clear',
      'remaining-runs',
    );
    expect(cleared.code, cleared.stderr).toBe(0);
    expect(cleared.stdout).toMatch(/^spec:\s+every 2h$/m);
    expect(cleared.stdout).toMatch(/^start at:\s+2099-01-01T00:00:00Z$/m);
    expect(cleared.stdout).not.toMatch(/^end at:/m);
    expect(cleared.stdout).not.toMatch(/^remaining runs:/m);
  });

  it('delete removes the schedule at once; its runs stay', async () => {
    const deleted = await run('schedule', 'delete', 'nightly', '--json');
    expect(deleted.code).toBe(0);
    expect(deleted.json()).toEqual({ id: 'nightly', deleted: true });
    const [gone, list] = await Promise.all([
      run('schedule', 'describe', 'nightly'),
      run('schedule', 'list', '--json'),
    ]);
    expect(gone.code).toBe(3);
    expect(gone.stderr).toContain("error: schedule 'nightly' not found");
    expect(list.json().map((s: { id: string }) => s.id)).toEqual(['hourly']);
    expect(await client.findInstance('nightly@2020-01-01T01:30:00Z')).toMatchObject({ status: 'Completed' });
  });
});
