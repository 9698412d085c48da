import { defineConfig } from 'vitest/config';

// Only the example: the repository's own configuration runs test/.
export default defineConfig({ test: { include: ['examples/testing/*.test.mjs'] } });
