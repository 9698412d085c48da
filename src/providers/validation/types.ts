/**
 * Types of the provider conformance suite: what a provider author hands in (a factory) and what
 * the suite hands back (framework-agnostic cases).
 */
import type { Provider } from '../../core/provider.js';

/** The behaviour categories of the suite, after duroxide's provider validation (§5.3). */
export const VALIDATION_CATEGORIES = [
  'atomicity',
  'instance-locking',
  'lock-expiry',
  'queue-semantics',
  'poison',
  'multi-execution',
  'instance-creation',
  'management',
  'deletion',
  'prune',
  'custom-status',
  'kv',
  'sessions',
  'tags',
  'worker-filters',
  'wake-ups',
  'cancellation',
  'capabilities',
] as const;

/** One of {@link VALIDATION_CATEGORIES}. */
export type ValidationCategory = (typeof VALIDATION_CATEGORIES)[number];

/** Opens providers for the suite. */
export interface ProviderFactory {
  /** Opens a provider on a fresh, empty store (one per test case). */
  create(): Promise<Provider>;
  /** Called after each case (close the provider, drop the schema, delete the file …). Default: provider.close(). */
  destroy?(provider: Provider): Promise<void>;
  /**
   * Opens a second provider on the SAME store as `provider` (another process's view of it).
   * Cases that need one (cross-provider wake-ups) are not registered without it. The suite
   * closes peers itself, before `destroy` of the provider they were opened for.
   */
  openPeer?(provider: Provider): Promise<Provider>;
}

/** One conformance check. `run` opens its own provider(s) from the factory and cleans up. */
export interface ValidationCase {
  category: ValidationCategory;
  name: string;
  /** The case needs `factory.openPeer`. */
  requiresPeer?: boolean;
  run(factory: ProviderFactory): Promise<void>;
}
