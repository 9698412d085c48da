/**
 * What every query function receives: the schema it works on (raw and quoted), the prefix of
 * its prepared-statement names, the provider's origin tag for NOTIFY payloads, and the compiled
 * options. Query functions take a connection (`Db`) from the caller, which owns checkout,
 * release and retries.
 */
import type pg from 'pg';
import type { CompiledPostgresOptions } from '../postgres-options.js';

export interface QueryContext {
  /** The schema name as given. */
  readonly schema: string;
  /** The schema as a quoted identifier, safe to splice into SQL text. */
  readonly quotedSchema: string;
  /** Prefix of prepared-statement names; differs per schema (see schema-name.ts). */
  readonly statementPrefix: string;
  /** Tags this provider's NOTIFYs so its own listener can skip them. */
  readonly origin: string;
  readonly options: CompiledPostgresOptions;
}

/** A connection to run one statement on. */
export type Db = Pick<pg.ClientBase, 'query'>;

/** A named (prepared-once-per-connection) statement. */
export interface Statement {
  readonly name: string;
  readonly text: string;
}

const statements = new WeakMap<QueryContext, Map<string, Statement>>();

/**
 * The prepared statement `name` of this context, built once from the quoted schema. Named
 * statements are parsed and planned once per connection, then only bound and executed.
 */
export function statement(ctx: QueryContext, name: string, build: (schema: string) => string): Statement {
  let byName = statements.get(ctx);
  if (byName === undefined) {
    byName = new Map();
    statements.set(ctx, byName);
  }
  let found = byName.get(name);
  if (found === undefined) {
    found = Object.freeze({ name: `${ctx.statementPrefix}${name}`, text: build(ctx.quotedSchema) });
    byName.set(name, found);
  }
  return found;
}

/** Runs a named statement with `values`; returns its rows. */
export async function run<R extends pg.QueryResultRow>(
  db: Db,
  stmt: Statement,
  values: readonly unknown[],
): Promise<pg.QueryResult<R>> {
  return db.query<R>({ name: stmt.name, text: stmt.text, values: values as unknown[] });
}
