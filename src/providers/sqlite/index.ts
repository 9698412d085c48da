/**
 * The SQLite provider's public surface.
 */
export { SqliteProvider } from './sqlite-provider.js';
export type { SqliteProviderOptions } from './sqlite-options.js';
