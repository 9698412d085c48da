/**
 * The screens of `durox tui`, rendered with ink-testing-library over a Client on a real
 * temporary SQLite store populated through a Runtime: overview, instance table with navigation,
 * filter, search and sort, instance detail with its panels and sub-orchestration navigation,
 * help, colours and NO_COLOR, the 80×24 layout and quitting. Frames are compared at 100
 * columns (docs/tui.md shows the same captures).
 */
import chalk from 'chalk';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { KEYS, WAIT_MS, renderTui, stable } from './render.js';
import { populatedStore } from './store.js';
import { eventually } from '../helpers/eventually.js';
import type { TestStore } from './store.js';

let store: TestStore;

beforeAll(async () => {
  store = await populatedStore();
});

afterAll(async () => {
  await store.close();
});

const chalkLevel = chalk.level;
afterEach(() => {
  chalk.level = chalkLevel;
});

/** Rows of the instance table, top to bottom (ids only). */
function tableIds(frame: string): string[] {
  const lines = frame.split('\n');
  const header = lines.findIndex((l) => l.includes('INSTANCE') && l.includes('ORCHESTRATION'));
  return lines
    .slice(header + 1)
    .map((l) => /^[› ] (\S+)/.exec(l)?.[1])
    .filter((id): id is string => id !== undefined);
}

/** The id on the selected row. */
function selectedId(frame: string): string | undefined {
  return /^› (\S+)/m.exec(frame)?.[1];
}

describe('overview', () => {
  it('shows counts by status, queues, throughput and the latest failures', async () => {
    const t = renderTui({ client: store.client });
    const frame = await t.waitFor((f) => f.includes('card declined') && f.includes('orchestrator 0'));
    expect(frame).toContain('5 total · 7 executions');
    expect(frame).toMatch(/Running +2 █+/);
    expect(frame).toMatch(/Completed +2 █+/);
    expect(frame).toMatch(/Failed +1 █+/);
    expect(frame).toContain('● 2 running  ✗ 1 failed');
    await expect(stable(await t.waitFor('/s finished'))).toMatchFileSnapshot('./__frames__/overview.txt');
  });

  it('refreshes in place: every frame after the first keeps the full layout', async () => {
    const t = renderTui({ client: store.client, refreshMs: 100 });
    await t.waitFor('card declined');
    const from = t.rendered.frames.length;
    await t.waitFor(() => t.rendered.frames.length >= from + 4);
    const later = t.rendered.frames.slice(from).map((f) => f.split('\n'));
    for (const lines of later) {
      expect(lines).toHaveLength(23);
      expect(lines.join('\n')).toContain('card declined');
      expect(lines.join('\n')).not.toMatch(/loading|reading metrics/);
    }
  });
});

describe('instances', () => {
  it('lists the newest first with orchestration, version, status, custom status and age', async () => {
    const t = renderTui({ client: store.client, initialView: 'instances' });
    const frame = await t.waitFor('1–5 of 5');
    expect(tableIds(frame)).toEqual(['counter-1', 'approval-1', 'order-2', 'order-1-ship', 'order-1']);
    expect(frame).toMatch(/approval-1 +Approval 1\.0\.0 +Running +waiting for approval/);
    expect(frame).toMatch(/order-2 +OrderWorkflow 1\.0\.0 +Failed +charging/);
    await expect(stable(frame)).toMatchFileSnapshot('./__frames__/instances.txt');
  });

  it('moves the selection and pages', async () => {
    // 10 rows tall: 4 instances per page.
    const t = renderTui({ client: store.client, initialView: 'instances', size: { columns: 100, rows: 10 } });
    let frame = await t.waitFor('1–4 of 5');
    expect(frame).toContain('page 1/2');
    expect(selectedId(frame)).toBe('counter-1');
    frame = await t.press(KEYS.down, '› approval-1');
    frame = await t.press('j', '› order-2');
    frame = await t.press('k', '› approval-1');
    frame = await t.press(KEYS.right, '5–5 of 5');
    expect(tableIds(frame)).toEqual(['order-1']);
    expect(frame).toContain('page 2/2');
    expect(selectedId(frame)).toBe('order-1');
    frame = await t.press(KEYS.left, '1–4 of 5');
    expect(selectedId(frame)).toBe('counter-1');
    frame = await t.press('G', '› order-1');
    expect(frame).toContain('page 2/2');
    frame = await t.press('g', '› counter-1');
    frame = await t.press(KEYS.pageDown, 'page 2/2');
    frame = await t.press(KEYS.pageUp, 'page 1/2');
  });

  it('handles keys that arrive together one after the other', async () => {
    const t = renderTui({ client: store.client, initialView: 'instances' });
    await t.waitFor('1–5 of 5');
    t.rendered.stdin.write(KEYS.down + KEYS.down + KEYS.enter);
    const frame = await t.waitFor('[History');
    expect(frame).toContain('order-2 · OrderWorkflow 1.0.0 · Failed');
  });

  it('filters by status', async () => {
    const t = renderTui({ client: store.client, initialView: 'instances' });
    await t.waitFor('1–5 of 5');
    let frame = await t.press('f', (f) => f.includes('Status Running') && f.includes('of 2'));
    expect(tableIds(frame)).toEqual(['counter-1', 'approval-1']);
    frame = await t.press('f', (f) => f.includes('Status Completed') && f.includes('of 2'));
    expect(tableIds(frame)).toEqual(['order-1-ship', 'order-1']);
    frame = await t.press('f', (f) => f.includes('Status Failed') && f.includes('of 1'));
    expect(tableIds(frame)).toEqual(['order-2']);
    frame = await t.press('f', (f) => f.includes('Status ContinuedAsNew') && f.includes('0 of 0'));
    expect(frame).toContain('No instances match.');
    frame = await t.press('f', (f) => f.includes('Status Pending') && f.includes('0 of 0'));
    frame = await t.press('f', (f) => f.includes('Status All') && f.includes('of 5'));
  });

  it('searches ids as you type; Enter keeps the search, Esc clears it', async () => {
    const t = renderTui({ client: store.client, initialView: 'instances' });
    await t.waitFor('1–5 of 5');
    await t.press('/', 'Search /');
    let frame = await t.press('ord', (f) => f.includes('/ord') && f.includes('of 3'));
    expect(tableIds(frame)).toEqual(['order-2', 'order-1-ship', 'order-1']);
    frame = await t.press('er-1', (f) => f.includes('/order-1') && f.includes('of 2'));
    expect(tableIds(frame)).toEqual(['order-1-ship', 'order-1']);
    // Keys go to the search while typing: q is text, not quit.
    frame = await t.press('q', (f) => f.includes('/order-1q') && f.includes('0 of 0'));
    frame = await t.press(KEYS.backspace, (f) => f.includes('/order-1 ') && f.includes('of 2'));
    frame = await t.press(KEYS.enter, (f) => !f.includes('⏎ done'));
    // The kept search filters while the table has the keys again.
    frame = await t.press(KEYS.down, '› order-1 ');
    frame = await t.press(KEYS.escape, (f) => f.includes('of 5') && f.includes('(/ to search)'));
    await t.press('/', 'Search /');
    await t.press('app', 'of 1');
    frame = await t.press(KEYS.escape, (f) => f.includes('of 5'));
    expect(frame).toContain('(/ to search)');
  });

  it('sorts by creation, update and id, either way', async () => {
    const t = renderTui({ client: store.client, initialView: 'instances' });
    let frame = await t.waitFor('1–5 of 5');
    frame = await t.press('S', 'Sort created ↑');
    expect(tableIds(frame)).toEqual(['order-1', 'order-1-ship', 'order-2', 'approval-1', 'counter-1']);
    frame = await t.press('s', 'Sort updated ↓');
    expect(tableIds(frame)[0]).toBe('counter-1');
    frame = await t.press('s', 'Sort id ↑');
    expect(tableIds(frame)).toEqual(['approval-1', 'counter-1', 'order-1', 'order-1-ship', 'order-2']);
    frame = await t.press('S', 'Sort id ↓');
    expect(tableIds(frame)).toEqual(['order-2', 'order-1-ship', 'order-1', 'counter-1', 'approval-1']);
  });
});

describe('instance detail', () => {
  /** Opens `id` from the instance table (sorted by id, so rows are in a known order). */
  async function open(id: string) {
    const t = renderTui({ client: store.client, initialView: 'instances' });
    await t.waitFor('1–5 of 5');
    await t.press('s', 'Sort updated');
    await t.press('s', 'Sort id ↑');
    while (selectedId(t.frame()) !== id) await t.press(KEYS.down);
    await t.press(KEYS.enter, (f) => f.includes(`${id} · `) && f.includes('[History'));
    return t;
  }

  it('shows status, output, custom status and the history with schedules linked to completions', async () => {
    const t = await open('order-1');
    const frame = t.frame();
    expect(frame).toContain('order-1 · OrderWorkflow 1.0.0 · Completed · execution 1');
    expect(frame).toContain('1 sub-orchestration');
    expect(frame).toContain('Custom status done');
    expect(frame).toContain('Output {"ok":true,"shipped":"shipped to Main St 1"}');
    expect(frame).toMatch(
      /#3 +\+\d\.\d{3}s +ActivityScheduled +→#4 \d+ms +Charge\(\{"id":"order-1","amount":42\}\)/,
    );
    expect(frame).toMatch(/#4 +\+\d\.\d{3}s +ActivityCompleted +←#3 \d+ms +Charge → \{"charged":42\}/);
    expect(frame).toMatch(/TimerCreated +→#8 \d+ms +fires after 5ms/);
    expect(frame).toMatch(/SubOrchestrationScheduled +→#10 \d+ms +Shipping as order-1-ship/);
    await expect(stable(frame)).toMatchFileSnapshot('./__frames__/detail-history.txt');
    // Selecting a completion marks its schedule, and the other way round.
    await t.press(KEYS.down.repeat(3), '› #4');
    expect(t.frame()).toMatch(/^· #3 /m);
    await t.press(KEYS.up, '› #3');
    expect(t.frame()).toMatch(/^· #4 /m);
  });

  it('shows what a running instance waits on instead of its output', async () => {
    const t = await open('approval-1');
    const frame = t.frame();
    expect(frame).toContain('approval-1 · Approval 1.0.0 · Running');
    expect(frame).toMatch(/^Waiting on event approve$/m);
    expect(frame).not.toContain('Output ');
    const counter = await open('counter-1');
    expect(counter.frame()).toMatch(/^Waiting on event stop$/m);
  });

  it('shows a failure in red with its error', async () => {
    chalk.level = 1;
    const t = await open('order-2');
    const frame = t.frame();
    expect(frame).toContain('order-2 · OrderWorkflow 1.0.0 · Failed');
    expect(frame).toContain('Error  ✗ card declined');
    expect(frame).toMatch(/ActivityFailed +←#3 \d+ms +Charge ✗ card declined/);
    expect(frame).toMatch(/OrchestrationFailed +✗ card declined/);
    const red = (text: string) => new RegExp(`\\u001b\\[31m[^\\u001b]*${text}`);
    expect(t.raw()).toMatch(red('✗ card declined'));
    expect(t.raw()).toMatch(red('ActivityFailed'));
    expect(t.raw()).toMatch(red('Failed'));
  });

  it('shows KV values and executions, and histories of older executions', async () => {
    let t = await open('order-1');
    let frame = await t.press(KEYS.tab, '[Executions (1)]');
    frame = await t.waitFor('current, shown');
    expect(frame).toMatch(/› #1 +Completed +started/);
    frame = await t.press(KEYS.tab, '[KV (2)]');
    expect(frame).toContain('receipt = {"charged":42}');
    expect(frame).toContain('stage = done');
    await expect(stable(frame)).toMatchFileSnapshot('./__frames__/detail-kv.txt');

    t = await open('counter-1');
    frame = await t.press(KEYS.tab, (f) => f.includes('[Executions (3)]') && f.includes('#1 '));
    expect(frame).toMatch(/› #3 +Running +started .* +not ended +3 events +current, shown/);
    expect(frame).toMatch(/ {2}#2 +ContinuedAsNew +started .* +ended .* events/);
    await expect(stable(frame)).toMatchFileSnapshot('./__frames__/detail-executions.txt');
    frame = await t.press('j', '› #2');
    frame = await t.press(KEYS.enter, 'execution 2 of 3 (not the current one)');
    expect(frame).toContain('[History (3)]');
    expect(frame).toMatch(/OrchestrationContinuedAsNew +input=2/);
    frame = await t.press('[', 'execution 1 of 3');
    expect(frame).toMatch(/OrchestrationStarted +Counter 1\.0\.0 input=0/);
    frame = await t.press(']', 'execution 2 of 3');
    frame = await t.press(']', (f) => f.includes('  execution 3') && !f.includes('of 3 ('));
  });

  it('navigates the sub-orchestration tree to a child, its parent and back', async () => {
    const t = await open('order-1');
    let frame = await t.press(KEYS.shiftTab, '[Tree (2)]');
    frame = await t.waitFor('└ order-1-ship Shipping Completed "packing"');
    expect(frame).toMatch(/› order-1 OrderWorkflow Completed "done"/);
    await expect(stable(frame)).toMatchFileSnapshot('./__frames__/detail-tree.txt');
    // Enter on the root itself does nothing; on the child it opens the child.
    const childSelected = (f: string) => /^›.*order-1-ship/m.test(f);
    await t.press(KEYS.down, childSelected);
    frame = await t.press(KEYS.enter, 'order-1-ship · Shipping 1.0.0 · Completed');
    expect(frame).toContain('parent order-1 (u)');
    expect(frame).toContain('Custom status packing');
    frame = await t.press('u', 'order-1 · OrderWorkflow');
    await t.press(KEYS.down, childSelected);
    await t.press(KEYS.enter, 'order-1-ship · Shipping');
    frame = await t.press(KEYS.escape, 'order-1 · OrderWorkflow');
    frame = await t.press(KEYS.backspace, '1–5 of 5');
    expect(selectedId(frame)).toBe('order-1');
  });

  it('opens a sub-orchestration from its schedule in the history', async () => {
    const t = await open('order-1');
    await t.press('G', '› #13');
    await t.press(KEYS.up.repeat(4), '› #9');
    const frame = await t.press(KEYS.enter, 'order-1-ship · Shipping 1.0.0');
    expect(frame).toContain('ActivityScheduled');
  });
});

describe('help, colours, size and quitting', () => {
  it('shows the keys with ? and closes with ? or Esc', async () => {
    const t = renderTui({ client: store.client, initialView: 'instances' });
    await t.waitFor('1–5 of 5');
    let frame = await t.press('?', 'Keys (? or Esc closes this help)');
    expect(frame).toMatch(/Everywhere +Instances +Instance detail/);
    expect(frame).toMatch(/f +status filter/);
    expect(frame).toMatch(/p +prune executions/);
    await expect(stable(frame)).toMatchFileSnapshot('./__frames__/help.txt');
    frame = await t.press('?', '1–5 of 5');
    await t.press('?', 'Keys');
    frame = await t.press(KEYS.escape, '1–5 of 5');
  });

  it('uses colours, and none with NO_COLOR', async () => {
    chalk.level = 1;
    const colour = /\u001b\[(?:3|4|9|10)\d(?:;\d+)*m/;
    const coloured = renderTui({ client: store.client, initialView: 'instances' });
    await coloured.waitFor('1–5 of 5');
    expect(coloured.raw()).toMatch(colour);
    const plain = renderTui({ client: store.client, initialView: 'instances', colour: false });
    await plain.waitFor('1–5 of 5');
    expect(plain.raw()).not.toMatch(colour);
    // The selection stays visible without colour.
    expect(plain.frame()).toMatch(/^› counter-1/m);
    await plain.press('?', 'Keys');
    expect(plain.raw()).not.toMatch(colour);
  });

  it('fits an 80×24 terminal on every screen', async () => {
    const t = renderTui({ client: store.client, size: { columns: 80, rows: 24 } });
    const check = (frame: string): void => {
      const lines = frame.split('\n');
      expect(lines.length).toBeLessThanOrEqual(23);
      for (const line of lines) expect([...line].length, line).toBeLessThanOrEqual(80);
    };
    check(await t.waitFor('card declined'));
    check(await t.press('2', '1–5 of 5'));
    check(await t.press('?', 'Keys'));
    await t.press('?', '1–5 of 5');
    await t.press('j', '› approval-1');
    check(await t.press(KEYS.enter, 'waiting for event'));
    check(await t.press('e', 'Raise an event'));
    check(await t.press(KEYS.escape, (f) => !f.includes('Raise an event')));
    check(await t.press('d', 'Force-delete'));
    check(await t.press('n', (f) => !f.includes('Force-delete')));
    check(await t.press('3', 'toygres is not installed'));
    await expect(stable(await t.press('2', '1–5 of 5'))).toMatchFileSnapshot(
      './__frames__/instances-80x24.txt',
    );
  });

  it('q quits', async () => {
    const t = renderTui({ client: store.client });
    await t.waitFor('Latest failures');
    expect(t.exited()).toBe(false);
    t.rendered.stdin.write('q');
    await eventually(() => t.exited(), WAIT_MS);
  });

  it('Ctrl+C quits, even while typing a search', async () => {
    const t = renderTui({ client: store.client, initialView: 'instances' });
    await t.waitFor('1–5 of 5');
    await t.press('/', 'Search /');
    t.rendered.stdin.write(KEYS.ctrlC);
    await eventually(() => t.exited(), WAIT_MS);
  });
});
