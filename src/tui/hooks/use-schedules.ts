/**
 * The schedules screen's data: the list (`client.listSchedules()`) while the screen is shown,
 * and the open schedule's description (`client.describeSchedule(id)`) while its detail pane is
 * open. A schedule that no worker has run yet cannot be described (`ILLEGAL_STATE`): that is
 * data here ("waiting for a worker"), not an error.
 */
import { isDuroxError } from '../../core/errors.js';
import type { ScheduleDescription, ScheduleSummary } from '../../engine/schedules/types.js';
import type { TuiClient } from '../client.js';
import { usePoll } from './use-poll.js';
import type { Polled } from './use-poll.js';

/** Every schedule of the store, by id, on every refresh while the schedules screen is shown. */
export function useSchedules(
  client: TuiClient,
  refreshMs: number,
  refreshToken: number,
  enabled: boolean,
): Polled<readonly ScheduleSummary[]> {
  return usePoll<readonly ScheduleSummary[]>(() => client.listSchedules(), [client, refreshToken], {
    intervalMs: refreshMs,
    enabled,
  });
}

/** What the detail pane shows of one schedule. */
export type ScheduleDetailData =
  | { readonly scheduleId: string; readonly waiting: false; readonly description: ScheduleDescription }
  /** No worker has run the schedule's first turn yet, so it has no state to describe. */
  | { readonly scheduleId: string; readonly waiting: true };

/** The description of schedule `scheduleId` (none while `undefined`), on every refresh. */
export function useScheduleDetail(
  client: TuiClient,
  scheduleId: string | undefined,
  refreshMs: number,
  refreshToken: number,
): Polled<ScheduleDetailData> {
  return usePoll<ScheduleDetailData>(
    async () => {
      const id = scheduleId!;
      try {
        return { scheduleId: id, waiting: false, description: await client.describeSchedule(id) };
      } catch (err) {
        if (isDuroxError(err, 'ILLEGAL_STATE')) return { scheduleId: id, waiting: true };
        throw err;
      }
    },
    [client, scheduleId, refreshToken],
    { intervalMs: refreshMs, enabled: scheduleId !== undefined },
  );
}
