/**
 * Type-level tests of the typed API, compiled with the real TypeScript compiler against the
 * built package (`durox` resolves to dist/, as in a user's project; the CLI test helpers build
 * it when stale): fixtures/typed-api.ts must compile, with `expectTypeOf` pinning what users
 * see; fixtures/misuse.ts marks each misuse `@ts-expect-error`, and tsc fails on a directive
 * whose line compiles, so both directions are proven by one clean run. examples/*.ts are
 * compiled too.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../cli/helpers.js';

const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const PROJECT = join(ROOT, 'test', 'types', 'tsconfig.json');

describe('typed API (tsc over test/types/fixtures and examples)', () => {
  it('misuse.ts holds the misuses it is meant to reject', () => {
    const misuse = readFileSync(join(ROOT, 'test', 'types', 'fixtures', 'misuse.ts'), 'utf8');
    expect(misuse.match(/^\s*\/\/ @ts-expect-error /gm)?.length).toBeGreaterThanOrEqual(29);
  });

  it('correct code compiles with the expected types, and every misuse fails to compile', () => {
    const tsc = spawnSync(process.execPath, [TSC, '-p', PROJECT, '--pretty', 'false'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.status).toBe(0);
  });
});
