import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

// Native packages stay inside the project that owns them (docs/architecture.md, "Dependency rules").
const ONNX = 'onnxruntime-node';
const SQL_DRIVER = '@databricks/sql';
const DUCKDB = ['@duckdb/node-api', '@duckdb/node-bindings', 'duckdb'];
const VEGA = ['vega', 'vega-lite'];
const banned = (...allowed) => [ONNX, SQL_DRIVER, ...DUCKDB, ...VEGA].filter((name) => !allowed.includes(name));

/** The architecture's dependency rules, one constraint per tag. */
export const depConstraints = [
  { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:lib'], bannedExternalImports: banned() },
  { sourceTag: 'type:lib', onlyDependOnLibsWithTags: ['type:lib'] },
  { sourceTag: 'type:tool', onlyDependOnLibsWithTags: ['type:lib', 'type:tool'] },
  { sourceTag: 'scope:core', onlyDependOnLibsWithTags: ['scope:none'], bannedExternalImports: banned() },
  { sourceTag: 'scope:transactions', onlyDependOnLibsWithTags: ['scope:core'], bannedExternalImports: banned() },
  // Transaction files (Parquet, CSV through DuckDB) apart from the contract and the simulator, for the same reason.
  {
    sourceTag: 'scope:transactions-io',
    onlyDependOnLibsWithTags: ['scope:core', 'scope:transactions'],
    bannedExternalImports: banned(...DUCKDB),
  },
  {
    sourceTag: 'scope:features',
    onlyDependOnLibsWithTags: ['scope:core', 'scope:transactions'],
    bannedExternalImports: banned(),
  },
  // The embedded SQL engine apart from the spec and the online state, so the scoring app's closure has no DuckDB.
  {
    sourceTag: 'scope:features-sql',
    onlyDependOnLibsWithTags: ['scope:core', 'scope:transactions', 'scope:features'],
    bannedExternalImports: banned(...DUCKDB),
  },
  { sourceTag: 'scope:modeling', onlyDependOnLibsWithTags: ['scope:core'], bannedExternalImports: banned(ONNX) },
  { sourceTag: 'scope:evaluation', onlyDependOnLibsWithTags: ['scope:core'], bannedExternalImports: banned() },
  // The HTML report and its Vega charts apart from the metrics, so the scoring service's closure has no Vega.
  {
    sourceTag: 'scope:reports',
    onlyDependOnLibsWithTags: ['scope:core', 'scope:evaluation'],
    bannedExternalImports: banned(...VEGA),
  },
  { sourceTag: 'scope:databricks', onlyDependOnLibsWithTags: ['scope:core'], bannedExternalImports: banned() },
  // The SQL warehouse engine apart from the REST client, so the scoring app's closure has no @databricks/sql.
  {
    sourceTag: 'scope:databricks-sql',
    onlyDependOnLibsWithTags: ['scope:core', 'scope:databricks'],
    bannedExternalImports: banned(SQL_DRIVER),
  },
  {
    sourceTag: 'scope:registry',
    onlyDependOnLibsWithTags: ['scope:core', 'scope:databricks'],
    bannedExternalImports: banned(),
  },
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
  // Type-aware rules (typescript-eslint's recommendedTypeChecked) on every TypeScript source file, with the
  // TypeScript project each file belongs to: no floating or misused promises, no awaiting non-promises, …
  ...tseslint.configs.recommendedTypeCheckedOnly.map((config) => ({ ...config, files: ['**/*.ts', '**/*.mts'] })),
  {
    files: ['**/*.ts', '**/*.mts'],
    languageOptions: { parserOptions: { projectService: true } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      // Async methods often implement a Promise-returning interface without awaiting anything themselves.
      '@typescript-eslint/require-await': 'off',
      // `'gitHub' | 'gitLab' | string` documents the known values of an open set; the rule calls that redundant.
      '@typescript-eslint/no-redundant-type-constituents': 'off',
    },
  },
  {
    // Units a newcomer can read: a function over 60 lines (blank lines and comments aside) says why next to it, as
    // `// eslint-disable-next-line max-lines-per-function -- <the reason>`. Specs are exempt: a describe block is a list.
    files: ['**/*.ts', '**/*.mts'],
    ignores: ['**/*.spec.ts', '**/testing/**', '**/fixtures/**'],
    rules: {
      'max-lines-per-function': ['error', { max: 60, skipBlankLines: true, skipComments: true, IIFEs: true }],
    },
  },
  {
    // The local SQL warehouse speaks the driver's Thrift protocol through generated, untyped JavaScript, and
    // restates DuckDB's type ids as numbers so that it needs no runtime import of the native package.
    files: ['tools/databricks-emulator/src/sql-warehouse/**/*.ts', '**/src/sql-warehouse/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-enum-comparison': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
    },
  },
  {
    // Tests (and the deployment smoke check) read JSON bodies, CLI output and Python results whose shape the
    // assertions themselves check: `any` there is the point of the test, not a hole in the types.
    files: ['**/*.spec.ts', '**/testing/**/*.ts', '**/fixtures/**/*.ts', '**/smoke/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
];
