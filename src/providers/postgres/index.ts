/**
 * The PostgreSQL provider's public surface.
 */
export { PostgresProvider } from './postgres-provider.js';
export type { PostgresProviderOptions } from './postgres-options.js';
