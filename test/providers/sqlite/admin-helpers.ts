/**
 * Builders for the management tests (shared with the PostgreSQL tests, see
 * test/providers/shared/admin-helpers.ts).
 */
export * from '../shared/admin-helpers.js';
