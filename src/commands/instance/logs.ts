import { Args } from '@oclif/core';
import { integerFlag } from '../../cli/flags.js';
import { InstanceCommand } from '../../cli/toygres/instance-command.js';
import { instanceLogs } from '../../toygres/control-plane.js';

/** `--json` document of `instance logs`. */
export interface InstanceLogsResult {
  name: string;
  platform: string;
  lines: string[];
}

export default class InstanceLogs extends InstanceCommand<typeof InstanceLogs> {
  static override summary = 'Show the server log of a PostgreSQL instance';
  static override description =
    'The last lines of the PostgreSQL server log (local: $DUROX_HOME/instances/<name>/server.log; kubernetes: the pod log).';
  static override examples = [
    '<%= config.bin %> instance logs demo',
    '<%= config.bin %> instance logs demo --tail 500',
  ];
  static override args = {
    name: Args.string({ description: 'Instance name', required: true }),
  };
  static override flags = {
    tail: integerFlag({ min: 1, max: 100_000 })({ description: 'Number of lines', default: 100 }),
  };

  async run(): Promise<InstanceLogsResult> {
    const result = await instanceLogs(await this.controlPlane(), this.args.name, { tail: this.flags.tail });
    if (!this.jsonEnabled()) {
      if (result.lines.length === 0) this.note(`no log lines for ${result.name}`);
      for (const line of result.lines) this.log(line);
    }
    return result;
  }
}
