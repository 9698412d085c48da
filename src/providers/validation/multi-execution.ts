/**
 * Multiple executions: continue-as-new starts execution n + 1, each execution keeps its own
 * history, and "latest" always means the instance's current execution.
 */
import assert from 'node:assert/strict';
import {
  continueAsNew,
  continuedAsNewEvent,
  createExecutions,
  createInstance,
  externalEvent,
  externalItem,
  fetchBatch,
  runTurn,
  startedEvent,
  typesOf,
} from './builders.js';
import { casesOf } from './harness.js';
import type { ValidationCase } from './types.js';

const define = casesOf('multi-execution');

export const multiExecutionCases: readonly ValidationCase[] = [
  define('continue-as-new starts execution 2 and makes it current', async (provider) => {
    await createInstance(provider, 'mx-can');
    assert.equal(await continueAsNew(provider, 'mx-can'), 2);
    const info = await provider.getInstanceInfo('mx-can');
    assert.equal(info?.currentExecutionId, 2);
    assert.equal(info?.status, 'Running');
    assert.equal(info?.output, null, 'the new execution has no output yet');
  }),

  define('each execution keeps its own history', async (provider) => {
    await createInstance(provider, 'mx-iso', { events: (id) => [externalEvent(id, 2, '"first"')] });
    await continueAsNew(provider, 'mx-iso');
    await runTurn(provider, 'mx-iso', () => ({
      executionId: 2,
      historyDelta: [externalEvent('mx-iso', 2, '"second"', 2)],
    }));
    assert.deepEqual(await provider.readHistory('mx-iso', 1), [
      startedEvent('mx-iso'),
      externalEvent('mx-iso', 2, '"first"'),
      continuedAsNewEvent('mx-iso', 3),
    ]);
    assert.deepEqual(await provider.readHistory('mx-iso', 2), [
      startedEvent('mx-iso', 1, 2, { input: '"next"' }),
      externalEvent('mx-iso', 2, '"second"', 2),
    ]);
  }),

  define('readHistory without an execution id reads the current execution', async (provider) => {
    await createInstance(provider, 'mx-latest');
    assert.deepEqual(typesOf(await provider.readHistory('mx-latest')), ['OrchestrationStarted']);
    await continueAsNew(provider, 'mx-latest');
    await continueAsNew(provider, 'mx-latest');
    assert.deepEqual(await provider.readHistory('mx-latest'), [
      startedEvent('mx-latest', 1, 3, { input: '"next"' }),
    ]);
  }),

  define('a fetch after continue-as-new carries only the new execution', async (provider) => {
    await createInstance(provider, 'mx-fetch');
    await continueAsNew(provider, 'mx-fetch');
    await provider.enqueueOrchestratorWork(externalItem('mx-fetch'));
    const item = await fetchBatch(provider, 'mx-fetch');
    assert.equal(item.executionId, 2);
    assert.deepEqual(item.history, [startedEvent('mx-fetch', 1, 2, { input: '"next"' })]);
  }),

  define('execution ids go 1, 2, 3, 4 and old histories stay readable', async (provider) => {
    await createExecutions(provider, 'mx-seq', 4);
    assert.equal((await provider.getInstanceInfo('mx-seq'))?.currentExecutionId, 4);
    for (const executionId of [1, 2, 3]) {
      const history = await provider.readHistory('mx-seq', executionId);
      assert.deepEqual(
        typesOf(history),
        ['OrchestrationStarted', 'OrchestrationContinuedAsNew'],
        `execution ${executionId}`,
      );
      assert.ok(history.every((event) => event.execution_id === executionId));
    }
    assert.deepEqual(typesOf(await provider.readHistory('mx-seq', 4)), ['OrchestrationStarted']);
  }),

  define('unknown instances and executions read as empty histories', async (provider) => {
    await createInstance(provider, 'mx-unknown');
    assert.deepEqual(await provider.readHistory('mx-nobody'), []);
    assert.deepEqual(await provider.readHistory('mx-nobody', 1), []);
    assert.deepEqual(await provider.readHistory('mx-unknown', 2), []);
  }),

  define('an ended execution keeps its status when the next one runs', async (provider) => {
    await createInstance(provider, 'mx-status');
    await continueAsNew(provider, 'mx-status');
    const first = await provider.getExecutionInfo('mx-status', 1);
    assert.equal(first?.status, 'ContinuedAsNew');
    assert.equal(first?.output, '"next"');
    assert.equal((await provider.getExecutionInfo('mx-status', 2))?.status, 'Running');
  }),
];
