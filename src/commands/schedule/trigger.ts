import { Args } from '@oclif/core';
import { ScheduleCommand } from '../../cli/schedule-command.js';
import { instanceId, validate } from '../../cli/input.js';

/** `--json` document of `schedule trigger`. */
export interface ScheduleTriggerResult {
  id: string;
  /** The trigger was sent; the run starts at the schedule's next turn, as `<id>@<ISO time>`. */
  triggerRequested: true;
}

/** `durox schedule trigger <id>`: sends the trigger control message (a run now). */
export default class ScheduleTrigger extends ScheduleCommand<typeof ScheduleTrigger> {
  static override summary = 'Start a run of a schedule now';
  static override description =
    "The run starts at the schedule's next turn, under its overlap policy, as <id>@<ISO time of the trigger> (it shows in `durox schedule describe`). It does not count against --remaining-runs. Exit code 3 for an unknown schedule.";
  static override examples = ['<%= config.bin %> schedule trigger nightly-eu'];
  static override args = {
    id: Args.string({ description: 'Schedule id', required: true }),
  };

  async run(): Promise<ScheduleTriggerResult> {
    const id = validate(instanceId, this.args.id, 'schedule id');
    const client = await this.client();
    await client.triggerSchedule(id);
    await this.noteWhenNoWorker(client);
    this.log(`trigger of schedule ${id} requested`);
    return { id, triggerRequested: true };
  }
}
