import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { instanceId, validate } from '../../cli/input.js';
import type { DeleteInstanceResult } from '../../core/provider.js';

/** `--json` document of `orchestration delete`. */
export interface OrchestrationDeleteResult extends DeleteInstanceResult {
  instanceId: string;
}

export default class OrchestrationDelete extends BaseCommand<typeof OrchestrationDelete> {
  static override summary = 'Delete an instance with its sub-orchestrations and history';
  static override description =
    'Deletes a root instance and its whole tree in one transaction; the id can be started again. A running instance needs --force (exit code 1 without it); a sub-orchestration is deleted through its root (exit code 2); unknown ids exit 3.';
  static override examples = [
    '<%= config.bin %> orchestration delete order-1',
    '<%= config.bin %> orch delete stuck-7 --force',
  ];
  static override aliases = ['orch:delete'];
  static override args = {
    id: Args.string({ description: 'Instance id', required: true }),
  };
  static override flags = {
    force: Flags.boolean({ description: 'Delete even when it is still running' }),
  };

  async run(): Promise<OrchestrationDeleteResult> {
    const id = validate(instanceId, this.args.id, 'instance id');
    const result = await (await this.client()).deleteInstance(id, this.flags.force);
    this.log(
      `deleted ${id}: ${result.instancesDeleted} instance(s), ${result.executionsDeleted} execution(s), ${result.eventsDeleted} event(s), ${result.queueMessagesDeleted} queued message(s)`,
    );
    return { instanceId: id, ...result };
  }
}
