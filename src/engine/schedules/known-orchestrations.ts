/**
 * Which orchestrations the runtimes of this process register, per provider: `createSchedule`
 * accepts an orchestration that a runtime on the same provider object registers, before it
 * looks at the store's worker registry. Held weakly: a closed provider is forgotten.
 */
import type { Provider } from '../../core/provider.js';

/** Whether a runtime registers `name` (at `version`, or any version when undefined). */
export type RegistryLookup = (name: string, version: string | undefined) => boolean;

const lookups = new WeakMap<Provider, RegistryLookup[]>();

/** Called by every runtime for its provider. */
export function announceLocalRegistry(provider: Provider, lookup: RegistryLookup): void {
  const list = lookups.get(provider) ?? [];
  list.push(lookup);
  lookups.set(provider, list);
}

/** True when a runtime of this process on `provider` registers the orchestration. */
export function registeredLocally(provider: Provider, name: string, version: string | undefined): boolean {
  return (lookups.get(provider) ?? []).some((lookup) => lookup(name, version));
}
