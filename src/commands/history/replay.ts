import { Args } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { usageError } from '../../cli/errors.js';
import { ExitCode } from '../../cli/exit-codes.js';
import { moduleFlag } from '../../cli/flags.js';
import { readHistoryFile } from '../../cli/history-file.js';
import { stdoutColors } from '../../cli/output.js';
import { replayModuleFiles } from '../../cli/replay.js';
import type { ReplayReport } from '../../cli/replay.js';
import { loadModules } from '../../cli/user-module.js';

export default class HistoryReplay extends BaseCommand<typeof HistoryReplay> {
  static override summary = 'Replay saved histories against your current code';
  static override description =
    'For each file written by `history dump`, looks up the orchestration (name and version from the file) in the --module registrations and replays every execution with no store and no side effects. Reports OK or the first divergence (event id, what history recorded, what the code does now). Exit code 5 when any history diverges, 1 when an orchestration version is not registered, 2 for unreadable files. Use it in CI before deploying.';
  static override examples = [
    '<%= config.bin %> history replay histories/*.json --module ./dist/workflows.js',
    '<%= config.bin %> history replay order-1.json --module ./src/workflows.ts --json',
  ];
  static override strict = false;
  static override args = {
    file: Args.string({ description: 'History files (one or more)', required: true }),
  };
  static override flags = {
    module: moduleFlag,
  };

  async run(): Promise<ReplayReport> {
    const paths = [this.args.file, ...this.argvRest];
    if (paths.length === 0) throw usageError('no history file given');
    // Validate every file before running any code.
    const files = paths.map((path) => ({ path, history: readHistoryFile(path) }));
    const registrations = await loadModules(this.flags.module);
    const report = replayModuleFiles(files, registrations);
    if (report.summary.diverged > 0) this.setExitCode(ExitCode.NONDETERMINISM);
    else if (report.summary.missing > 0) this.setExitCode(ExitCode.FAILED);
    if (!this.jsonEnabled()) this.log(renderReport(report));
    return report;
  }
}

function renderReport(report: ReplayReport): string {
  const c = stdoutColors();
  const lines: string[] = [];
  for (const f of report.files) {
    for (const x of f.executions) {
      const where = `${f.file}${f.executions.length > 1 ? ` (execution ${x.executionId})` : ''}: ${x.orchestrationName}@${x.orchestrationVersion}`;
      if (x.result === 'ok') {
        lines.push(`${c.green('OK')}        ${where} (${x.events} events)`);
      } else if (x.result === 'missing') {
        lines.push(`${c.yellow('MISSING')}   ${where}: ${x.message}`);
      } else {
        const d = x.divergence!;
        lines.push(`${c.red('DIVERGED')}  ${where} at event ${d.eventId}`);
        lines.push(`          recorded: ${d.recorded}`);
        lines.push(`          code now: ${d.actual}`);
        lines.push(c.dim(`          ${d.message}`));
      }
      for (const w of x.warnings) lines.push(c.yellow(`          warning: ${w}`));
    }
  }
  const s = report.summary;
  lines.push(
    '',
    `${report.files.length} file(s): ${c.green(`${s.ok} ok`)}, ${s.diverged ? c.red(`${s.diverged} diverged`) : '0 diverged'}, ${s.missing ? c.yellow(`${s.missing} missing`) : '0 missing'}`,
  );
  return lines.join('\n');
}
