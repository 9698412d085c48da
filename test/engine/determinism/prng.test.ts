/**
 * The execution's pseudo-random sequence (src/engine/determinism/prng.ts). Its values are part of
 * what running executions replay: the known answers below pin the hash, the generator and the
 * seed derivation, so a change to any of them (which would make in-flight executions diverge)
 * fails here first.
 */
import { describe, expect, it } from 'vitest';
import { executionSeed, hash128, SeededRandom } from '../../../src/engine/determinism/prng.js';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('the execution sequence', () => {
  it('keeps its known answers (hash, generator, seed derivation)', () => {
    expect(hash128('')).toEqual([41608494, 3485963809, 1435736333, 1262568316]);
    expect(hash128('durox')).toEqual([1357795813, 795650829, 4020222983, 59435268]);
    const random = new SeededRandom(executionSeed('inst-1', 1, 1_700_000_000_000));
    expect(random.nextUint32()).toBe(2002372502);
    expect(random.nextDouble()).toBe(0.34047367078205315);
    expect(random.nextUuid()).toBe('f083d5eb-829f-4e82-9437-4add4927065f');
  });

  it('is the same for the same seed and differs with instance, execution or start time', () => {
    const first = (seed: string): number[] => {
      const random = new SeededRandom(seed);
      return [random.nextUint32(), random.nextUint32(), random.nextUint32()];
    };
    const base = first(executionSeed('order-1', 1, 1000));
    expect(first(executionSeed('order-1', 1, 1000))).toEqual(base);
    expect(first(executionSeed('order-2', 1, 1000))).not.toEqual(base);
    expect(first(executionSeed('order-1', 2, 1000))).not.toEqual(base);
    expect(first(executionSeed('order-1', 1, 1001))).not.toEqual(base);
    // The separator keeps ("a1", 1) and ("a", 11) apart.
    expect(first(executionSeed('a1', 1, 1000))).not.toEqual(first(executionSeed('a', 11, 1000)));
  });

  it('gives doubles in [0, 1) with more than 32 bits, spread evenly', () => {
    const random = new SeededRandom('spread');
    const buckets = new Array<number>(10).fill(0);
    let sum = 0;
    let fineGrained = 0;
    let outOfRange = 0;
    const n = 20_000;
    for (let i = 0; i < n; i++) {
      const x = random.nextDouble();
      if (x < 0 || x >= 1) outOfRange++;
      sum += x;
      buckets[Math.floor(x * 10)]! += 1;
      if (!Number.isInteger(x * 2 ** 32)) fineGrained++;
    }
    expect(outOfRange).toBe(0);
    expect(sum / n).toBeGreaterThan(0.49);
    expect(sum / n).toBeLessThan(0.51);
    for (const count of buckets) {
      expect(count).toBeGreaterThan(n / 10 - 300);
      expect(count).toBeLessThan(n / 10 + 300);
    }
    expect(fineGrained).toBeGreaterThan(n * 0.99);
  });

  it('gives distinct version-4 UUIDs in canonical form', () => {
    const random = new SeededRandom('uuids');
    const seen = new Set<string>();
    const malformed: string[] = [];
    for (let i = 0; i < 5000; i++) {
      const uuid = random.nextUuid();
      if (!UUID_V4.test(uuid)) malformed.push(uuid);
      seen.add(uuid);
    }
    expect(malformed).toEqual([]);
    expect(seen.size).toBe(5000);
  });
});
