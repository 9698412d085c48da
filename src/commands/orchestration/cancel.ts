import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { requireRunning } from '../../cli/instances.js';
import { instanceId, validate } from '../../cli/input.js';

/** `--json` document of `orchestration cancel`. */
export interface OrchestrationCancelResult {
  instanceId: string;
  /** The cancellation was queued; the instance ends Failed ("canceled: <reason>") at its next turn. */
  cancelRequested: true;
  reason: string;
}

export default class OrchestrationCancel extends BaseCommand<typeof OrchestrationCancel> {
  static override summary = 'Cancel a running orchestration instance';
  static override description =
    'The instance ends Failed with "canceled: <reason>"; its activities in flight are cancelled and its sub-orchestrations cancelled with it. Exit code 1 when the instance already ended, 3 when it is unknown.';
  static override examples = ['<%= config.bin %> orchestration cancel order-1 --reason "customer asked"'];
  static override aliases = ['orch:cancel'];
  static override args = {
    id: Args.string({ description: 'Instance id', required: true }),
  };
  static override flags = {
    reason: Flags.string({ description: 'Why (recorded in history)', default: 'cancelled by durox CLI' }),
  };

  async run(): Promise<OrchestrationCancelResult> {
    const id = validate(instanceId, this.args.id, 'instance id');
    const client = await this.client();
    await requireRunning(client, id, 'cancel');
    await client.cancelInstance(id, this.flags.reason);
    this.log(`cancellation of ${id} requested`);
    return { instanceId: id, cancelRequested: true, reason: this.flags.reason };
  }
}
