import type { KnipConfig } from 'knip';

// Dependency hygiene, run by `npm test` (tools/workspace-checks/src/dependencies.spec.ts): every package a
// package.json declares is used, every package the code imports is declared, every binary a script runs is known.
// Only dependency findings: unused exports and files are left to the compiler and the import-cycle check.
const config: KnipConfig = {
  include: ['dependencies', 'unlisted', 'unresolved', 'binaries'],
  workspaces: {
    '.': {
      ignoreDependencies: [
        // The root package.json repeats the run-time packages its workspaces declare (since the foundation
        // commit); no file of the root imports them. Dropping them is for a change that checks the deployment.
        /^(@databricks\/sql|@duckdb\/node-api|apache-arrow|cli-progress|commander|express|onnx-proto|onnxruntime-node|pino|prom-client|vega|vega-lite|zod)$/,
        // Loaded by @nx/eslint-plugin's flat configs (javascript, typescript), which the root eslint.config.mjs spreads.
        '@eslint/js',
        // The Nx plugins' own API; pinned with them at one version.
        '@nx/devkit',
        // Pins the jest-util @nx/jest resolves at the top level (`npm ls jest-util`).
        'jest-util',
        // Jest loads every project's jest.config.cts through ts-node.
        'ts-node',
        // @nx/jest's preset (which jest.preset.js spreads) transforms .mjs/.mts/.cts/.cjs/.html with ts-jest, and Jest
        // loads every configured transformer when it starts, whether a file needs it or not.
        'ts-jest',
      ],
    },
  },
  // jest.preset.js maps vega-canvas (a dependency of vega) to its browser build for the report specs.
  ignoreDependencies: ['vega-canvas'],
  // The specs of onnxruntime users name jest.environment.cjs by path, which knip reads as a package name.
  ignoreUnresolved: [/jest\.environment\.cjs$/],
  // apt-get: the system-packages script prints the install command; script(1): util-linux, a terminal for Ctrl-C tests;
  // redis-server: Debian's package (installed by the system-packages script), started by the Redis bench and specs.
  ignoreBinaries: ['apt-get', 'script', 'redis-server'],
};

export default config;
