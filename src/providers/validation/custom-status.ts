/**
 * Custom status: the last status a turn wrote, with a version that grows by one per ack that
 * writes it, so clients can poll for changes.
 */
import assert from 'node:assert/strict';
import type { Provider } from '../../core/provider.js';
import {
  continueAsNew,
  createInstance,
  emptyAck,
  expectRejects,
  externalItem,
  fetchBatch,
  metadata,
  runTurn,
  startItem,
  startedEvent,
} from './builders.js';
import { casesOf } from './harness.js';
import type { ValidationCase } from './types.js';

const define = casesOf('custom-status');

async function statusOf(provider: Provider, instanceId: string): Promise<[string | null, number] | null> {
  const info = await provider.getInstanceInfo(instanceId);
  return info === null ? null : [info.customStatus, info.customStatusVersion];
}

function write(status: string | null) {
  return () => ({ customStatus: { status } });
}

export const customStatusCases: readonly ValidationCase[] = [
  define('a new instance has no custom status and version 0', async (provider) => {
    await createInstance(provider, 'cs-new');
    assert.deepEqual(await statusOf(provider, 'cs-new'), [null, 0]);
    assert.equal(await statusOf(provider, 'cs-unknown'), null);
  }),

  define('setting a custom status stores it and bumps the version', async (provider) => {
    await createInstance(provider, 'cs-set');
    await runTurn(provider, 'cs-set', write('step 1'));
    assert.deepEqual(await statusOf(provider, 'cs-set'), ['step 1', 1]);
    await runTurn(provider, 'cs-set', write('step 2'));
    assert.deepEqual(await statusOf(provider, 'cs-set'), ['step 2', 2]);
  }),

  define('an ack without customStatus leaves it unchanged', async (provider) => {
    await createInstance(provider, 'cs-keep');
    await runTurn(provider, 'cs-keep', write('kept'));
    await runTurn(provider, 'cs-keep');
    await runTurn(provider, 'cs-keep');
    assert.deepEqual(await statusOf(provider, 'cs-keep'), ['kept', 1]);
  }),

  define('clearing with null removes it and bumps the version', async (provider) => {
    await createInstance(provider, 'cs-clear');
    await runTurn(provider, 'cs-clear', write('temporary'));
    await runTurn(provider, 'cs-clear', write(null));
    assert.deepEqual(await statusOf(provider, 'cs-clear'), [null, 2]);
  }),

  define('the version grows once per writing ack, even for the same value', async (provider) => {
    await createInstance(provider, 'cs-version');
    for (let i = 1; i <= 3; i++) {
      await runTurn(provider, 'cs-version', write('same'));
      assert.deepEqual(await statusOf(provider, 'cs-version'), ['same', i]);
    }
  }),

  define('the first ack can set it', async (provider) => {
    await provider.enqueueOrchestratorWork(startItem('cs-first'));
    const item = await fetchBatch(provider, 'cs-first');
    await provider.ackOrchestrationItem(
      item.lockToken,
      emptyAck({
        historyDelta: [startedEvent('cs-first')],
        metadata: metadata(),
        customStatus: { status: 'born' },
      }),
    );
    assert.deepEqual(await statusOf(provider, 'cs-first'), ['born', 1]);
  }),

  define('a failed ack does not change it', async (provider) => {
    await createInstance(provider, 'cs-failed');
    await runTurn(provider, 'cs-failed', write('before'));
    await provider.enqueueOrchestratorWork(externalItem('cs-failed'));
    const item = await fetchBatch(provider, 'cs-failed');
    await expectRejects(
      provider.ackOrchestrationItem(
        item.lockToken,
        emptyAck({
          historyDelta: [startedEvent('cs-failed', 1)],
          metadata: metadata(),
          customStatus: { status: 'after' },
        }),
      ),
      'ack with a duplicate event id',
    );
    assert.deepEqual(await statusOf(provider, 'cs-failed'), ['before', 1]);
  }),

  define('it survives continue-as-new and keeps unusual text intact', async (provider) => {
    const text = `{"progress":0.5,"note":"naïve — ✓ 'quoted' \\n"}${'x'.repeat(4_000)}`;
    await createInstance(provider, 'cs-can');
    await runTurn(provider, 'cs-can', write(text));
    await continueAsNew(provider, 'cs-can');
    assert.deepEqual(await statusOf(provider, 'cs-can'), [text, 1]);
  }),
];
