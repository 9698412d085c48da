/**
 * History handed out by fetches, run against every provider.
 */
import { describe, expect, it } from 'vitest';
import { externalEvent, externalItem, fetchOrchestration, startInstance, startedEvent } from './builders.js';
import { providerFixtures } from './fixtures.js';

describe.each(providerFixtures)('$name', (fixture) => {
  describe('history cache', () => {
    it('hands out arrays the caller may modify', async () => {
      const provider = await fixture.open();
      await startInstance(provider, 'i1');
      await provider.enqueueOrchestratorWork(externalItem('i1'));
      const item = await fetchOrchestration(provider);
      item.history.push(externalEvent('i1', 99, '"junk"'));
      await provider.abandonOrchestrationItem(item.lockToken);
      expect((await fetchOrchestration(provider)).history).toEqual([startedEvent('i1')]);
    });
  });
});
