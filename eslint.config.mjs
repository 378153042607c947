// `npm run lint` (part of `npm test`): typescript-eslint's recommended rules over the TypeScript
// sources, with the few exceptions this code base needs, each said why.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', '**/*.js', '**/*.mjs', '.vscode-test/**', 'test/vscode/vsix-host/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      // `_name` is how a destructuring leaves a property out on purpose.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true }],
    },
  },
  {
    // The client loads its later bundles (language client, tables, debug adapter) with require()
    // after activation, so activation stays fast (client/lazy.ts); an import would load them at once.
    files: ['client/**/*.ts'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // core/ is the model: no `any` there, whatever a test or the editor glue may need.
    files: ['core/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'error' },
  },
);
