// @ts-check
import tseslint from 'typescript-eslint';

// The AWS SDK and age reach our code only through dist/offsite.js (src/core/offsite/lazy.ts): a
// value import anywhere but src/core/offsite/vendor.ts would pull them into the main bundles.
const vendorOnly = { group: ['@aws-sdk/*', 'age-encryption'], allowTypeImports: true, message: 'load the SDK and age through src/core/offsite/lazy.ts (vendor()).' };

const noVscode = {
  paths: [{ name: 'vscode', message: 'src/core and src/cli must not depend on VS Code: keep engine logic editor-free.' }],
  patterns: [{ group: ['vscode/*'], message: 'src/core and src/cli must not depend on VS Code.' }],
};

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'out/**', '.vscode-test/**', 'test/e2e/harness/node_modules/**', 'test/e2e/harness-current/node_modules/**', 'bench/data/**', 'test-output/**', 'test/runtimes/node_modules/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true }],
    },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/core/offsite/vendor.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns: [vendorOnly] }] },
  },
  {
    files: ['src/core/**/*.ts', 'src/cli/**/*.ts'],
    ignores: ['src/core/offsite/vendor.ts'],
    rules: {
      'no-restricted-imports': ['error', noVscode],
      '@typescript-eslint/no-restricted-imports': ['error', { ...noVscode, patterns: [...noVscode.patterns, vendorOnly] }],
    },
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
    languageOptions: { globals: { process: 'readonly', console: 'readonly', require: 'readonly', __dirname: 'readonly', module: 'writable', Buffer: 'readonly', setTimeout: 'readonly' } },
  },
);
