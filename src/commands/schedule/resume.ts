import { Args } from '@oclif/core';
import { ScheduleCommand } from '../../cli/schedule-command.js';
import { instanceId, validate } from '../../cli/input.js';

/** `--json` document of `schedule resume`. */
export interface ScheduleResumeResult {
  id: string;
  /** The resume was sent; it applies at the schedule's next turn. */
  resumeRequested: true;
}

/** `durox schedule resume <id>`: sends the resume control message. */
export default class ScheduleResume extends ScheduleCommand<typeof ScheduleResume> {
  static override summary = 'Resume a paused schedule';
  static override description =
    "Scheduled runs start again from now: times that passed while it was paused are not caught up. Applies at the schedule's next turn. Exit code 3 for an unknown schedule.";
  static override examples = ['<%= config.bin %> schedule resume nightly-eu'];
  static override args = {
    id: Args.string({ description: 'Schedule id', required: true }),
  };

  async run(): Promise<ScheduleResumeResult> {
    const id = validate(instanceId, this.args.id, 'schedule id');
    const client = await this.client();
    await client.resumeSchedule(id);
    await this.noteWhenNoWorker(client);
    this.log(`resume of schedule ${id} requested`);
    return { id, resumeRequested: true };
  }
}
