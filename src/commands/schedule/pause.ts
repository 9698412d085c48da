import { Args, Flags } from '@oclif/core';
import { ScheduleCommand } from '../../cli/schedule-command.js';
import { instanceId, validate } from '../../cli/input.js';

/** `--json` document of `schedule pause`. */
export interface SchedulePauseResult {
  id: string;
  /** The pause was sent; it applies at the schedule's next turn. */
  pauseRequested: true;
  note: string | null;
}

/** `durox schedule pause <id>`: sends the pause control message (with an optional note). */
export default class SchedulePause extends ScheduleCommand<typeof SchedulePause> {
  static override summary = 'Pause a schedule: no scheduled runs until it is resumed';
  static override description =
    "Applies at the schedule's next turn (within a poll interval while a worker runs; when a worker next runs otherwise). The note shows in `durox schedule describe`. Exit code 3 for an unknown schedule.";
  static override examples = [
    '<%= config.bin %> schedule pause nightly-eu --note "migrating the reports DB"',
  ];
  static override args = {
    id: Args.string({ description: 'Schedule id', required: true }),
  };
  static override flags = {
    note: Flags.string({ description: 'Why (shown by describe)', helpValue: '<text>' }),
  };

  async run(): Promise<SchedulePauseResult> {
    const id = validate(instanceId, this.args.id, 'schedule id');
    const client = await this.client();
    await client.pauseSchedule(id, this.flags.note);
    await this.noteWhenNoWorker(client);
    this.log(`pause of schedule ${id} requested`);
    return { id, pauseRequested: true, note: this.flags.note ?? null };
  }
}
