/**
 * View state of `durox tui` as one pure reducer: which screen is shown, the instance table's
 * filter, search, sort, page and selection, the detail screen's navigation stack, panel and
 * cursor, the schedules screen's selection and open schedule, the open dialog and the last
 * action's message. Data lives in the hooks; this holds only what the user chose, so it is
 * tested without Ink.
 */
import type { InstanceQuery, InstanceStatus } from '../core/provider.js';
import { parsePauseNote, parseRaiseForm } from './requests.js';
import type { ActionRequest } from './requests.js';

/** The screen shown. */
export type View = 'overview' | 'instances' | 'detail' | 'toygres' | 'schedules';
/** Screens reachable with the number keys (the detail screen is opened from a list). */
export type TopView = Exclude<View, 'detail'>;

/**
 * Status filter values in the order `f` cycles through them (`null` = all). Pending (started,
 * no turn run yet) comes last: it is usually empty.
 */
export const STATUS_FILTERS: readonly (InstanceStatus | null)[] = [
  null,
  'Running',
  'Completed',
  'Failed',
  'ContinuedAsNew',
  'Pending',
];

export type SortKey = NonNullable<InstanceQuery['orderBy']>;
/** Sort keys in the order `s` cycles through them. */
export const SORT_KEYS: readonly SortKey[] = ['createdAt', 'updatedAt', 'instanceId'];

/** Panels of the detail screen, in the order Tab cycles through them. */
export const DETAIL_PANELS = ['history', 'executions', 'kv', 'tree'] as const;
export type DetailPanel = (typeof DETAIL_PANELS)[number];

export interface InstancesState {
  readonly status: InstanceStatus | null;
  /** Substring of the instance id (incremental search). */
  readonly search: string;
  /** True while the search text is being typed. */
  readonly searching: boolean;
  readonly sort: SortKey;
  readonly descending: boolean;
  /** Zero-based page. */
  readonly page: number;
  /** Row within the page. */
  readonly selected: number;
  readonly pageSize: number;
  /** Matching instances as last counted (null before the first count). */
  readonly total: number | null;
}

export interface DetailState {
  /** Instances opened, the shown one last (opening a child pushes, back pops). */
  readonly stack: readonly string[];
  /** Where back goes when the stack empties. */
  readonly returnTo: TopView;
  readonly panel: DetailPanel;
  /** Execution whose history is shown (`null` = the current one). */
  readonly executionId: number | null;
  /** Selected line of the panel. */
  readonly cursor: number;
}

export type ConfirmAction = 'cancel' | 'delete' | 'prune';

/** The schedules screen: the selected row, and the schedule whose detail pane is open. */
export interface SchedulesState {
  /** Row of the schedule list. */
  readonly selected: number;
  /** The schedule whose detail is shown (`null`: the list is shown). */
  readonly open: string | null;
  /** Selected recent run of the open schedule (Enter opens its instance). */
  readonly cursor: number;
}

/** Schedule actions asked with a plain yes/no dialog (pause has its own, with a note). */
export type ScheduleConfirmAction = 'resume' | 'trigger';

export type Modal =
  | {
      readonly kind: 'confirm';
      readonly action: ConfirmAction;
      readonly instanceId: string;
      /** Delete: the instance is running, so deleting needs force. */
      readonly force: boolean;
    }
  | {
      readonly kind: 'confirmSchedule';
      readonly action: ScheduleConfirmAction;
      readonly scheduleId: string;
    }
  | {
      /** Pause a schedule: confirmed with Enter, with an optional note. */
      readonly kind: 'pause';
      readonly scheduleId: string;
      readonly note: string;
      readonly error: string | null;
    }
  | {
      readonly kind: 'raise';
      readonly instanceId: string;
      readonly name: string;
      readonly payload: string;
      readonly field: 'name' | 'payload';
      readonly error: string | null;
    };

export interface Flash {
  readonly tone: 'info' | 'error';
  readonly text: string;
}

export interface TuiState {
  readonly view: View;
  readonly help: boolean;
  readonly instances: InstancesState;
  readonly detail: DetailState;
  readonly toygresSelected: number;
  readonly schedules: SchedulesState;
  readonly modal: Modal | null;
  /** A confirmed action waiting to be run (the app runs it and reports `actionStarted`). */
  readonly pending: ActionRequest | null;
  /** An action is running (its dialog is closed; keys still work). */
  readonly busy: boolean;
  readonly flash: Flash | null;
  /** Bumped to make every hook reload now (after an action, or `r`). */
  readonly refreshToken: number;
}

export type TuiAction =
  | { type: 'showView'; view: TopView }
  | { type: 'toggleHelp' }
  /** Moves the selection of the current list; `count` is the list's length (detail, toygres). */
  | { type: 'move'; delta: number; count: number }
  /** Instances: previous/next page. */
  | { type: 'page'; delta: number }
  | { type: 'home' }
  | { type: 'end'; count: number }
  | { type: 'setPageSize'; pageSize: number }
  /** The instance page arrived: total matches and rows on it. */
  | { type: 'pageLoaded'; total: number; rows: number }
  | { type: 'cycleStatus' }
  | { type: 'setStatus'; status: InstanceStatus | null }
  | { type: 'startSearch' }
  | { type: 'endSearch'; keep: boolean }
  | { type: 'clearFilters' }
  | { type: 'cycleSort' }
  | { type: 'reverseSort' }
  | { type: 'openInstance'; instanceId: string }
  | { type: 'openChild'; instanceId: string }
  | { type: 'back' }
  | { type: 'nextPanel'; delta: 1 | -1 }
  | { type: 'showPanel'; panel: DetailPanel }
  | { type: 'selectExecution'; executionId: number | null }
  | { type: 'openConfirm'; action: ConfirmAction; instanceId: string; force?: boolean }
  | { type: 'openRaise'; instanceId: string }
  /** Schedules: Enter on a row opens its detail pane (Esc / back closes it). */
  | { type: 'openSchedule'; scheduleId: string }
  | { type: 'openScheduleConfirm'; action: ScheduleConfirmAction; scheduleId: string }
  | { type: 'openPause'; scheduleId: string }
  /** Text typed into the search, the focused field of the raise form or the pause note. */
  | { type: 'typeText'; text: string }
  | { type: 'deleteChar' }
  | { type: 'nextRaiseField' }
  /** Enter / y in a dialog: confirms, moves to the payload, or validates and sends the form. */
  | { type: 'submitModal' }
  | { type: 'closeModal' }
  | { type: 'actionStarted'; text: string }
  | { type: 'actionFinished'; flash: Flash; deletedInstanceId?: string }
  | { type: 'dismissFlash' }
  | { type: 'refresh' };

export const DEFAULT_PAGE_SIZE = 10;

export function initialState(options: { view?: TopView; pageSize?: number } = {}): TuiState {
  return {
    view: options.view ?? 'overview',
    help: false,
    instances: {
      status: null,
      search: '',
      searching: false,
      sort: 'createdAt',
      descending: true,
      page: 0,
      selected: 0,
      pageSize: Math.max(1, options.pageSize ?? DEFAULT_PAGE_SIZE),
      total: null,
    },
    detail: { stack: [], returnTo: 'instances', panel: 'history', executionId: null, cursor: 0 },
    toygresSelected: 0,
    schedules: { selected: 0, open: null, cursor: 0 },
    modal: null,
    pending: null,
    busy: false,
    flash: null,
    refreshToken: 0,
  };
}

// ---- selectors ------------------------------------------------------------------------------

/** The provider query for the instance page the table shows (one page, never everything). */
export function instancesQuery(s: InstancesState): InstanceQuery {
  return {
    ...(s.status === null ? {} : { status: s.status }),
    ...(s.search === '' ? {} : { idContains: s.search }),
    orderBy: s.sort,
    descending: s.descending,
    limit: s.pageSize,
    offset: s.page * s.pageSize,
  };
}

/** The count query matching the table's filter (no sort or page). */
export function countQuery(s: InstancesState): InstanceQuery {
  return {
    ...(s.status === null ? {} : { status: s.status }),
    ...(s.search === '' ? {} : { idContains: s.search }),
  };
}

export function pageCount(s: InstancesState): number {
  return s.total === null ? 1 : Math.max(1, Math.ceil(s.total / s.pageSize));
}

/** Rows on the current page, as far as the last count knows. */
function rowsOnPage(s: InstancesState, page = s.page): number {
  if (s.total === null) return s.pageSize;
  return Math.max(0, Math.min(s.pageSize, s.total - page * s.pageSize));
}

export function currentInstanceId(s: TuiState): string | undefined {
  return s.detail.stack[s.detail.stack.length - 1];
}

// ---- reducer --------------------------------------------------------------------------------

function clamp(value: number, min: number, max: number): number {
  return Math.max(min, Math.min(max, value));
}

/** Instances state with the filter or sort changed: back to the first row. */
function refilter(s: InstancesState, change: Partial<InstancesState>): InstancesState {
  return { ...s, ...change, page: 0, selected: 0 };
}

function moveInstances(s: InstancesState, delta: number): InstancesState {
  const total = s.total ?? (s.page + 1) * s.pageSize;
  if (total === 0) return { ...s, page: 0, selected: 0 };
  const index = clamp(s.page * s.pageSize + s.selected + delta, 0, total - 1);
  return { ...s, page: Math.floor(index / s.pageSize), selected: index % s.pageSize };
}

function pageInstances(s: InstancesState, delta: number): InstancesState {
  const page = clamp(s.page + delta, 0, pageCount(s) - 1);
  return { ...s, page, selected: clamp(s.selected, 0, Math.max(0, rowsOnPage(s, page) - 1)) };
}

function withInstances(state: TuiState, instances: InstancesState): TuiState {
  return { ...state, instances };
}

function withSchedules(state: TuiState, change: Partial<SchedulesState>): TuiState {
  return { ...state, schedules: { ...state.schedules, ...change } };
}

function withDetail(state: TuiState, change: Partial<DetailState>): TuiState {
  return { ...state, detail: { ...state.detail, ...change } };
}

function leaveDetail(state: TuiState, stack: readonly string[]): TuiState {
  if (stack.length > 0) return withDetail(state, { stack, executionId: null, cursor: 0 });
  return { ...state, view: state.detail.returnTo, detail: { ...state.detail, stack: [], cursor: 0 } };
}

/** Enter in a dialog: the confirmed request becomes pending; the raise form is validated first. */
function submitModal(state: TuiState): TuiState {
  const modal = state.modal;
  if (modal === null) return state;
  if (modal.kind === 'confirm') {
    const { instanceId } = modal;
    const request: ActionRequest =
      modal.action === 'delete'
        ? { kind: 'delete', instanceId, force: modal.force }
        : { kind: modal.action, instanceId };
    return { ...state, modal: null, pending: request };
  }
  if (modal.kind === 'confirmSchedule') {
    const request: ActionRequest =
      modal.action === 'resume'
        ? { kind: 'resumeSchedule', scheduleId: modal.scheduleId }
        : { kind: 'triggerSchedule', scheduleId: modal.scheduleId };
    return { ...state, modal: null, pending: request };
  }
  if (modal.kind === 'pause') {
    const parsed = parsePauseNote(modal.note);
    if (!parsed.ok) return { ...state, modal: { ...modal, error: parsed.error } };
    const request: ActionRequest = {
      kind: 'pauseSchedule',
      scheduleId: modal.scheduleId,
      ...(parsed.note === undefined ? {} : { note: parsed.note }),
    };
    return { ...state, modal: null, pending: request };
  }
  if (modal.field === 'name') return { ...state, modal: { ...modal, field: 'payload' } };
  const parsed = parseRaiseForm(modal.name, modal.payload);
  if (!parsed.ok) return { ...state, modal: { ...modal, error: parsed.error } };
  return {
    ...state,
    modal: null,
    pending: { kind: 'raise', instanceId: modal.instanceId, name: parsed.name, data: parsed.data },
  };
}

export function reducer(state: TuiState, action: TuiAction): TuiState {
  const inst = state.instances;
  switch (action.type) {
    case 'showView':
      return { ...state, view: action.view, help: false };
    case 'toggleHelp':
      return { ...state, help: !state.help };
    case 'move':
      if (state.view === 'instances') return withInstances(state, moveInstances(inst, action.delta));
      if (state.view === 'detail') {
        const cursor = clamp(state.detail.cursor + action.delta, 0, Math.max(0, action.count - 1));
        return withDetail(state, { cursor });
      }
      if (state.view === 'toygres') {
        const selected = clamp(state.toygresSelected + action.delta, 0, Math.max(0, action.count - 1));
        return { ...state, toygresSelected: selected };
      }
      if (state.view === 'schedules') {
        const at = state.schedules.open === null ? state.schedules.selected : state.schedules.cursor;
        const moved = clamp(at + action.delta, 0, Math.max(0, action.count - 1));
        return withSchedules(state, state.schedules.open === null ? { selected: moved } : { cursor: moved });
      }
      return state;
    case 'page':
      return state.view === 'instances' ? withInstances(state, pageInstances(inst, action.delta)) : state;
    case 'home':
      if (state.view === 'instances') return withInstances(state, { ...inst, page: 0, selected: 0 });
      if (state.view === 'detail') return withDetail(state, { cursor: 0 });
      if (state.view === 'toygres') return { ...state, toygresSelected: 0 };
      if (state.view === 'schedules')
        return withSchedules(state, state.schedules.open === null ? { selected: 0 } : { cursor: 0 });
      return state;
    case 'end':
      if (state.view === 'instances')
        return withInstances(state, moveInstances(inst, Number.MAX_SAFE_INTEGER));
      if (state.view === 'detail') return withDetail(state, { cursor: Math.max(0, action.count - 1) });
      if (state.view === 'toygres') return { ...state, toygresSelected: Math.max(0, action.count - 1) };
      if (state.view === 'schedules') {
        const last = Math.max(0, action.count - 1);
        return withSchedules(state, state.schedules.open === null ? { selected: last } : { cursor: last });
      }
      return state;
    case 'setPageSize': {
      const pageSize = Math.max(1, action.pageSize);
      if (pageSize === inst.pageSize) return state;
      // Keep the selected row selected.
      const index = inst.page * inst.pageSize + inst.selected;
      return withInstances(state, {
        ...inst,
        pageSize,
        page: Math.floor(index / pageSize),
        selected: index % pageSize,
      });
    }
    case 'pageLoaded': {
      const next: InstancesState = { ...inst, total: action.total };
      const lastPage = pageCount(next) - 1;
      if (next.page > lastPage) return withInstances(state, { ...next, page: lastPage, selected: 0 });
      const selected = clamp(inst.selected, 0, Math.max(0, action.rows - 1));
      if (selected === inst.selected && action.total === inst.total) return state;
      return withInstances(state, { ...next, selected });
    }
    case 'cycleStatus': {
      const at = STATUS_FILTERS.indexOf(inst.status);
      return withInstances(
        state,
        refilter(inst, { status: STATUS_FILTERS[(at + 1) % STATUS_FILTERS.length]! }),
      );
    }
    case 'setStatus':
      return withInstances(state, refilter(inst, { status: action.status }));
    case 'startSearch':
      return withInstances(state, { ...inst, searching: true });
    case 'endSearch':
      return withInstances(
        state,
        action.keep ? { ...inst, searching: false } : refilter(inst, { searching: false, search: '' }),
      );
    case 'clearFilters':
      if (inst.status === null && inst.search === '') return state;
      return withInstances(state, refilter(inst, { status: null, search: '' }));
    case 'cycleSort': {
      const at = SORT_KEYS.indexOf(inst.sort);
      const sort = SORT_KEYS[(at + 1) % SORT_KEYS.length]!;
      // Ids read best A→Z; times newest first.
      return withInstances(state, refilter(inst, { sort, descending: sort !== 'instanceId' }));
    }
    case 'reverseSort':
      return withInstances(state, refilter(inst, { descending: !inst.descending }));
    case 'openInstance':
      return {
        ...state,
        view: 'detail',
        help: false,
        detail: {
          stack: [action.instanceId],
          returnTo: state.view === 'detail' ? state.detail.returnTo : state.view,
          panel: 'history',
          executionId: null,
          cursor: 0,
        },
      };
    case 'openChild': {
      const stack = state.detail.stack;
      // Going to the instance we came from is going back.
      if (stack.length >= 2 && stack[stack.length - 2] === action.instanceId) {
        return withDetail(state, { stack: stack.slice(0, -1), executionId: null, cursor: 0 });
      }
      return withDetail(state, { stack: [...stack, action.instanceId], executionId: null, cursor: 0 });
    }
    case 'back':
      if (state.help) return { ...state, help: false };
      if (state.view === 'schedules' && state.schedules.open !== null)
        return withSchedules(state, { open: null, cursor: 0 });
      if (state.view !== 'detail') return state;
      return leaveDetail(state, state.detail.stack.slice(0, -1));
    case 'nextPanel': {
      const at = DETAIL_PANELS.indexOf(state.detail.panel);
      const panel = DETAIL_PANELS[(at + action.delta + DETAIL_PANELS.length) % DETAIL_PANELS.length]!;
      return withDetail(state, { panel, cursor: 0 });
    }
    case 'showPanel':
      return withDetail(state, { panel: action.panel, cursor: 0 });
    case 'selectExecution':
      return withDetail(state, { executionId: action.executionId, panel: 'history', cursor: 0 });
    case 'openConfirm':
      return {
        ...state,
        modal: {
          kind: 'confirm',
          action: action.action,
          instanceId: action.instanceId,
          force: action.force ?? false,
        },
      };
    case 'openRaise':
      return {
        ...state,
        modal: {
          kind: 'raise',
          instanceId: action.instanceId,
          name: '',
          payload: '',
          field: 'name',
          error: null,
        },
      };
    case 'openSchedule':
      return withSchedules(state, { open: action.scheduleId, cursor: 0 });
    case 'openScheduleConfirm':
      return {
        ...state,
        modal: { kind: 'confirmSchedule', action: action.action, scheduleId: action.scheduleId },
      };
    case 'openPause':
      return { ...state, modal: { kind: 'pause', scheduleId: action.scheduleId, note: '', error: null } };
    case 'typeText':
    case 'deleteChar': {
      const edit = (value: string): string =>
        action.type === 'typeText' ? value + action.text : [...value].slice(0, -1).join('');
      if (state.modal?.kind === 'raise') {
        const { field } = state.modal;
        return { ...state, modal: { ...state.modal, [field]: edit(state.modal[field]), error: null } };
      }
      if (state.modal?.kind === 'pause') {
        return { ...state, modal: { ...state.modal, note: edit(state.modal.note), error: null } };
      }
      if (state.modal === null && inst.searching) {
        return withInstances(state, refilter(inst, { search: edit(inst.search) }));
      }
      return state;
    }
    case 'nextRaiseField':
      if (state.modal?.kind !== 'raise') return state;
      return {
        ...state,
        modal: { ...state.modal, field: state.modal.field === 'name' ? 'payload' : 'name' },
      };
    case 'submitModal':
      return submitModal(state);
    case 'closeModal':
      return { ...state, modal: null };
    case 'actionStarted':
      return { ...state, modal: null, pending: null, busy: true, flash: { tone: 'info', text: action.text } };
    case 'actionFinished': {
      const next: TuiState = {
        ...state,
        busy: false,
        flash: action.flash,
        refreshToken: state.refreshToken + 1,
      };
      const deleted = action.deletedInstanceId;
      if (deleted === undefined || next.view !== 'detail') return next;
      const at = next.detail.stack.indexOf(deleted);
      return at < 0 ? next : leaveDetail(next, next.detail.stack.slice(0, at));
    }
    case 'dismissFlash':
      return state.flash === null ? state : { ...state, flash: null };
    case 'refresh':
      return { ...state, refreshToken: state.refreshToken + 1 };
    default: {
      const never: never = action;
      return never;
    }
  }
}
