// @ts-check
import tseslint from 'typescript-eslint';
import importX, { createNodeResolver } from 'eslint-plugin-import-x';

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'coverage/**',
      '**/generated/**',
      'vitest.config.ts',
      // Type-checked by its own test with tsc against the built package, outside tsconfig.json.
      'test/fixtures/custom-provider/**',
      // Type tests and the typed example: compiled against the built package by
      // test/types/typed-api.test.ts (test/types/tsconfig.json).
      'test/types/fixtures/**',
      'examples/**/*.ts',
    ],
  },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.tsx'],
    languageOptions: {
      parserOptions: { project: './tsconfig.json', tsconfigRootDir: import.meta.dirname },
    },
    plugins: { 'import-x': importX },
    settings: {
      // Sources import `./x.js` for `./x.ts` (NodeNext); resolve that like tsc does, so the
      // import rules below see every edge.
      'import-x/resolver-next': [
        createNodeResolver({
          extensions: ['.ts', '.tsx', '.js', '.mjs', '.json', '.node'],
          extensionAlias: { '.js': ['.ts', '.tsx', '.js'] },
        }),
      ],
    },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'off',
      'import-x/no-cycle': 'error',
    },
  },
  {
    files: ['src/**/*.ts', 'src/**/*.tsx'],
    rules: {
      '@typescript-eslint/explicit-module-boundary-types': 'error',
      // Concept-sized modules (docs/architecture.md); generated migration modules are ignored above.
      'max-lines': ['error', { max: 600 }],
    },
  },
  {
    // Layers point downwards (docs/architecture.md): core imports nothing else of durox; engine
    // and providers import core and never each other; nothing below the applications (CLI,
    // commands, TUI, toygres) or the public entries (src/index.ts, src/testing/) imports them;
    // toygres uses the public API only; the TUI reads through Client.
    files: ['src/**/*.ts', 'src/**/*.tsx'],
    rules: {
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            {
              target: './src/core',
              from: './src',
              except: ['./core'],
              message: 'core depends on nothing else of durox.',
            },
            {
              target: './src/engine',
              from: './src/providers',
              message: 'The engine depends on the provider contract in src/core only.',
            },
            {
              target: './src/providers',
              from: './src/engine',
              message: 'Providers depend on src/core only, never on the engine.',
            },
            {
              target: ['./src/core', './src/engine', './src/providers'],
              from: [
                './src/cli',
                './src/commands',
                './src/server',
                './src/tui',
                './src/toygres',
                './src/testing',
                './src/index.ts',
              ],
              message: 'Libraries never import the applications built on them (or the public entries).',
            },
            {
              target: './src/testing',
              from: ['./src/cli', './src/commands', './src/server', './src/tui', './src/toygres'],
              message:
                'durox/testing is a public entry: it builds on the library layers, not on applications.',
            },
            {
              target: './src/server',
              from: ['./src/commands', './src/tui'],
              message:
                'The HTTP API shares src/cli helpers; commands and the TUI build on it, not the reverse.',
            },
            {
              target: './src/tui',
              from: ['./src/providers', './src/commands'],
              message: 'The TUI reads the store through Client.',
            },
            {
              target: './src/toygres',
              from: './src',
              except: ['./toygres', './index.ts', './testing/index.ts'],
              message: 'Toygres is an application of the public API: import from src/index.ts.',
            },
          ],
        },
      ],
    },
  },
  {
    // The replay core must stay deterministic: no Node built-ins, no providers or runtime,
    // no clock, randomness or timers.
    files: ['src/engine/replay/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*'], message: 'The replay core may not use Node built-ins.' },
            {
              group: ['**/providers/**', '**/runtime/**', '**/toygres/**', '**/commands/**', '**/tui/**'],
              message: 'The replay core may not import providers, the runtime or anything above it.',
            },
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'Date', message: 'Use the recorded time from history.' },
        { name: 'setTimeout', message: 'Use durable timers.' },
        { name: 'setInterval', message: 'Use durable timers.' },
        { name: 'setImmediate', message: 'The replay core is synchronous.' },
        { name: 'crypto', message: 'Use ctx.newGuid().' },
        { name: 'performance', message: 'The replay core reads no clock.' },
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Math', property: 'random', message: 'Use ctx.newGuid().' },
      ],
    },
  },
);
