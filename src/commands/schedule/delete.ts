import { Args } from '@oclif/core';
import { ScheduleCommand } from '../../cli/schedule-command.js';
import { instanceId, validate } from '../../cli/input.js';

/** `--json` document of `schedule delete`. */
export interface ScheduleDeleteResult {
  id: string;
  deleted: true;
}

/** `durox schedule delete <id>`: removes the schedule from the store. */
export default class ScheduleDelete extends ScheduleCommand<typeof ScheduleDelete> {
  static override summary = 'Delete a schedule';
  static override description =
    'Removes the schedule from the store at once (no worker needed); runs it started go on. Exit code 3 for an unknown schedule.';
  static override examples = ['<%= config.bin %> schedule delete nightly-eu'];
  static override args = {
    id: Args.string({ description: 'Schedule id', required: true }),
  };

  async run(): Promise<ScheduleDeleteResult> {
    const id = validate(instanceId, this.args.id, 'schedule id');
    await (await this.client()).deleteSchedule(id);
    this.log(`deleted schedule ${id}`);
    return { id, deleted: true };
  }
}
