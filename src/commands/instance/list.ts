import { Flags } from '@oclif/core';
import { table, stdoutColors } from '../../cli/output.js';
import { integerFlag } from '../../cli/flags.js';
import { InstanceCommand } from '../../cli/toygres/instance-command.js';
import { listInstances } from '../../toygres/control-plane.js';
import type { InstanceView } from '../../toygres/control-plane.js';
import type { InstanceState } from '../../toygres/metadata/store.js';
import { healthText, stateText } from '../../cli/toygres/format.js';

/** `--json` document of `instance list`. */
export interface InstanceListResult {
  instances: InstanceView[];
}

export default class InstanceList extends InstanceCommand<typeof InstanceList> {
  static override summary = 'List PostgreSQL instances, newest first';
  static override description = 'Every instance that is not deleted, unless --state says otherwise.';
  static override examples = [
    '<%= config.bin %> instance list',
    '<%= config.bin %> instance list --state failed --json',
    '<%= config.bin %> instance list --state deleted --state running',
  ];
  static override flags = {
    state: Flags.string({
      description: 'Only instances in this state (repeatable)',
      options: ['creating', 'running', 'failed', 'deleting', 'deleted'],
      multiple: true,
    }),
    limit: integerFlag({ min: 1 })({ description: 'At most this many', default: 1000 }),
  };

  async run(): Promise<InstanceListResult> {
    const instances = await listInstances(await this.controlPlane(), {
      ...(this.flags.state === undefined ? {} : { states: this.flags.state as InstanceState[] }),
      limit: this.flags.limit,
    });
    if (!this.jsonEnabled()) {
      if (instances.length === 0) {
        this.log('no instances (create one with `durox instance create <name> --wait`)');
      } else {
        const c = stdoutColors();
        this.log(
          table(
            ['NAME', 'STATE', 'HEALTH', 'LATENCY', 'PLATFORM', 'VERSION', 'ENDPOINT', 'CREATED'],
            instances.map((i) => [
              i.name,
              stateText(c, i.state),
              healthText(c, i.health),
              i.latencyMs === null ? '-' : `${i.latencyMs.toFixed(1)} ms`,
              i.platform,
              i.postgresVersion,
              i.connection ? `${i.connection.host}:${i.connection.port}` : '-',
              new Date(i.createdAt).toISOString().replace('T', ' ').slice(0, 19),
            ]),
            c,
          ),
        );
      }
    }
    return { instances };
  }
}
