// One flat config for the whole workspace. The module-boundary rule keeps Nx's arrows one way:
// web -> contracts; widget -> contracts; metrics -> contracts; server -> contracts, adapters, metrics, fakes (tests only);
// adapters -> contracts, fakes (specs only). `no-restricted-imports` keeps fakes out of production code.
import js from '@eslint/js';
import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/.angular/**', '**/.nx/**', '**/.onebox/**', 'test-results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    files: ['**/*.ts'],
    plugins: { '@nx': nx },
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: [
            { sourceTag: 'type:contracts', onlyDependOnLibsWithTags: [] },
            { sourceTag: 'scope:web', onlyDependOnLibsWithTags: ['type:contracts'] },
            { sourceTag: 'scope:widget', onlyDependOnLibsWithTags: ['type:contracts'] },
            { sourceTag: 'type:adapters', onlyDependOnLibsWithTags: ['type:contracts', 'type:fakes'] },
            { sourceTag: 'type:fakes', onlyDependOnLibsWithTags: [] },
            { sourceTag: 'type:metrics', onlyDependOnLibsWithTags: ['type:contracts'] },
            {
              sourceTag: 'scope:server',
              onlyDependOnLibsWithTags: ['type:contracts', 'type:adapters', 'type:metrics', 'type:fakes'],
            },
          ],
        },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Fakes serve tests, the demo and the bench: production code never imports them.
    files: ['server/src/**/*.ts', 'libs/channels/src/**/*.ts', 'libs/crm/src/**/*.ts'],
    ignores: ['**/*.spec.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: [{ name: '@onebox/fakes', message: 'Fakes are for tests, the demo and the bench only.' }] },
      ],
    },
  },
  {
    files: ['**/*.mjs', '**/*.js', '**/*.cjs'],
    languageOptions: { globals: { ...globals.node } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
