/**
 * The schedules screen (`4`) over a real SQLite store worked by a Runtime: the list from
 * `client.listSchedules()`, the detail pane from `client.describeSchedule()` (and a schedule no
 * worker has run yet, shown as waiting), pause with a note, resume and trigger through their
 * dialogs (observed through `describeSchedule`), refusals, and the empty screen.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { KEYS, renderTui, stable } from './render.js';
import type { Tui } from './render.js';
import { openStore, scheduleStore } from './store.js';
import type { TestStore } from './store.js';
import { eventually } from '../helpers/eventually.js';

const stores: TestStore[] = [];

afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close()));
});

async function store(options: { keepRunning?: boolean } = {}): Promise<TestStore> {
  const s = await scheduleStore(options);
  stores.push(s);
  return s;
}

/** The schedules screen with `id` selected. */
async function schedules(s: TestStore, id: string): Promise<Tui> {
  const t = renderTui({ client: s.client });
  await t.waitFor('Latest failures');
  await t.press('4', 'SCHEDULE');
  await t.waitFor('nightly-report');
  while (!new RegExp(`^› ${id} `, 'm').test(t.frame())) await t.press(KEYS.down);
  return t;
}

describe('schedules screen', () => {
  it('lists every schedule with spec, orchestration, state, next run and last run', async () => {
    const s = await store();
    const t = renderTui({ client: s.client, initialView: 'schedules' });
    const frame = await t.waitFor('late-report');
    expect(frame).toContain('[4 Schedules]');
    expect(frame).toMatch(/late-report +— +— +waiting for a worker +— +—/);
    expect(frame).toMatch(/nightly-report +30 2 \* \* \* \(Europe… +Report +active +in \d+[mhd] +Completed /);
    expect(frame).toMatch(/sync +every 15m +Report +paused: maintenance… +— +—/);
    await expect(stable(frame)).toMatchFileSnapshot('./__frames__/schedules.txt');
  });

  it('opens a schedule: spec, state, next times and recent runs; Enter opens a run', async () => {
    const s = await store();
    const t = await schedules(s, 'nightly-report');
    let frame = await t.press(KEYS.enter, 'Recent runs');
    expect(frame).toContain('Schedule nightly-report · instance schedule:nightly-report · Running');
    expect(frame).toMatch(/^Spec +30 2 \* \* \* \(Europe\/Berlin\) · overlap skip · catch-up 365d$/m);
    expect(frame).toMatch(/^Starts +Report · input \{"region":"eu"\}$/m);
    expect(frame).toMatch(/^State +active$/m);
    expect(frame.match(/\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} \(in \d+[smhd]\)/g)).toHaveLength(5);
    expect(frame).toMatch(/› nightly-report@2030-01-03T01:30:00Z +backfill +Completed/);
    expect(frame).toMatch(/ {2}nightly-report@2030-01-01T01:30:00Z +backfill +Completed/);
    await expect(stable(frame)).toMatchFileSnapshot('./__frames__/schedule-detail.txt');
    await t.press(KEYS.down, '› nightly-report@2030-01-02');
    frame = await t.press(KEYS.enter, 'nightly-report@2030-01-02T01:30:00Z · Report 1.0.0 · Completed');
    frame = await t.press(KEYS.escape, 'Recent runs');
    expect(frame).toContain('› nightly-report@2030-01-02');
    frame = await t.press(KEYS.escape, (f) => f.includes('SCHEDULE') && f.includes('› nightly-report'));
  });

  it("counts schedules' own instances apart from running work (header and overview)", async () => {
    const s = await store();
    const t = renderTui({ client: s.client });
    const frame = await t.waitFor((f) => /^ {2}Running /m.test(f) && f.includes('●'));
    // nightly-report and sync have been taken up by a worker; their instances run for good.
    expect(frame).toContain('● 0 running');
    expect(frame).toMatch(/^ {2}Running +0 *$/m);
    expect(frame).toMatch(/^ {2}Schedules +2 /m);
  });

  it('shows a schedule no worker has run yet as waiting for a worker', async () => {
    const s = await store();
    const t = await schedules(s, 'late-report');
    const frame = await t.press(KEYS.enter, 'Waiting for a worker');
    expect(frame).toContain("no worker has run this schedule's first turn yet");
    expect(frame).not.toContain('cannot describe');
    await t.press(KEYS.backspace, '› late-report');
  });

  it('fits an 80×24 terminal', async () => {
    const s = await store();
    const t = renderTui({ client: s.client, initialView: 'schedules', size: { columns: 80, rows: 24 } });
    const check = (frame: string): void => {
      const lines = frame.split('\n');
      expect(lines.length).toBeLessThanOrEqual(23);
      for (const line of lines) expect([...line].length, line).toBeLessThanOrEqual(80);
    };
    const frame = await t.waitFor('late-report');
    check(frame);
    expect(frame).not.toContain('ORCHESTRATION');
    expect(frame).toMatch(/late-report +— +waiting for a worker +— +—/);
    await t.press(KEYS.down, '› nightly-re');
    check(await t.press(KEYS.enter, 'Recent runs'));
    check(await t.press('p', 'Pause schedule'));
    check(await t.press(KEYS.escape, (f) => !f.includes('Pause schedule')));
    check(await t.press('t', 'Trigger schedule'));
    check(await t.press('n', (f) => !f.includes('Trigger schedule')));
    check(await t.press('?', 'Keys'));
  });

  it('shows that an open schedule was deleted', async () => {
    const s = await store();
    const t = await schedules(s, 'sync');
    await t.press(KEYS.enter, 'every 15m');
    await s.client.deleteSchedule('sync');
    await t.waitFor("cannot describe schedule sync: schedule 'sync' not found");
    await t.press(KEYS.escape, (f) => f.includes('SCHEDULE') && !/^[› ] sync /m.test(f));
  });

  it('says how to create a schedule when there is none', async () => {
    const s = await openStore();
    stores.push(s);
    const t = renderTui({ client: s.client, initialView: 'schedules' });
    const frame = await t.waitFor('No schedules in this store yet');
    expect(frame).toContain('durox schedule create …');
    expect(frame).toContain('client.createSchedule(');
  });
});

describe('schedule actions', () => {
  it('pauses with a note after asking, and resumes', async () => {
    const s = await store({ keepRunning: true });
    const t = await schedules(s, 'nightly-report');
    let frame = await t.press('p', 'Pause schedule nightly-report?');
    expect(frame).toContain('⏎ done  Esc cancel');
    // Keys are text in the note: q does not quit.
    frame = await t.press('quarterly close', '› Note (optional): quarterly close');
    await expect(stable(frame)).toMatchFileSnapshot('./__frames__/schedule-pause.txt');
    frame = await t.press(KEYS.enter, 'pause requested for schedule nightly-report');
    await eventually(async () => (await s.client.describeSchedule('nightly-report')).state.paused);
    expect((await s.client.describeSchedule('nightly-report')).state.note).toBe('quarterly close');
    frame = await t.waitFor('paused: quarterly c…');
    // Pausing again is refused at once.
    await t.press('p', 'schedule nightly-report is already paused');
    await t.press('u', 'Resume schedule nightly-report? Runs start again from now');
    await t.press('y', 'resume requested for schedule nightly-report');
    await eventually(async () => !(await s.client.describeSchedule('nightly-report')).state.paused);
    frame = await t.waitFor((f) => /› nightly-report .* active /.test(f));
    await t.press('u', 'schedule nightly-report is not paused');
  });

  it('Esc closes the pause dialog without pausing; n keeps a schedule paused', async () => {
    const s = await store({ keepRunning: true });
    const t = await schedules(s, 'nightly-report');
    await t.press('p', 'Pause schedule');
    await t.press('x', 'Note (optional): x');
    await t.press(KEYS.escape, (f) => !f.includes('Pause schedule'));
    await t.press(KEYS.down, '› sync');
    await t.press('u', 'Resume schedule sync?');
    await t.press('n', (f) => !f.includes('Resume schedule'));
    await t.press('r', (f) => f.includes('› sync'));
    const [nightly, sync] = await Promise.all([
      s.client.describeSchedule('nightly-report'),
      s.client.describeSchedule('sync'),
    ]);
    expect(nightly.state.paused).toBe(false);
    expect(sync.state).toMatchObject({ paused: true, note: 'maintenance window' });
  });

  it('triggers a run from the detail pane after asking', async () => {
    const s = await store({ keepRunning: true });
    const t = await schedules(s, 'nightly-report');
    await t.press(KEYS.enter, 'Recent runs (3');
    await t.press('t', 'Trigger schedule nightly-report now?');
    await t.press(KEYS.enter, 'trigger requested for schedule nightly-report');
    const run = await eventually(async () => {
      const d = await s.client.describeSchedule('nightly-report');
      return d.recentRuns.find((r) => r.kind === 'trigger' && r.status === 'Completed');
    }, 'the triggered run to complete');
    const line = new RegExp(`${run.instanceId.replace(/\./g, '\\.')} +trigger +Completed`);
    await t.waitFor((f) => line.test(f));
  });
});
