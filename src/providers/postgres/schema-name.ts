/**
 * Schema names. Any name PostgreSQL accepts works, including hostile ones (quotes, semicolons,
 * dollar signs): it only ever reaches SQL text as a quoted identifier, and everything derived
 * from it (statement names, the NOTIFY channel, advisory-lock keys) is a digest.
 */
import { createHash } from 'node:crypto';
import { InvalidInputError } from '../../core/errors.js';

/** PostgreSQL truncates identifiers longer than this many bytes (NAMEDATALEN - 1). */
const MAX_IDENTIFIER_BYTES = 63;

/** Rejects names PostgreSQL would truncate or cannot store. */
export function validateSchemaName(schema: unknown): string {
  if (typeof schema !== 'string' || schema.length === 0) {
    throw new InvalidInputError('schema must be a non-empty string');
  }
  if (schema.includes('\0')) throw new InvalidInputError('schema must not contain NUL characters');
  const bytes = Buffer.byteLength(schema, 'utf8');
  if (bytes > MAX_IDENTIFIER_BYTES) {
    throw new InvalidInputError(
      `schema must be at most ${MAX_IDENTIFIER_BYTES} bytes (UTF-8) long; got ${bytes}`,
    );
  }
  return schema;
}

/** The name as a quoted SQL identifier: `my"schema` → `"my""schema"`. */
export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * Prefix of the prepared-statement names of one schema. Statements are cached per connection by
 * name, so the name must differ between schemas; a digest keeps it short for any schema name.
 */
export function statementPrefix(schema: string): string {
  return `durox_${createHash('sha256').update(schema, 'utf8').digest('hex').slice(0, 16)}_`;
}
