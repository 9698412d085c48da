import { Args, Flags } from '@oclif/core';
import { checkCron, checkTimezone } from '../../engine/schedules/next-times.js';
import type { ScheduleDescription } from '../../engine/schedules/types.js';
import {
  ScheduleCommand,
  schedulesRun,
  scheduleWaitFlag,
  waitForUpdate,
} from '../../cli/schedule-command.js';
import { formatDuration } from '../../cli/durations.js';
import { instanceId, validate } from '../../cli/input.js';
import { CLEARABLE_FIELDS, patchFrom, scheduleSpecFlags } from '../../cli/schedule-options.js';
import { renderScheduleDescription } from '../../cli/schedule-output.js';

/** `--json` document of `schedule update`: the description, and whether it shows the update yet. */
export type ScheduleUpdateResult = ScheduleDescription & {
  /**
   * True when the description shows the update; false when no worker applied it within `--wait`
   * (or none runs): it is queued and applies at the schedule's next turn.
   */
  applied: boolean;
};

/** `durox schedule update <id>`: sends a patch and waits (bounded) for the schedule to apply it. */
export default class ScheduleUpdate extends ScheduleCommand<typeof ScheduleUpdate> {
  static override summary = "Change a schedule's spec or what it runs";
  static override description =
    'Takes the flags of `schedule create` (all optional) and changes only what is given; --cron replaces an interval and --interval a cron expression; --clear resets an optional field (repeatable). Times are taken from now on. The update is checked at once, then applied by the schedule at its next turn: while a worker runs, waits (up to --wait, 10 s by default) for that and prints the new description. Exit code 3 for an unknown schedule; 1 when no worker has run the schedule yet.';
  static override examples = [
    '<%= config.bin %> schedule update nightly-eu --cron "0 3 * * *"',
    '<%= config.bin %> schedule update sync --interval 30m --overlap skip --clear end-at',
    '<%= config.bin %> schedule update nightly-eu --input \'{"region":"eu-west"}\' --json',
  ];
  static override args = {
    id: Args.string({ description: 'Schedule id', required: true }),
  };
  static override flags = {
    ...scheduleSpecFlags,
    clear: Flags.option({
      options: CLEARABLE_FIELDS,
      description:
        'Reset an optional field: start-at, end-at, jitter, remaining-runs (unlimited), version (latest)',
      helpValue: '<field>',
      multiple: true,
    })(),
    wait: scheduleWaitFlag,
  };

  async run(): Promise<ScheduleUpdateResult> {
    const id = validate(instanceId, this.args.id, 'schedule id');
    const patch = patchFrom(this.flags, this.flags.clear ?? [], Date.now());
    // What can be checked without the schedule's spec is checked before the store is opened.
    if (patch.cron !== undefined) checkCron(patch.cron);
    if (patch.timezone !== undefined) checkTimezone(patch.timezone);
    const client = await this.client();
    const before = await client.describeSchedule(id);
    await client.updateSchedule(id, patch);
    const running = await schedulesRun(client);
    const { description, applied } = await waitForUpdate(
      client,
      before,
      patch,
      running === false ? 0 : this.flags.wait,
    );
    if (!applied && (running === false || this.flags.wait > 0)) {
      this.note(
        running === false
          ? 'warning: no worker is running on this store; the update applies when one runs the schedule (`durox worker run`)'
          : `warning: the schedule has not applied the update within ${formatDuration(this.flags.wait)}; it is queued and applies at its next turn`,
      );
    }
    if (!this.jsonEnabled()) this.log(renderScheduleDescription(description));
    return { ...description, applied };
  }
}
