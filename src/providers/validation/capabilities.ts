/**
 * Optional capabilities: what a provider may offer beyond the required contract. A provider
 * without a capability passes its cases; one that offers it must keep its rules.
 */
import assert from 'node:assert/strict';
import { casesOf } from './harness.js';
import type { ValidationCase } from './types.js';

const define = casesOf('capabilities');

/** The options a provider may recommend (see `RecommendedRuntimeOptions`). */
const RECOMMENDABLE = new Set(['orchestrationConcurrency', 'workerConcurrency']);

export const capabilityCases: readonly ValidationCase[] = [
  define(
    'recommendedRuntimeOptions returns valid runtime options, the same on every call',
    async (provider) => {
      if (typeof provider.recommendedRuntimeOptions !== 'function') return;
      const first = provider.recommendedRuntimeOptions();
      assert.equal(typeof first, 'object', 'recommendedRuntimeOptions() must return an object');
      assert.notEqual(first, null, 'recommendedRuntimeOptions() must return an object');
      for (const [key, value] of Object.entries(first)) {
        assert.ok(
          RECOMMENDABLE.has(key),
          `recommendedRuntimeOptions(): "${key}" is not a recommendable option`,
        );
        if (value === undefined) continue;
        assert.ok(
          Number.isInteger(value) && (value as number) >= 0,
          `recommendedRuntimeOptions().${key} must be a non-negative integer, got ${String(value)}`,
        );
      }
      assert.deepEqual(
        provider.recommendedRuntimeOptions(),
        first,
        'recommendations must not change between calls',
      );
    },
  ),
];
