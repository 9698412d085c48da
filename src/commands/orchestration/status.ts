import { Args } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { instanceId, validate } from '../../cli/input.js';
import { printInstance } from '../../cli/orchestration-output.js';
import { unknownOrchestration } from '../../cli/wait.js';
import type { InstanceInfoView } from '../../engine/management.js';

/** The status, and for an instance that has not ended, why no running worker would run it. */
export type OrchestrationStatusResult = InstanceInfoView & { warning?: string };

export default class OrchestrationStatus extends BaseCommand<typeof OrchestrationStatus> {
  static override summary = 'Show the status of an orchestration instance';
  static override description =
    'Status, version, current execution, custom status, output or failure. Exit code 3 when the instance is unknown.';
  static override examples = [
    '<%= config.bin %> orchestration status order-1',
    '<%= config.bin %> orch status order-1 --json',
  ];
  static override aliases = ['orch:status'];
  static override args = {
    id: Args.string({ description: 'Instance id', required: true }),
  };

  async run(): Promise<OrchestrationStatusResult> {
    const id = validate(instanceId, this.args.id, 'instance id');
    const client = await this.client();
    const info: OrchestrationStatusResult = await client.getInstanceInfo(id);
    if (info.status !== 'Completed' && info.status !== 'Failed') {
      const reason = await unknownOrchestration(client, info.orchestrationName, info.orchestrationVersion);
      if (reason !== null) info.warning = reason;
    }
    if (!this.jsonEnabled()) printInstance(info);
    return info;
  }
}
