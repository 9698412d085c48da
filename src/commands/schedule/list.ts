import type { ScheduleSummary } from '../../engine/schedules/types.js';
import { ScheduleCommand } from '../../cli/schedule-command.js';
import { renderScheduleList } from '../../cli/schedule-output.js';

/** `--json` document of `schedule list`: one summary per schedule, by id. */
export type ScheduleListResult = ScheduleSummary[];

/** `durox schedule list`: one summary per schedule, by id. */
export default class ScheduleList extends ScheduleCommand<typeof ScheduleList> {
  static override summary = 'List the schedules of the store';
  static override description =
    'One line per schedule, by id: its spec, orchestration, whether it is paused, its next run and the outcome of its last run.';
  static override examples = ['<%= config.bin %> schedule list', '<%= config.bin %> schedule list --json'];

  async run(): Promise<ScheduleListResult> {
    const schedules = await (await this.client()).listSchedules();
    if (!this.jsonEnabled()) this.log(renderScheduleList(schedules));
    return schedules;
  }
}
