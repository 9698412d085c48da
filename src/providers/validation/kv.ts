/**
 * Per-instance KV state: reads see the live state (committed + the running execution's writes,
 * tombstones hiding keys); fetch snapshots carry only what ended executions committed.
 */
import assert from 'node:assert/strict';
import type { KvMutation, Provider } from '../../core/provider.js';
import {
  completeInstance,
  continueAsNew,
  createInstance,
  failInstance,
  fetchBatch,
  externalItem,
  kvSet,
  runTurn,
} from './builders.js';
import { casesOf } from './harness.js';
import type { ValidationCase } from './types.js';

const define = casesOf('kv');

const T1 = 1_700_000_000_111;
const T2 = 1_700_000_000_222;

/** The snapshot values (without times) the next fetch of the instance carries. */
async function snapshotValues(provider: Provider, instanceId: string): Promise<Record<string, string>> {
  const item = await runTurn(provider, instanceId);
  return Object.fromEntries(Object.entries(item.kvSnapshot).map(([key, entry]) => [key, entry.value]));
}

function mutate(...kvMutations: KvMutation[]) {
  return () => ({ kvMutations });
}

export const kvCases: readonly ValidationCase[] = [
  define('writes of the running execution are visible to reads at once', async (provider) => {
    await createInstance(provider, 'kv-live', {
      ack: { kvMutations: [kvSet('a', '"1"'), kvSet('b', '{"n":2}')] },
    });
    assert.equal(await provider.getKvValue('kv-live', 'a'), '"1"');
    assert.equal(await provider.getKvValue('kv-live', 'missing'), null);
    assert.deepEqual(await provider.getKvAllValues('kv-live'), { a: '"1"', b: '{"n":2}' });
  }),

  define("fetch snapshots exclude the current execution's writes", async (provider) => {
    await createInstance(provider, 'kv-snap', { ack: { kvMutations: [kvSet('a', '1')] } });
    assert.deepEqual(await snapshotValues(provider, 'kv-snap'), {});
    await runTurn(provider, 'kv-snap', mutate(kvSet('b', '2')));
    assert.deepEqual(await snapshotValues(provider, 'kv-snap'), {});
  }),

  define('an ended execution merges its writes into the snapshot, with their times', async (provider) => {
    await createInstance(provider, 'kv-done', { ack: { kvMutations: [kvSet('a', '1', T1)] } });
    await runTurn(provider, 'kv-done', mutate(kvSet('b', '2', T2)));
    await completeInstance(provider, 'kv-done');
    await provider.enqueueOrchestratorWork(externalItem('kv-done'));
    const item = await fetchBatch(provider, 'kv-done');
    assert.deepEqual(item.kvSnapshot, {
      a: { value: '1', lastUpdatedAtMs: T1 },
      b: { value: '2', lastUpdatedAtMs: T2 },
    });
  }),

  define('a failed execution merges its writes too', async (provider) => {
    await createInstance(provider, 'kv-failed', { ack: { kvMutations: [kvSet('f', '1')] } });
    await failInstance(provider, 'kv-failed');
    assert.deepEqual(await snapshotValues(provider, 'kv-failed'), { f: '1' });
    assert.deepEqual(await provider.getKvAllValues('kv-failed'), { f: '1' });
  }),

  define('continue-as-new merges; the next execution starts with the writes', async (provider) => {
    await createInstance(provider, 'kv-can', { ack: { kvMutations: [kvSet('a', '1')] } });
    await continueAsNew(provider, 'kv-can', { endAck: { kvMutations: [kvSet('b', '2')] } });
    assert.deepEqual(await snapshotValues(provider, 'kv-can'), { a: '1', b: '2' });
    assert.deepEqual(await provider.getKvAllValues('kv-can'), { a: '1', b: '2' });
  }),

  define('clear hides a key at once; the snapshot keeps it until the execution ends', async (provider) => {
    await createInstance(provider, 'kv-clear', { ack: { kvMutations: [kvSet('a', '1'), kvSet('b', '2')] } });
    await continueAsNew(provider, 'kv-clear');
    await runTurn(provider, 'kv-clear', mutate({ op: 'clear', key: 'a' }));
    assert.equal(await provider.getKvValue('kv-clear', 'a'), null);
    assert.deepEqual(await provider.getKvAllValues('kv-clear'), { b: '2' });
    assert.deepEqual(await snapshotValues(provider, 'kv-clear'), { a: '1', b: '2' });
    await continueAsNew(provider, 'kv-clear');
    assert.deepEqual(await snapshotValues(provider, 'kv-clear'), { b: '2' });
  }),

  define('clearAll hides committed and pending keys; later sets win', async (provider) => {
    await createInstance(provider, 'kv-all', { ack: { kvMutations: [kvSet('committed', '1')] } });
    await continueAsNew(provider, 'kv-all');
    await runTurn(provider, 'kv-all', mutate(kvSet('pending', '2')));
    await runTurn(provider, 'kv-all', mutate({ op: 'clearAll' }, kvSet('after', '3')));
    assert.deepEqual(await provider.getKvAllValues('kv-all'), { after: '3' });
    assert.equal(await provider.getKvValue('kv-all', 'committed'), null);
    assert.equal(await provider.getKvValue('kv-all', 'pending'), null);
    assert.deepEqual(await snapshotValues(provider, 'kv-all'), { committed: '1' });
    await continueAsNew(provider, 'kv-all');
    assert.deepEqual(await snapshotValues(provider, 'kv-all'), { after: '3' });
  }),

  define('the mutations of one ack apply in order', async (provider) => {
    await createInstance(provider, 'kv-order', {
      ack: {
        kvMutations: [
          kvSet('a', '1'),
          { op: 'clear', key: 'a' },
          kvSet('b', '1'),
          kvSet('b', '2'),
          { op: 'clear', key: 'c' },
          kvSet('c', '3'),
          { op: 'clear', key: 'never-set' },
        ],
      },
    });
    assert.deepEqual(await provider.getKvAllValues('kv-order'), { b: '2', c: '3' });
    await completeInstance(provider, 'kv-order');
    assert.deepEqual(await snapshotValues(provider, 'kv-order'), { b: '2', c: '3' });
  }),

  define('a later execution overwrites a value; the snapshot changes when it ends', async (provider) => {
    await createInstance(provider, 'kv-over', { ack: { kvMutations: [kvSet('a', '1')] } });
    await continueAsNew(provider, 'kv-over');
    await runTurn(provider, 'kv-over', mutate(kvSet('a', '2')));
    assert.equal(await provider.getKvValue('kv-over', 'a'), '2');
    assert.deepEqual(await snapshotValues(provider, 'kv-over'), { a: '1' });
    await continueAsNew(provider, 'kv-over');
    assert.deepEqual(await snapshotValues(provider, 'kv-over'), { a: '2' });
  }),

  define('a key removed in one execution can be added again in a later one', async (provider) => {
    await createInstance(provider, 'kv-readd', { ack: { kvMutations: [kvSet('a', '1')] } });
    await continueAsNew(provider, 'kv-readd');
    await continueAsNew(provider, 'kv-readd', { endAck: { kvMutations: [{ op: 'clear', key: 'a' }] } });
    assert.deepEqual(await snapshotValues(provider, 'kv-readd'), {});
    assert.equal(await provider.getKvValue('kv-readd', 'a'), null);
    await continueAsNew(provider, 'kv-readd', { endAck: { kvMutations: [kvSet('a', '3')] } });
    assert.deepEqual(await snapshotValues(provider, 'kv-readd'), { a: '3' });
  }),

  define('instances are isolated; unknown instances read empty', async (provider) => {
    await createInstance(provider, 'kv-iso-a', { ack: { kvMutations: [kvSet('k', '"a"')] } });
    await createInstance(provider, 'kv-iso-b', { ack: { kvMutations: [kvSet('k', '"b"')] } });
    await runTurn(provider, 'kv-iso-b', mutate({ op: 'clearAll' }));
    assert.equal(await provider.getKvValue('kv-iso-a', 'k'), '"a"');
    assert.deepEqual(await provider.getKvAllValues('kv-iso-b'), {});
    assert.equal(await provider.getKvValue('kv-nobody', 'k'), null);
    assert.deepEqual(await provider.getKvAllValues('kv-nobody'), {});
  }),

  define('keys and values with special characters round-trip', async (provider) => {
    const entries: Record<string, string> = {
      'with space': '"a b"',
      'quote"d': '"say \\"hi\\""',
      "apo'strophe": '"it\'s"',
      'percent%_under': '"%_"',
      'new\nline': '"line\\nbreak"',
      'unicode-ключ-✓-😀': '"значение ✓ 😀"',
      'back\\slash': '"\\\\"',
      'semi;colon--': '"; DROP TABLE x; --"',
    };
    await createInstance(provider, 'kv-chars', {
      ack: { kvMutations: Object.entries(entries).map(([key, value]) => kvSet(key, value)) },
    });
    assert.deepEqual(await provider.getKvAllValues('kv-chars'), entries);
    for (const [key, value] of Object.entries(entries))
      assert.equal(await provider.getKvValue('kv-chars', key), value);
    await completeInstance(provider, 'kv-chars');
    assert.deepEqual(await snapshotValues(provider, 'kv-chars'), entries);
  }),

  define('64 KiB values round-trip', async (provider) => {
    const big = JSON.stringify('v'.repeat(64 * 1024));
    await createInstance(provider, 'kv-big', { ack: { kvMutations: [kvSet('big', big)] } });
    assert.equal(await provider.getKvValue('kv-big', 'big'), big);
    await completeInstance(provider, 'kv-big');
    assert.equal((await snapshotValues(provider, 'kv-big')).big, big);
  }),
];
