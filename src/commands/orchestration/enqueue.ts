import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { requireRunning } from '../../cli/instances.js';
import { instanceId, name, readJsonPayload, validate } from '../../cli/input.js';

/** `--json` document of `orchestration enqueue`. */
export interface OrchestrationEnqueueResult {
  instanceId: string;
  queue: string;
  data: unknown;
  enqueued: true;
}

export default class OrchestrationEnqueue extends BaseCommand<typeof OrchestrationEnqueue> {
  static override summary = 'Add a message to an instance queue, for dequeueEvent(<queue>)';
  static override description =
    'Queue messages wait until the orchestration dequeues them. Exit code 1 when the instance already ended, 3 when it is unknown.';
  static override examples = [
    '<%= config.bin %> orchestration enqueue inbox-1 commands --data \'{"op":"add","n":1}\'',
  ];
  static override aliases = ['orch:enqueue'];
  static override args = {
    id: Args.string({ description: 'Instance id', required: true }),
    queue: Args.string({ description: 'Queue name', required: true }),
  };
  static override flags = {
    data: Flags.string({
      description: 'Message data as JSON',
      helpValue: '<json>',
      exclusive: ['data-file'],
    }),
    'data-file': Flags.string({
      description: 'Read the JSON data from a file (- for stdin)',
      helpValue: '<file>',
    }),
  };

  async run(): Promise<OrchestrationEnqueueResult> {
    const id = validate(instanceId, this.args.id, 'instance id');
    const queue = validate(name, this.args.queue, 'queue name');
    const data = readJsonPayload(this.flags.data, this.flags['data-file'], 'data');
    const client = await this.client();
    await requireRunning(client, id, 'enqueue a message for');
    await client.enqueueEvent(id, queue, data);
    this.log(`enqueued a message on ${queue} for ${id}`);
    return { instanceId: id, queue, data: data ?? null, enqueued: true };
  }
}
