/**
 * oclif's flag and argument parse errors, reworded the way durox reports its own: one line that
 * names the flag or argument at fault, and a hint that fits (the command's usage for argument
 * errors). oclif's texts ("Missing 1 required arg:", "The following error occurred:") list
 * descriptions across lines and say "See more help", which the one-line report cannot show.
 */

/** What the command that failed to parse looks like, for hints. */
export interface CommandUsage {
  /** e.g. `durox orchestration raise <id> <event> [flags]`. */
  usage: string;
  /** e.g. `durox orchestration raise --help`. */
  help: string;
}

/** A parse error's reworded message and hint. */
export interface ParseErrorText {
  message: string;
  hint?: string;
}

interface ArgDefinition {
  name?: string;
  description?: string;
}

function argList(args: readonly ArgDefinition[]): string {
  return args.map((a) => `<${a.name ?? 'arg'}>${a.description ? ` (${a.description})` : ''}`).join(', ');
}

/** Rewords one of oclif's parse errors; `undefined` when it is of a kind durox does not know. */
export function rewordParseError(err: Error, command: CommandUsage | undefined): ParseErrorText | undefined {
  const usageHint = command ? `usage: ${command.usage}` : undefined;
  const helpHint = command ? `\`${command.help}\` lists its flags` : undefined;
  const text = err.message.replace(/\nSee more help with --help\s*$/, '');
  const fields = err as Error & { args?: unknown; flags?: unknown };

  // RequiredArgsError: `args` are definitions.
  let match = /^Missing \d+ required args?/.exec(text);
  if (match && Array.isArray(fields.args)) {
    const args = fields.args as ArgDefinition[];
    const multiple = /Note: (--\S+(?:, --\S+)*) allows?/.exec(text);
    return {
      message: `missing argument${args.length === 1 ? '' : 's'} ${argList(args)}`,
      ...(usageHint === undefined && !multiple
        ? {}
        : {
            hint: [
              usageHint,
              // oclif adds this note whenever the command has a repeatable flag.
              multiple
                ? `put arguments before ${multiple[1]} (it takes several values) or after --`
                : undefined,
            ]
              .filter((part) => part !== undefined)
              .join('; '),
          }),
    };
  }
  // UnexpectedArgsError: `args` are the extra words.
  if (/^Unexpected arguments?: /.test(text) && Array.isArray(fields.args)) {
    const extra = (fields.args as unknown[]).map((a) => `"${String(a)}"`).join(', ');
    return {
      message: `unexpected argument${fields.args.length === 1 ? '' : 's'} ${extra}`,
      ...(usageHint === undefined ? {} : { hint: usageHint }),
    };
  }
  // NonExistentFlagsError
  if (/^Nonexistent flags?: /.test(text) && Array.isArray(fields.flags)) {
    const flags = (fields.flags as unknown[]).map(String);
    return {
      message: `unknown flag${flags.length === 1 ? '' : 's'} ${flags.join(', ')}`,
      ...(helpHint === undefined ? {} : { hint: helpHint }),
    };
  }
  match = /^Flag (--\S+) expects a value/.exec(text);
  if (match)
    return { message: `${match[1]} needs a value`, ...(helpHint === undefined ? {} : { hint: helpHint }) };
  match = /^Expected (--[^=\s]+)=([\s\S]*) to be one of: (.*)$/.exec(text);
  if (match) return { message: `${match[1]} "${match[2]}" is not one of: ${match[3]}` };
  match = /^Expected ([\s\S]*) to be one of: (.*)$/.exec(text);
  if (match)
    return { message: `"${match[1]}" is not one of: ${match[2]}`, ...(usageHint ? { hint: usageHint } : {}) };

  // FailedFlagValidationError / ViolatedFlagConstraintError: "The following error(s) occurred:"
  // then one reason per line (exclusive flags, dependsOn, required flags …).
  if (/^The following errors? occurred:/.test(text)) {
    const reasons = text
      .split('\n')
      .slice(1)
      .map((line) => line.replace(/\u001b\[[0-9;]*m/g, '').trim())
      .filter((line) => line !== '');
    const hints: string[] = [];
    const messages = reasons.map((reason) => {
      let m = /^(--[^=\s]+)(?:=\S*)? cannot also be provided when using (--\S+)$/.exec(reason);
      if (m) {
        hints.push(`pass either ${m[2]} or ${m[1]}`);
        return `${m[1]} cannot be used with ${m[2]}`;
      }
      m = /^All of the following must be provided when using (--\S+): (.*)$/.exec(reason);
      if (m) {
        hints.push(`add ${m[2]}, or leave ${m[1]} out`);
        return `${m[1]} needs ${m[2]}`;
      }
      m = /^Missing required flag (\S+)$/.exec(reason);
      if (m) return `missing required flag --${m[1]!.replace(/^-+/, '')}`;
      return reason;
    });
    const hint = hints.length > 0 ? hints.join('; ') : helpHint;
    return { message: messages.join('; '), ...(hint === undefined ? {} : { hint }) };
  }
  return undefined;
}
