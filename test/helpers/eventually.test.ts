import { describe, expect, it } from 'vitest';
import { eventually } from './eventually.js';

describe('eventually', () => {
  it('returns the first truthy value of the check', async () => {
    let calls = 0;
    expect(await eventually(() => ++calls >= 3 && { calls })).toEqual({ calls: 3 });
  });

  it('fails with what was awaited and what the check last returned', async () => {
    await expect(eventually(() => 0, { what: 'the answer', timeoutMs: 30 })).rejects.toThrow(
      /timed out after 30 ms waiting for the answer \(last check returned 0\)/,
    );
    await expect(eventually(() => null, { what: () => 'a described state', timeoutMs: 0 })).rejects.toThrow(
      /waiting for a described state/,
    );
  });

  it('names the check by its source when not told what it waits for', async () => {
    const answer = 41;
    await expect(eventually(() => answer > 41, 20)).rejects.toThrow(/waiting for \(\) => answer > 41 \(last/);
  });

  it('lets a throwing check fail at once', async () => {
    const started = Date.now();
    await expect(
      eventually(() => {
        throw new Error('broken check');
      }),
    ).rejects.toThrow('broken check');
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
