/**
 * A provider written by a user, from the public API alone: the `CountingProvider` example of
 * docs/provider-guide.md is extracted from the guide, compiled with the real TypeScript compiler
 * in a temporary project where `durox` resolves to this package's built dist (as an installed
 * dependency would), and run through the conformance suite on SQLite by
 * test/fixtures/custom-provider/validate.ts. The wrapper only forwards, and SqliteProvider itself
 * runs every case in sqlite.test.ts, so a subset covering both queues, the ack, reads and the
 * cross-provider wake-ups keeps this file fast. A type the contract needs but `durox` does not
 * export, or a guide example that no longer matches the contract, fails here.
 */
import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../../cli/helpers.js';
import { VALIDATION_CASES, type ValidationCategory } from '../../../src/providers/validation/index.js';

const GUIDE = join(ROOT, 'docs', 'provider-guide.md');
const RUNNER = join(ROOT, 'test', 'fixtures', 'custom-provider', 'validate.ts');
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const FIRST_LINE = '// counting-provider.ts';
const CATEGORIES: ValidationCategory[] = ['atomicity', 'instance-creation', 'tags', 'wake-ups'];

/** The guide's example provider: the `ts` block that starts with {@link FIRST_LINE}. */
function guideExample(): string {
  const blocks = [...readFileSync(GUIDE, 'utf8').matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
  const example = blocks.find((block) => block.startsWith(FIRST_LINE));
  if (example === undefined)
    throw new Error(`docs/provider-guide.md has no ts block starting with ${FIRST_LINE}`);
  return example;
}

describe('a custom provider written against the published types', () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'durox-custom-provider-'));
    // `durox` as an installed dependency: its package.json `exports` lead to dist/.
    mkdirSync(join(dir, 'node_modules'));
    symlinkSync(ROOT, join(dir, 'node_modules', 'durox'), 'dir');
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          lib: ['ES2023'],
          types: ['node'],
          typeRoots: [join(ROOT, 'node_modules', '@types')],
          strict: true,
          noUncheckedIndexedAccess: true,
          skipLibCheck: true,
          outDir: 'out',
        },
        files: ['src/counting-provider.ts', 'src/validate.ts'],
      }),
    );
    mkdirSync(join(dir, 'src'));
    writeFileSync(join(dir, 'src', 'counting-provider.ts'), guideExample());
    copyFileSync(RUNNER, join(dir, 'src', 'validate.ts'));
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('the guide example imports only types, and only from durox', () => {
    const imports = guideExample().match(/^import[\s\S]*?from '[^']+';$/gm) ?? [];
    expect(imports.length).toBeGreaterThan(0);
    for (const statement of imports) expect(statement).toMatch(/^import type \{[\s\S]*\} from 'durox';$/);
  });

  it('compiles with tsc and passes the conformance suite on SQLite', () => {
    const tsc = spawnSync(process.execPath, [TSC, '-p', join(dir, 'tsconfig.json')], {
      cwd: dir,
      encoding: 'utf8',
    });
    expect(tsc.stdout + tsc.stderr, 'tsc reported errors').toBe('');
    expect(tsc.status).toBe(0);

    const run = spawnSync(process.execPath, [join(dir, 'out', 'validate.js'), ...CATEGORIES], {
      cwd: dir,
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(run.status, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as {
      passed: number;
      failed: { name: string; error: string }[];
    };
    expect(report.failed).toEqual([]);
    // Every case of those categories ran (the factory has openPeer, so none is skipped).
    const expected = VALIDATION_CASES.filter((c) => CATEGORIES.includes(c.category)).length;
    expect(expected).toBeGreaterThan(25);
    expect(report.passed).toBe(expected);
  }, 180_000);
});
