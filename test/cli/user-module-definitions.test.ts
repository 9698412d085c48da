/**
 * `--module` files that register typed definitions (`runtime.register(...defs)` inside
 * `register(runtime)`): recorded for `history replay` without a store, and registered on a
 * real runtime, with the definitions' schemas in force.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadModules } from '../../src/cli/user-module.js';
import { OrchestrationContext } from '../../src/engine/replay/context.js';
import { isDuroxError } from '../../src/index.js';
import { createHarness } from '../helpers/runtime-harness.js';

const MODULE = fileURLToPath(new URL('./fixtures/typed-workflows.ts', import.meta.url));

describe('modules with typed definitions', () => {
  it('are recorded without a store, at the definition version, with schemas checked', async () => {
    const registrations = await loadModules([MODULE]);
    expect([...registrations.activities.keys()]).toEqual(['Double']);
    expect([...(registrations.orchestrations.get('Doubler')?.keys() ?? [])]).toEqual(['1.2.0']);
    const handler = registrations.orchestrations.get('Doubler')!.get('1.2.0')!;
    const ctx = new OrchestrationContext({} as never);
    expect(() => handler(ctx, { n: 'two' })).toThrow(
      expect.objectContaining({
        message: 'orchestration "Doubler": invalid input at n: Expected number, received string',
      }),
    );
    await expect(registrations.activities.get('Double')!({} as never, 'x')).rejects.toSatisfy((err) =>
      isDuroxError(err, 'INVALID_INPUT'),
    );
  });

  it('are registered on a runtime and run', async () => {
    const h = await createHarness();
    await loadModules([MODULE], h.runtime);
    await h.runtime.start();
    await h.client.startOrchestration('d1', 'Doubler', { n: 21 });
    expect(await h.client.waitForOrchestration('d1', 10_000)).toMatchObject({
      status: 'Completed',
      output: 42,
    });
  });

  it('reject what is not a definition, naming the module', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'durox-module-'));
    const file = join(dir, 'fake.mjs');
    writeFileSync(
      file,
      "export function register(runtime) { runtime.register({ kind: 'activity', name: 'X' }); }\n",
    );
    try {
      await expect(loadModules([file])).rejects.toSatisfy(
        (err) =>
          isDuroxError(err, 'MODULE') &&
          (err as Error).message.includes('runtime.register: argument 1 is not a definition'),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
