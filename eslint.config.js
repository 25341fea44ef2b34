import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/', 'coverage/', 'reports/', 'node_modules/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: globals.node },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      eqeqeq: 'error',
      'no-console': 'error',
    },
  },
  {
    // The service's listeners are bound by createService's listen() only, so every instance, in tests
    // too, binds the same way; bench/bare-fastify.mjs is another server, the benchmark's baseline.
    files: ['src/**/*.ts', 'test/**/*.ts', 'test/**/*.mjs'],
    ignores: ['src/service/create-service.ts', 'test/bench/**'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector:
            "CallExpression[callee.property.name='listen'][callee.object.name=/^(app|admin)$/], CallExpression[callee.property.name='listen'][callee.object.property.name=/^(app|admin)$/]",
          message: "Bind the service's listeners through createService's listen() (src/service/create-service.ts).",
        },
      ],
    },
  },
  {
    files: ['scripts/**', 'test/**'],
    rules: { 'no-console': 'off' },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  prettier,
);
