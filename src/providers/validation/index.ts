/**
 * The provider conformance suite: framework-agnostic cases any `Provider` implementation must
 * pass, after duroxide's provider validation tests.
 *
 * @example
 * // In a vitest file of your provider:
 * runProviderValidation({ create: () => MyProvider.open(freshStore()) }, (name, fn) => it(name, fn));
 */
export {
  VALIDATION_CASES,
  runProviderValidation,
  validationCaseName,
  type ValidationOptions,
} from './suite.js';
export {
  VALIDATION_CATEGORIES,
  type ProviderFactory,
  type ValidationCase,
  type ValidationCategory,
} from './types.js';
export { withProvider, type CaseBody, type CaseEnv } from './harness.js';
