/**
 * `durox tui`: hooks read the store through the Client on every refresh, the reducer in
 * `state.ts` holds what the user chose, keys resolve through `keys.ts`, and the components
 * draw readonly props. The frame is one line shorter than the terminal so that Ink updates it
 * in place (a full-height frame would be cleared and redrawn: flicker).
 */
import { Box, useApp } from 'ink';
import type { ReactElement } from 'react';
import { useEffect, useMemo, useReducer } from 'react';
import type { TuiClient } from './client.js';
import { Footer } from './components/Footer.js';
import { Header } from './components/Header.js';
import { HelpScreen } from './components/HelpScreen.js';
import { InstanceDetail, SUMMARY_LINES } from './components/InstanceDetail.js';
import { InstanceTable } from './components/InstanceTable.js';
import { Overview } from './components/Overview.js';
import { ModalDialog, modalHeight, modalKeyContext } from './components/ModalDialog.js';
import { ScheduleDetail } from './components/ScheduleDetail.js';
import { ScheduleList } from './components/ScheduleList.js';
import { ToygresView } from './components/ToygresView.js';
import { useActionRunner } from './hooks/use-actions.js';
import {
  neighbourExecution,
  openTarget,
  panelLength,
  useInstanceDetail,
} from './hooks/use-instance-detail.js';
import { sameQuery, useInstancePage } from './hooks/use-instance-page.js';
import { KeyboardContext, useKeyboard, useKeys } from './hooks/use-keys.js';
import { useMetrics, useOverview } from './hooks/use-metrics.js';
import { useScheduleScreen } from './hooks/use-schedule-screen.js';
import { useTerminalSize } from './hooks/use-terminal-size.js';
import type { TerminalSize } from './hooks/use-terminal-size.js';
import { useToygres } from './hooks/use-toygres.js';
import type { KeyAction, KeyContext } from './keys.js';
import { currentInstanceId, initialState, instancesQuery, reducer } from './state.js';
import type { TopView, TuiAction } from './state.js';
import { createTheme } from './theme.js';
import { noToygres } from './toygres.js';
import type { ToygresDataSource } from './toygres.js';

export interface AppProps {
  readonly client: TuiClient;
  /** The store as the header shows it (password hidden). */
  readonly storeLabel: string;
  /** Refresh interval (default 1000 ms). */
  readonly refreshMs?: number;
  readonly toygres?: ToygresDataSource;
  /** Colours on (default); false for `NO_COLOR`. */
  readonly colour?: boolean;
  /** The clock for ages and throughput (tests). */
  readonly now?: () => number;
  readonly initialView?: TopView;
  /** Terminal size to lay out for, instead of the terminal's (tests). */
  readonly size?: TerminalSize;
}

/** Rows of the frame outside the body: header, message, key hints. */
const CHROME_ROWS = 3;
/** Rows of the instances screen outside the table rows: filter bar and column titles. */
const TABLE_CHROME_ROWS = 2;
/** How long an action's message stays. */
const FLASH_MS = 8_000;

export function App(props: AppProps): ReactElement {
  const { client, storeLabel, refreshMs = 1000, toygres = noToygres, colour = true, initialView } = props;
  const clock = props.now ?? Date.now;
  const { exit } = useApp();
  const terminal = useTerminalSize();
  const { columns: width, rows } = props.size ?? terminal;
  const theme = useMemo(() => createTheme(colour), [colour]);

  const frameRows = Math.max(CHROME_ROWS + 4, rows - 1);
  const [state, dispatch] = useReducer(reducer, undefined, () =>
    initialState({
      ...(initialView === undefined ? {} : { view: initialView }),
      pageSize: frameRows - CHROME_ROWS - TABLE_CHROME_ROWS,
    }),
  );
  const bodyRows = Math.max(3, frameRows - CHROME_ROWS - modalHeight(state.modal));
  const pageSize = Math.max(1, frameRows - CHROME_ROWS - TABLE_CHROME_ROWS);
  useEffect(() => dispatch({ type: 'setPageSize', pageSize }), [pageSize]);

  const { view, instances: table, detail, refreshToken } = state;
  const metrics = useMetrics(client, refreshMs, refreshToken, clock);
  const overview = useOverview(client, refreshMs, refreshToken, view === 'overview');
  const page = useInstancePage(client, table, refreshMs, refreshToken, view === 'instances');
  const shownId = view === 'detail' ? currentInstanceId(state) : undefined;
  const details = useInstanceDetail(
    client,
    shownId,
    detail.executionId,
    detail.panel,
    refreshMs,
    refreshToken,
  );
  const toygresData = useToygres(client, toygres, refreshMs, refreshToken, view === 'toygres');
  const schedules = useScheduleScreen(client, state, refreshMs, dispatch);
  useActionRunner(client, state.pending, dispatch);

  // Keep the reducer's count (paging limits, selection) in step with the page shown.
  const pageData = page.data;
  const currentQuery = instancesQuery(table);
  const pageIsCurrent = pageData !== undefined && sameQuery(pageData.query, currentQuery);
  useEffect(() => {
    if (pageData && pageIsCurrent)
      dispatch({ type: 'pageLoaded', total: pageData.total, rows: pageData.rows.length });
  }, [pageData, pageIsCurrent]);

  useEffect(() => {
    if (state.flash === null || state.busy) return undefined;
    const timer = setTimeout(() => dispatch({ type: 'dismissFlash' }), FLASH_MS);
    return () => clearTimeout(timer);
  }, [state.flash, state.busy]);

  const toygresRows = toygresData.data?.installed ? toygresData.data.instances : [];
  const detailData = details.data?.instanceId === shownId ? details.data : undefined;
  const panelRows = Math.max(1, bodyRows - SUMMARY_LINES);
  // The row marked on screen (the selection may point past a shorter page that just arrived).
  const selectedRow = pageData?.rows[Math.min(table.selected, pageData.rows.length - 1)];

  /** The instance actions apply to: the selected row, or the one shown in detail. */
  const target = (): { instanceId: string; status: string; parentInstanceId: string | null } | undefined => {
    if (view === 'instances') {
      const row = selectedRow;
      return (
        row && { instanceId: row.instanceId, status: row.status, parentInstanceId: row.parentInstanceId }
      );
    }
    if (view === 'detail' && detailData) {
      const { info } = detailData;
      return {
        instanceId: info.instanceId,
        status: info.status,
        parentInstanceId: info.parentInstanceId ?? null,
      };
    }
    return undefined;
  };

  const onAction = (action: KeyAction | undefined): void => {
    const listLength =
      view === 'detail'
        ? panelLength(detailData, detail.panel)
        : view === 'schedules'
          ? schedules.listLength
          : toygresRows.length;
    const simple: Partial<Record<KeyAction, TuiAction>> = {
      help: { type: 'toggleHelp' },
      back: { type: 'back' },
      overview: { type: 'showView', view: 'overview' },
      instances: { type: 'showView', view: 'instances' },
      toygres: { type: 'showView', view: 'toygres' },
      schedules: { type: 'showView', view: 'schedules' },
      refresh: { type: 'refresh' },
      up: { type: 'move', delta: -1, count: listLength },
      down: { type: 'move', delta: 1, count: listLength },
      home: { type: 'home' },
      end: { type: 'end', count: listLength },
      filterStatus: { type: 'cycleStatus' },
      search: { type: 'startSearch' },
      clearFilters: { type: 'clearFilters' },
      sort: { type: 'cycleSort' },
      reverseSort: { type: 'reverseSort' },
      nextPanel: { type: 'nextPanel', delta: 1 },
      prevPanel: { type: 'nextPanel', delta: -1 },
    };
    if (action === undefined) return;
    if (action === 'quit') {
      exit();
      return;
    }
    const mapped = simple[action];
    if (mapped) {
      dispatch(mapped);
      return;
    }
    switch (action) {
      case 'pageUp':
      case 'pageDown': {
        const delta = action === 'pageUp' ? -1 : 1;
        if (view === 'instances') dispatch({ type: 'page', delta });
        else dispatch({ type: 'move', delta: delta * panelRows, count: listLength });
        return;
      }
      case 'open':
        openSelected();
        return;
      case 'prevExecution':
      case 'nextExecution': {
        const executionId = neighbourExecution(detailData, action === 'prevExecution' ? -1 : 1);
        if (executionId !== undefined) dispatch({ type: 'selectExecution', executionId });
        return;
      }
      case 'parent': {
        const parent = detailData?.info.parentInstanceId;
        if (parent) dispatch({ type: 'openChild', instanceId: parent });
        return;
      }
      case 'cancelInstance':
      case 'raiseEvent':
      case 'deleteInstance':
      case 'pruneExecutions':
        startAction(action);
        return;
      case 'pauseSchedule':
      case 'resumeSchedule':
      case 'triggerSchedule':
        schedules.act(action);
        return;
      default:
        return;
    }
  };

  const openSelected = (): void => {
    if (view === 'overview') dispatch({ type: 'showView', view: 'instances' });
    else if (view === 'instances') {
      if (selectedRow) dispatch({ type: 'openInstance', instanceId: selectedRow.instanceId });
    } else if (view === 'toygres') {
      const actor = toygresRows[state.toygresSelected]?.actorInstanceId;
      if (actor) dispatch({ type: 'openInstance', instanceId: actor });
    } else if (view === 'schedules') {
      schedules.open();
    } else if (view === 'detail') {
      const open = openTarget(detailData, detail.panel, detail.cursor);
      if (open?.kind === 'instance') dispatch({ type: 'openChild', instanceId: open.instanceId });
      if (open?.kind === 'execution') dispatch({ type: 'selectExecution', executionId: open.executionId });
    }
  };

  const startAction = (
    action: 'cancelInstance' | 'raiseEvent' | 'deleteInstance' | 'pruneExecutions',
  ): void => {
    const t = target();
    if (!t) return;
    if (action === 'raiseEvent') dispatch({ type: 'openRaise', instanceId: t.instanceId });
    else if (action === 'cancelInstance')
      dispatch({ type: 'openConfirm', action: 'cancel', instanceId: t.instanceId });
    else if (action === 'pruneExecutions')
      dispatch({ type: 'openConfirm', action: 'prune', instanceId: t.instanceId });
    else if (t.parentInstanceId !== null) {
      dispatch({
        type: 'actionFinished',
        flash: {
          tone: 'error',
          text: `${t.instanceId} is a sub-orchestration of ${t.parentInstanceId}: delete the root instead`,
        },
      });
    } else {
      const running = t.status === 'Running' || t.status === 'ContinuedAsNew';
      dispatch({ type: 'openConfirm', action: 'delete', instanceId: t.instanceId, force: running });
    }
  };

  const screen: KeyContext =
    view === 'schedules' ? (state.schedules.open === null ? 'schedules' : 'schedule') : view;
  const context: KeyContext = state.help ? 'help' : screen;
  const keyboard = useKeyboard();
  useKeys(context, onAction, state.modal === null && !table.searching, keyboard);

  const modal = state.modal;
  let body;
  if (state.help) body = <HelpScreen width={width} height={bodyRows} theme={theme} />;
  else if (view === 'overview') {
    body = (
      <Overview
        storeLabel={storeLabel}
        metrics={metrics.data}
        overview={overview.data}
        error={metrics.error ?? overview.error}
        now={clock()}
        width={width}
        height={bodyRows}
        theme={theme}
      />
    );
  } else if (view === 'instances') {
    body = (
      <InstanceTable
        table={table}
        page={pageData}
        error={page.error}
        now={clock()}
        width={width}
        height={bodyRows}
        theme={theme}
        onSearchType={(text) => dispatch({ type: 'typeText', text })}
        onSearchDeleteChar={() => dispatch({ type: 'deleteChar' })}
        onSearchDone={(keep) => dispatch({ type: 'endSearch', keep })}
      />
    );
  } else if (view === 'detail' && shownId !== undefined) {
    body = (
      <InstanceDetail
        instanceId={shownId}
        detail={detail}
        data={detailData}
        error={details.error}
        now={clock()}
        width={width}
        height={bodyRows}
        theme={theme}
      />
    );
  } else if (view === 'schedules') {
    body =
      state.schedules.open === null ? (
        <ScheduleList
          schedules={schedules.list.data}
          error={schedules.list.error}
          selected={state.schedules.selected}
          now={clock()}
          width={width}
          height={bodyRows}
          theme={theme}
        />
      ) : (
        <ScheduleDetail
          scheduleId={state.schedules.open}
          data={schedules.detail}
          error={schedules.detailError}
          cursor={state.schedules.cursor}
          now={clock()}
          width={width}
          height={bodyRows}
          theme={theme}
        />
      );
  } else {
    body = (
      <ToygresView
        snapshot={toygresData.data}
        error={toygresData.error}
        selected={state.toygresSelected}
        now={clock()}
        width={width}
        height={bodyRows}
        theme={theme}
      />
    );
  }

  const footerContext: KeyContext =
    modal !== null ? modalKeyContext(modal) : table.searching && view === 'instances' ? 'search' : context;
  const storeError = metrics.error
    ? { tone: 'error' as const, text: `store: ${metrics.error.message}` }
    : null;
  return (
    <KeyboardContext.Provider value={keyboard}>
      <Box flexDirection="column" width={width} height={frameRows}>
        <Header
          storeLabel={storeLabel}
          view={view}
          metrics={metrics.data?.metrics}
          width={width}
          theme={theme}
        />
        <Box height={bodyRows} overflow="hidden">
          {body}
        </Box>
        {modal === null ? null : (
          <ModalDialog modal={modal} dispatch={dispatch} width={width} theme={theme} />
        )}
        <Footer context={footerContext} flash={state.flash ?? storeError} width={width} theme={theme} />
      </Box>
    </KeyboardContext.Provider>
  );
}
