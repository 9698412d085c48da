/**
 * The compiled metadata migrations match their .sql sources (DUROX_WRITE_MIGRATIONS=1 rewrites
 * them). The committed modules are prettier-formatted (the repository's `prettier --check .`
 * covers them), so both sides are compared formatted.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import * as prettier from 'prettier';
import { describe, expect, it } from 'vitest';
import { generatedPath, metadataMigrationDirs, renderMigrations } from './helpers/migrations.js';

async function formatted(source: string, filepath: string): Promise<string> {
  const config = (await prettier.resolveConfig(filepath)) ?? {};
  return prettier.format(source, { ...config, filepath });
}

describe('toygres metadata migrations', () => {
  for (const dir of metadataMigrationDirs()) {
    it(`${dir.split('/').slice(-2, -1)[0]}: generated module is current`, async () => {
      const target = generatedPath(dir);
      const content = await formatted(renderMigrations(dir), target);
      if (process.env.DUROX_WRITE_MIGRATIONS === '1') {
        mkdirSync(dirname(target), { recursive: true });
        writeFileSync(target, content);
      }
      expect(existsSync(target)).toBe(true);
      expect(readFileSync(target, 'utf8')).toBe(content);
    });
  }
});
