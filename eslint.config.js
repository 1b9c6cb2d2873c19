// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['src/**/*.ts'],
    rules: {
      // stdout is the JSON-RPC channel: only the demo (a separate program) may print to it.
      'no-console': ['error', { allow: ['error', 'warn'] }],
    },
  },
  {
    files: ['src/demo/**/*.ts', 'bench/**/*.js'],
    rules: { 'no-console': 'off' },
  },
  {
    files: ['bench/**/*.js'],
    // Plain Node scripts: the Node globals they use.
    languageOptions: {
      globals: Object.fromEntries(
        [
          'process',
          'console',
          'URL',
          'Buffer',
          'setTimeout',
          'clearTimeout',
          'setImmediate',
          'fetch',
          'FormData',
          'Blob',
        ].map((name) => [name, 'readonly']),
      ),
    },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
);
