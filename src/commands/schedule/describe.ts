import { Args } from '@oclif/core';
import type { ScheduleDescription } from '../../engine/schedules/types.js';
import { ScheduleCommand } from '../../cli/schedule-command.js';
import { instanceId, validate } from '../../cli/input.js';
import { renderScheduleDescription } from '../../cli/schedule-output.js';

/** `--json` document of `schedule describe`. */
export type ScheduleDescribeResult = ScheduleDescription;

/** `durox schedule describe <id>`: a schedule's spec, state, next times and recent runs. */
export default class ScheduleDescribe extends ScheduleCommand<typeof ScheduleDescribe> {
  static override summary = "Show a schedule's spec, state, next times and recent runs";
  static override description =
    "The spec, whether it is paused (and the note), the next 5 times (UTC, and in the schedule's time zone), and the 20 most recent runs with their outcome. Exit code 3 for an unknown schedule; 1 when no worker has run the schedule yet (its state is published by its first turn).";
  static override examples = [
    '<%= config.bin %> schedule describe nightly-eu',
    '<%= config.bin %> schedule describe nightly-eu --json',
  ];
  static override args = {
    id: Args.string({ description: 'Schedule id', required: true }),
  };

  async run(): Promise<ScheduleDescribeResult> {
    const id = validate(instanceId, this.args.id, 'schedule id');
    const description = await (await this.client()).describeSchedule(id);
    if (!this.jsonEnabled()) this.log(renderScheduleDescription(description));
    return description;
  }
}
