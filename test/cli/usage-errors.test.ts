/**
 * Bad flags and arguments: every error names the flag or argument at fault in durox's words (no
 * oclif "Expected an integer …" or "The following error occurred …"), on one line, with a hint
 * that fits it; exit code 2, nothing on stdout (a JSON error document with --json).
 */
import { describe, expect, it } from 'vitest';
import { durox } from './helpers.js';
import type { Run } from './helpers.js';

/** Arguments → the exact stderr (no store is opened: parsing fails first). */
const CASES: [string[], string, string][] = [
  [
    ['worker', 'run', '--worker-concurrency', 'abc'],
    'error: --worker-concurrency "abc" is not a whole number',
    'hint: pass a whole number from 0 to 4096',
  ],
  [
    ['orch', 'list', '--limit', '0'],
    'error: --limit 0 is out of range',
    'hint: pass a whole number from 1 to 100000',
  ],
  [
    ['prune', '--keep-last', '1.5'],
    'error: --keep-last "1.5" is not a whole number',
    'hint: pass a whole number of at least 0',
  ],
  [
    ['orch', 'wait', 'x', '--timeout', 'soon'],
    'error: --timeout "soon" is not a duration',
    'hint: use a number with a unit: 500ms, 30s, 15m, 12h, 7d (or combined, e.g. 1h30m)',
  ],
  [
    ['orch', 'raise', 'x'],
    'error: missing argument <event> (Event name)',
    'hint: usage: durox orchestration raise <id> <event> [flags]',
  ],
  [
    ['orch', 'status', 'x', 'y'],
    'error: unexpected argument "y"',
    'hint: usage: durox orchestration status <id> [flags]',
  ],
  [
    ['orch', 'list', '--limit'],
    'error: --limit needs a value',
    'hint: `durox orchestration list --help` lists its flags',
  ],
  [
    ['orch', 'start', 'Hello', '--input', '1', '--input-file', 'in.json'],
    'error: --input-file cannot be used with --input',
    'hint: pass either --input or --input-file',
  ],
  [['metrics', '--count', '3'], 'error: --count needs --watch', 'hint: add --watch, or leave --count out'],
  [
    ['worker', 'run', '--tag-mode', 'gpu'],
    'error: --tag-mode "gpu" is not one of: default-only, default-and, only, any, none',
    'hint: run the command with --help for its flags',
  ],
  [
    ['history', 'replay', 'dump.json'],
    'error: missing required flag --module',
    'hint: `durox history replay --help` lists its flags',
  ],
];

describe('usage errors', () => {
  it('name the flag or argument at fault, with a fitting hint (exit 2)', { timeout: 180_000 }, async () => {
    // A few at a time: each is a node process, and CI machines may be small.
    const runs: Run[] = [];
    for (let i = 0; i < CASES.length; i += 3) {
      runs.push(
        ...(await Promise.all(CASES.slice(i, i + 3).map(([args]) => durox(args, { timeoutMs: 60_000 })))),
      );
    }
    runs.forEach((r, i) => {
      const [args, message, hint] = CASES[i]!;
      expect({ args, code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({
        args,
        code: 2,
        stdout: '',
        stderr: `${message}\n${hint}\n`,
      });
    });
  });

  it('with --json, the same words in the error document', async () => {
    const r = await durox(['orch', 'list', '--limit', 'many', '--json']);
    expect(r.code).toBe(2);
    expect(r.json()).toEqual({
      error: {
        code: 'USAGE',
        message: '--limit "many" is not a whole number',
        hint: 'pass a whole number from 1 to 100000',
        exitCode: 2,
      },
    });
  });
});
