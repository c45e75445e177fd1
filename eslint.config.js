// @ts-check
import js from '@eslint/js'
import tseslint from 'typescript-eslint'
import globals from 'globals'

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'packages/*/bin/**'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname }
    },
    rules: {
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/explicit-module-boundary-types': 'error'
    }
  },
  {
    files: ['**/*.test.ts', '**/test/**/*.ts', 'tests/**/*.ts'],
    rules: {
      // node:test's describe/it return promises that the runner awaits itself
      '@typescript-eslint/no-floating-promises': 'off'
    }
  },
  {
    // plain JavaScript: the demo page (browser) and build scripts (Node)
    files: ['eslint.config.js', '**/*.mjs', 'packages/browser/demo/**/*.js'],
    ...tseslint.configs.disableTypeChecked
  },
  { files: ['**/*.mjs'], languageOptions: { globals: globals.node } },
  { files: ['packages/browser/demo/**/*.js'], languageOptions: { globals: globals.browser, sourceType: 'script' } }
)
