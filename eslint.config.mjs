import nx from '@nx/eslint-plugin';

// Native packages stay inside the project that owns them (docs/architecture.md, "Dependency rules").
const ONNX = 'onnxruntime-node';
const SQL_DRIVER = '@databricks/sql';
const DUCKDB = ['@duckdb/node-api', '@duckdb/node-bindings', 'duckdb'];
const banned = (...allowed) =>
  [ONNX, SQL_DRIVER, ...DUCKDB].filter((name) => !allowed.includes(name));

/** The architecture's dependency rules, one constraint per tag. */
export const depConstraints = [
  { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:lib'], bannedExternalImports: banned() },
  { sourceTag: 'type:lib', onlyDependOnLibsWithTags: ['type:lib'] },
  { sourceTag: 'type:tool', onlyDependOnLibsWithTags: ['type:lib', 'type:tool'] },
  { sourceTag: 'scope:core', onlyDependOnLibsWithTags: ['scope:none'], bannedExternalImports: banned() },
  { sourceTag: 'scope:transactions', onlyDependOnLibsWithTags: ['scope:core'], bannedExternalImports: banned(...DUCKDB) },
  { sourceTag: 'scope:features', onlyDependOnLibsWithTags: ['scope:core', 'scope:transactions'], bannedExternalImports: banned(...DUCKDB) },
  { sourceTag: 'scope:modeling', onlyDependOnLibsWithTags: ['scope:core'], bannedExternalImports: banned(ONNX) },
  { sourceTag: 'scope:evaluation', onlyDependOnLibsWithTags: ['scope:core'], bannedExternalImports: banned() },
  { sourceTag: 'scope:databricks', onlyDependOnLibsWithTags: ['scope:core'], bannedExternalImports: banned(SQL_DRIVER) },
  { sourceTag: 'scope:registry', onlyDependOnLibsWithTags: ['scope:core', 'scope:databricks'], bannedExternalImports: banned() },
  // The CLI kit maps every library's error root to an exit code: it imports the closed code unions as types
  // (erased at build time) and receives the classes from the app, so at run time it loads no workspace lib.
  {
    sourceTag: 'scope:cli',
    onlyDependOnLibsWithTags: [
      'scope:core',
      'scope:transactions',
      'scope:features',
      'scope:modeling',
      'scope:evaluation',
      'scope:registry',
    ],
    bannedExternalImports: banned(),
  },
];

export default [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  ...nx.configs['flat/javascript'],
  { ignores: ['**/dist', '**/out-tsc', '**/test-output', '**/coverage', '**/fixtures/**/*.js'] },
  {
    files: ['**/*.ts', '**/*.tsx', '**/*.js', '**/*.jsx', '**/*.mjs', '**/*.cjs', '**/*.cts', '**/*.mts'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: true,
          // the shared root configs every project's eslint.config.mjs / jest.config.cts builds on
          allow: ['^.*/eslint(\\.base)?\\.config\\.[cm]?[jt]s$', '^.*/jest\\.project\\.cjs$'],
          depConstraints,
        },
      ],
    },
  },
  {
    files: ['**/*.ts', '**/*.cts', '**/*.mts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
];
