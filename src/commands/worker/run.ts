import { Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { usageError } from '../../cli/errors.js';
import { recommendedOptionsOf } from '../../cli/store.js';
import { durationFlag, integerFlag, moduleFlag } from '../../cli/flags.js';
import { stderrColors } from '../../cli/output.js';
import { logFormatOf, runWorker, workerLine } from '../../cli/worker.js';
import { toygresWorkerExtension } from '../../cli/toygres/worker-extension.js';
import type { WorkerRunResult } from '../../cli/worker.js';

export default class WorkerRun extends BaseCommand<typeof WorkerRun> {
  static override summary = 'Run a worker for the orchestrations and activities of your modules';
  static override description = `Runs until SIGINT or SIGTERM, then drains: activities in flight may finish within --drain-timeout; those still running then are given back to the store, and another worker (or this one after a restart) runs them. A second signal exits at once.

Start as many workers as you like on one store: they share the work. On a terminal a live status line shows orchestrations done and activities per second; otherwise a log line is written to stderr every --status-interval when something changed. With --json the summary is printed when the worker stops.

toygres (managed PostgreSQL instances, \`durox instance …\`) runs in a worker started with --toygres, and without the flag only when the store already holds toygres instances (--no-toygres: never). \`durox worker run --toygres\` without --module runs toygres only.`;
  static override examples = [
    '<%= config.bin %> worker run --module ./dist/workflows.js',
    '<%= config.bin %> worker run -m ./src/workflows.ts --worker-concurrency 32 --metrics-port 9464',
    '<%= config.bin %> worker run -m ./gpu-activities.js --tags gpu --tag-mode only --orchestration-concurrency 0',
    'DUROX_STORE=postgres://durox:secret@db/durox <%= config.bin %> worker run -m ./app.js --worker-node-id node-a',
    '<%= config.bin %> worker run -m ./app.js --otlp-endpoint http://127.0.0.1:4318',
    '<%= config.bin %> worker run --toygres',
    '<%= config.bin %> worker run -m ./app.js --log-format json --log-level info 2> worker.log.jsonl',
  ];
  static override flags = {
    // Optional here: without --module a worker runs toygres only (--toygres, or a store with toygres instances).
    module: Flags.string({
      char: 'm',
      description: moduleFlag.description!,
      multiple: true,
      helpValue: '<file>',
    }),
    toygres: Flags.boolean({
      description:
        'Also run toygres (`durox instance …`); without the flag only if the store already holds toygres instances; --no-toygres: never',
      allowNo: true,
    }),
    'orchestration-concurrency': integerFlag({ min: 0, max: 1024 })({
      description: 'Orchestration turns processed at once (0: run activities only)',
      defaultHelp: async () => "the store's recommendation: 4 on SQLite, 16 on PostgreSQL",
    }),
    'worker-concurrency': integerFlag({ min: 0, max: 4096 })({
      description: 'Activities run at once (0: run orchestrations only)',
      defaultHelp: async () => "the store's recommendation: 8 on SQLite, 32 on PostgreSQL",
    }),
    tags: Flags.string({
      description: 'Activity tags this worker runs, comma separated (1 to 5), e.g. gpu,cpu',
      helpValue: '<tags>',
    }),
    'tag-mode': Flags.string({
      description:
        'Which activities to run: default-only (untagged; the default without --tags), default-and (untagged and --tags; the default with --tags), only (only --tags), any, none',
      options: ['default-only', 'default-and', 'only', 'any', 'none'],
    }),
    'worker-node-id': Flags.string({
      description: 'Stable worker identity: activity sessions survive restarts of this worker',
      helpValue: '<id>',
    }),
    'worker-lock-timeout': durationFlag({
      description: 'Activity lease, renewed while the activity runs',
      default: 30_000,
      defaultHelp: async () => '30s',
    }),
    'orchestrator-lock-timeout': durationFlag({
      description: 'Orchestration turn lease',
      default: 5_000,
      defaultHelp: async () => '5s',
    }),
    'drain-timeout': durationFlag({
      description: 'On SIGINT/SIGTERM, how long in-flight work may finish before it is given back',
      default: 10_000,
      defaultHelp: async () => '10s',
    }),
    'max-attempts': integerFlag({ min: 1 })({
      description: 'Deliveries of one message before it is poisoned',
      default: 10,
    }),
    'poll-interval': durationFlag({
      description: 'Longest idle wait between polls of the store',
      default: 100,
      defaultHelp: async () => '100ms',
    }),
    'otlp-endpoint': Flags.string({
      description:
        'Export OpenTelemetry traces over OTLP/HTTP to this collector, e.g. http://127.0.0.1:4318 (default: the OTEL_EXPORTER_OTLP_ENDPOINT / OTEL_EXPORTER_OTLP_TRACES_ENDPOINT variables; none set: no tracing)',
      helpValue: '<url>',
    }),
    'metrics-port': integerFlag({ min: 0, max: 65_535 })({
      description: 'Serve Prometheus metrics on http://127.0.0.1:<port>/metrics (0: any free port)',
    }),
    determinism: Flags.string({
      description:
        'Date.now(), Math.random(), timers and fetch in orchestration code: guard (replay-stable values, one warning per call site), strict (fail the turn), off (docs/determinism.md)',
      options: ['guard', 'strict', 'off'],
      default: 'guard',
    }),
    'log-level': Flags.string({
      description: 'Runtime log level (logs go to stderr; DUROX_LOG overrides)',
      options: ['error', 'warn', 'info', 'debug', 'off'],
      default: 'warn',
    }),
    'log-format': Flags.string({
      description:
        'Log line format on stderr: compact (one line per record), pretty (with the time) or json (one object per line, also for the worker’s own lines; docs/observability.md)',
      options: ['compact', 'pretty', 'json'],
      default: 'compact',
    }),
    'status-interval': durationFlag({
      description: 'Without a terminal: how often to log a status line (0: never)',
      default: 30_000,
      defaultHelp: async () => '30s',
    }),
  };

  async run(): Promise<WorkerRunResult> {
    const selection = this.storeSelection(); // a bad --store is a usage error before anything else
    const modules = this.flags.module ?? [];
    const toygresFlag = this.flags.toygres; // undefined: only if the store holds toygres instances
    if (toygresFlag === false && modules.length === 0)
      throw usageError('--module is required with --no-toygres');
    const toygres =
      toygresFlag === false ? null : toygresWorkerExtension(selection, { always: toygresFlag === true });
    const format = logFormatOf(this.flags);
    const warn = (text: string): void => {
      // stderr, even with --json, like the start line.
      process.stderr.write(
        `${format === 'json' ? workerLine(format, 'warn', text) : `${stderrColors().yellow('warning:')} ${text}`}\n`,
      );
    };
    return runWorker(
      () => this.provider(),
      this.storeLabel(),
      { ...this.flags, module: modules },
      {
        // A redrawn status line is not a JSON record: with --log-format json, status is logged.
        live: this.interactive() && format !== 'json',
        recommended: recommendedOptionsOf(selection.kind),
        log: (line) => process.stderr.write(`${line}\n`),
        ...(toygres ? { extensions: [toygres] } : {}),
        ...(modules.length === 0
          ? {
              nothingToRun: () =>
                usageError(
                  '--module is required: this store holds no toygres instances (pass --toygres to run only toygres)',
                ),
            }
          : {}),
        onRegistered: (registered) => {
          if (!toygres || !registered.includes(toygres)) return;
          if (modules.length === 0) {
            // A worker started without user code is usually a forgotten flag: say so at once rather
            // than let orchestrations wait for nothing.
            warn(
              'no --module: this worker hosts no user code, only toygres (`durox instance …`); pass --module <file> to run your orchestrations and activities',
            );
          } else if (toygresFlag === undefined) {
            warn(
              'this store holds toygres instances: this worker runs toygres too (--no-toygres to leave it out)',
            );
          }
        },
      },
    );
  }
}
