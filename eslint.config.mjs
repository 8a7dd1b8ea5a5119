// ESLint for the project's own TypeScript: typescript-eslint's recommended rules, and the type-aware rules
// about promises (this project finds floating promises in other people's code; its own has none).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      '**/out/**',
      '**/node_modules/**',
      'test/fixtures/**',
      'test/conformance/apps/**',
      'test/e2e/.tools/**',
      'bench/.corpora/**',
      'bench/.tools/**',
      'bench/app/**',
      'examples/**',
      '.vscode-test/**',
      '.scratch/**',
      '**/*.d.ts',
      '**/*.js',
      '**/*.mjs',
      '**/*.cjs',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // node:test's describe/it return promises the runner itself awaits.
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite', 'before', 'after', 'beforeEach', 'afterEach'] },
          ],
        },
      ],
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false, attributes: false } }],
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // `namespace X { export const method }` declares a protocol message with its types, as vscode-languageserver-protocol does.
      '@typescript-eslint/no-namespace': 'off',
      // A handle assigned after the closure that reads it is created cannot be a const.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
    },
  },
  {
    // The runtime wraps functions whose signatures it cannot know (Node's timers, `listen`, emitters, the app's
    // own exports) and forwards the `this` they were called with.
    files: ['runtime/src/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-function-type': 'off',
      '@typescript-eslint/no-this-alias': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
  {
    // Tests read the JSON a fixture app answers and the globals its modules set: untyped by nature.
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // The server talks over stdout and the runtime shares the app's console: both log through their own channels.
    files: ['server/src/**/*.ts', 'runtime/src/**/*.ts'],
    rules: { 'no-console': 'error' },
  },
);
