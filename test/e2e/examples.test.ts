/**
 * The examples in examples/ run to completion against the built package, each on its own
 * SQLite file: quickstart.mjs (the untyped API) and typed.ts (definitions and `yield*`, run
 * through tsx as `npm run example:typed` does; test/types/typed-api.test.ts type-checks it).
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, tempDir } from '../cli/helpers.js';

function runExample(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const db = join(tempDir(), 'example.db');
  return spawnSync(process.execPath, args, {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, DUROX_DB: db },
    timeout: 60_000,
  });
}

describe('examples', () => {
  it('quickstart.mjs completes the order', () => {
    const run = runExample([join(ROOT, 'examples', 'quickstart.mjs')]);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/: Completed/);
    expect(run.stdout).toContain('"approvedBy": "warehouse"');
  });

  it('typed.ts completes the order and refuses a bad input', () => {
    const tsx = join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');
    const run = runExample([tsx, join(ROOT, 'examples', 'typed.ts')]);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/: Completed/);
    expect(run.stdout).toContain('"approvedBy": "warehouse"');
    expect(run.stdout).toContain(
      'refused: orchestration "ProcessOrder": invalid input at qty: Number must be greater than 0',
    );
  });
});
