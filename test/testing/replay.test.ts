/**
 * Replay testing: histories recorded in a TestEnvironment (dumped like `durox history dump`)
 * replay against the code that made them, and a changed orchestration is reported with where
 * it diverges — one history at a time, or a whole directory in one readable error.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildHistoryFile } from '../../src/cli/history-file.js';
import { isDuroxError } from '../../src/index.js';
import type { OrchestrationContext, Runtime } from '../../src/index.js';
import { Replayer, replayHistory, TestEnvironment } from '../../src/testing/index.js';
import type { HistoryFile } from '../../src/testing/index.js';

const dir = mkdtempSync(join(tmpdir(), 'durox-replay-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function registerOriginal(runtime: Runtime): void {
  runtime.registerActivity('Reserve', (_ctx, sku: string) => `reserved ${sku}`);
  runtime.registerActivity('Charge', (_ctx, amount: number) => `charged ${amount}`);
  runtime.registerOrchestration(
    'Order',
    function* (ctx: OrchestrationContext, order: { sku: string; amount: number }) {
      const reserved: string = yield ctx.scheduleActivity('Reserve', order.sku);
      yield ctx.scheduleTimer(60_000);
      const charged: string = yield ctx.scheduleActivity('Charge', order.amount);
      return [reserved, charged];
    },
  );
}

/** The same orchestration with the two activities swapped: old histories no longer replay. */
function registerReordered(runtime: Runtime): void {
  runtime.registerActivity('Reserve', (_ctx, sku: string) => `reserved ${sku}`);
  runtime.registerActivity('Charge', (_ctx, amount: number) => `charged ${amount}`);
  runtime.registerOrchestration(
    'Order',
    function* (ctx: OrchestrationContext, order: { sku: string; amount: number }) {
      const charged: string = yield ctx.scheduleActivity('Charge', order.amount);
      yield ctx.scheduleTimer(60_000);
      const reserved: string = yield ctx.scheduleActivity('Reserve', order.sku);
      return [reserved, charged];
    },
  );
}

async function recordOrders(ids: string[]): Promise<HistoryFile[]> {
  const env = await TestEnvironment.create({ register: registerOriginal });
  try {
    const files: HistoryFile[] = [];
    for (const id of ids) {
      await env.client.startOrchestration(id, 'Order', { sku: `sku-${id}`, amount: 5 });
      expect((await env.client.waitForOrchestration(id)).status).toBe('Completed');
      files.push(await buildHistoryFile(env.client, id, { kind: 'all' }));
    }
    return files;
  } finally {
    await env.close();
  }
}

describe('replay testing', () => {
  it('a recorded history replays against its own code and diverges against a reordered one', async () => {
    const [history] = await recordOrders(['o-1']);
    expect(await replayHistory(registerOriginal, history!)).toEqual({
      ok: true,
      executions: 1,
      divergences: [],
    });
    const changed = await replayHistory(registerReordered, history!);
    expect(changed.ok).toBe(false);
    expect(changed.divergences).toHaveLength(1);
    expect(changed.divergences[0]).toMatchObject({
      source: 'history',
      instanceId: 'o-1',
      executionId: 1,
      orchestration: 'Order@1.0.0',
      kind: 'diverged',
      eventId: 2,
    });
    expect(changed.divergences[0]!.recorded).toContain('Reserve');
    expect(changed.divergences[0]!.actual).toContain('Charge');
  });

  it('a Replayer checks a directory of dump files and lists every divergence in one error', async () => {
    const files = await recordOrders(['o-a', 'o-b']);
    const histories = join(dir, 'histories');
    rmSync(histories, { recursive: true, force: true });
    const { mkdirSync } = await import('node:fs');
    mkdirSync(histories);
    files.forEach((file, i) => writeFileSync(join(histories, `order-${i}.json`), JSON.stringify(file)));
    writeFileSync(join(histories, 'notes.txt'), 'not a history');

    const same = await Replayer.create(registerOriginal);
    expect(await same.replayAll(histories)).toEqual({ ok: true, executions: 2, divergences: [] });

    const reordered = await Replayer.create(registerReordered);
    const error = await reordered.replayAll(histories).catch((err: unknown) => err);
    expect(isDuroxError(error, 'NONDETERMINISM')).toBe(true);
    const message = (error as Error).message;
    expect(message).toMatch(/^2 of 2 execution\(s\) do not replay/);
    expect(message).toContain(
      `${join(histories, 'order-0.json')}: o-a execution 1 (Order@1.0.0) diverged at event 2`,
    );
    expect(message).toContain(
      `${join(histories, 'order-1.json')}: o-b execution 1 (Order@1.0.0) diverged at event 2`,
    );

    const missing = await replayHistory(() => undefined, join(histories, 'order-0.json'));
    expect(missing.divergences[0]).toMatchObject({ kind: 'missing', orchestration: 'Order@1.0.0' });
    expect(missing.divergences[0]!.message).toContain('not registered (registered: none)');
  });

  it('refuses a file that is not a history with a message naming it', async () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ format: 'something-else' }));
    await expect(replayHistory(registerOriginal, bad)).rejects.toThrow(`history file ${bad}: format`);
  });
});
