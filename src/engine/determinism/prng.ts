/**
 * The pseudo-random sequence of one execution: what `Math.random()` and `crypto.randomUUID()`
 * return inside orchestration code under the determinism guard.
 *
 * The seed is derived from what history records about the execution — its instance id,
 * execution id and the timestamp of its OrchestrationStarted event — so a replay from scratch
 * (a cache miss, another worker, `durox history replay`) starts the same sequence, and an
 * execution kept in memory between turns simply continues it: the code draws the same values in
 * the same order either way. The generator is sfc32 (Chris Doty-Humphrey's Small Fast Chaotic
 * generator, 128-bit state), seeded through the cyrb128 string hash. Neither is cryptographic:
 * these values are for orchestration logic, not for secrets.
 */

/** A 128-bit hash of a string (cyrb128) as four unsigned 32-bit words. */
export function hash128(text: string): [number, number, number, number] {
  let h1 = 1779033703;
  let h2 = 3144134277;
  let h3 = 1013904242;
  let h4 = 2773480762;
  for (let i = 0; i < text.length; i++) {
    const k = text.charCodeAt(i);
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067);
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213);
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067);
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213);
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
  h1 ^= h2 ^ h3 ^ h4;
  h2 ^= h1;
  h3 ^= h1;
  h4 ^= h1;
  return [h1 >>> 0, h2 >>> 0, h3 >>> 0, h4 >>> 0];
}

/** The seed text of an execution: its instance id, execution id and start time. */
export function executionSeed(instanceId: string, executionId: number, startedAtMs: number): string {
  return `durox:${instanceId}\u0000${executionId}\u0000${startedAtMs}`;
}

const TWO_POW_26 = 67_108_864;
const TWO_POW_53 = 9_007_199_254_740_992;

function hex8(word: number): string {
  return (word >>> 0).toString(16).padStart(8, '0');
}

/** sfc32 over a seed text: 32-bit words, doubles in [0, 1) and version-4 UUIDs. */
export class SeededRandom {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: string) {
    [this.a, this.b, this.c, this.d] = hash128(seed);
    // Mix the state before the first value is used.
    for (let i = 0; i < 15; i++) this.nextUint32();
  }

  /** The next unsigned 32-bit word. */
  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** A double in [0, 1) with 53 random bits, like `Math.random()` (two words). */
  nextDouble(): number {
    const high = this.nextUint32() >>> 5; // 27 bits
    const low = this.nextUint32() >>> 6; // 26 bits
    return (high * TWO_POW_26 + low) / TWO_POW_53;
  }

  /** A version-4 UUID in the canonical lowercase form, like `crypto.randomUUID()` (four words). */
  nextUuid(): string {
    const w0 = this.nextUint32();
    const w1 = ((this.nextUint32() & 0xffff0fff) | 0x00004000) >>> 0; // version 4
    const w2 = ((this.nextUint32() & 0x3fffffff) | 0x80000000) >>> 0; // variant 10xx
    const w3 = this.nextUint32();
    const h1 = hex8(w1);
    const h2 = hex8(w2);
    return `${hex8(w0)}-${h1.slice(0, 4)}-${h1.slice(4)}-${h2.slice(0, 4)}-${h2.slice(4)}${hex8(w3)}`;
  }
}
