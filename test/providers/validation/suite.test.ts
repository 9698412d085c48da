/**
 * The conformance suite itself: names, categories and registration rules.
 */
import { describe, expect, it } from 'vitest';
import type { Provider } from '../../../src/core/provider.js';
import {
  VALIDATION_CASES,
  VALIDATION_CATEGORIES,
  runProviderValidation,
  validationCaseName,
  withProvider,
  type ProviderFactory,
} from '../../../src/providers/validation/index.js';

/** A factory whose providers only record that they were closed. */
function fakeFactory(withPeer: boolean): { factory: ProviderFactory; closed: string[] } {
  const closed: string[] = [];
  const fake = (name: string): Provider => ({ name, close: async () => void closed.push(name) }) as Provider;
  const factory: ProviderFactory = { create: async () => fake('main') };
  if (withPeer) factory.openPeer = async () => fake('peer');
  return { factory, closed };
}

describe('VALIDATION_CASES', () => {
  it('has unique names and cases in every category', () => {
    const names = VALIDATION_CASES.map(validationCaseName);
    expect(new Set(names).size).toBe(names.length);
    for (const category of VALIDATION_CATEGORIES) {
      expect(VALIDATION_CASES.filter((c) => c.category === category).length).toBeGreaterThan(0);
    }
  });
});

describe('runProviderValidation', () => {
  it('registers every case, or only the chosen categories', () => {
    const all: string[] = [];
    runProviderValidation(fakeFactory(true).factory, (name) => all.push(name));
    expect(all).toEqual(VALIDATION_CASES.map(validationCaseName));
    const kv: string[] = [];
    runProviderValidation(fakeFactory(true).factory, (name) => kv.push(name), { categories: ['kv'] });
    expect(kv.length).toBe(VALIDATION_CASES.filter((c) => c.category === 'kv').length);
    expect(kv.every((name) => name.startsWith('[kv] '))).toBe(true);
  });

  it('leaves out cases that need a peer when the factory cannot open one', () => {
    const names: string[] = [];
    runProviderValidation(fakeFactory(false).factory, (name) => names.push(name));
    const needPeer = VALIDATION_CASES.filter((c) => c.requiresPeer === true);
    expect(needPeer.length).toBeGreaterThan(0);
    expect(names.length).toBe(VALIDATION_CASES.length - needPeer.length);
  });
});

describe('withProvider', () => {
  it('closes peers, then the provider, and keeps the case failure', async () => {
    const { factory, closed } = fakeFactory(true);
    const failure = new Error('case failed');
    await expect(
      withProvider(factory, async (_provider, env) => {
        await env.openPeer();
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(closed).toEqual(['peer', 'main']);
  });

  it('uses the factory destroy when given', async () => {
    const { factory, closed } = fakeFactory(false);
    const destroyed: string[] = [];
    factory.destroy = async (provider) => void destroyed.push(provider.name);
    await withProvider(factory, async () => undefined);
    expect(destroyed).toEqual(['main']);
    expect(closed).toEqual([]);
  });
});
