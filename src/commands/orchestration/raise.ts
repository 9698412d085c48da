import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { requireRunning } from '../../cli/instances.js';
import { instanceId, name, readJsonPayload, validate } from '../../cli/input.js';

/** `--json` document of `orchestration raise`. */
export interface OrchestrationRaiseResult {
  instanceId: string;
  event: string;
  data: unknown;
  raised: true;
}

export default class OrchestrationRaise extends BaseCommand<typeof OrchestrationRaise> {
  static override summary = 'Raise an external event for waitForEvent(<event>)';
  static override description =
    'Delivered only to a waitForEvent subscription the instance has already recorded; for messages that must wait until the code asks, use `orchestration enqueue`. Exit code 1 when the instance already ended, 3 when it is unknown.';
  static override examples = [
    '<%= config.bin %> orchestration raise order-1 approval --data \'{"by":"alice"}\'',
  ];
  static override aliases = ['orch:raise'];
  static override args = {
    id: Args.string({ description: 'Instance id', required: true }),
    event: Args.string({ description: 'Event name', required: true }),
  };
  static override flags = {
    data: Flags.string({ description: 'Event data as JSON', helpValue: '<json>', exclusive: ['data-file'] }),
    'data-file': Flags.string({
      description: 'Read the JSON data from a file (- for stdin)',
      helpValue: '<file>',
    }),
  };

  async run(): Promise<OrchestrationRaiseResult> {
    const id = validate(instanceId, this.args.id, 'instance id');
    const event = validate(name, this.args.event, 'event name');
    const data = readJsonPayload(this.flags.data, this.flags['data-file'], 'data');
    const client = await this.client();
    await requireRunning(client, id, 'raise an event for');
    await client.raiseEvent(id, event, data);
    this.log(`raised ${event} for ${id}`);
    return { instanceId: id, event, data: data ?? null, raised: true };
  }
}
