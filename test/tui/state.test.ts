/**
 * The TUI's view state as a pure reducer, without Ink: selection and paging over many pages,
 * filter/search/sort resetting the position, the detail navigation stack, dialogs and their
 * validation, and what an action's outcome does to the screen.
 */
import { describe, expect, it } from 'vitest';
import { countQuery, initialState, instancesQuery, pageCount, reducer } from '../../src/tui/state.js';
import type { TuiAction, TuiState } from '../../src/tui/state.js';

function run(state: TuiState, ...actions: TuiAction[]): TuiState {
  return actions.reduce(reducer, state);
}

/** The instances screen over `total` matches, 10 rows a page. */
function table(total: number): TuiState {
  return run(initialState({ view: 'instances', pageSize: 10 }), {
    type: 'pageLoaded',
    total,
    rows: Math.min(10, total),
  });
}

describe('instance table', () => {
  it('queries one page: filter, search, sort, limit and offset', () => {
    const s = run(
      table(95),
      { type: 'cycleStatus' },
      { type: 'startSearch' },
      { type: 'typeText', text: 'ord' },
      { type: 'endSearch', keep: true },
      { type: 'pageLoaded', total: 95, rows: 10 },
      { type: 'page', delta: 2 },
    );
    expect(instancesQuery(s.instances)).toEqual({
      status: 'Running',
      idContains: 'ord',
      orderBy: 'createdAt',
      descending: true,
      limit: 10,
      offset: 20,
    });
    expect(countQuery(s.instances)).toEqual({ status: 'Running', idContains: 'ord' });
    expect(pageCount(s.instances)).toBe(10);
  });

  it('moves the selection across page boundaries and stops at both ends', () => {
    let s = table(25);
    s = run(s, { type: 'move', delta: -1, count: 0 });
    expect(s.instances).toMatchObject({ page: 0, selected: 0 });
    s = run(s, ...Array.from({ length: 10 }, (): TuiAction => ({ type: 'move', delta: 1, count: 0 })));
    expect(s.instances).toMatchObject({ page: 1, selected: 0 });
    s = run(s, { type: 'move', delta: -1, count: 0 });
    expect(s.instances).toMatchObject({ page: 0, selected: 9 });
    s = run(s, { type: 'end', count: 0 });
    expect(s.instances).toMatchObject({ page: 2, selected: 4 });
    s = run(s, { type: 'move', delta: 1, count: 0 });
    expect(s.instances).toMatchObject({ page: 2, selected: 4 });
    s = run(s, { type: 'home' });
    expect(s.instances).toMatchObject({ page: 0, selected: 0 });
  });

  it('pages forward and back, keeping the row but not past the last row or page', () => {
    let s = run(table(25), { type: 'move', delta: 7, count: 0 });
    s = run(s, { type: 'page', delta: 1 });
    expect(s.instances).toMatchObject({ page: 1, selected: 7 });
    s = run(s, { type: 'page', delta: 1 });
    expect(s.instances).toMatchObject({ page: 2, selected: 4 });
    s = run(s, { type: 'page', delta: 1 });
    expect(s.instances).toMatchObject({ page: 2, selected: 4 });
    s = run(s, { type: 'page', delta: -5 });
    expect(s.instances).toMatchObject({ page: 0, selected: 4 });
  });

  it('a new count pulls the page back when matches disappear', () => {
    let s = run(table(25), { type: 'end', count: 0 });
    expect(s.instances.page).toBe(2);
    s = run(s, { type: 'pageLoaded', total: 12, rows: 0 });
    expect(s.instances).toMatchObject({ page: 1, selected: 0, total: 12 });
    s = run(s, { type: 'pageLoaded', total: 12, rows: 2 }, { type: 'move', delta: 5, count: 0 });
    expect(s.instances).toMatchObject({ page: 1, selected: 1 });
  });

  it('filter, search and sort start again at the first row', () => {
    const moved = run(table(95), { type: 'page', delta: 3 }, { type: 'move', delta: 2, count: 0 });
    for (const action of [
      { type: 'cycleStatus' },
      { type: 'cycleSort' },
      { type: 'reverseSort' },
      { type: 'startSearch' },
    ] as TuiAction[]) {
      const s = run(moved, action, { type: 'typeText', text: 'x' });
      expect(s.instances).toMatchObject({ page: 0, selected: 0 });
    }
  });

  it('cycles status filters and sort keys; Esc clears filter and search', () => {
    let s = table(5);
    const statuses: unknown[] = [];
    for (let i = 0; i < 6; i++) {
      s = run(s, { type: 'cycleStatus' });
      statuses.push(s.instances.status);
    }
    expect(statuses).toEqual(['Running', 'Completed', 'Failed', 'ContinuedAsNew', 'Pending', null]);
    s = run(s, { type: 'cycleSort' });
    expect(s.instances).toMatchObject({ sort: 'updatedAt', descending: true });
    s = run(s, { type: 'cycleSort' });
    expect(s.instances).toMatchObject({ sort: 'instanceId', descending: false });
    s = run(s, { type: 'reverseSort' });
    expect(s.instances.descending).toBe(true);
    s = run(
      s,
      { type: 'setStatus', status: 'Failed' },
      { type: 'startSearch' },
      { type: 'typeText', text: 'a' },
    );
    s = run(s, { type: 'endSearch', keep: true }, { type: 'clearFilters' });
    expect(s.instances).toMatchObject({ status: null, search: '', searching: false });
  });

  it('edits the search as typed; Esc drops it', () => {
    let s = run(
      table(5),
      { type: 'startSearch' },
      { type: 'typeText', text: 'ord' },
      { type: 'typeText', text: 'x' },
    );
    expect(s.instances.search).toBe('ordx');
    s = run(s, { type: 'deleteChar' });
    expect(s.instances).toMatchObject({ search: 'ord', searching: true });
    expect(run(s, { type: 'endSearch', keep: true }).instances).toMatchObject({
      search: 'ord',
      searching: false,
    });
    expect(run(s, { type: 'endSearch', keep: false }).instances).toMatchObject({
      search: '',
      searching: false,
    });
    // Typing without an open search changes nothing.
    expect(run(table(5), { type: 'typeText', text: 'q' })).toEqual(table(5));
  });

  it('a new page size keeps the selected row selected', () => {
    const s = run(table(95), { type: 'page', delta: 2 }, { type: 'move', delta: 3, count: 0 });
    expect(s.instances.page * 10 + s.instances.selected).toBe(23);
    const resized = run(s, { type: 'setPageSize', pageSize: 7 });
    expect(resized.instances).toMatchObject({ pageSize: 7, page: 3, selected: 2 });
  });
});

describe('detail navigation', () => {
  const opened = run(table(5), { type: 'openInstance', instanceId: 'root' });

  it('opens an instance, drills into children and goes back the same way', () => {
    expect(opened).toMatchObject({ view: 'detail', detail: { stack: ['root'], returnTo: 'instances' } });
    let s = run(
      opened,
      { type: 'openChild', instanceId: 'child' },
      { type: 'openChild', instanceId: 'grandchild' },
    );
    expect(s.detail.stack).toEqual(['root', 'child', 'grandchild']);
    // The parent of the shown instance is the one we came from: going there pops.
    s = run(s, { type: 'openChild', instanceId: 'child' });
    expect(s.detail.stack).toEqual(['root', 'child']);
    s = run(s, { type: 'back' });
    expect(s).toMatchObject({ view: 'detail', detail: { stack: ['root'] } });
    s = run(s, { type: 'back' });
    expect(s).toMatchObject({ view: 'instances', detail: { stack: [] } });
  });

  it('cycles panels, moves the cursor within the panel and picks an execution', () => {
    let s = run(opened, { type: 'nextPanel', delta: 1 });
    expect(s.detail.panel).toBe('executions');
    s = run(s, { type: 'nextPanel', delta: -1 }, { type: 'nextPanel', delta: -1 });
    expect(s.detail.panel).toBe('tree');
    s = run(s, { type: 'move', delta: 5, count: 3 });
    expect(s.detail.cursor).toBe(2);
    s = run(s, { type: 'move', delta: -9, count: 3 }, { type: 'end', count: 4 });
    expect(s.detail.cursor).toBe(3);
    s = run(s, { type: 'selectExecution', executionId: 2 });
    expect(s.detail).toMatchObject({ panel: 'history', executionId: 2, cursor: 0 });
  });

  it('leaves the detail of a deleted instance', () => {
    const s = run(
      opened,
      { type: 'openChild', instanceId: 'child' },
      { type: 'actionFinished', flash: { tone: 'info', text: 'deleted root' }, deletedInstanceId: 'root' },
    );
    expect(s).toMatchObject({ view: 'instances', flash: { text: 'deleted root' }, busy: false });
    expect(s.refreshToken).toBe(opened.refreshToken + 1);
  });
});

describe('dialogs', () => {
  const detail = run(initialState(), { type: 'openInstance', instanceId: 'order-1' });

  it('a confirmed dialog becomes the pending request; cancelling drops it', () => {
    const asked = run(detail, { type: 'openConfirm', action: 'delete', instanceId: 'order-1', force: true });
    expect(asked.modal).toMatchObject({ kind: 'confirm', action: 'delete', force: true });
    expect(run(asked, { type: 'closeModal' })).toMatchObject({ modal: null, pending: null });
    const confirmed = run(asked, { type: 'submitModal' });
    expect(confirmed).toMatchObject({
      modal: null,
      pending: { kind: 'delete', instanceId: 'order-1', force: true },
    });
    const started = run(confirmed, { type: 'actionStarted', text: 'deleting…' });
    expect(started).toMatchObject({ pending: null, busy: true, flash: { tone: 'info', text: 'deleting…' } });
  });

  it('the raise form moves to the payload, validates it, then sends', () => {
    let s = run(detail, { type: 'openRaise', instanceId: 'order-1' }, { type: 'submitModal' });
    expect(s.modal).toMatchObject({ kind: 'raise', field: 'payload' });
    s = run(s, { type: 'submitModal' });
    expect(s.modal).toMatchObject({ error: 'event name must not be empty' });
    s = run(s, { type: 'nextRaiseField' }, { type: 'typeText', text: 'approve' }, { type: 'nextRaiseField' });
    s = run(s, { type: 'typeText', text: '{"by":' }, { type: 'submitModal' });
    expect(s.modal).toMatchObject({ kind: 'raise', name: 'approve', payload: '{"by":' });
    expect((s.modal as { error: string }).error).toMatch(/^payload is not valid JSON/);
    s = run(s, { type: 'typeText', text: '"al"}' }, { type: 'deleteChar' }, { type: 'deleteChar' });
    expect(s.modal).toMatchObject({ payload: '{"by":"al', error: null });
    s = run(s, { type: 'typeText', text: 'ice"}' }, { type: 'submitModal' });
    expect(s).toMatchObject({
      modal: null,
      pending: { kind: 'raise', instanceId: 'order-1', name: 'approve', data: { by: 'alice' } },
    });
  });

  it('an empty payload sends no data', () => {
    const s = run(
      detail,
      { type: 'openRaise', instanceId: 'order-1' },
      { type: 'typeText', text: 'go' },
      { type: 'submitModal' },
      { type: 'submitModal' },
    );
    expect(s.pending).toEqual({ kind: 'raise', instanceId: 'order-1', name: 'go', data: undefined });
  });
});

describe('screens and help', () => {
  it('switches screens, toggles help and closes it with back', () => {
    let s = run(initialState(), { type: 'showView', view: 'toygres' }, { type: 'toggleHelp' });
    expect(s).toMatchObject({ view: 'toygres', help: true });
    s = run(s, { type: 'back' });
    expect(s).toMatchObject({ view: 'toygres', help: false });
    s = run(s, { type: 'move', delta: 3, count: 2 });
    expect(s.toygresSelected).toBe(1);
    s = run(s, { type: 'openInstance', instanceId: 'actor-1' }, { type: 'back' });
    expect(s.view).toBe('toygres');
  });

  it('refresh and dismissing a message', () => {
    const s = run(
      initialState(),
      { type: 'refresh' },
      { type: 'actionFinished', flash: { tone: 'error', text: 'x' } },
    );
    expect(s.refreshToken).toBe(2);
    expect(run(s, { type: 'dismissFlash' }).flash).toBeNull();
  });
});

describe('schedules', () => {
  const list = initialState({ view: 'schedules' });

  it('moves over the list, opens a schedule, moves over its runs, and goes back to the list', () => {
    let s = run(list, { type: 'move', delta: 5, count: 3 });
    expect(s.schedules).toEqual({ selected: 2, open: null, cursor: 0 });
    s = run(s, { type: 'openSchedule', scheduleId: 'nightly' }, { type: 'move', delta: 1, count: 4 });
    expect(s.schedules).toEqual({ selected: 2, open: 'nightly', cursor: 1 });
    s = run(s, { type: 'end', count: 4 });
    expect(s.schedules.cursor).toBe(3);
    // A run opened from the pane comes back to it.
    s = run(s, { type: 'openInstance', instanceId: 'nightly@2030-01-01T01:30:00Z' });
    expect(s).toMatchObject({ view: 'detail', detail: { returnTo: 'schedules' } });
    s = run(s, { type: 'back' });
    expect(s).toMatchObject({ view: 'schedules', schedules: { open: 'nightly', cursor: 3 } });
    s = run(s, { type: 'back' });
    expect(s.schedules).toEqual({ selected: 2, open: null, cursor: 0 });
    s = run(s, { type: 'home' });
    expect(s.schedules.selected).toBe(0);
  });

  it('pause asks for an optional note; resume and trigger ask yes or no', () => {
    let s = run(list, { type: 'openPause', scheduleId: 'nightly' }, { type: 'typeText', text: '  freeze ' });
    expect(s.modal).toEqual({ kind: 'pause', scheduleId: 'nightly', note: '  freeze ', error: null });
    s = run(s, { type: 'submitModal' });
    expect(s).toMatchObject({
      modal: null,
      pending: { kind: 'pauseSchedule', scheduleId: 'nightly', note: 'freeze' },
    });
    s = run(list, { type: 'openPause', scheduleId: 'nightly' }, { type: 'submitModal' });
    expect(s.pending).toEqual({ kind: 'pauseSchedule', scheduleId: 'nightly' });
    s = run(list, { type: 'openPause', scheduleId: 'n' }, { type: 'typeText', text: 'x'.repeat(501) });
    s = run(s, { type: 'submitModal' });
    expect(s.modal).toMatchObject({ kind: 'pause', error: 'note must be at most 500 characters' });
    expect(s.pending).toBeNull();
    s = run(s, { type: 'deleteChar' }, { type: 'submitModal' });
    expect(s.pending).toMatchObject({ kind: 'pauseSchedule', note: 'x'.repeat(500) });
    s = run(
      list,
      { type: 'openScheduleConfirm', action: 'resume', scheduleId: 'sync' },
      { type: 'submitModal' },
    );
    expect(s.pending).toEqual({ kind: 'resumeSchedule', scheduleId: 'sync' });
    s = run(
      list,
      { type: 'openScheduleConfirm', action: 'trigger', scheduleId: 'sync' },
      { type: 'closeModal' },
    );
    expect(s).toMatchObject({ modal: null, pending: null });
  });
});
