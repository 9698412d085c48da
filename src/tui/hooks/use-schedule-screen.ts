/**
 * The schedules screen's part of the app: its data (the list while the screen is shown, the
 * open schedule's description while its pane is open) and what its keys do — Enter opens a
 * schedule or a run, p / u / t open the pause, resume and trigger dialogs for the selected or
 * shown schedule (refusing at once what its state makes pointless).
 */
import type { Dispatch } from 'react';
import type { ScheduleSummary } from '../../engine/schedules/types.js';
import type { TuiClient } from '../client.js';
import type { TuiAction, TuiState } from '../state.js';
import type { Polled } from './use-poll.js';
import { useScheduleDetail, useSchedules } from './use-schedules.js';
import type { ScheduleDetailData } from './use-schedules.js';

/** What the app needs of the schedules screen. */
export interface ScheduleScreen {
  readonly list: Polled<readonly ScheduleSummary[]>;
  /** The open schedule's description (only when it is of the open schedule). */
  readonly detail: ScheduleDetailData | undefined;
  readonly detailError: Error | undefined;
  /** Rows ↑/↓ move over: schedules in the list, recent runs in the pane. */
  readonly listLength: number;
  /** Enter: opens the selected schedule, or the selected run's instance. */
  open(): void;
  /** p / u / t on the selected or shown schedule. */
  act(action: 'pauseSchedule' | 'resumeSchedule' | 'triggerSchedule'): void;
}

/** The schedules screen's data and key handlers. */
export function useScheduleScreen(
  client: TuiClient,
  state: TuiState,
  refreshMs: number,
  dispatch: Dispatch<TuiAction>,
): ScheduleScreen {
  const shown = state.view === 'schedules';
  const { selected, open: openId, cursor } = state.schedules;
  const list = useSchedules(client, refreshMs, state.refreshToken, shown);
  const polled = useScheduleDetail(
    client,
    shown && openId !== null ? openId : undefined,
    refreshMs,
    state.refreshToken,
  );
  const detail = polled.data?.scheduleId === openId ? polled.data : undefined;
  const rows = list.data ?? [];
  const selectedRow: ScheduleSummary | undefined = rows[Math.min(selected, rows.length - 1)];
  const runs = detail?.waiting === false ? detail.description.recentRuns : [];

  const target = (): { id: string; paused: boolean | undefined } | undefined => {
    if (openId === null) return selectedRow && { id: selectedRow.id, paused: selectedRow.paused };
    if (detail?.waiting === false) return { id: openId, paused: detail.description.state.paused };
    const row = rows.find((r) => r.id === openId);
    return { id: openId, paused: row?.orchestration ? row.paused : undefined };
  };

  const refuse = (text: string): void => dispatch({ type: 'actionFinished', flash: { tone: 'error', text } });

  return {
    list,
    detail,
    detailError: polled.data === undefined || polled.data.scheduleId === openId ? polled.error : undefined,
    listLength: openId === null ? rows.length : runs.length,
    open: () => {
      if (openId === null) {
        if (selectedRow) dispatch({ type: 'openSchedule', scheduleId: selectedRow.id });
        return;
      }
      const run = runs[Math.min(cursor, runs.length - 1)];
      if (run?.action === 'started') dispatch({ type: 'openInstance', instanceId: run.instanceId });
    },
    act: (action) => {
      const t = target();
      if (!t) return;
      if (action === 'pauseSchedule') {
        if (t.paused === true) refuse(`schedule ${t.id} is already paused`);
        else dispatch({ type: 'openPause', scheduleId: t.id });
      } else if (action === 'resumeSchedule') {
        if (t.paused === false) refuse(`schedule ${t.id} is not paused`);
        else dispatch({ type: 'openScheduleConfirm', action: 'resume', scheduleId: t.id });
      } else {
        dispatch({ type: 'openScheduleConfirm', action: 'trigger', scheduleId: t.id });
      }
    },
  };
}
