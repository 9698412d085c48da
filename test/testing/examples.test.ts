/**
 * The docs/testing.md examples run as a user runs them: `node --test` and a vitest config of
 * their own, importing `durox/testing` from the built package.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

describe('durox/testing examples', () => {
  it('runs under node:test', async () => {
    const { stdout } = await run(process.execPath, ['--test', 'examples/testing/node-test.mjs']);
    expect(stdout).toMatch(/# pass 2\n/);
    expect(stdout).toMatch(/# fail 0\n/);
  });

  it('runs under vitest', async () => {
    const { stdout } = await run(
      process.execPath,
      ['node_modules/vitest/vitest.mjs', 'run', '--config', 'examples/testing/vitest.config.mjs'],
      { env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' } },
    );
    expect(stdout).toMatch(/Tests\s+1 passed \(1\)/);
  });
});
