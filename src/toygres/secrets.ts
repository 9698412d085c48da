/**
 * Passwords: generated, kept in the metadata store's secret table (never in orchestration
 * inputs, history or logs), and shown masked in connection strings unless asked for.
 */
import { randomBytes } from 'node:crypto';
import type { ConnectionInfo } from './metadata/store.js';

export const MASK = '********';

/** A random 24-character password (letters, digits, '-' and '_'). */
export function generatePassword(): string {
  return randomBytes(18).toString('base64url');
}

/**
 * `postgresql://user:password@host:port/database` with the password URL-encoded, or masked when
 * `password` is null.
 */
export function connectionString(connection: ConnectionInfo, password: string | null): string {
  const host = connection.dnsName ?? connection.externalIp ?? connection.host;
  const secret = password === null ? MASK : encodeURIComponent(password);
  return `postgresql://${encodeURIComponent(connection.user)}:${secret}@${host}:${connection.port}/${encodeURIComponent(connection.database)}`;
}

/** Replaces every occurrence of `secret` in `text` (for error messages that might echo it). */
export function redact(text: string, secret: string | null | undefined): string {
  if (!secret) return text;
  return text.split(secret).join(MASK);
}
