/**
 * docs/tui.md shows the real frames: every capture the screen tests write to `__frames__/`
 * appears in it verbatim (after a change to a screen, copy the new capture into the docs).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const FRAMES = fileURLToPath(new URL('./__frames__/', import.meta.url));
const DOCS = fileURLToPath(new URL('../../docs/tui.md', import.meta.url));

describe('docs/tui.md', () => {
  const docs = readFileSync(DOCS, 'utf8');
  const frames = readdirSync(FRAMES).filter((f) => f.endsWith('.txt'));

  it('has the captures of every screen', () => {
    expect(frames.length).toBeGreaterThanOrEqual(12);
    for (const file of frames) {
      const frame = readFileSync(FRAMES + file, 'utf8').replace(/\n+$/, '');
      expect(docs, `docs/tui.md is missing the current capture ${file}`).toContain(
        `\`\`\`text\n${frame}\n\`\`\``,
      );
    }
  });
});
