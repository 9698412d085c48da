/**
 * The token stores on SQLite and PostgreSQL (a fresh schema whose name needs quoting): migrations
 * empty → latest and re-run as a no-op, create / verify / revoke, one live token per name, no
 * secret stored.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestSchema, dropAfterFile, pgUrl } from '../helpers/postgres.js';
import { openTokenStore } from '../../src/server/tokens/open.js';
import { createToken, scopeAllows, verifyToken } from '../../src/server/tokens/token-store.js';
import type { TokenStore } from '../../src/server/tokens/token-store.js';
import { secretOf } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'durox-tokens-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const stores: Array<[string, () => Promise<TokenStore>]> = [
  ['sqlite', () => openTokenStore(`sqlite:${join(dir, 'tokens.db')}`)],
  [
    'postgres',
    (() => {
      const schema = dropAfterFile(createTestSchema('tokens-Test_'));
      return () => openTokenStore(pgUrl(), schema);
    })(),
  ],
];

describe.each(stores)('token store on %s', (_kind, open) => {
  it('creates, verifies, refuses a duplicate live name, revokes', async () => {
    const store = await open();
    const again = await open(); // migrations re-run: a no-op
    try {
      const created = (await createToken(store, 'ci', 'write'))!;
      expect(created.token).toMatch(/^durox_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
      expect(await createToken(again, 'ci', 'read')).toBeNull();
      expect(await verifyToken(again, created.token)).toMatchObject({
        id: created.id,
        name: 'ci',
        scope: 'write',
      });
      const last = created.token.at(-1) === 'A' ? 'B' : 'A';
      expect(await verifyToken(store, `${created.token.slice(0, -1)}${last}`)).toBeNull();
      expect(await verifyToken(store, 'durox_000000000000_' + 'A'.repeat(43))).toBeNull();
      const row = (await store.find(created.id))!;
      expect(row.hash.length).toBe(32);
      expect(row.hash.toString('latin1')).not.toContain(secretOf(created.token));
      await store.touch(created.id, 123);
      expect((await store.find(created.id))!.lastUsedAt).toBe(123);
      expect(await store.revoke('ci', 456)).toMatchObject({ id: created.id, revokedAt: 456 });
      expect(await verifyToken(store, created.token)).toBeNull();
      expect(await store.revoke(created.id, 789)).toBeNull();
      expect(await store.list(false)).toEqual([]);
      expect(await store.list(true)).toHaveLength(1);
      // The name is free again once revoked.
      expect(await createToken(store, 'ci', 'admin')).not.toBeNull();
    } finally {
      await store.close();
      await again.close();
    }
  });
});

it('scopes are ordered read < write < admin', () => {
  expect(scopeAllows('admin', 'write')).toBe(true);
  expect(scopeAllows('write', 'write')).toBe(true);
  expect(scopeAllows('read', 'write')).toBe(false);
  expect(scopeAllows('write', 'admin')).toBe(false);
});
