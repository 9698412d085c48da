/**
 * oclif `command_not_found` hook: an unknown command is a usage error (exit 2) reported like every
 * other error, one line plus a hint naming the closest command.
 */
import type { Hook } from '@oclif/core';
import { ExitCode } from '../exit-codes.js';
import { stderrColors } from '../output.js';

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}

const hook: Hook.CommandNotFound = async function (options) {
  const typed = options.id.replace(/:/g, ' ');
  const known = options.config.commandIDs.map((id) => id.replace(/:/g, ' '));
  const closest = known
    .map((id) => ({ id, d: distance(typed, id) }))
    .sort((x, y) => x.d - y.d)
    .at(0);
  const c = stderrColors();
  process.stderr.write(`${c.red('error:')} unknown command "${typed}"\n`);
  const hint =
    closest && closest.d <= Math.max(2, Math.floor(typed.length / 3))
      ? `did you mean \`durox ${closest.id}\`? (durox --help lists every command)`
      : 'durox --help lists every command';
  process.stderr.write(`${c.dim(`hint: ${hint}`)}\n`);
  if (options.argv?.includes('--json')) {
    const error = { code: 'USAGE', message: `unknown command "${typed}"`, exitCode: ExitCode.USAGE, hint };
    process.stdout.write(`${JSON.stringify({ error }, null, 2)}\n`);
  }
  process.exitCode = ExitCode.USAGE;
};

export default hook;
