/**
 * A script that shuts its runtime down but never closes its provider exits by itself, as it
 * does with duroxide-node: nothing of durox keeps the event loop alive once no work is in flight.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestSchema, pgUrl } from '../helpers/postgres.js';

const SCRIPT = fileURLToPath(new URL('../fixtures/exit-after-shutdown.mjs', import.meta.url));
/** How long the child may live after printing its shutdown line. */
const EXIT_BUDGET_MS = 2000;
/** After this the test gives up and kills the child, so a regression fails instead of hanging. */
const GIVE_UP_MS = 10_000;

const children: ChildProcess[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

interface Outcome {
  /** The exit code, or null when the child had to be killed. */
  code: number | null;
  /** Milliseconds between the child's "shutdown" line and its exit (or the kill). */
  lingerMs: number;
  stdout: string;
  stderr: string;
}

/** Runs the fixture on `store` and measures how long it lingers after `runtime.shutdown()`. */
async function runScript(store: string, env: Record<string, string> = {}): Promise<Outcome> {
  const child = spawn(process.execPath, [SCRIPT, store], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  let killer: NodeJS.Timeout | undefined;
  // Arm the give-up timer only once shutdown was reported: the work before it may be slow.
  child.stdout!.on('data', () => {
    if (killer === undefined && /shutdown \d+/.test(stdout)) {
      killer = setTimeout(() => child.kill('SIGKILL'), GIVE_UP_MS);
    }
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  const exitedAt = Date.now();
  clearTimeout(killer);
  const match = /shutdown (\d+)/.exec(stdout);
  if (match === null) throw new Error(`the script never reached shutdown (exit ${code}): ${stderr}`);
  return { code, lingerMs: exitedAt - Number(match[1]), stdout, stderr };
}

describe('a script that never closes its provider exits after runtime.shutdown()', () => {
  it(`on PostgreSQL, within ${EXIT_BUDGET_MS} ms`, async () => {
    const outcome = await runScript(pgUrl(), { DUROX_SCHEMA: createTestSchema() });
    expect(outcome.stderr).toBe('');
    expect(outcome.lingerMs, 'ms between runtime.shutdown() and the exit').toBeLessThan(EXIT_BUDGET_MS);
    expect(outcome.code).toBe(0);
  }, 60_000);

  it('on PostgreSQL, provider.close() still settles once the runtime is shut down', async () => {
    const outcome = await runScript(pgUrl(), { DUROX_SCHEMA: createTestSchema(), DUROX_CLOSE: '1' });
    expect(outcome.stderr).toBe('');
    expect(outcome.stdout).toContain('closed');
    expect(outcome.code).toBe(0);
  }, 60_000);

  it(`on SQLite, within ${EXIT_BUDGET_MS} ms`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'durox-exit-'));
    dirs.push(dir);
    const outcome = await runScript(join(dir, 'durox.db'));
    expect(outcome.stderr).toBe('');
    expect(outcome.lingerMs, 'ms between runtime.shutdown() and the exit').toBeLessThan(EXIT_BUDGET_MS);
    expect(outcome.code).toBe(0);
  }, 60_000);
});
