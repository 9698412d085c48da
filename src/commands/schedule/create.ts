import { Args, Flags } from '@oclif/core';
import { compileScheduleOptions } from '../../engine/schedules/spec.js';
import type { ScheduleDescription } from '../../engine/schedules/types.js';
import { ScheduleCommand, scheduleWaitFlag } from '../../cli/schedule-command.js';
import { createOptionsFrom, scheduleSpecFlags } from '../../cli/schedule-options.js';
import { renderScheduleDescription } from '../../cli/schedule-output.js';

/** `--json` document of `schedule create`: the new schedule's description. */
export type ScheduleCreateResult = ScheduleDescription;

/** `durox schedule create <id>`: creates a schedule (`client.createSchedule`) and prints its description. */
export default class ScheduleCreate extends ScheduleCommand<typeof ScheduleCreate> {
  static override summary =
    'Create a schedule that starts an orchestration on a cron expression or an interval';
  static override description =
    'The schedule lives in the store and is run by the workers (`durox worker run`): each scheduled time starts one run, `<id>@<ISO time>`. When a worker runs, waits (up to --wait, 10 s by default) for it to take the schedule up and prints its description. An id that exists is refused (exit code 2), so are a bad cron expression (the message gives the field and column), an unknown time zone, and an orchestration no live worker registers (unless --allow-unknown-orchestration).';
  static override examples = [
    '<%= config.bin %> schedule create nightly-eu --cron "30 2 * * *" --timezone Europe/Berlin -o NightlyReport --input \'{"region":"eu"}\'',
    '<%= config.bin %> schedule create sync --interval 1h+15m -o Sync --overlap buffer-one --catchup-window 2h',
    '<%= config.bin %> schedule create trial --interval 1d --remaining-runs 7 -o Reminder --paused --json',
  ];
  static override args = {
    id: Args.string({ description: 'Schedule id (its runs are <id>@<time>)', required: true }),
  };
  static override flags = {
    ...scheduleSpecFlags,
    orchestration: Flags.string({
      char: 'o',
      description: 'The orchestration each run starts',
      helpValue: '<name>',
      required: true,
    }),
    paused: Flags.boolean({ description: 'Create it paused (resume with `durox schedule resume`)' }),
    wait: scheduleWaitFlag,
  };

  async run(): Promise<ScheduleCreateResult> {
    const options = {
      ...createOptionsFrom(this.args.id, this.flags, Date.now()),
      waitForFirstTurn: this.flags.wait,
    };
    // Every option is checked before the store is opened.
    compileScheduleOptions(options);
    const client = await this.client();
    const description = await client.createSchedule(options);
    if (!this.jsonEnabled()) {
      if (description.state.status === 'Pending') {
        this.note(
          `note: no worker has taken schedule ${description.id} up yet; it starts when one runs (\`durox worker run\`)`,
        );
      }
      this.log(renderScheduleDescription(description));
    }
    return description;
  }
}
