/**
 * Builders and small utilities for the PostgreSQL provider tests (schemas, providers and raw
 * connections come from test/helpers/postgres.ts; the builders are shared with the SQLite tests).
 */
export * from '../shared/builders.js';
