/**
 * Store selection and opening, the same for every command:
 * `--store <url>` > env `DUROX_STORE` > the default SQLite file `~/.durox/durox.db`.
 *
 * URLs: `sqlite:<path>`, `sqlite::memory:`, `postgres://…` / `postgresql://…` (plus `--schema`).
 * The PostgreSQL provider is imported only when a postgres URL is given.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { isDuroxError } from '../core/errors.js';
import { assertNever } from '../core/exhaustive.js';
import type { Provider, RecommendedRuntimeOptions } from '../core/provider.js';
import { POSTGRES_RECOMMENDED_OPTIONS } from '../providers/postgres/recommended.js';
import { SQLITE_RECOMMENDED_OPTIONS } from '../providers/sqlite/recommended.js';
import { SqliteProvider } from '../providers/sqlite/sqlite-provider.js';
import { CliError, messageOf, usageError } from './errors.js';

/** Where a command's store is, and how it was chosen. */
export interface StoreSelection {
  kind: 'sqlite' | 'postgres';
  /** The URL as given (or the default), with a leading `~` of a SQLite path expanded. */
  url: string;
  source: 'flag' | 'env' | 'default';
  /** PostgreSQL schema (`--schema`). */
  schema?: string;
}

/** The default store: `sqlite:~/.durox/durox.db`. */
export function defaultStoreUrl(): string {
  return `sqlite:${join(homedir(), '.durox', 'durox.db')}`;
}

/** `sqlite:~/x` → `sqlite:<home>/x` (`~` alone or followed by a separator; `~user` stays). */
function expandHome(url: string): string {
  const path = url.slice('sqlite:'.length);
  return /^~(?=$|[/\\])/.test(path) ? `sqlite:${homedir()}${path.slice(1)}` : url;
}

/** The URL with any password replaced by `***` (for messages). */
export function redactUrl(url: string): string {
  return url.replace(/^(postgres(?:ql)?:\/\/[^:/@]*:)[^@]*@/i, '$1***@');
}

/**
 * Chooses the store. `flagValue` already includes `DUROX_STORE` (oclif reads the env var for the
 * flag); `envValue` tells the two apart for messages.
 */
export function selectStore(
  flagValue: string | undefined,
  envValue: string | undefined,
  schema: string | undefined,
): StoreSelection {
  const url = flagValue?.trim() || defaultStoreUrl();
  const source = !flagValue?.trim() ? 'default' : flagValue === envValue ? 'env' : 'flag';
  let kind: StoreSelection['kind'];
  if (/^postgres(ql)?:\/\//i.test(url)) kind = 'postgres';
  else if (url.startsWith('sqlite:')) kind = 'sqlite';
  else {
    throw usageError(
      `unsupported store URL "${redactUrl(url)}"${source === 'env' ? ' (from DUROX_STORE)' : ''}`,
      'use sqlite:<path>, sqlite::memory: or postgres://user:password@host:port/database',
    );
  }
  // Shells do not expand `~` inside `sqlite:~/…` (nor in env values): do it here, as the help
  // text spells the default that way.
  const expanded = kind === 'sqlite' ? expandHome(url) : url;
  if (schema !== undefined) {
    if (kind !== 'postgres') throw usageError('--schema applies to PostgreSQL stores only');
    if (schema.trim() === '' || schema.length > 63) {
      throw usageError(`--schema "${schema}" must be 1 to 63 characters`);
    }
  }
  return { kind, url: expanded, source, ...(schema === undefined ? {} : { schema }) };
}

const CONNECT_TIMEOUT_MS = 15_000;

/** Network errors that mean "cannot reach the database". */
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  '57P03', // cannot_connect_now
  '3D000', // database does not exist
  '28P01', // invalid password
  '28000', // invalid authorization
]);

function errorCode(err: unknown): string | undefined {
  for (let e: unknown = err; e; e = (e as { cause?: unknown }).cause) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && UNREACHABLE_CODES.has(code)) return code;
    if (e instanceof AggregateError) {
      for (const inner of e.errors) {
        const c = errorCode(inner);
        if (c) return c;
      }
    }
  }
  return undefined;
}

interface PostgresModule {
  PostgresProvider: {
    connect(url: string): Promise<Provider>;
    connectWithSchema(url: string, schema: string): Promise<Provider>;
  };
}

async function loadPostgres(): Promise<PostgresModule> {
  // A variable specifier keeps this build independent of the provider's presence.
  const candidates = ['../providers/postgres/index.js', '../index.js'];
  for (const specifier of candidates) {
    try {
      const mod = (await import(specifier)) as Partial<PostgresModule>;
      if (mod.PostgresProvider) return mod as PostgresModule;
    } catch (err) {
      if ((err as { code?: string }).code !== 'ERR_MODULE_NOT_FOUND') throw err;
    }
  }
  throw new CliError('STORE_UNREACHABLE', 'PostgreSQL support is not available in this build of durox', {
    hint: 'use a sqlite: store, or upgrade durox',
  });
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(Object.assign(new Error(`${what} timed out after ${ms} ms`), { code: 'ETIMEDOUT' })),
      ms,
    );
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Opens the selected store; failures become exit code 2 (bad URL) or 10 (unreachable). */
export async function openStore(selection: StoreSelection): Promise<Provider> {
  const shown = redactUrl(selection.url);
  try {
    if (selection.kind === 'sqlite') return await SqliteProvider.open(selection.url);
    const { PostgresProvider } = await loadPostgres();
    const connecting =
      selection.schema === undefined
        ? PostgresProvider.connect(selection.url)
        : PostgresProvider.connectWithSchema(selection.url, selection.schema);
    return await withTimeout(connecting, CONNECT_TIMEOUT_MS, `connecting to ${shown}`);
  } catch (err) {
    if (err instanceof CliError) throw err;
    if (isDuroxError(err, 'INVALID_INPUT')) throw usageError(`store "${shown}": ${messageOf(err)}`);
    if (isDuroxError(err, 'SCHEMA_TOO_NEW') || isDuroxError(err, 'MISSING_DEPENDENCY')) throw err;
    if (err instanceof TypeError && /invalid url/i.test(err.message)) {
      throw usageError(`store URL "${shown}" is not a valid URL`);
    }
    const code = errorCode(err);
    throw new CliError(
      'STORE_UNREACHABLE',
      `cannot open store ${shown}: ${messageOf(err)}${code && !messageOf(err).includes(code) ? ` (${code})` : ''}`,
      { cause: err },
    );
  }
}

/**
 * What a store of this kind recommends for the runtime options a command's flags leave unset
 * (the provider's `recommendedRuntimeOptions`, read without opening the store).
 */
export function recommendedOptionsOf(kind: StoreSelection['kind']): RecommendedRuntimeOptions {
  switch (kind) {
    case 'sqlite':
      return { ...SQLITE_RECOMMENDED_OPTIONS };
    case 'postgres':
      return { ...POSTGRES_RECOMMENDED_OPTIONS };
    default:
      return assertNever(kind);
  }
}
