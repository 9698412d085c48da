/**
 * `durox worker run --determinism`: the runtime option from the CLI. Under `strict` an
 * orchestration that reads `Date.now()` fails naming the call; under the default `guard` it
 * completes with the turn's recorded time.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { durox, startWorker, tempDir } from './helpers.js';

const dir = tempDir();
const MODULE = join(dir, 'clock-reader.mjs');
writeFileSync(
  MODULE,
  `export const orchestrations = {
  ReadsClock: function* (ctx) {
    const now = Date.now();
    const recorded = yield ctx.utcNow();
    return { now, recorded };
  },
};
`,
);

async function runWith(mode: string | undefined, id: string) {
  const store = `sqlite:${join(dir, `${id}.db`)}`;
  const worker = await startWorker([
    '-m',
    MODULE,
    '--store',
    store,
    ...(mode ? ['--determinism', mode] : []),
  ]);
  try {
    expect((await durox(['orch', 'start', 'ReadsClock', '--id', id, '--store', store])).code).toBe(0);
    return await durox(['orch', 'wait', id, '--timeout', '20s', '--json', '--store', store]);
  } finally {
    await worker.stop('SIGINT');
  }
}

describe('worker run --determinism', () => {
  it('strict fails the orchestration naming the call; guard gives the recorded time', async () => {
    const strict = await runWith('strict', 'strict-1');
    expect(strict.code).not.toBe(0);
    expect(strict.stdout + strict.stderr).toMatch(/Date\.now\(\)/);

    const guarded = await runWith(undefined, 'guard-1');
    expect(guarded.code, guarded.stderr).toBe(0);
    const output = guarded.json().output as { now: number; recorded: number };
    expect(output.now).toBe(output.recorded);
  });

  it('rejects an unknown mode before touching the store', async () => {
    const result = await durox([
      'worker',
      'run',
      '-m',
      MODULE,
      '--determinism',
      'loose',
      '--store',
      `sqlite:${join(dir, 'never.db')}`,
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/determinism/);
  });
});
