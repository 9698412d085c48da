/**
 * Runs a case body on a fresh provider and always cleans up: peers first, then the provider
 * through the factory's `destroy` (default `close`).
 */
import type { Provider } from '../../core/provider.js';
import type { ProviderFactory, ValidationCase, ValidationCategory } from './types.js';

/** What a case body gets besides its provider. */
export interface CaseEnv {
  factory: ProviderFactory;
  /** Whether `openPeer` works (the factory has `openPeer`). */
  hasPeer: boolean;
  /** Another provider on the same store; closed by the harness after the case. */
  openPeer(): Promise<Provider>;
}

export type CaseBody = (provider: Provider, env: CaseEnv) => Promise<void>;

/** Defines cases of one category. */
export type CaseDefiner = (
  name: string,
  body: CaseBody,
  options?: { requiresPeer?: boolean },
) => ValidationCase;

/** Opens a provider, runs `body`, and releases everything it opened, even when `body` fails. */
export async function withProvider(factory: ProviderFactory, body: CaseBody): Promise<void> {
  const provider = await factory.create();
  const peers: Provider[] = [];
  const env: CaseEnv = {
    factory,
    hasPeer: factory.openPeer !== undefined,
    async openPeer() {
      if (factory.openPeer === undefined) throw new Error('this case needs factory.openPeer');
      const peer = await factory.openPeer(provider);
      peers.push(peer);
      return peer;
    },
  };
  let failure: unknown;
  let failed = false;
  try {
    await body(provider, env);
  } catch (err) {
    failed = true;
    failure = err;
  }
  const cleanup: unknown[] = [];
  for (const peer of peers.reverse()) {
    try {
      await peer.close();
    } catch (err) {
      cleanup.push(err);
    }
  }
  try {
    await (factory.destroy ? factory.destroy(provider) : provider.close());
  } catch (err) {
    cleanup.push(err);
  }
  if (failed) throw failure;
  if (cleanup.length > 0) throw cleanup[0];
}

/** Returns a definer that tags cases with `category` and runs them through `withProvider`. */
export function casesOf(category: ValidationCategory): CaseDefiner {
  return (name, body, options = {}) => ({
    category,
    name,
    ...(options.requiresPeer === true ? { requiresPeer: true } : {}),
    run: (factory) => withProvider(factory, body),
  });
}
