// @ts-check
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';

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
    ],
  },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.tsx'],
    languageOptions: {
      parserOptions: { project: './tsconfig.json', tsconfigRootDir: import.meta.dirname },
    },
    plugins: { 'import-x': importX },
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
    rules: { '@typescript-eslint/explicit-module-boundary-types': 'error' },
  },
  {
    // Layers point downwards: the engine never imports concrete providers, toygres, commands or the TUI.
    files: ['src/engine/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                '**/providers/sqlite/**',
                '**/providers/postgres/**',
                '**/toygres/**',
                '**/commands/**',
                '**/tui/**',
              ],
              message: 'The engine depends on the provider interface only.',
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
