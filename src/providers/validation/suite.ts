/**
 * The whole conformance suite and its registration with a test framework.
 */
import { atomicityCases } from './atomicity.js';
import { cancellationCases } from './cancellation.js';
import { capabilityCases } from './capabilities.js';
import { heldTurnCases } from './held-turn-cases.js';
import { customStatusCases } from './custom-status.js';
import { deletionCases } from './deletion.js';
import { endedExecutionCases } from './ended-executions.js';
import { instanceCreationCases } from './instance-creation.js';
import { instanceLockingCases } from './instance-locking.js';
import { kvCases } from './kv.js';
import { lockExpiryCases } from './lock-expiry.js';
import { managementCases } from './management.js';
import { multiExecutionCases } from './multi-execution.js';
import { poisonCases } from './poison.js';
import { pruneCases } from './prune.js';
import { queueSemanticsCases } from './queue-semantics.js';
import { sessionCases } from './sessions.js';
import { tagCases } from './tags.js';
import type { ProviderFactory, ValidationCase, ValidationCategory } from './types.js';
import { wakeUpCases } from './wake-ups.js';
import { workerFilterCases } from './worker-filters.js';

/** Every case, grouped by category in the order of `VALIDATION_CATEGORIES`. */
export const VALIDATION_CASES: readonly ValidationCase[] = Object.freeze([
  ...atomicityCases,
  ...instanceLockingCases,
  ...lockExpiryCases,
  ...queueSemanticsCases,
  ...endedExecutionCases,
  ...poisonCases,
  ...multiExecutionCases,
  ...instanceCreationCases,
  ...managementCases,
  ...deletionCases,
  ...pruneCases,
  ...customStatusCases,
  ...kvCases,
  ...sessionCases,
  ...tagCases,
  ...workerFilterCases,
  ...wakeUpCases,
  ...cancellationCases,
  ...capabilityCases,
  ...heldTurnCases,
]);

/** Which cases `runProviderValidation` registers. */
export interface ValidationOptions {
  /** Only these categories (default: all). */
  categories?: ValidationCategory[];
}

/** The name a case is registered under: `[category] name`. */
export function validationCaseName(validationCase: ValidationCase): string {
  return `[${validationCase.category}] ${validationCase.name}`;
}

/**
 * Registers every case with the caller's test framework, e.g.
 * `runProviderValidation(factory, (name, fn) => it(name, fn))`. Cases that need a second
 * provider on the same store are not registered when the factory has no `openPeer`.
 */
export function runProviderValidation(
  factory: ProviderFactory,
  register: (name: string, fn: () => Promise<void>) => void,
  options: ValidationOptions = {},
): void {
  const categories = options.categories === undefined ? undefined : new Set(options.categories);
  for (const validationCase of VALIDATION_CASES) {
    if (categories !== undefined && !categories.has(validationCase.category)) continue;
    // Skipped: the factory has no openPeer.
    if (validationCase.requiresPeer === true && factory.openPeer === undefined) continue;
    register(validationCaseName(validationCase), () => validationCase.run(factory));
  }
}
