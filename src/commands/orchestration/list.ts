import { Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { integerFlag } from '../../cli/flags.js';
import { usageError } from '../../cli/errors.js';
import { name, validate } from '../../cli/input.js';
import { printInstanceTable } from '../../cli/orchestration-output.js';
import type { InstanceInfo, InstanceStatus } from '../../core/provider.js';

/** One row of `orchestration list` (outputs are left out: see `orchestration status`). */
export type InstanceSummary = Omit<InstanceInfo, 'output' | 'customStatusVersion'>;

/** `--json` document of `orchestration list`. */
export interface OrchestrationListResult {
  /** Matching instances, newest first (at most --limit). */
  instances: InstanceSummary[];
  /** How many instances match in total. */
  total: number;
}

const STATUSES: Record<string, InstanceStatus> = {
  pending: 'Pending',
  running: 'Running',
  completed: 'Completed',
  failed: 'Failed',
  continuedasnew: 'ContinuedAsNew',
};

export default class OrchestrationList extends BaseCommand<typeof OrchestrationList> {
  static override summary = 'List orchestration instances, newest first';
  static override examples = [
    '<%= config.bin %> orchestration list',
    '<%= config.bin %> orch list --status failed --limit 20 --json',
  ];
  static override aliases = ['orch:list'];
  static override flags = {
    status: Flags.custom<InstanceStatus>({
      description:
        'Only instances with this status: pending (started, no turn run yet), running, completed, failed, continuedasnew',
      helpValue: '<status>',
      parse: async (input) => {
        const status = STATUSES[input.toLowerCase().replace(/[^a-z]/g, '')];
        if (!status)
          throw usageError(
            `--status "${input}" is not one of pending, running, completed, failed, continuedasnew`,
          );
        return status;
      },
    })(),
    name: Flags.string({ description: 'Only instances of this orchestration', helpValue: '<name>' }),
    'roots-only': Flags.boolean({ description: 'Hide sub-orchestrations' }),
    limit: integerFlag({ min: 1, max: 100_000 })({ description: 'At most this many', default: 50 }),
  };

  async run(): Promise<OrchestrationListResult> {
    const { flags } = this;
    const query = {
      ...(flags.status === undefined ? {} : { status: flags.status }),
      ...(flags.name === undefined ? {} : { orchestrationName: validate(name, flags.name, '--name') }),
      ...(flags['roots-only'] ? { rootsOnly: true } : {}),
    };
    const client = await this.client();
    const [rows, total] = await Promise.all([
      client.listInstances({ ...query, limit: flags.limit }),
      client.countInstances(query),
    ]);
    const instances = rows.map(({ output: _output, customStatusVersion: _version, ...row }) => row);
    if (!this.jsonEnabled()) printInstanceTable(instances, total);
    return { instances, total };
  }
}
