import { readFileSync } from 'node:fs';
import { Args, Flags } from '@oclif/core';
import { usageError } from '../../cli/errors.js';
import { ExitCode } from '../../cli/exit-codes.js';
import { durationFlag, integerFlag } from '../../cli/flags.js';
import { keyValues, stdoutColors } from '../../cli/output.js';
import { embeddedWorkerFlag, InstanceCommand } from '../../cli/toygres/instance-command.js';
import { createInstance, waitForCreate } from '../../toygres/control-plane.js';
import type { CreatedInstance, OperationOutcome } from '../../toygres/control-plane.js';

/** `--json` document of `instance create`. */
export type InstanceCreateResult =
  (CreatedInstance & { status: 'Pending' }) | (CreatedInstance & OperationOutcome);

export default class InstanceCreate extends InstanceCommand<typeof InstanceCreate> {
  static override summary = 'Create a PostgreSQL instance';
  static override description = `Starts the toygres::create-instance orchestration (instance id create-<name>): reserve the name, deploy the server, wait until it accepts connections, test the connection, mark it running and start its health monitor (actor-<name>).

The local platform (default) runs a real PostgreSQL server on 127.0.0.1 with its data under $DUROX_HOME/instances/<name> (~/.durox/instances). Without --password (or --password-stdin) a random password is generated; it is stored in the store's secret table and shown only by \`durox instance connect <name> --show-password\`.

With --wait, progress is shown until the instance runs (exit 0), failed (exit 1) or the timeout ran out (exit 4; the create goes on). On a SQLite store --wait runs toygres in this process while waiting, so no separate worker is needed; \`durox worker run\` keeps health monitoring going afterwards.`;
  static override examples = [
    '<%= config.bin %> instance create demo --wait',
    'echo "$PGPASS" | <%= config.bin %> instance create orders --password-stdin --wait --timeout 3m',
    '<%= config.bin %> instance create web-db --platform kubernetes --namespace toygres --load-balancer --dns-label webdb',
  ];
  static override args = {
    name: Args.string({ description: "Instance name: lowercase letters, digits and '-'", required: true }),
  };
  static override flags = {
    password: Flags.string({
      description:
        'Password of the postgres user (≥ 8 characters; visible in the process list: prefer --password-stdin)',
      helpValue: '<password>',
      exclusive: ['password-stdin'],
    }),
    'password-stdin': Flags.boolean({ description: 'Read the password from stdin (first line)' }),
    'pg-version': Flags.string({
      description: 'PostgreSQL major version (local: the one installed, 17; kubernetes: default 18)',
      helpValue: '<major>',
    }),
    'storage-gb': integerFlag({ min: 1, max: 16_384 })({ description: 'Storage size in GB (default 10)' }),
    platform: Flags.string({
      description: 'Where to run it',
      options: ['local', 'kubernetes'],
      default: 'local',
    }),
    namespace: Flags.string({
      description: 'Kubernetes namespace (default toygres)',
      helpValue: '<namespace>',
    }),
    'load-balancer': Flags.boolean({
      description: 'Kubernetes: expose through a LoadBalancer Service (default on for kubernetes)',
      allowNo: true,
    }),
    'dns-label': Flags.string({
      description: 'Kubernetes: DNS label of the LoadBalancer',
      helpValue: '<label>',
    }),
    'health-interval': durationFlag({
      description: 'Time between health checks of the instance',
      default: 30_000,
      defaultHelp: async () => '30s',
    }),
    wait: Flags.boolean({ description: 'Wait until the instance runs or failed' }),
    timeout: durationFlag({
      description: 'With --wait: how long to wait (exit code 4 when it runs out)',
      default: 300_000,
      defaultHelp: async () => '5m',
    }),
    'embedded-worker': embeddedWorkerFlag,
  };

  async run(): Promise<InstanceCreateResult> {
    const { flags, args } = this;
    let password = flags.password;
    if (flags['password-stdin']) {
      password = readFileSync(0, 'utf8').split(/\r?\n/, 1)[0] ?? '';
      if (password === '') throw usageError('--password-stdin: no password on stdin');
    }
    const cp = await this.controlPlane();
    const created = await createInstance(cp, {
      name: args.name,
      ...(password === undefined ? {} : { password }),
      ...(flags['pg-version'] === undefined ? {} : { postgresVersion: flags['pg-version'] }),
      ...(flags['storage-gb'] === undefined ? {} : { storageGb: flags['storage-gb'] }),
      platform: flags.platform as 'local' | 'kubernetes',
      ...(flags.namespace === undefined ? {} : { namespace: flags.namespace }),
      ...(flags['load-balancer'] === undefined ? {} : { loadBalancer: flags['load-balancer'] }),
      ...(flags['dns-label'] === undefined ? {} : { dnsLabel: flags['dns-label'] }),
      healthIntervalMs: flags['health-interval'],
    });
    const passwordNote = created.passwordGenerated
      ? `a password was generated: see it with \`durox instance connect ${created.name} --show-password\``
      : undefined;

    if (!flags.wait) {
      if (!this.jsonEnabled()) {
        this.log(
          `creating ${created.name} (${created.orchestrationId}, ${created.platform}, PostgreSQL ${created.postgresVersion})`,
        );
        if (passwordNote) this.note(passwordNote);
        this.note(
          `a worker runs it (\`durox worker run\`); follow it with \`durox instance get ${created.name}\``,
        );
      }
      return { ...created, status: 'Pending' };
    }

    if (this.embeddedWorkerWanted(flags['embedded-worker'])) await this.startEmbeddedWorker();
    const progress = this.progress(`creating ${created.name}`);
    let outcome: OperationOutcome;
    try {
      outcome = await waitForCreate(cp, created, { timeoutMs: flags.timeout, onProgress: progress.update });
    } finally {
      progress.done();
    }
    await this.stopEmbeddedWorker();
    if (outcome.status === 'Failed') this.setExitCode(ExitCode.FAILED);
    if (!this.jsonEnabled()) {
      const c = stdoutColors();
      const i = outcome.instance;
      if (outcome.status === 'Completed' && i) {
        this.log(`${c.green('running')} ${i.name} (ready in ${(outcome.waitedMs / 1000).toFixed(1)}s)`);
        this.log(
          keyValues(
            [
              ['connection', i.connectionString ?? undefined],
              ['server', i.serverVersion ?? undefined],
              ['platform', i.platform],
            ],
            c,
          ),
        );
        if (passwordNote) this.note(passwordNote);
      } else {
        this.log(
          `${c.red('failed')} ${created.name}: ${i?.stateMessage ?? outcome.error ?? 'unknown error'}`,
        );
      }
    }
    return { ...created, ...outcome };
  }
}
