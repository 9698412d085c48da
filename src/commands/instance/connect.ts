import { spawn, spawnSync } from 'node:child_process';
import { Args, Flags } from '@oclif/core';
import { CliError } from '../../cli/errors.js';
import { InstanceCommand } from '../../cli/toygres/instance-command.js';
import { connectionInfo } from '../../toygres/control-plane.js';
import type { ConnectionDetails } from '../../toygres/control-plane.js';

export default class InstanceConnect extends InstanceCommand<typeof InstanceConnect> {
  static override summary = 'Print the connection string of a PostgreSQL instance, or open psql';
  static override description =
    'The password is masked unless --show-password. --psql opens psql (when installed) with the password passed through the environment, never on the command line.';
  static override examples = [
    '<%= config.bin %> instance connect demo',
    'psql "$(<%= config.bin %> instance connect demo --show-password)"',
    '<%= config.bin %> instance connect demo --psql',
  ];
  static override args = {
    name: Args.string({ description: 'Instance name', required: true }),
  };
  static override flags = {
    'show-password': Flags.boolean({ description: 'Show the password in the connection string' }),
    psql: Flags.boolean({ description: 'Open psql on the instance' }),
  };

  async run(): Promise<Omit<ConnectionDetails, 'password'>> {
    const cp = await this.controlPlane();
    const details = await connectionInfo(cp, this.args.name, {
      showPassword: this.flags['show-password'] || this.flags.psql,
    });
    if (this.flags.psql) {
      if (this.jsonEnabled()) throw new CliError('USAGE', '--psql and --json cannot be used together');
      if (spawnSync('psql', ['--version'], { stdio: 'ignore' }).error) {
        throw new CliError('USAGE', 'psql is not installed', {
          hint: 'install the PostgreSQL client (e.g. apt-get install postgresql-client), or use the connection string',
        });
      }
      const { host, port, user, database } = details.connection;
      const code = await new Promise<number>((resolve) => {
        const child = spawn(
          'psql',
          [
            '-h',
            details.connection.dnsName ?? details.connection.externalIp ?? host,
            '-p',
            String(port),
            '-U',
            user,
            database,
          ],
          {
            stdio: 'inherit',
            env: { ...process.env, PGPASSWORD: details.password ?? '' },
          },
        );
        child.on('exit', (exitCode) => resolve(exitCode ?? 1));
        child.on('error', () => resolve(1));
      });
      if (code !== 0) this.setExitCode(1);
      const { password: _password, ...shown } = details;
      return {
        ...shown,
        connectionString: shown.connectionString.replace(/:[^:@/]*@/, ':********@'),
        passwordShown: false,
      };
    }
    const { password: _password, ...result } = details;
    if (!this.jsonEnabled()) this.log(result.connectionString);
    return result;
  }
}
